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

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

// Ajv coerces any text that JavaScript reads as a number ("0x10", "1e3", " 12"); numbers in a
// query or path are taken only in their plain decimal form.
const numberText = { integer: /^-?(0|[1-9][0-9]*)$/, number: /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/ };

type NumberKind = keyof typeof numberText;

function numberKindOf(schema: Record<string, unknown>): NumberKind | undefined {
  if (schema.type === 'integer' || schema.type === 'number') return schema.type;
  const branches = (schema.anyOf ?? schema.oneOf) as Record<string, unknown>[] | undefined;
  if (!branches || branches.some((b) => b.type === 'string')) return undefined;
  return branches.map(numberKindOf).find((k) => k !== undefined);
}

/** Ajv's coercing validator, after a check that numeric fields are written as plain decimals. */
function plainNumbers(schema: Record<string, unknown>, validate: Validate): Validate {
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const numeric = Object.entries(properties).flatMap(([name, s]) => {
    const kind = numberKindOf(s);
    return kind ? [[name, kind] as const] : [];
  });
  if (numeric.length === 0) return validate;
  const checked: Validate = (data) => {
    for (const [name, kind] of numeric) {
      const value = (data as Record<string, unknown> | undefined)?.[name];
      if (typeof value === 'string' && !numberText[kind].test(value)) {
        checked.errors = [{ instancePath: `/${name}`, schemaPath: `#/properties/${name}/type`, keyword: 'type', params: { type: kind }, message: `must be ${kind === 'integer' ? 'an integer' : 'a number'} in decimal digits` }];
        return false;
      }
    }
    const ok = validate(data);
    checked.errors = validate.errors;
    return ok;
  };
  return checked;
}

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  httpPart === 'body' ? strict.compile(schema as object) : plainNumbers(schema as Record<string, unknown>, coercing.compile(schema as object));

/** Turns Ajv errors into field problems that name the request field, not the JSON pointer. */
export function fieldProblems(errors: readonly Partial<ErrorObject>[], context?: string): FieldProblem[] {
  return namedChoices(errors).map((e) => {
    const path = (e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const missing = e.keyword === 'required' ? (e.params as { missingProperty?: string }).missingProperty : undefined;
    const field = [path, missing].filter(Boolean).join('.') || context || 'body';
    let message = e.message ?? 'is invalid';
    if (e.keyword === 'required') message = 'is required';
    else if (e.keyword === 'additionalProperties') message = `has an unknown field ${(e.params as { additionalProperty?: string }).additionalProperty}`;
    return { field, message };
  });
}

/**
 * A union of literals fails as one `const` error per branch and an `anyOf` error after them
 * ("must be equal to constant" twice, then "must match a schema in anyOf"); a person needs the one
 * line that names the choices.
 */
function namedChoices(errors: readonly Partial<ErrorObject>[]): Partial<ErrorObject>[] {
  const out: Partial<ErrorObject>[] = [];
  for (const e of errors) {
    if (e.keyword === 'anyOf') {
      const branches = out.filter((b) => b.keyword === 'const' && b.instancePath === e.instancePath);
      if (branches.length > 0) {
        const choices = branches.map((b) => JSON.stringify((b.params as { allowedValue?: unknown }).allowedValue));
        out.splice(0, out.length, ...out.filter((b) => !branches.includes(b)));
        out.push({ ...e, keyword: 'enum', message: `must be one of ${choices.join(', ')}` });
        continue;
      }
    }
    out.push(e);
  }
  return out;
}

type Guard<T> = ((data: unknown) => data is T) & { errors?: Partial<ErrorObject>[] | null };

/**
 * A validator for JSON that arrived outside a request body (WebSocket frames): strict, no
 * coercion. Compiled at its first use, as route schemas are (src/http/lazy-schemas.ts): the
 * profiles' socket commands are defined when their modules load, at every start.
 */
export function compileStrict<T>(schema: object): Guard<T> {
  let compiled: Guard<T> | undefined;
  const validate = ((data: unknown): data is T => {
    compiled ??= strict.compile<T>(schema);
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  }) as Guard<T>;
  return validate;
}
