/**
 * Core error vocabulary. Services throw AppError with a stable core code; each profile maps the
 * code to its own documented business code and envelope (see src/profiles/<name>/errors.ts).
 * The status here is the default HTTP status; a profile may override it where its document says so.
 */
export const coreErrorStatus = {
  BAD_REQUEST: 400,
  VALIDATION: 422,
  UNAUTHORIZED: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_INVALID: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  UPGRADE_REQUIRED: 426,
  TOO_MANY_CONNECTIONS: 429,

  USER_NOT_FOUND: 404,
  WRONG_PASSWORD: 401,
  WRONG_CODE: 401,
  USER_DISABLED: 403,
  PHONE_TAKEN: 409,
  USERNAME_TAKEN: 409,
  EMAIL_TAKEN: 409,
  REGISTRATION_CLOSED: 403,
  /** A password change whose current password is wrong (a request error, not a failed login). */
  WRONG_CURRENT_PASSWORD: 400,

  CONTACT_EXISTS: 409,
  CONTACT_NOT_FOUND: 404,
  CANNOT_ADD_SELF: 422,
  FRIEND_REQUEST_NOT_FOUND: 404,
  FRIEND_REQUEST_EXISTS: 409,
  ALREADY_FRIENDS: 409,
  NOT_FRIENDS: 404,

  KEY_NOT_FOUND: 404,

  DEPARTMENT_NOT_FOUND: 404,
  /** Another department of that name is already under the same parent. */
  DEPARTMENT_EXISTS: 409,
  /** A department with sub-departments or members cannot be removed. */
  DEPARTMENT_NOT_EMPTY: 409,

  CHAT_NOT_FOUND: 404,
  NOT_A_MEMBER: 403,
  MESSAGE_NOT_FOUND: 404,
  MESSAGE_FORBIDDEN: 403,
  /** The sender's recall window has passed. */
  RECALL_EXPIRED: 403,
  /** The other member of a private conversation has blocked the sender. */
  BLOCKED: 403,

  FILE_NOT_FOUND: 404,
  FILE_TYPE_UNSUPPORTED: 415,
  FILE_TOO_LARGE: 413,

  CALL_NOT_FOUND: 404,
  CALL_STATE: 409,
  CANNOT_CALL_SELF: 422,
} as const;

export type CoreErrorCode = keyof typeof coreErrorStatus;

export interface FieldProblem {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  details?: unknown;
  /** Seconds a client should wait before retrying (rate limits, cooldowns). */
  retryAfter?: number;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: CoreErrorCode;
  readonly details: unknown;
  readonly retryAfter: number | undefined;

  constructor(code: CoreErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(message ?? code, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }

  get status(): number {
    return coreErrorStatus[this.code];
  }

  static validation(problems: FieldProblem[], message?: string): AppError {
    const text = message ?? problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    return new AppError('VALIDATION', text, { details: problems });
  }
}

/**
 * The unique keys two concurrent writes can race for. Services check first and give a clear
 * error; when a concurrent request wins the race anyway, the store reports which key it lost as
 * this, whatever the driver and index names.
 */
export type UniqueTarget =
  | 'users.phone'
  | 'users.username'
  | 'users.email'
  | 'contacts.pair'
  | 'departments.name'
  | 'conversations.pair'
  | 'messages.client_id'
  | 'scheduled_messages.client_id';

/** A write lost a unique key to another row (thrown by repositories, caught by services). */
export class UniqueConflict extends Error {
  constructor(
    readonly target: UniqueTarget,
    options?: { cause?: unknown },
  ) {
    super(`unique conflict on ${target}`, options);
    this.name = 'UniqueConflict';
  }
}
