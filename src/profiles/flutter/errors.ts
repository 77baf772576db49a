import type { ErrorTableSpec } from '../kit/errors.ts';
import { snakeFields } from '../kit/errors.ts';

/**
 * The document's 错误处理: `{code, message, details}` with `code` the HTTP status, `message` the
 * text for it and `details` what went wrong (naming the field of a field problem), or null.
 * Every request problem is 400, never 422 (decision C4).
 */
const statusText: Record<number, string> = {
  400: 'Invalid request parameters',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  416: 'Range not satisfiable',
  426: 'Upgrade required',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

export const errors: ErrorTableSpec = {
  codes: {},
  statuses: { VALIDATION: 400, CANNOT_ADD_SELF: 400, CANNOT_CALL_SELF: 400, FILE_TYPE_UNSUPPORTED: 400, UNSUPPORTED_MEDIA_TYPE: 400 },
  byStatus: (status) => ({ code: status, message: statusText[status] ?? (status >= 500 ? statusText[500]! : 'Request failed') }),
  fieldName: snakeFields({
    members: 'members',
    userId: 'user_id',
    statusMessage: 'status_message',
    clientId: 'temp_id',
    fileId: 'content',
    redirectUri: 'redirect_uri',
    q: 'query',
    toUserId: 'target_id',
  }),
};
