import { parse as parseQuery } from 'node:querystring';
import fc from 'fast-check';
import { Type } from 'typebox';
import { compileStrict, validatorCompiler } from '../../src/http/validation.ts';
import { ownerOf, type MountedProfile } from '../../src/http/mounts.ts';
import type { Profile } from '../../src/profiles/kit/profile.ts';
import { querySchemaProps, type RouteDef } from '../../src/profiles/kit/route.ts';
import type { Fixture } from './fixture.ts';
import {
  badAuth,
  badIds,
  badQueryValues,
  contentTypes,
  extraFields,
  hostileValue,
  type Labelled,
} from './hostile.ts';
import { Entries, REMOVE, Raw, Ref, isObjectValue, serialize, setAt, showBytes, showJson, utf8, wellFormed, type Json, type Resolve } from './json.ts';
import type { RawRequest } from './raw-http.ts';
import { fieldName, fieldPaths, plain, poolFor, refArb, valid, type Schema } from './schema.ts';

/**
 * Requests as data: a valid request for a route, generated from its declaration (path with id
 * codecs, query with paging, body schema, auth, multipart), then one mutation. A plan names
 * fixture values by reference and is rendered to bytes only when sent; printed, it shows as the
 * HTTP request it is, so a shrunk counterexample reads as a request to replay.
 */

/** One route of one mounted profile, on its listener. */
export interface RouteTarget {
  profile: Profile;
  mount: string;
  /** Its listener (null: the main one; the harness knows its URL, which a restart changes). */
  port: number | null;
  /** Every mount of that listener (whose not-found answer a path gets). */
  mounts: readonly MountedProfile[];
  def: RouteDef;
  limits: { body: number; upload: number };
}

type Segment = { text: string } | { param: string; value: string | Ref };
type Body = { kind: 'json'; value: Json } | { kind: 'bytes'; bytes: Buffer } | { kind: 'over-limit' };

export interface Plan {
  readonly target: RouteTarget;
  readonly method: string;
  readonly path: readonly Segment[];
  /** Names and values; a `Raw` value is sent as is (already percent-encoded). */
  readonly query: readonly (readonly [string, Json])[];
  /** `{{token}}` stands for the fixture's access token. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: Body;
  /** What was done to the valid request. */
  readonly mutation: string;
  /** Why the server must refuse this request, when the mutation alone decides it. */
  readonly refuse?: string;
}

export const routeName = (t: RouteTarget) => `${t.profile.name} ${t.def.method} ${t.mount}${t.def.path}`;

const isMultipart = (def: RouteDef) => (def.options.consumes ?? []).some((c) => c.startsWith('multipart/'));
const bodySchema = (def: RouteDef): Schema | undefined => (def.options.body ? plain(def.options.body) : undefined);
function querySchema(def: RouteDef): Schema | undefined {
  const props = querySchemaProps(def.options);
  return props ? plain(Type.Object(props)) : undefined;
}

// ---------------------------------------------------------------- rendering

export interface Rendered {
  req: RawRequest;
  /** The path as sent, for the not-found owner. */
  pathname: string;
  /** Why the server must refuse it (4xx), if it must. */
  refuse?: string;
  /** The request as people read it. */
  text: string;
}

function resolver(t: RouteTarget, fixture: Fixture | undefined): Resolve {
  return (ref) => {
    if (!fixture) return `<${ref.pool}#${ref.index}>`;
    const pool = fixture.pools[ref.pool];
    const value = pool[ref.index % pool.length]!;
    if (ref.as === 'link') return `${t.mount}${t.profile.filesPath}/${String(value)}`;
    return ref.as === 'text' ? String(value) : value;
  };
}

function encodeQuery(query: Plan['query'], resolve: Resolve): string {
  return query
    .map(([k, v]) => {
      const value = v instanceof Raw ? v.bytes.toString('latin1') : encodeURIComponent(String(v instanceof Ref ? resolve(v) : typeof v === 'object' && v !== null ? JSON.stringify(v) : v));
      return `${encodeURIComponent(k)}=${value}`;
    })
    .join('&');
}

