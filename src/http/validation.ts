import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { FieldProblem } from '../domain/errors.ts';

// ajv-formats ships CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: true,
    allErrors: false,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

// Query strings and paths arrive as text and must be coerced ("20" -> 20); JSON bodies must not be,
// so that {"nickname": 123} is a type error instead of silently becoming "123".
const coercing = makeAjv(true);
const strict = makeAjv(false);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? strict : coercing).compile(schema as object);

/** Turns Ajv errors into field problems that name the request field, not the JSON pointer. */
export function fieldProblems(errors: readonly Partial<ErrorObject>[], context?: string): FieldProblem[] {
  return errors.map((e) => {
    const path = (e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const missing = e.keyword === 'required' ? (e.params as { missingProperty?: string }).missingProperty : undefined;
    const field = [path, missing].filter(Boolean).join('.') || context || 'body';
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') message = 'is required';
    else if (e.keyword === 'additionalProperties') message = `has an unknown field ${(e.params as { additionalProperty?: string }).additionalProperty}`;
    return { field, message };
  });
}

/** A validator for JSON that arrived outside a request body (WebSocket frames): strict, no coercion. */
export function compileStrict<T>(schema: object): ((data: unknown) => data is T) & { errors?: Partial<ErrorObject>[] | null } {
  return strict.compile<T>(schema);
}
