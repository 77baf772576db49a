import { Type, type TSchema } from 'typebox';
import type { FieldProblem } from '../../domain/errors.ts';
import { isoSeconds } from './time.ts';

/** An error as a profile states it, before its envelope wraps it. */
export interface ErrorParts {
  status: number;
  /** The document's business code: a number, a string such as AUTH_001, or the HTTP status. */
  code: number | string;
  /** The document's text for that code. */
  message: string;
  /** What went wrong in this case. */
  detail: string;
  /** Field problems of a validation error, in the document's field names. */
  details?: FieldProblem[];
  requestId: string;
  at: number;
}

/**
 * How a document wraps its answers: the success body and its schema, the error body and its
 * schema. Profiles pick one of these values; none builds bodies by hand.
 */
export interface Envelope {
  readonly name: string;
  success(data: unknown, message: string, status: number, at: number): unknown;
  successSchema(data: TSchema): TSchema;
  error(e: ErrorParts): unknown;
  readonly errorSchema: TSchema;
}

const Details = Type.Array(Type.Object({ field: Type.String(), message: Type.String() }));
const Timestamp = Type.String({ format: 'date-time' });

/** 志航密信: `{code, message, data, timestamp}` plus `success`; errors add `error` and `details`. */
export const codeMessageData: Envelope = {
  name: 'code-message-data',
  success: (data, message, status, at) => ({ code: status, message, data, timestamp: isoSeconds(at), success: true }),
  successSchema: (data) =>
    Type.Object({ code: Type.Integer({ examples: [200] }), message: Type.String(), data, timestamp: Timestamp, success: Type.Boolean() }),
  error: (e) => ({
    code: e.code,
    message: e.message,
    error: e.detail,
    timestamp: isoSeconds(e.at),
    success: false,
    ...(e.details && { details: e.details }),
  }),
  errorSchema: Type.Object({
    code: Type.Integer({ description: 'business code where one applies, else the HTTP status' }),
    message: Type.String(),
    error: Type.String({ description: 'detail of what went wrong' }),
    timestamp: Timestamp,
    success: Type.Boolean(),
    details: Type.Optional(Details),
  }),
};

/** The minimal API (lite): `{code: 200, message: "success", data}`; errors `{code, message, error}`. */
export const codeMessage: Envelope = {
  name: 'code-message',
  success: (data, message, status) => ({ code: status, message, data }),
  successSchema: (data) => Type.Object({ code: Type.Integer({ examples: [200] }), message: Type.String(), data }),
  error: (e) => ({ code: e.code, message: e.message, error: e.detail, ...(e.details && { details: e.details }) }),
  errorSchema: Type.Object({
    code: Type.Integer({ description: 'the HTTP status' }),
    message: Type.String(),
    error: Type.String(),
    details: Type.Optional(Details),
  }),
};

/**
 * Chat8: `{success, data, message, timestamp}`; errors `{success: false, error: {code, message,
 * details}, timestamp}` with `details` always an object: `{}`, or `{fields: [...]}` for a
 * validation error.
 */
export const successData: Envelope = {
  name: 'success-data',
  success: (data, message, _status, at) => ({ success: true, data, message, timestamp: isoSeconds(at) }),
  successSchema: (data) => Type.Object({ success: Type.Boolean(), data, message: Type.String(), timestamp: Timestamp }),
  error: (e) => ({
    success: false,
    error: { code: e.code, message: e.detail || e.message, details: e.details ? { fields: e.details } : {} },
    timestamp: isoSeconds(e.at),
  }),
  errorSchema: Type.Object({
    success: Type.Boolean(),
    error: Type.Object({
      code: Type.String({ examples: ['AUTH_001'] }),
      message: Type.String(),
      details: Type.Object({ fields: Type.Optional(Details) }),
    }),
    timestamp: Timestamp,
  }),
};

/**
 * 小象聊天: `{success, data, meta}`; errors `{success: false, error: {code, message, details,
 * requestId, timestamp}}`. A route's `meta` (paging) is lifted out of its data beside it.
 */
export const successDataMeta: Envelope = {
  name: 'success-data-meta',
  success: (data) => {
    if (typeof data !== 'object' || data === null || !('meta' in data)) return { success: true, data };
    const { meta, ...rest } = data;
    return { success: true, data: rest, meta };
  },
  successSchema: (data) => {
    const props = (data as { properties?: Record<string, TSchema> }).properties;
    if (!props?.meta) return Type.Object({ success: Type.Boolean(), data });
    const { meta, ...rest } = props;
    return Type.Object({ success: Type.Boolean(), data: Type.Object(rest), meta });
  },
  error: (e) => ({
    success: false,
    error: { code: e.code, message: e.detail || e.message, ...(e.details && { details: e.details }), requestId: e.requestId, timestamp: isoSeconds(e.at) },
  }),
  errorSchema: Type.Object({
    success: Type.Boolean(),
    error: Type.Object({
      code: Type.String({ examples: ['VALIDATION_ERROR'] }),
      message: Type.String(),
      details: Type.Optional(Details),
      requestId: Type.String(),
      timestamp: Timestamp,
    }),
  }),
};

/**
 * The Flutter client's API: bare bodies; errors `{code, message, details}` with `message` the
 * document's text for the code and `details` what went wrong in this case (a string naming the
 * field for a field problem), or null when there is nothing more to say.
 */
export const bare: Envelope = {
  name: 'bare',
  success: (data) => data,
  successSchema: (data) => data,
  error: (e) => ({ code: e.code, message: e.message, details: e.detail || null }),
  errorSchema: Type.Object({ code: Type.Union([Type.Integer(), Type.String()]), message: Type.String(), details: Type.Union([Type.String(), Type.Null()]) }),
};