function overLimitBody(limit: number): Buffer {
  return Buffer.from(`{"x":"${'a'.repeat(limit + 1)}"}`);
}

/** The request's bytes, with the fixture's values in place (or their names, without a fixture). */
export function render(plan: Plan, fixture: Fixture | undefined): Rendered {
  const t = plan.target;
  const resolve = resolver(t, fixture);
  const pathname = `${t.mount}${plan.path.map((s) => ('text' in s ? s.text : typeof s.value === 'string' ? s.value : encodeURIComponent(String(resolve(s.value))))).join('/')}`;
  const qs = encodeQuery(plan.query, resolve);
  const target = qs ? `${pathname}?${qs}` : pathname;
  const token = fixture?.token ?? '<token>';
  const headers = plan.headers.map(([k, v]) => [k, v.replaceAll('{{token}}', token).replaceAll('{{token-truncated}}', token.slice(0, -10))] as const);
  let body: Buffer | undefined;
  if (plan.body?.kind === 'json') body = serialize(plan.body.value, resolve);
  else if (plan.body?.kind === 'bytes') body = plan.body.bytes;
  else if (plan.body?.kind === 'over-limit') body = overLimitBody(t.limits.body);
  const req: RawRequest = { method: plan.method, target, headers, ...(body !== undefined && { body }) };
  const refuse = plan.refuse ?? oracle(plan, qs, headers, body);
  const shownHeaders = plan.headers.map(([k, v]) => `${k}: ${v.length > 120 ? `${v.slice(0, 120)}…` : v}`).join('\n');
  const shownBody = plan.body?.kind === 'json' ? showJson(plan.body.value) : plan.body?.kind === 'over-limit' ? `(${t.limits.body + 1}+ bytes: {"x":"aaa…"})` : body ? showBytes(body) : '';
  const shownTarget = fixture ? showBytes(Buffer.from(target, 'latin1'), 300) : target;
  const text = `${plan.method} ${shownTarget}${shownHeaders ? `\n${shownHeaders}` : ''}${shownBody ? `\n\n${shownBody}` : ''}`;
  return { req, pathname, ...(refuse !== undefined && { refuse }), text };
}

/** The profiles with a route for this method and path (HEAD is GET's; OPTIONS any method's). */
export function routedBy(mounts: readonly MountedProfile[], method: string, path: string): Profile[] {
  const out: Profile[] = [];
  for (const m of mounts) {
    const hit = m.profile.routes.some((r) => {
      const pattern = new RegExp(`^${`${m.mount}${r.path}`.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}/?$`);
      return (r.method === method || (method === 'HEAD' && r.method === 'GET') || method === 'OPTIONS') && pattern.test(path);
    });
    if (hit && !out.includes(m.profile)) out.push(m.profile);
  }
  return out;
}

/** Whose error envelope may answer a request: a profile routing it, or the owner of its path. */
export function answerers(mounts: readonly MountedProfile[], method: string, path: string, own?: Profile): Profile[] {
  const owner = ownerOf(mounts, path)?.profile;
  return [...new Set([...(own ? [own] : []), ...routedBy(mounts, method, path), ...(owner ? [owner] : [])])];
}

/** The profiles whose error envelope an answer to this plan may use. */
export function envelopeOwners(plan: Plan, pathname: string): Profile[] {
  return answerers(plan.target.mounts, plan.method, pathname, plan.target.profile);
}

// ---------------------------------------------------------------- the oracle

const bodyValidators = new WeakMap<RouteDef, ReturnType<typeof compileStrict>>();
const queryValidators = new WeakMap<RouteDef, (v: unknown) => boolean>();
const jsonMedia = /^application\/json\s*(;|,|$)/i;

