import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { FrameQueue } from './frame-queue.ts';
import type { Api } from './api.ts';

export interface Chat8User {
  id: number;
  username: string;
  email: string;
  password: string;
  token: string;
}

let n = 0;

/** Registers a chat8 user through the chat8 API. */
export async function register(api: Api, prefix = 'c8u'): Promise<Chat8User> {
  const i = `${process.pid}_${++n}`;
  const username = `${prefix}${i}`;
  const email = `${username}@example.com`;
  const password = 'secret-pass-1';
  const res = await api.post('/api/v1/auth/register', { username, email, password, confirm_password: password });
  assert.equal(res.status, 200, res.text);
  return { id: res.body.data.user_id, username, email, password, token: res.body.data.access_token };
}

/** Makes two users friends through a request and its acceptance. */
export async function befriend(api: Api, a: Chat8User, b: Chat8User): Promise<void> {
  assert.equal((await api.post('/api/v1/friends/request', { user_id: b.id, message: 'hi' }, { token: a.token })).status, 200);
  const list = await api.get('/api/v1/friends/requests', { token: b.token });
  const req = list.body.data.find((r: { from_user_id: number }) => r.from_user_id === a.id);
  assert.equal((await api.put(`/api/v1/friends/request/${req.request_id}`, { action: 'accept' }, { token: b.token })).status, 200);
}

export interface C8Frame {
  type: string;
  data?: any;
  /** chat8's frames; lite's have none. */
  timestamp?: string;
}

/** A chat8 WebSocket client: frames `{type, data, timestamp}`, no greeting; `barrier` round-trips a ping. */
export class Chat8Socket {
  private frames = new FrameQueue<C8Frame>();
  readonly closed: Promise<{ code: number }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw: Buffer) => {
      const f = JSON.parse(raw.toString('utf8')) as C8Frame;
      this.frames.push(f);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve({ code })));
  }

  static url(base: string, userId: number | string, token?: string): string {
    const u = new URL(`/ws/${userId}`, base.replace(/^http/, 'ws'));
    if (token !== undefined) u.searchParams.set('token', token);
    return u.toString();
  }

  static async open(base: string, user: { id: number; token: string }): Promise<Chat8Socket> {
    return Chat8Socket.connect(Chat8Socket.url(base, user.id, user.token));
  }

  /** Any socket of `{type, data}` frames without a greeting (lite's too, with its bearer header in `options`). */
  static async connect(url: string, options?: WebSocket.ClientOptions): Promise<Chat8Socket> {
    const ws = new WebSocket(url, options);
    const client = new Chat8Socket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    });
    return client;
  }

  /** An upgrade that must be refused within 2 s: its status, or the close code of a socket closed at once. */
  static async refused(url: string, options?: WebSocket.ClientOptions): Promise<number> {
    const ws = new WebSocket(url, options);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('neither refused nor closed within 2s')), 2000);
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      ws.once('close', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      ws.once('error', () => undefined);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  next(type: string | ((f: C8Frame) => boolean), timeoutMs = 5000): Promise<C8Frame> {
    const match = typeof type === 'string' ? (f: C8Frame) => f.type === type : type;
    return this.frames.take(match, timeoutMs, String(type));
  }

  async barrier(): Promise<void> {
    this.send({ type: 'ping' });
    await this.next('pong');
  }

  /** Asserts nothing of these types (or at all) is queued after a barrier. */
  async quiet(...types: string[]): Promise<void> {
    await this.barrier();
    assert.deepEqual(this.frames.peek((f) => types.length === 0 || types.includes(f.type)), []);
  }

  /** Asserts no frame matching `match` is queued after a barrier (other frames may be). */
  async none(match: (f: C8Frame) => boolean): Promise<void> {
    await this.barrier();
    assert.deepEqual(this.frames.peek(match), []);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}
