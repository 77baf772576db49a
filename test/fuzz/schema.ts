import fc from 'fast-check';
import type { Pool } from './fixture.ts';
import { Ref, type Json } from './json.ts';

/**
 * Valid values from a route's JSON schemas (TypeBox emits plain JSON Schema), for the subset the
 * kit's schemas use: object (properties, required, minProperties), string (minLength, maxLength,
 * pattern, format, const, enum), integer and number (minimum, maximum), boolean, null, array
 * (items, minItems, maxItems), anyOf / oneOf / allOf. Fields that name a fixture resource (a
 * `chat_id`, `members`, a `file_id`, a `phone`) mostly take a fixture value, so a valid request
 * reaches past "not found" into the rules it means to exercise.
 */

export type Schema = Record<string, any>;

/** The schema as plain JSON (TypeBox keeps its own markers out of JSON). */
export function plain(schema: unknown): Schema {
  return JSON.parse(JSON.stringify(schema ?? {})) as Schema;
}

const idLike = /(^|_)ids?$|[a-z]Ids?$|^members$|^before$|^after$|^forward_from$|^reply_to$/;

/** Which fixture pool a field or path parameter of this name draws from, if any. */
export function poolFor(name: string, type: 'integer' | 'string' | 'param'): Pool | undefined {
  const n = name.toLowerCase();
  if (type === 'string') {
    if (/phone/.test(n)) return 'phone';
    if (n === 'username') return 'username';
    if (n === 'password') return 'password';
  }
  if (type !== 'param' && !idLike.test(name)) return undefined;
  if (/sched/.test(n)) return 'scheduled';
  if (/file|attach|upload/.test(n)) return type === 'integer' ? undefined : 'file';
  if (/message|msg|reply|forward|^before$|^after$/.test(n)) return 'message';
  if (/chat|conversation|room|group|channel/.test(n)) return 'chat';
  if (/request/.test(n)) return 'request';
  if (/user|contact|member|friend|peer|account|callee|caller|receiver|recipient|sender|target|owner/.test(n)) return 'user';
  return undefined;
}

/** Is this a file link field (`file_url`, `fileUrl`)? Those take the server's own link to a fixture file. */
const isFileLink = (name: string) => /file.?url/i.test(name);

const codePoints = (s: string) => [...s].length;

function stringArb(s: Schema, name: string): fc.Arbitrary<Json> {
  const min: number = s.minLength ?? 0;
  const max: number = s.maxLength ?? Math.max(min, 40);
  const fits = (v: string) => codePoints(v) >= min && codePoints(v) <= max;
  const soft = Math.min(max, min + 24);
  let arb: fc.Arbitrary<string>;
  if (s.format === 'date-time') arb = fc.date({ min: new Date('2001-01-01T00:00:00Z'), max: new Date('2090-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
  else if (s.format === 'email') arb = fc.emailAddress().filter((e) => e.length <= max && e.length <= 64);
  else if (s.format === 'uri' || s.format === 'url') arb = fc.webUrl();
  else if (typeof s.pattern === 'string') arb = fc.stringMatching(new RegExp(s.pattern)).filter(fits);
  else
    arb = fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: min, maxLength: soft }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: soft }).filter(fits) },
    );
  if (isFileLink(name)) return fc.oneof({ weight: 3, arbitrary: refArb('file', 'link') }, { weight: 1, arbitrary: arb });
  const pool = poolFor(name, 'string');
  return pool ? fc.oneof({ weight: 3, arbitrary: refArb(pool, 'text') }, { weight: 1, arbitrary: arb }) : arb;
}

export function refArb(pool: Pool, as: Ref['as']): fc.Arbitrary<Ref> {
  return fc.nat(3).map((i) => new Ref(pool, i, as));
}

function integerArb(s: Schema, name: string): fc.Arbitrary<Json> {
  const lo: number = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1000);
  const hi: number = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : lo + 1_000_000);
  const arb = fc.integer({ min: Math.max(lo, Number.MIN_SAFE_INTEGER), max: Math.min(hi, Number.MAX_SAFE_INTEGER) });
  const pool = lo >= 1 ? poolFor(name, 'integer') : undefined;
  return pool ? fc.oneof({ weight: 3, arbitrary: refArb(pool, 'value') }, { weight: 1, arbitrary: arb }) : arb;
}

const ABSENT = Symbol('absent');

/**
 * Objects with every required field and each optional one a quarter of the time: a request with
 * few fields is more often one the service accepts, so mutations reach past its first refusal.
 */
function objectArb(s: Schema): fc.Arbitrary<Json> {
  const props = Object.entries((s.properties ?? {}) as Record<string, Schema>);
  const required = new Set((s.required ?? []) as string[]);
  const fields = props.map(([k, v]) =>
    required.has(k) ? valid(v, k) : fc.oneof({ withCrossShrink: true }, { weight: 3, arbitrary: fc.constant<typeof ABSENT>(ABSENT) }, { weight: 1, arbitrary: valid(v, k) }),
  );
  const min: number = s.minProperties ?? 0;
  return fc
    .tuple(...fields)
    .map((values) => Object.fromEntries(values.flatMap((v, i) => (v === ABSENT ? [] : [[props[i]![0], v]]))) as Record<string, Json>)
    .filter((o) => Object.keys(o).length >= min);
}

/** An arbitrary of values the schema accepts (`name` is the field's, for fixture pools). */
export function valid(schema: Schema, name = ''): fc.Arbitrary<Json> {
  if ('const' in schema) return fc.constant(schema.const as Json);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as Json[]));
  const alternatives = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((a) => valid(a, name)));
  if (Array.isArray(schema.allOf)) return valid(Object.assign({}, ...(schema.allOf as Schema[])), name);
  const type: unknown = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return stringArb(schema, name);
    case 'integer':
      return integerArb(schema, name);
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const min: number = schema.minItems ?? 0;
      return fc.array(valid((schema.items ?? {}) as Schema, name), { minLength: min, maxLength: Math.min(schema.maxItems ?? min + 3, min + 3) });
    }
    case 'object':
      return objectArb(schema);
    default:
      return fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null));
  }
}

/** A field a mutation can aim at: its path in the body, its schema and whether it is required. */
export interface FieldPath {
  path: readonly (string | number)[];
  schema: Schema;
  required: boolean;
}

/** Every field of an object schema, nested objects and array items included (three levels). */
export function fieldPaths(schema: Schema, prefix: readonly (string | number)[] = [], depth = 0): FieldPath[] {
  if (depth > 2) return [];
  const out: FieldPath[] = [];
  if (schema.type === 'object' && schema.properties) {
    const required = new Set((schema.required ?? []) as string[]);
    for (const [k, sub] of Object.entries(schema.properties as Record<string, Schema>)) {
      const path = [...prefix, k];
      out.push({ path, schema: sub, required: required.has(k) }, ...fieldPaths(sub, path, depth + 1));
    }
  } else if (schema.type === 'array' && schema.items) {
    const path = [...prefix, 0];
    out.push({ path, schema: schema.items as Schema, required: false }, ...fieldPaths(schema.items as Schema, path, depth + 1));
  }
  return out;
}

/** The name a field goes by (its last key; for array items, the array's). */
export function fieldName(path: readonly (string | number)[]): string {
  return String([...path].reverse().find((p) => typeof p === 'string') ?? '');
}