/** The body validated as the server validates it (on a fresh parse: Ajv removes unknown fields in place). */
function validBody(def: RouteDef, text: string): boolean {
  let v = bodyValidators.get(def);
  if (!v) bodyValidators.set(def, (v = compileStrict(def.options.body!)));
  return v(text === '' ? undefined : JSON.parse(text));
}

function validQuery(def: RouteDef, schema: Schema, value: unknown): boolean {
  let v = queryValidators.get(def);
  if (!v) {
    const compiled = validatorCompiler({ schema, method: def.method, url: def.path, httpPart: 'querystring' }) as (v: unknown) => boolean;
    queryValidators.set(def, (v = compiled));
  }
  return v(value);
}

const strictInteger = /^-?(0|[1-9][0-9]*)$/;

/** Why a request must be refused, from the route's own schemas and the rules every route keeps. */
function oracle(plan: Plan, qs: string, headers: readonly (readonly [string, string])[], body: Buffer | undefined): string | undefined {
  const { def } = plan.target;
  const qSchema = querySchema(def);
  if (qSchema && plan.method === def.method) {
    const declared = (qSchema.properties ?? {}) as Record<string, Schema>;
    for (const part of qs ? qs.split('&') : []) {
      const [k = '', v = ''] = part.split('=');
      const field = declared[decodeURIComponent(k)];
      if (!field) continue;
      let text: string;
      try {
        text = decodeURIComponent(v.replace(/\+/g, ' '));
      } catch {
        return `query ${k} is not valid percent-encoded UTF-8`;
      }
      if (field.type === 'integer' && text !== '' && !strictInteger.test(text)) return `query ${k}=${text} is not a decimal integer`;
    }
    if (!validQuery(def, qSchema, { ...parseQuery(qs) })) return 'the query does not match its schema';
  }
  const schema = def.options.body;
  if (!schema || plan.method === 'GET' || plan.method === 'HEAD' || plan.method !== def.method || isMultipart(def)) return undefined;
  const type = headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (body && body.length > plan.target.limits.body) return 'the body is over the body limit';
  if (!type || !jsonMedia.test(type)) return `a JSON body sent as ${type ?? 'no content type'}`;
  const text = body ? utf8(body) : '';
  if (text === undefined) return 'the body is not valid UTF-8';
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  let value: unknown;
  try {
    value = trimmed === '' ? undefined : JSON.parse(trimmed);
  } catch {
    return 'the body is not JSON';
  }
  if (!wellFormed(value)) return 'the body holds a lone surrogate';
  if (!validBody(def, trimmed)) return 'the body does not match its schema';
  if (/^url:/.test(plan.mutation.replace(/^body:[^=]*=/, '')) && /avatar|url|link|icon/i.test(plan.mutation.split('=')[0]!)) return 'a URL field holds a script or local URL';
  return undefined;
}

// ---------------------------------------------------------------- valid requests

