import assert from 'node:assert/strict';
import { FrameQueue } from './frame-queue.ts';
import WebSocket from 'ws';

export interface Frame {
  type: string;
  seq?: number;
  data: any;
  /** Only on frames of the probe profile. */
  audience?: any;
}

type Match = string | ((f: Frame) => boolean);

const matches = (m: Match, f: Frame) => (typeof m === 'string' ? f.type === m : m(f));

export interface ConnectOptions {
  /** Resume point passed as ?since=. */
  since?: number;
  /** Send the token in the Authorization header instead of the query. */
  header?: boolean;
  path?: string;
  /** Extra options for the ws client (e.g. autoPong: false). */
  ws?: WebSocket.ClientOptions;
}

let echo = 0;

/**
 * A real WebSocket client for tests. Every received frame is queued; `next` takes the first one
 * matching (leaving others queued), `barrier` proves the server has sent everything queued before
 * a ping (frames on one socket are ordered), `quiet` asserts nothing else arrived.
 */
export class WsClient {
  readonly received: Frame[] = [];
  private frames = new FrameQueue<Frame>();
  readonly closed: Promise<{ code: number; reason: string }>;
  /** The connect frame (first frame of the connection). */
  hello!: Frame;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw: Buffer) => {
      const f = JSON.parse(raw.toString('utf8')) as Frame;
      this.received.push(f);
      this.frames.push(f);
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static url(base: string, token: string | undefined, opts: ConnectOptions = {}): string {
    const u = new URL((opts.path ?? '/ws'), base.replace(/^http/, 'ws'));
    if (token && !opts.header) u.searchParams.set('token', token);
    if (opts.since !== undefined) u.searchParams.set('since', String(opts.since));
    return u.toString();
  }

  /** Connects and waits for the connect frame. */
  static async connect(base: string, token: string, opts: ConnectOptions = {}): Promise<WsClient> {
    const ws = new WebSocket(WsClient.url(base, token, opts), {
      ...opts.ws,
      ...(opts.header && { headers: { authorization: `Bearer ${token}` } }),
    });
    const client = new WsClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    });
    client.hello = await client.next('connect');
    assert.equal(client.received[0]!.type, 'connect', 'the connect frame comes first');
    return client;
  }

  /** Attempts an upgrade that must be refused; returns the HTTP status and JSON body. */
  static async refused(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
    const ws = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => reject(new Error('the upgrade was accepted')));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body ? JSON.parse(body) : undefined }));
      });
      ws.once('error', () => undefined);
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Takes the first queued (or next arriving) frame that matches. */
  next(match: Match, timeoutMs = 5000): Promise<Frame> {
    return this.frames.take((f) => matches(match, f), timeoutMs, typeof match === 'string' ? match : 'matching');
  }

  /** Takes `n` frames matching, in arrival order. */
  async take(match: Match, n: number, timeoutMs = 5000): Promise<Frame[]> {
    const out: Frame[] = [];
    for (let i = 0; i < n; i++) out.push(await this.next(match, timeoutMs));
    return out;
  }

  /** Round-trips a ping: everything the server sent before answering it is queued afterwards. */
  async barrier(): Promise<void> {
    const mark = `b${++echo}`;
    this.send({ type: 'ping', data: { timestamp: mark } });
    await this.next((f) => f.type === 'pong' && f.data.client_timestamp === mark);
  }

  /** Frames queued and not taken, optionally of some types only; clears them. */
  drain(...types: string[]): Frame[] {
    return this.frames.remove(types.length ? (f) => types.includes(f.type) : undefined);
  }

  /** Asserts that nothing (of the given types, or at all) arrived beyond what was taken. */
  async quiet(...types: string[]): Promise<void> {
    await this.barrier();
    assert.deepEqual(this.drain(...types), []);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}
