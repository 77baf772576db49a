import type { ErrorTableSpec } from '../kit/errors.ts';
import { snakeFields } from '../kit/errors.ts';

/**
 * The document's 通用错误响应格式: `code` is the HTTP status, `message` its text from the
 * document's 常见错误码 list. The document has no 422 and no 409: validation failures and names
 * already taken are 400. A failed login has the document's own text (the route says the detail).
 */
const statusText: Record<number, string> = {
  400: '请求参数错误',
  401: '未授权或 token 无效',
  403: '权限不足',
  404: '资源不存在',
  405: '请求方法不允许',
  409: '资源冲突',
  413: '请求体过大',
  415: '不支持的内容类型',
  426: '需要升级为 WebSocket 连接',
  429: '请求过于频繁',
  500: '服务器内部错误',
  503: '服务暂时不可用',
};

const taken = { code: 400, message: statusText[400]!, status: 400 };

export const errors: ErrorTableSpec = {
  codes: {
    WRONG_PASSWORD: { code: 401, message: '登录失败' },
    USERNAME_TAKEN: taken,
    EMAIL_TAKEN: taken,
    PHONE_TAKEN: taken,
  },
  statuses: { VALIDATION: 400 },
  byStatus: (status) => ({ code: status, message: statusText[status] ?? (status >= 500 ? statusText[500]! : '请求失败') }),
  fieldName: snakeFields({ members: 'user_ids', userId: 'receiver_id', receiverId: 'receiver_id' }),
};
