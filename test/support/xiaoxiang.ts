import assert from 'node:assert/strict';
import type { TSchema } from 'typebox';
import WebSocket from 'ws';
import { compileStrict } from '../../src/http/validation.ts';
import { xiaoxiang } from '../../src/profiles/xiaoxiang/index.ts';
import { FrameQueue } from './frame-queue.ts';
import type { Api, ApiResponse } from './api.ts';

/** An account made through the primary API and logged in on one device through xiaoxiang (document 003). */
export interface XxUser {
  id: string;
  email: string;
  password: string;
  name: string;
  deviceId: string;
  token: string;
  refreshToken: string;
}

let n = 0;

/** Registers through `POST /api/auth/register` (this API has none), then logs in at `/xiaoxiang/v1/auth/login`. */
export async function xxUser(api: Api, name = 'User', placed: { department?: string; position?: string } = {}): Promise<XxUser> {
  const i = `${process.pid}${String(++n).padStart(3, '0')}`;
  const email = `xx${i}@corp.example`;
  const password = 'secret-pass-1';
  const reg = await api.post('/api/auth/register', { phone: `139${i.slice(-8).padStart(8, '0')}`, username: `xx${i}`, password, email, nickname: name, ...placed });
  assert.equal(reg.status, 200, reg.text);
  return xxLogin(api, { email, password, name }, `dev-${i}`);
}

/** Logs an account in on a device. */
export async function xxLogin(api: Api, u: { email: string; password: string; name: string }, deviceId: string): Promise<XxUser> {
  const res = await api.post('/xiaoxiang/v1/auth/login', { email: u.email, password: u.password, deviceId, deviceInfo: { platform: 'ios', version: '17.0', model: 'iPhone' } });
  assert.equal(res.status, 200, res.text);
  return { ...u, id: res.body.data.user.id, deviceId, token: res.body.data.accessToken, refreshToken: res.body.data.refreshToken };
}

/** Every requestId an error answered with, in this process: each request has its own. */
const requestIds = new Set<string>();

