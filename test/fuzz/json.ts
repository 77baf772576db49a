import type { Pool } from './fixture.ts';

/**
 * The JSON values the fuzzer sends: ordinary JSON, plus three kinds of leaf that JSON.stringify
 * cannot make. `Raw` is written verbatim (invalid UTF-8 bytes, `"\ud800"`, `1e999`, 1000 levels of
 * brackets); `Entries` is an object whose keys may repeat; `Ref` names a fixture value (`chat#0`)
 * resolved when the request is sent.
 */

export class Raw {
  constructor(
    readonly bytes: Buffer,
    readonly label: string,
  ) {}
  static text(text: string, label: string): Raw {
    return new Raw(Buffer.from(text, 'utf8'), label);
  }
}

export class Ref {
  constructor(
    readonly pool: Pool,
    readonly index: number,
    /** `link`: the server's own link to the file (a file id pool only). */
    readonly as: 'value' | 'text' | 'link' = 'value',
  ) {}
}

export class Entries {
  constructor(readonly entries: readonly (readonly [string, Json])[]) {}
}

export type Json = null | boolean | number | string | Raw | Ref | Entries | readonly Json[] | { readonly [key: string]: Json };

/** Turns a fixture reference into the value it names. */
export type Resolve = (ref: Ref) => string | number;

/** A plain JSON object (not an array, nor one of the special leaves). */
export function isObjectValue(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Raw) && !(v instanceof Ref) && !(v instanceof Entries);
}

/** The field is left out. */
export const REMOVE = Symbol('remove');

/** A copy of `root` with the value at `path` replaced (or removed), parents made as needed. */
export function setAt(root: Json | undefined, path: readonly (string | number)[], value: Json | typeof REMOVE): Json {
  const [head, ...rest] = path;
  if (head === undefined) return value === REMOVE ? null : value;
  if (typeof head === 'number') {
    const list = Array.isArray(root) ? [...(root as Json[])] : [];
    if (rest.length === 0 && value === REMOVE) list.splice(head, 1);
    else list[head] = setAt(list[head], rest, value);
    return list;
  }
  const obj: Record<string, Json> = isObjectValue(root) ? { ...root } : {};
  if (rest.length === 0 && value === REMOVE) delete obj[head];
  else obj[head] = setAt(obj[head], rest, value);
  return obj;
}

/** The bytes of a value as it goes on the wire. */
export function serialize(value: Json, resolve: Resolve): Buffer {
  const out: Buffer[] = [];
  const put = (s: string) => out.push(Buffer.from(s, 'utf8'));
  const walk = (v: Json): void => {
    if (v instanceof Raw) out.push(v.bytes);
    else if (v instanceof Ref) put(JSON.stringify(resolve(v)));
    else if (v instanceof Entries || isObjectValue(v)) {
      const entries = v instanceof Entries ? v.entries : Object.entries(v);
      put('{');
      entries.forEach(([k, x], i) => {
        put(`${i ? ',' : ''}${JSON.stringify(k)}:`);
        walk(x);
      });
      put('}');
    } else if (Array.isArray(v)) {
      put('[');
      (v as readonly Json[]).forEach((x, i) => {
        if (i) put(',');
        walk(x);
      });
      put(']');
    } else put(JSON.stringify(v) ?? 'null');
  };
  walk(value);
  return Buffer.concat(out);
}

/** Bytes shown for people: printable ASCII as is, the rest as \xNN; long runs cut. */
export function showBytes(bytes: Buffer, max = 600): string {
  let s = '';
  for (const b of bytes.subarray(0, max)) s += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : b === 0x5c ? '\\\\' : `\\x${b.toString(16).padStart(2, '0')}`;
  s = s.replace(/(.)\1{40,}/g, (run, c: string) => `${c}…(${run.length}×)`);
  return bytes.length > max ? `${s}…(${bytes.length} bytes)` : s;
}

/** A value shown with its references by name (`<chat#0>`), for a counterexample. */
export function showJson(value: Json): string {
  return showBytes(serialize(value, (r) => `<${r.pool}#${r.index}${r.as === 'link' ? ' link' : ''}>`), 400);
}

/** Does a string hold a UTF-16 surrogate without its partner? */
export function hasLoneSurrogate(s: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** Is every string (keys included) of a parsed JSON value well-formed Unicode? (Iterative: values nest deep.) */
export function wellFormed(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (hasLoneSurrogate(v)) return false;
    } else if (Array.isArray(v)) stack.push(...(v as unknown[]));
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (hasLoneSurrogate(k)) return false;
        stack.push(x);
      }
    }
  }
  return true;
}

// The BOM is kept: a server that does not skip it must not be assumed to.
const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of some bytes if they are valid UTF-8. */
export function utf8(bytes: Buffer): string | undefined {
  try {
    return fatal.decode(bytes);
  } catch {
    return undefined;
  }
}
