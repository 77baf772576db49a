import { isDeepStrictEqual } from 'node:util';
import type { TSchema } from 'typebox';
import { compileStrict, fieldProblems } from '../../src/http/validation.ts';

const validators = new WeakMap<TSchema, ReturnType<typeof compileStrict>>();

/** Where `after` differs from `before` by keys removed or added (Ajv's removeAdditional and defaults). */
function changedKeys(before: unknown, after: unknown, path: string, out: string[]): void {
  if (typeof before !== 'object' || before === null || typeof after !== 'object' || after === null) return;
  const b = before as Record<string, unknown>;
  const a = after as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    const at = path ? `${path}.${key}` : key;
    if (!Object.hasOwn(a, key)) out.push(`${at}: is not declared (additionalProperties: false)`);
    else changedKeys(b[key], a[key], at, out);
  }
  for (const key of Object.keys(a)) if (!Object.hasOwn(b, key)) out.push(`${path ? `${path}.${key}` : key}: was missing (filled by a default)`);
}

/**
 * What is wrong with `value` against `schema`, validated as the server validates JSON it did not
 * coerce (compileStrict). That validator removes undeclared fields instead of refusing them, so
 * it runs on a copy and every field it had to remove (or default) is a problem too: a leaked
 * field fails the contract.
 */
export function contractProblems(schema: TSchema, value: unknown): string[] {
  let validate = validators.get(schema);
  if (!validate) validators.set(schema, (validate = compileStrict(schema)));
  const copy = structuredClone(value);
  if (!validate(copy)) return fieldProblems(validate.errors ?? [], '(root)').map((p) => `${p.field}: ${p.message}`);
  if (isDeepStrictEqual(copy, value)) return [];
  const out: string[] = [];
  changedKeys(value, copy, '', out);
  return out.length > 0 ? out : ['the validator changed the value'];
}

/** Every object in `schema` that does not refuse undeclared fields, by JSON path. */
export function openObjects(schema: unknown, path = '$'): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Record<string, unknown>;
  const out: string[] = [];
  if (s.type === 'object' && s.additionalProperties !== false) out.push(path);
  for (const [key, sub] of Object.entries((s.properties as Record<string, unknown> | undefined) ?? {})) out.push(...openObjects(sub, `${path}.${key}`));
  if (s.items) out.push(...openObjects(s.items, `${path}[]`));
  for (const k of ['anyOf', 'allOf', 'oneOf']) if (Array.isArray(s[k])) (s[k] as unknown[]).forEach((sub, i) => out.push(...openObjects(sub, `${path}|${i}`)));
  return out;
}
