import { Type, type TSchema } from 'typebox';
import { isoSeconds } from '../common/time.ts';

/** The document's success envelope, plus `success` for clients that test it. */
export function ok<T>(data: T, message = 'success') {
  return { code: 200, message, data, timestamp: isoSeconds(Date.now()), success: true as const };
}

export function Envelope<T extends TSchema>(data: T) {
  return Type.Object({
    code: Type.Integer({ examples: [200] }),
    message: Type.String(),
    data,
    timestamp: Type.String({ format: 'date-time' }),
    success: Type.Boolean(),
  });
}

export const ErrorEnvelope = Type.Object({
  code: Type.Integer({ description: 'business code (10001…50001) where one applies, else the HTTP status' }),
  message: Type.String(),
  error: Type.String({ description: 'detail of what went wrong' }),
  timestamp: Type.String({ format: 'date-time' }),
  success: Type.Boolean(),
  details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
});

export const Empty = Type.Object({});
