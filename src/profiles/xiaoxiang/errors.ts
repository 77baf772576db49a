import type { DocumentCode, ErrorTableSpec } from '../kit/errors.ts';

/**
 * The document's 错误代码定义: only its nine codes, each with its status. Whatever the core calls
 * a problem of the request's form is INVALID_REQUEST, of its values VALIDATION_ERROR; a missing
 * thing NOT_FOUND, whatever kind. Field names are the core's camelCase ones, as the document's.
 */
const invalid: DocumentCode = { code: 'INVALID_REQUEST', message: '请求格式错误', status: 400 };
const validation: DocumentCode = { code: 'VALIDATION_ERROR', message: '参数验证失败', status: 400 };
const unauthorized: DocumentCode = { code: 'UNAUTHORIZED', message: '未授权访问', status: 401 };
const forbidden: DocumentCode = { code: 'FORBIDDEN', message: '禁止访问', status: 403 };
const notFound: DocumentCode = { code: 'NOT_FOUND', message: '资源不存在', status: 404 };
const rateLimited: DocumentCode = { code: 'RATE_LIMITED', message: '请求频率限制', status: 429 };

const byStatus: Record<number, { code: number | string; message: string }> = {
  400: invalid,
  401: unauthorized,
  403: forbidden,
  404: notFound,
  429: rateLimited,
  503: { code: 'SERVICE_UNAVAILABLE', message: '服务不可用' },
};

/** Core fields this document names otherwise. */
const renamed: Record<string, string> = {
  replyToId: 'replyTo',
  conversationId: 'chatId',
  members: 'participantIds',
  nickname: 'name',
  fileId: 'metadata.fileId',
  clientId: 'metadata.clientId',
};

export const errors: ErrorTableSpec = {
  codes: {
    VALIDATION: validation,
    CANNOT_ADD_SELF: validation,
    CANNOT_CALL_SELF: validation,
    FILE_TYPE_UNSUPPORTED: validation,
    FILE_TOO_LARGE: validation,
    BAD_REQUEST: invalid,
    PAYLOAD_TOO_LARGE: invalid,
    UNSUPPORTED_MEDIA_TYPE: invalid,
    RANGE_NOT_SATISFIABLE: invalid,
    UPGRADE_REQUIRED: invalid,
    CONFLICT: invalid,
    PHONE_TAKEN: validation,
    USERNAME_TAKEN: validation,
    EMAIL_TAKEN: validation,
    METHOD_NOT_ALLOWED: notFound,
    TOKEN_EXPIRED: { code: 'TOKEN_EXPIRED', message: 'Token已过期', status: 401 },
    TOO_MANY_CONNECTIONS: rateLimited,
  },
  byStatus: (status) => byStatus[status] ?? (status < 500 ? invalid : { code: 'SERVER_ERROR', message: '服务器内部错误' }),
  fieldName: (field) => renamed[field] ?? field,
};
