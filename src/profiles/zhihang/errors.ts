import type { ErrorTableSpec } from '../kit/errors.ts';
import { snakeFields } from '../kit/errors.ts';

/** The document's 错误码 table; the HTTP status follows the core. */
export const errors: ErrorTableSpec = {
  codes: {
    USER_NOT_FOUND: { code: 10001, message: '用户不存在' },
    WRONG_PASSWORD: { code: 10002, message: '密码错误' },
    WRONG_CODE: { code: 10003, message: '验证码错误' },
    USER_DISABLED: { code: 10004, message: '用户已被禁用' },
    PHONE_TAKEN: { code: 10005, message: '手机号已存在' },
    USERNAME_TAKEN: { code: 10006, message: '用户名已存在' },
    TOKEN_EXPIRED: { code: 10007, message: '令牌已过期' },
    TOKEN_INVALID: { code: 10008, message: '令牌无效' },
    CHAT_NOT_FOUND: { code: 20001, message: '聊天不存在' },
    NOT_A_MEMBER: { code: 20002, message: '用户不是聊天成员' },
    MESSAGE_NOT_FOUND: { code: 20003, message: '消息不存在' },
    MESSAGE_FORBIDDEN: { code: 20004, message: '无权限操作此消息' },
    RECALL_EXPIRED: { code: 20004, message: '无权限操作此消息' },
    FILE_NOT_FOUND: { code: 30001, message: '文件不存在' },
    FILE_TYPE_UNSUPPORTED: { code: 30002, message: '文件类型不支持' },
    FILE_TOO_LARGE: { code: 30003, message: '文件大小超限' },
    RATE_LIMITED: { code: 40001, message: '请求过于频繁' },
    INTERNAL: { code: 50001, message: '服务器内部错误' },
  },
  // The document's HTTP status table, for errors without a business code.
  byStatus: (status) => ({ code: status, message: statusTexts[status] ?? '请求失败' }),
  fieldName: snakeFields({ fileId: 'file_url', media: 'call_type' }),
  // `error` of a validation error is a sentence a client may show as it is (the im-suite web
  // client does), in the request's language, Chinese as the document's when it states none.
  validationSentences: 'zh',
};

const statusTexts: Record<number, string> = {
  400: '请求参数错误',
  401: '未授权',
  403: '禁止访问',
  404: '资源不存在',
  405: '请求方法不允许',
  409: '资源冲突',
  413: '请求体过大',
  415: '不支持的内容类型',
  416: '请求范围无效',
  422: '数据验证失败',
  426: '需要升级为 WebSocket 连接',
  429: '请求过于频繁',
  500: '服务器内部错误',
  503: '服务暂时不可用',
};
