import assert from 'node:assert/strict';
import type { Api, ApiResponse, RequestOptions } from './api.ts';
import { Chat8Socket } from './chat8.ts';

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

/** A WAV file of `seconds` of silence (8 kHz, 8-bit mono). */
export function silentWav(seconds: number): Buffer {
  const samples = Math.round(8000 * seconds);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(8000, 28);
  header.writeUInt16LE(1, 32);
  header.writeUInt16LE(8, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples, 40);
  return Buffer.concat([header, Buffer.alloc(samples, 128)]);
}
