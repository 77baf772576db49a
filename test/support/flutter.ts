import assert from 'node:assert/strict';
import type { TSchema } from 'typebox';
import { compileStrict } from '../../src/http/validation.ts';
import { flutter } from '../../src/profiles/flutter/index.ts';
import type { Api, ApiResponse, RequestOptions } from './api.ts';
import { Chat8Socket, type C8Frame } from './chat8.ts';
export { silentWav } from './files.ts';

/** A user of the flutter document (002), registered through it; ids are strings. */
export interface FlutterUser {
  id: string;
  username: string;
  password: string;
  token: string;
}

let n = 0;

/** Registers through POST /v1/auth/register (201, with a token that works at once). */
export async function flutterUser(api: Api, extra: { nickname?: string; email?: string } = {}, prefix = 'fu'): Promise<FlutterUser> {
  const username = `${prefix}${process.pid}_${++n}`;
  const password = 'secret-pass-1';
  const res = await api.post('/v1/auth/register', { username, password, ...extra });
  assert.equal(res.status, 201, res.text);
  return { id: res.body.user_id, username, password, token: res.body.token };
}

/** A flutter error: the HTTP status, `{code, message, details}` with code = status, details a string or null. */
export function flutterError(res: ApiResponse, status: number | number[]): void {
  const statuses = Array.isArray(status) ? status : [status];
  assert.ok(statuses.includes(res.status), `expected ${statuses.join('/')}: ${res.status} ${res.text}`);
  assert.deepEqual(Object.keys(res.body).sort(), ['code', 'details', 'message'], res.text);
  assert.equal(res.body.code, res.status, res.text);
  assert.equal(typeof res.body.message, 'string');
  assert.ok(res.body.message.length > 0);
  assert.ok(res.body.details === null || typeof res.body.details === 'string', res.text);
}

export const patch = (api: Api, path: string, body: unknown, opts: RequestOptions = {}) => api.request('PATCH', path, { ...opts, body });

/** The flutter socket URL below `base` (the mount's base URL). */
export const flutterWsUrl = (base: string, token?: string) => `${base.replace(/^http/, 'ws')}/ws${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;

export function flutterSocket(base: string, token: string): Promise<Chat8Socket> {
  return Chat8Socket.connect(flutterWsUrl(base, token));
}

/** A 1×1 PNG. */
export const pngBase64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';


export const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Every time in a body, however deep, is ISO 8601 in UTC ending in Z (C3). */
export function timesInUtc(value: unknown): void {
  if (Array.isArray(value)) return value.forEach(timesInUtc);
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if ((k.endsWith('_at') || k === 'last_online') && v !== null) assert.match(String(v), iso, k);
    timesInUtc(v);
  }
}

/** An answer with this status and exactly this schema's shape (no field more), its times in UTC. */
export function shaped(res: ApiResponse, status: number, schema: TSchema): void {
  assert.equal(res.status, status, res.text);
  const check = compileStrict(schema);
  assert.ok(check(res.body), `${JSON.stringify(check.errors)} in ${res.text}`);
  timesInUtc(res.body);
}

/** Whether a value has a schema's shape (no type narrowing: the value stays as the test reads it). */
export const fits = (schema: TSchema, value: unknown): boolean => {
  timesInUtc(value);
  return compileStrict(schema)(value);
};

/** A socket frame of the document: `{type, data}` and nothing else, `data` in that type's shape. */
export function frameOk(f: C8Frame, type: string): void {
  assert.equal(f.type, type);
  assert.deepEqual(Object.keys(f).sort(), ['data', 'type']);
  const check = compileStrict(flutter.socket!.frames[type]!);
  assert.ok(check(f.data), `${type}: ${JSON.stringify(check.errors)} in ${JSON.stringify(f)}`);
  timesInUtc(f.data);
}

/** POST /v1/media/upload as a form; `base` is the mount (…/flutter). */
export async function flutterUpload(base: string, token: string | undefined, parts: Record<string, string | { data: Buffer; name: string; type: string }>): Promise<ApiResponse> {
  const fd = new FormData();
  for (const [k, v] of Object.entries(parts)) {
    if (typeof v === 'string') fd.append(k, v);
    else fd.append(k, new Blob([v.data], { type: v.type }), v.name);
  }
  const r = await fetch(`${base}/v1/media/upload`, { method: 'POST', body: fd, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, body: text ? JSON.parse(text) : undefined } as ApiResponse;
}

/** The document's paths on a server's API, below its /flutter mount, each with an optional token. */
export function flutterClient(a: Api) {
  return {
    get: (p: string, token?: string) => a.get(`/flutter${p}`, { token }),
    post: (p: string, body: unknown, token?: string) => a.post(`/flutter${p}`, body, { token }),
    patch: (p: string, body: unknown, token?: string) => patch(a, `/flutter${p}`, body, { token }),
    delete: (p: string, token?: string) => a.delete(`/flutter${p}`, { token }),
    raw: a,
  };
}