/** A xiaoxiang error: its status, `{success: false, error: {code, message, details?, requestId, timestamp}}`. */
export function xxError(res: ApiResponse, status: number | number[], code?: string | string[]): void {
  const statuses = Array.isArray(status) ? status : [status];
  assert.ok(statuses.includes(res.status), `expected ${statuses.join('/')}: ${res.status} ${res.text}`);
  assert.deepEqual(Object.keys(res.body).sort(), ['error', 'success'], res.text);
  assert.equal(res.body.success, false);
  const e = res.body.error;
  for (const k of Object.keys(e)) assert.ok(['code', 'message', 'details', 'requestId', 'timestamp'].includes(k), `unexpected ${k} in ${res.text}`);
  assert.equal(typeof e.message, 'string');
  assert.match(e.requestId, /^[A-Za-z0-9._:-]{8,}$/);
  assert.ok(!requestIds.has(e.requestId), `requestId ${e.requestId} answered an earlier request too`);
  requestIds.add(e.requestId);
  assert.match(e.timestamp, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  const codes: Record<number, string[]> = { 400: ['INVALID_REQUEST', 'VALIDATION_ERROR'], 401: ['UNAUTHORIZED', 'TOKEN_EXPIRED'], 403: ['FORBIDDEN'], 404: ['NOT_FOUND'], 429: ['RATE_LIMITED'] };
  assert.ok(codes[res.status]?.includes(e.code), `${e.code} is not a documented code for ${res.status}`);
  if (code !== undefined) assert.ok((Array.isArray(code) ? code : [code]).includes(e.code), res.text);
}

/** A VALIDATION_ERROR naming these fields in its details. */
export function xxInvalid(res: ApiResponse, ...fields: string[]): void {
  xxError(res, 400, 'VALIDATION_ERROR');
  const named = (res.body.error.details ?? []).map((d: { field: string }) => d.field);
  for (const f of fields) assert.ok(named.includes(f), `${f} not among ${JSON.stringify(named)}: ${res.text}`);
}

export interface XxFrame {
  type: string;
  event: string;
  data: any;
  requestId?: string;
}

let requests = 0;

/** A socket client of `{type, event, data, requestId}` frames. */
export class XxSocket {
  private frames = new FrameQueue<XxFrame>();
  readonly closed: Promise<{ code: number }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw: Buffer) => {
      const f = JSON.parse(raw.toString('utf8')) as XxFrame;
      this.frames.push(f);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve({ code })));
  }

  static url(base: string, token: string, deviceId: string | undefined): string {
    const u = new URL('/xiaoxiang/ws', base.replace(/^http/, 'ws'));
    u.searchParams.set('token', token);
    if (deviceId !== undefined) u.searchParams.set('deviceId', deviceId);
    return u.toString();
  }

  static async open(base: string, user: Pick<XxUser, 'token' | 'deviceId'>): Promise<XxSocket> {
    const ws = new WebSocket(XxSocket.url(base, user.token, user.deviceId));
    const client = new XxSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    });
    // The socket is registered for events once a frame has been answered.
    await client.barrier();
    return client;
  }

  /** An upgrade that must be refused: its status and body, or the close code of a socket closed at once. */
  static refused(url: string): Promise<{ status: number; body: string }> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('neither refused nor closed within 2s')), 2000);
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.once('close', (code) => {
        clearTimeout(timer);
        resolve({ status: code, body: '' });
      });
      ws.once('error', () => undefined);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a frame with a new requestId and waits for the one answer carrying it. */
  async request(type: string, event: string, data: unknown): Promise<XxFrame> {
    const requestId = `r${++requests}`;
    this.send({ type, event, data, requestId });
    return this.next((f) => f.requestId === requestId);
  }

  next(match: string | ((f: XxFrame) => boolean), timeoutMs = 5000): Promise<XxFrame> {
    const test = typeof match === 'string' ? (f: XxFrame) => f.event === match && f.requestId === undefined : match;
    return this.frames.take(test, timeoutMs, String(match));
  }

  async barrier(): Promise<void> {
    await this.request('heartbeat', 'heartbeat', { timestamp: Date.now() });
  }

  /** Asserts nothing of these events is queued after a barrier (and another round for signals in flight). */
  async quiet(...events: string[]): Promise<void> {
    await this.barrier();
    await new Promise((r) => setTimeout(r, 100));
    await this.barrier();
    assert.deepEqual(
      this.frames.peek((f) => events.includes(f.event)),
      [],
    );
  }

  drop(event: string): void {
    this.frames.remove((f) => f.event === event);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

/** Uploads through multipart with the Bearer token. */
export async function xxUpload(base: string, token: string, parts: Record<string, string | { data: Buffer; name: string; type: string }>) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(parts)) {
    if (typeof v === 'string') fd.append(k, v);
    else fd.append(k, new Blob([v.data], { type: v.type }), v.name);
  }
  const r = await fetch(`${base}/xiaoxiang/v1/files/upload`, { method: 'POST', body: fd, headers: { authorization: `Bearer ${token}` } });
  const text = await r.text();
  return { status: r.status, body: JSON.parse(text), text, headers: r.headers };
}

/** A success in the document's envelope (`success`, `data`, `meta` and nothing else), `data` in the schema's shape; returns `data`. */
export function xxOk(res: ApiResponse, status: number | number[], schema?: TSchema): any {
  const statuses = Array.isArray(status) ? status : [status];
  assert.ok(statuses.includes(res.status), `expected ${statuses.join('/')}: ${res.status} ${res.text}`);
  assert.equal(res.body.success, true, res.text);
  for (const k of Object.keys(res.body)) assert.ok(['success', 'data', 'meta'].includes(k), res.text);
  if (schema) {
    const check = compileStrict(schema);
    assert.ok(check(res.body.data), `${JSON.stringify(check.errors)} in ${res.text}`);
  }
  return res.body.data;
}

/** A socket frame with this event and type, its data in the event's shape. */
export function xxFrameOk(f: XxFrame, event: string, type: string): void {
  assert.equal(f.event, event, JSON.stringify(f));
  assert.equal(f.type, type, JSON.stringify(f));
  const check = compileStrict(xiaoxiang.socket!.frames[event]!);
  assert.ok(check(f.data), `${event}: ${JSON.stringify(check.errors)} in ${JSON.stringify(f)}`);
}

/** Whether a value has a schema's shape (no type narrowing: the value stays as the test reads it). */
export const xxFits = (schema: TSchema, value: unknown): boolean => compileStrict(schema)(value);
