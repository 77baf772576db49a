import type { ErrorTableSpec } from '../kit/errors.ts';
import { snakeFields } from '../kit/errors.ts';

/** The document's 错误代码 table; its statuses are the decisions (AUTH_003 is 400 on a password change). */
export const errors: ErrorTableSpec = {
  codes: {
    UNAUTHORIZED: { code: 'AUTH_001', message: '无效的认证令牌' },
    TOKEN_INVALID: { code: 'AUTH_001', message: '无效的认证令牌' },
    TOKEN_EXPIRED: { code: 'AUTH_002', message: '令牌已过期' },
    WRONG_PASSWORD: { code: 'AUTH_003', message: '用户名或密码错误', status: 401 },
    WRONG_CURRENT_PASSWORD: { code: 'AUTH_003', message: '用户名或密码错误', status: 400 },
    USER_NOT_FOUND: { code: 'USER_001', message: '用户不存在' },
    USERNAME_TAKEN: { code: 'USER_002', message: '用户名已存在' },
    EMAIL_TAKEN: { code: 'USER_003', message: '邮箱已存在' },
    NOT_FRIENDS: { code: 'FRIEND_001', message: '好友关系不存在' },
    FRIEND_REQUEST_NOT_FOUND: { code: 'FRIEND_001', message: '好友关系不存在' },
    CANNOT_ADD_SELF: { code: 'FRIEND_002', message: '不能添加自己为好友', status: 400 },
    FRIEND_REQUEST_EXISTS: { code: 'FRIEND_003', message: '好友请求已存在' },
    ALREADY_FRIENDS: { code: 'FRIEND_003', message: '好友请求已存在' },
    MESSAGE_NOT_FOUND: { code: 'MESSAGE_001', message: '消息不存在' },
    MESSAGE_FORBIDDEN: { code: 'MESSAGE_002', message: '无权限访问消息' },
    BLOCKED: { code: 'MESSAGE_002', message: '无权限访问消息' },
    FILE_TYPE_UNSUPPORTED: { code: 'FILE_001', message: '文件类型不支持', status: 400 },
    FILE_TOO_LARGE: { code: 'FILE_002', message: '文件大小超出限制' },
    KEY_NOT_FOUND: { code: 'ENCRYPT_001', message: '加密密钥不存在' },
  },
  // The document's HTTP status list, for errors without a code of their own.
  byStatus: (status) => statusCodes[status] ?? { code: status >= 500 ? 'INTERNAL_ERROR' : 'REQUEST_ERROR', message: status >= 500 ? '服务器内部错误' : '请求失败' },
  fieldName: snakeFields(),
};

const statusCodes: Record<number, { code: string; message: string }> = {
  400: { code: 'VALIDATION_ERROR', message: '请求参数错误' },
  401: { code: 'AUTH_001', message: '无效的认证令牌' },
  403: { code: 'FORBIDDEN', message: '禁止访问' },
  404: { code: 'NOT_FOUND', message: '资源不存在' },
  405: { code: 'METHOD_NOT_ALLOWED', message: '请求方法不允许' },
  409: { code: 'CONFLICT', message: '资源冲突' },
  413: { code: 'FILE_002', message: '文件大小超出限制' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', message: '不支持的内容类型' },
  416: { code: 'RANGE_NOT_SATISFIABLE', message: '请求范围无效' },
  422: { code: 'VALIDATION_ERROR', message: '请求参数验证失败' },
  426: { code: 'UPGRADE_REQUIRED', message: '需要升级为 WebSocket 连接' },
  429: { code: 'RATE_LIMITED', message: '请求过于频繁' },
  500: { code: 'INTERNAL_ERROR', message: '服务器内部错误' },
  503: { code: 'SERVICE_UNAVAILABLE', message: '服务暂时不可用' },
};