function multipartBody(boundary: string, parts: readonly { name: string; filename?: Buffer | string; type?: string; data: Buffer | string }[], close = true): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const filename = p.filename === undefined ? [] : [Buffer.from('; filename="'), Buffer.from(p.filename), Buffer.from('"')];
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`),
      ...filename,
      Buffer.from(`\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`),
      Buffer.from(p.data),
      Buffer.from('\r\n'),
    );
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const boundary = 'XFUZZB';
const uploadKinds = ['document', 'file', 'image', 'audio', 'video'];

function validUpload(): fc.Arbitrary<{ kind: string; data: string; filename: string }> {
  return fc.record({
    kind: fc.constantFrom(...uploadKinds),
    data: fc.constantFrom('hello, fuzz\n', 'plain text notes\n'.repeat(20)),
    filename: fc.constantFrom('notes.txt', 'a.txt', '报告.txt'),
  });
}

function uploadBody(u: { kind: string; data: string; filename: string }): Buffer {
  return multipartBody(boundary, [
    { name: 'type', data: u.kind },
    { name: 'file', filename: u.filename, type: 'text/plain', data: u.data },
  ]);
}

const multipartType = `multipart/form-data; boundary=${boundary}`;

function paramArb(t: RouteTarget, name: string): fc.Arbitrary<string | Ref> {
  const pool = poolFor(name, 'param');
  const free = fc.stringMatching(/^[1-9][0-9]{0,5}$/);
  return pool ? fc.oneof({ weight: 5, arbitrary: refArb(pool, 'text') }, { weight: 1, arbitrary: free }) : free;
}

/** A request the route's declaration accepts (its schemas, its fixture ids, a token). */
export function validPlan(t: RouteTarget): fc.Arbitrary<Plan> {
  const { def } = t;
  const segments = def.path.split('/').map((s) => {
    const m = /^\{(\w+)\}$/.exec(s);
    return m ? paramArb(t, m[1]!).map((value): Segment => ({ param: m[1]!, value })) : fc.constant<Segment>({ text: s });
  });
  const qSchema = querySchema(def);
  const query = qSchema ? (valid(qSchema) as fc.Arbitrary<Record<string, Json>>).map((q) => Object.entries(q)) : fc.constant([]);
  const auth: [string, string][] = def.options.auth === false ? [] : [['Authorization', 'Bearer {{token}}']];
  const schema = bodySchema(def);
  const body: fc.Arbitrary<{ body?: Body; type?: string }> = isMultipart(def)
    ? validUpload().map((u) => ({ body: { kind: 'bytes', bytes: uploadBody(u) }, type: multipartType }))
    : schema
      ? valid(schema).map((value) => ({ body: { kind: 'json', value }, type: 'application/json' }))
      : fc.constant({});
  return fc.tuple(fc.tuple(...segments), query, body).map(([path, q, b]) => ({
    target: t,
    method: def.method,
    path,
    query: q,
    headers: [...auth, ...(b.type ? [['Content-Type', b.type] as [string, string]] : [])],
    ...(b.body && { body: b.body }),
    mutation: 'none',
  }));
}

// ---------------------------------------------------------------- mutations

type Mutation = (p: Plan) => Plan;
type Weighted = { weight: number; arbitrary: fc.Arbitrary<Mutation> };

const withHeader = (p: Plan, name: string, value: string | null) => [
  ...p.headers.filter(([k]) => k.toLowerCase() !== name.toLowerCase()),
  ...(value === null ? [] : [[name, value] as const]),
];

const jsonOf = (p: Plan): Json | undefined => (p.body?.kind === 'json' ? p.body.value : undefined);

function bodyFieldMutations(schema: Schema): Weighted[] {
  const fields = fieldPaths(schema);
  if (fields.length === 0) return [];
  const field = fc
    .constantFrom(...fields)
    .chain((f) => hostileValue(f.schema, fieldName(f.path)).map((h) => ({ f, h })))
    .map(({ f, h }): Mutation => (p) => ({ ...p, body: { kind: 'json', value: setAt(jsonOf(p), f.path, h.value) }, mutation: `body:${f.path.join('.')}=${h.label}` }));
  const extra = fc.constantFrom(...extraFields).map(
    (x): Mutation =>
      (p) => {
        const base = jsonOf(p);
        const entries = isObjectValue(base) ? Object.entries(base) : [];
        return { ...p, body: { kind: 'json', value: new Entries([...entries, x.value]) }, mutation: `body:${x.label}` };
      },
  );
  const duplicate = fc
    .constantFrom(...fields.filter((f) => f.path.length === 1))
    .chain((f) => fc.tuple(fc.constant(f), hostileValue(f.schema, fieldName(f.path)), fc.boolean()))
    .map(([f, h, hostileLast]): Mutation => (p) => {
      const base = jsonOf(p);
      const entries = isObjectValue(base) ? Object.entries(base) : [];
      const key = String(f.path[0]);
      const own = entries.find(([k]) => k === key)?.[1] ?? 'x';
      const hostile = h.value === REMOVE ? null : h.value;
      const pair: [string, Json][] = hostileLast ? [[key, own], [key, hostile]] : [[key, hostile], [key, own]];
      return { ...p, body: { kind: 'json', value: new Entries([...entries.filter(([k]) => k !== key), ...pair]) }, mutation: `body:duplicate-key ${key} (${hostileLast ? 'valid, then' : 'then valid'} ${h.label})` };
    });
  return [
    { weight: 12, arbitrary: field },
    { weight: 2, arbitrary: extra },
    { weight: 2, arbitrary: duplicate },
  ];
}

const deepBody = (n: number, open: string, close: string) => new Raw(Buffer.from(`${open.repeat(n)}${n ? '1' : ''}${close.repeat(n)}`), 'deep');

/** Replacements of the whole body. */
function wholeBodies(): Labelled<(valid: Buffer) => Buffer | 'over-limit'>[] {
  const b = (s: string) => () => Buffer.from(s);
  return [
    { label: 'body:empty', value: b('') },
    { label: 'body:whitespace', value: b(' \r\n\t ') },
    { label: 'body:null', value: b('null') },
    { label: 'body:empty-array', value: b('[]') },
    { label: 'body:array-of-valid', value: (v) => Buffer.concat([Buffer.from('['), v, Buffer.from(']')]) },
    { label: 'body:string', value: b('"x"') },
    { label: 'body:number', value: b('0') },
    { label: 'body:truncated', value: (v) => v.subarray(0, Math.max(1, Math.floor(v.length / 2))) },
    { label: 'body:trailing-garbage', value: (v) => Buffer.concat([v, Buffer.from('x')]) },
    { label: 'body:two-documents', value: (v) => Buffer.concat([v, v]) },
    { label: 'body:bom', value: (v) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), v]) },
    { label: 'body:utf16le', value: (v) => Buffer.from(v.toString('utf8'), 'utf16le') },
    { label: 'body:nul-byte', value: (v) => Buffer.concat([v.subarray(0, 1), Buffer.from([0]), v.subarray(1)]) },
    { label: 'body:deep-arrays-1000', value: () => serialize(deepBody(1000, '[', ']'), () => 0) },
    { label: 'body:deep-objects-1000', value: () => serialize(deepBody(1000, '{"a":', '}'), () => 0) },
    { label: 'body:deep-arrays-100000', value: () => serialize(deepBody(100_000, '[', ']'), () => 0) },
    { label: 'body:form-encoded', value: b('a=1&b=2') },
    { label: 'body:invalid-utf8-key', value: () => Buffer.concat([Buffer.from('{"'), Buffer.from([0xff]), Buffer.from('":1}')]) },
    { label: 'body:over-limit', value: () => 'over-limit' },
  ];
}

function bodyMutations(t: RouteTarget): Weighted[] {
  const schema = bodySchema(t.def);
  if (!schema) return [];
  const whole = fc.constantFrom(...wholeBodies()).map(
    (w): Mutation =>
      (p) => {
        const validBytes = serialize(jsonOf(p) ?? {}, () => 1);
        const out = w.value(validBytes);
        return { ...p, body: out === 'over-limit' ? { kind: 'over-limit' } : { kind: 'bytes', bytes: out }, mutation: w.label };
      },
  );
  const type = fc.constantFrom(...contentTypes).map((c): Mutation => (p) => ({ ...p, headers: withHeader(p, 'Content-Type', c.value), mutation: c.label }));
  return [...bodyFieldMutations(schema), { weight: 4, arbitrary: whole }, { weight: 2, arbitrary: type }];
}

function multipartMutations(t: RouteTarget): Weighted[] {
  if (!isMultipart(t.def)) return [];
  const m = (label: string, refuse: string | undefined, body: (u: { kind: string; data: string; filename: string }) => Buffer, type = multipartType): fc.Arbitrary<Mutation> =>
    validUpload().map((u): Mutation => (p) => ({ ...p, headers: withHeader(p, 'Content-Type', type), body: { kind: 'bytes', bytes: body(u) }, mutation: `multipart:${label}`, ...(refuse && { refuse }) }));
  const part = (u: { kind: string; data: string; filename: string }) => ({ name: 'file', filename: u.filename, type: 'text/plain', data: u.data });
  const broken = 'a malformed multipart body';
  const garbage = fc.uint8Array({ minLength: 0, maxLength: 300 }).map((g): Mutation => (p) => ({ ...p, headers: withHeader(p, 'Content-Type', multipartType), body: { kind: 'bytes', bytes: Buffer.from(g) }, mutation: 'multipart:garbage', refuse: broken }));
  const arbs = [
    m('no-boundary', broken, uploadBody, 'multipart/form-data'),
    m('wrong-boundary', broken, uploadBody, 'multipart/form-data; boundary=OTHER'),
    m('empty-boundary', broken, uploadBody, 'multipart/form-data; boundary='),
    m('truncated', broken, (u) => uploadBody(u).subarray(0, Math.floor(uploadBody(u).length / 2))),
    m('no-closing-delimiter', broken, (u) => multipartBody(boundary, [{ name: 'type', data: u.kind }, part(u)], false)),
    m('closing-only', broken, () => Buffer.from(`--${boundary}--\r\n`)),
    m('empty-body', broken, () => Buffer.alloc(0)),
    m('no-file-part', 'an upload without its file', (u) => multipartBody(boundary, [{ name: 'type', data: u.kind }])),
    m('unknown-kind', 'an unknown file kind', (u) => multipartBody(boundary, [{ name: 'type', data: 'evil' }, part(u)])),
    m('empty-file', 'an empty file', (u) => multipartBody(boundary, [{ name: 'type', data: 'document' }, { ...part(u), data: '' }])),
    m('over-upload-limit', 'a file over the upload limit', (u) => multipartBody(boundary, [{ name: 'type', data: 'document' }, { ...part(u), data: 'x'.repeat(t.limits.upload + 1) }])),
    m('long-field', 'a form field over the field size limit', (u) => multipartBody(boundary, [{ name: 'type', data: 'd'.repeat(5000) }, part(u)])),
    m('too-many-parts', 'a form over the parts limit', (u) => multipartBody(boundary, [...Array.from({ length: 40 }, (_, i) => ({ name: `f${i}`, data: 'x' })), part(u)])),
    m('no-filename', 'an upload without its file', (u) => multipartBody(boundary, [{ name: 'type', data: 'document' }, { name: 'file', data: u.data }])),
    m('no-content-disposition', broken, (u) => Buffer.from(`--${boundary}\r\nContent-Type: text/plain\r\n\r\n${u.data}\r\n--${boundary}--\r\n`)),
    m('filename-invalid-utf8', 'a file name that is not UTF-8', (u) => multipartBody(boundary, [{ name: 'type', data: 'document' }, { ...part(u), filename: Buffer.from([0x61, 0xff, 0xfe, 0x2e, 0x74, 0x78, 0x74]) }])),
    m('filename-traversal', undefined, (u) => multipartBody(boundary, [{ name: 'type', data: 'document' }, { ...part(u), filename: '../../../etc/passwd' }])),
    m('two-files', undefined, (u) => multipartBody(boundary, [{ name: 'type', data: 'document' }, part(u), part(u)])),
    m('json-instead', 'a JSON body where a form is expected', () => Buffer.from('{"type":"document"}'), 'application/json'),
  ];
  return [
    { weight: 10, arbitrary: fc.oneof(...arbs) },
    { weight: 1, arbitrary: garbage },
    { weight: 1, arbitrary: fc.constant<Mutation>((p) => ({ ...p, body: { kind: 'over-limit' }, mutation: 'multipart:over-body-limit', refuse: 'a body over the body limit' })) },
  ];
}

function paramMutations(t: RouteTarget): Weighted[] {
  const names = Object.keys(t.def.options.params ?? {});
  if (names.length === 0) return [];
  const arb = fc.tuple(fc.constantFrom(...names), fc.constantFrom(...badIds)).map(
    ([name, bad]): Mutation =>
      (p) => ({
        ...p,
        path: p.path.map((s) => ('param' in s && s.param === name ? { param: name, value: bad.value } : s)),
        mutation: `param:${name}=${bad.label}`,
        refuse: `a malformed ${name}`,
      }),
  );
  return [{ weight: 6, arbitrary: arb }];
}

function queryMutations(t: RouteTarget): Weighted[] {
  const schema = querySchema(t.def);
  const names = Object.keys((schema?.properties ?? {}) as object);
  const out: Weighted[] = [];
  if (names.length > 0) {
    const field = fc.tuple(fc.constantFrom(...names), fc.constantFrom(...badQueryValues)).map(
      ([name, bad]): Mutation =>
        (p) => ({ ...p, query: [...p.query.filter(([k]) => k !== name), [name, new Raw(Buffer.from(bad.value, 'latin1'), bad.label)]], mutation: `query:${name}=${bad.label}` }),
    );
    const repeated = fc.constantFrom(...names).map((name): Mutation => (p) => {
      const own = p.query.find(([k]) => k === name)?.[1] ?? '1';
      return { ...p, query: [...p.query, [name, own], [name, new Raw(Buffer.from('2'), '2')]], mutation: `query:${name} repeated` };
    });
    const nested = fc.constantFrom(...names).map((name): Mutation => (p) => ({ ...p, query: [...p.query.filter(([k]) => k !== name), [`${name}[a]`, new Raw(Buffer.from('1'), '1')], [`${name}[]`, new Raw(Buffer.from('1'), '1')]], mutation: `query:${name}[] brackets` }));
    out.push({ weight: 6, arbitrary: field }, { weight: 1, arbitrary: repeated }, { weight: 1, arbitrary: nested });
  }
  const extra = fc.constantFrom(['zz_unknown', '1'], ['__proto__', '1'], ['constructor', 'x'], ['token', 'garbage'], ['', 'x']).map(
    ([k, v]): Mutation =>
      (p) => ({ ...p, query: [...p.query, [k, new Raw(Buffer.from(v), v)]], mutation: `query:extra ${k}` }),
  );
  out.push({ weight: 1, arbitrary: extra });
  return out;
}

function authMutations(t: RouteTarget): Weighted[] {
  if (t.def.options.auth === false) return [];
  const arb = fc.constantFrom(...badAuth).map((a): Mutation => (p) => ({ ...p, headers: withHeader(p, 'Authorization', a.value), mutation: a.label, ...(!a.accepted && { refuse: 'no valid bearer token' }) }));
  return [{ weight: 2, arbitrary: arb }];
}

/** The methods the profile declares for this route's path (any parameter names). */
function declaredMethods(t: RouteTarget): Set<string> {
  const shape = (path: string) => path.replace(/\{\w+\}/g, '{}');
  return new Set(t.profile.routes.filter((r) => shape(r.path) === shape(t.def.path)).map((r) => r.method));
}

function methodMutations(t: RouteTarget): Weighted[] {
  const declared = declaredMethods(t);
  const others = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !declared.has(m));
  const preflight = fc.constantFrom<[string, [string, string][]]>(
    ['options:no-origin', []],
    ['options:origin-only', [['Origin', 'https://example.com']]],
    ['options:preflight', [['Origin', 'https://example.com'], ['Access-Control-Request-Method', t.def.method]]],
    ['options:bad-request-method', [['Origin', 'https://example.com'], ['Access-Control-Request-Method', 'FOO BAR']]],
  ).map(([label, extra]): Mutation => (p) => ({ ...p, method: 'OPTIONS', headers: [...p.headers, ...extra], mutation: `method:${label}` }));
  const out: Weighted[] = [{ weight: 1, arbitrary: preflight }];
  if (t.def.method === 'GET') out.push({ weight: 1, arbitrary: fc.constant<Mutation>((p) => ({ ...p, method: 'HEAD', mutation: 'method:head' })) });
  if (others.length > 0) {
    out.push({ weight: 1, arbitrary: fc.constantFrom(...others).map((m): Mutation => (p) => ({ ...p, method: m, mutation: `method:${m} undeclared`, refuse: `${m} is not declared on this path` })) });
  }
  return out;
}

function pathMutations(): Weighted[] {
  const edit = (label: string, refuse: string | undefined, f: (path: readonly Segment[]) => Segment[]): fc.Arbitrary<Mutation> =>
    fc.constant<Mutation>((p) => ({ ...p, path: f(p.path), mutation: `path:${label}`, ...(refuse && { refuse }) }));
  return [
    {
      weight: 2,
      arbitrary: fc.oneof(
        edit('trailing-slash', undefined, (s) => [...s, { text: '' }]),
        edit('double-slash', undefined, (s) => [s[0]!, { text: '' }, ...s.slice(1)]),
        edit('unknown-suffix', 'an unknown path', (s) => [...s, { text: 'zz-nope' }]),
        edit('dot-segment', undefined, (s) => [s[0]!, s[1]!, { text: '.' }, ...s.slice(2)]),
        edit('dot-dot-segment', undefined, (s) => [...s, { text: '..' }]),
        edit('upper-case', undefined, (s) => s.map((x) => ('text' in x ? { text: x.text.toUpperCase() } : x))),
        edit('encoded-letter', undefined, (s) => s.map((x, i) => ('text' in x && i === s.length - 1 && x.text ? { text: `%${x.text.charCodeAt(0).toString(16)}${x.text.slice(1)}` } : x))),
        edit('encoded-slash', 'an unknown path', (s) => [...s.slice(0, -1), { text: `${'text' in s[s.length - 1]! ? (s[s.length - 1] as { text: string }).text : '1'}%2Fzz` }]),
        edit('invalid-percent', 'an unknown path', (s) => [...s, { text: '%FF' }]),
        edit('semicolon-param', undefined, (s) => [...s.slice(0, -1), { text: `${'text' in s[s.length - 1]! ? (s[s.length - 1] as { text: string }).text : '1'};jsessionid=1` }]),
        edit('long-8000', 'an unknown path', (s) => [...s, { text: 'x'.repeat(8000) }]),
      ),
    },
  ];
}

function strayBody(t: RouteTarget): Weighted[] {
  if (t.def.options.body || isMultipart(t.def)) return [];
  const arb = fc.constantFrom('{}', '{"x":1}', '{"x":', 'not json').map((b): Mutation => (p) => ({
    ...p,
    headers: withHeader(p, 'Content-Type', 'application/json'),
    body: { kind: 'bytes', bytes: Buffer.from(b) },
    mutation: `body:unexpected ${b}`,
  }));
  return [{ weight: 1, arbitrary: arb }];
}

/** A valid request for the route, mutated once (or, now and then, left valid). */
export function planArb(t: RouteTarget): fc.Arbitrary<Plan> {
  const mutations: Weighted[] = [
    { weight: 1, arbitrary: fc.constant<Mutation>((p) => p) },
    ...paramMutations(t),
    ...queryMutations(t),
    ...bodyMutations(t),
    ...multipartMutations(t),
    ...authMutations(t),
    ...methodMutations(t),
    ...pathMutations(),
    ...strayBody(t),
  ];
  return fc.tuple(validPlan(t), fc.oneof(...mutations)).map(([p, m]) => withToString(m(p)));
}

function withToString(p: Plan): Plan {
  const show = () => {
    try {
      return `${routeName(p.target)} [${p.mutation}]\n${render(p, undefined).text}`;
    } catch (err) {
      return `${routeName(p.target)} [${p.mutation}] (not shown: ${String(err)})`;
    }
  };
  return Object.defineProperty({ ...p }, fc.toStringMethod, { value: show, enumerable: false });
}
