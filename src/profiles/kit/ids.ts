import { Type, type TSchema } from 'typebox';
import { AppError, type CoreErrorCode } from '../../domain/errors.ts';

/**
 * How a document writes ids in paths. Decoding is strict: `0x10`, `1e3`, ` 12` or `012` are not
 * ids, whatever a lenient number parse would make of them. A malformed id is either the
 * resource's not-found error (ids are opaque to the client) or the profile's validation error.
 */
export interface IdCodec<T> {
  /** The path parameter's schema (for the OpenAPI document and the first check). */
  readonly schema: TSchema;
  decode(raw: string, param: string): T;
}

type Malformed = { notFound: CoreErrorCode } | 'validation';

function refuse(malformed: Malformed, param: string, expected: string): never {
  if (malformed === 'validation') throw AppError.validation([{ field: param, message: `must be ${expected}` }]);
  throw new AppError(malformed.notFound, `no such ${param}`);
}

const integerText = /^[1-9][0-9]{0,15}$/;

/** Positive integer ids (zhihang, chat8). */
export function integerId(malformed: Malformed = 'validation', description?: string): IdCodec<number> {
  return {
    // Text, decoded here: Ajv's integer coercion would take "0x10" and "1e3".
    schema: Type.String({ description: description ?? 'a positive integer id', examples: ['1'] }),
    decode(raw, param) {
      const n = Number(raw);
      if (!integerText.test(raw) || !Number.isSafeInteger(n)) refuse(malformed, param, 'a positive integer');
      return n;
    },
  };
}

/** Opaque string ids (flutter, xiaoxiang, lite): letters, digits, `_` and `-`. */
export function stringId(malformed: Malformed = 'validation', description?: string, maxLength = 100): IdCodec<string> {
  const pattern = new RegExp(`^[A-Za-z0-9_-]{1,${maxLength}}$`);
  return {
    schema: Type.String({ description: description ?? 'an id' }),
    decode(raw, param) {
      if (!pattern.test(raw)) refuse(malformed, param, 'an id of letters, digits, _ and -');
      return raw;
    },
  };
}

/** Strict integer ids in a query string or a JSON body, where a schema is enough. */
export const IdValue = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** An integer id as documents with string ids write it (lite, flutter). */
export const idText = (id: number): string => String(id);
