import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import type { Frame } from '../../web/src/lib/types.ts';

/** A stand-in for the browser's WebSocket: records URLs and lets the test play the server. */
class FakeSocket {
  static OPEN = 1;
  static opened: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  frame(f: Frame) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  send(data: string) {
    this.sent.push(data);
  }
  close(code = 1000) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const globals = globalThis as Record<string, unknown>;
const saved = ['WebSocket', 'window', 'location', 'navigator'].map((k) => [k, Object.getOwnPropertyDescriptor(globalThis, k)] as const);
const windowListeners = new Map<string, () => void>();

beforeEach(() => {
  // Reconnect backoffs run on mocked time: a test moves the clock instead of racing it.
  mock.timers.enable({ apis: ['setTimeout'] });
  FakeSocket.opened = [];
  const define = (k: string, value: unknown) => Object.defineProperty(globalThis, k, { value, configurable: true, writable: true });
  define('WebSocket', FakeSocket);
  define('window', { addEventListener: (t: string, f: () => void) => windowListeners.set(t, f), removeEventListener: (t: string) => windowListeners.delete(t) });
  define('location', { protocol: 'http:', host: 'parley.test' });
  define('navigator', { onLine: true });
});

afterEach(() => {
  mock.timers.reset();
  for (const [k, d] of saved) {
    if (d) Object.defineProperty(globalThis, k, d);
    else delete globals[k];
  }
});

interface LiveLike {
  start(): void;
  stop(): void;
}
interface LiveModule {
  LiveSocket: new (opts: {
    token: () => string | undefined;
    onFrame: (f: Frame) => void;
    onState: (s: string) => void;
    onSynced: (complete: boolean) => void;
    onSessionEnded: () => void;
    onRefused: () => Promise<void>;
  }) => LiveLike;
}
// Imported by a computed path: live.ts is browser code (DOM types), which the server's type
// check must not pull in; the browser project checks it.
const livePath = '../../web/src/lib/live.ts';
const { LiveSocket } = (await import(livePath)) as LiveModule;

function harness(token: () => string | undefined = () => 'tok') {
  const log: string[] = [];
  const frames: Frame[] = [];
  const live = new LiveSocket({
    token,
    onFrame: (f) => frames.push(f),
    onState: (s) => log.push(`state:${s}`),
    onSynced: (complete) => log.push(`synced:${complete}`),
    onSessionEnded: () => log.push('ended'),
    onRefused: () => Promise.resolve(),
  });
  return { live, log, frames };
}

const latest = () => FakeSocket.opened.at(-1)!;
/** Past the first reconnect's fixed 300 ms backoff, on the mocked clock. */
const pastBackoff = () => mock.timers.tick(300);

describe('web live socket', () => {
  test('with no session at all it ends the session instead of waiting in "connecting"', () => {
    const { live, log } = harness(() => undefined);
    live.start();
    assert.deepEqual(log, ['ended']);
    assert.equal(FakeSocket.opened.length, 0);
    live.stop();
  });

  test('resumes from the last seq it saw, and only a fresh start asks for a full reload', async () => {
    const { live, log, frames } = harness();
    live.start();
    assert.equal(new URL(latest().url).searchParams.get('since'), null);
    latest().open();
    latest().frame({ type: 'connect', data: { seq: 10, heartbeat_interval: 30 } });
    latest().frame({ type: 'message.new', seq: 11, data: { id: 1 } });
    latest().frame({ type: 'typing', data: { chat_id: 1 } });
    assert.deepEqual(log, ['state:connecting', 'state:online', 'synced:false']);
    assert.equal(frames.length, 2);

    latest().close(1006);
    pastBackoff();
    const url = new URL(latest().url);
    assert.equal(url.searchParams.get('since'), '11');
    assert.equal(url.searchParams.get('token'), 'tok');
    latest().open();
    latest().frame({ type: 'connect', data: { seq: 12, heartbeat_interval: 30 } });
    latest().frame({ type: 'message.new', seq: 12, data: { id: 2 } });
    latest().frame({ type: 'resumed', data: { since: 11, seq: 12, count: 1 } });
    assert.deepEqual(log.slice(-2), ['state:online', 'synced:true']);
    live.stop();
  });

  test('a refetch from the server (gap too old) asks for a full reload from the seq it names', async () => {
    const { live, log } = harness();
    live.start();
    latest().open();
    latest().frame({ type: 'connect', data: { seq: 5, heartbeat_interval: 30 } });
    latest().close(1006);
    pastBackoff();
    latest().open();
    latest().frame({ type: 'connect', data: { seq: 90, heartbeat_interval: 30 } });
    latest().frame({ type: 'refetch', data: { reason: 'expired', since: 5, seq: 90 } });
    assert.equal(log.at(-1), 'synced:false');
    latest().close(1006);
    pastBackoff();
    assert.equal(new URL(latest().url).searchParams.get('since'), '90');
    live.stop();
  });

  test('an ended session (4401) is not retried; going offline drops the socket at once and coming back reconnects', async () => {
    const { live, log } = harness();
    live.start();
    latest().open();
    latest().frame({ type: 'connect', data: { seq: 1, heartbeat_interval: 30 } });
    (globalThis as unknown as { navigator: { onLine: boolean } }).navigator.onLine = false;
    windowListeners.get('offline')!();
    assert.equal(log.at(-1), 'state:offline');
    pastBackoff();
    assert.equal(FakeSocket.opened.length, 1, 'no reconnect while offline');
    (globalThis as unknown as { navigator: { onLine: boolean } }).navigator.onLine = true;
    windowListeners.get('online')!();
    assert.equal(FakeSocket.opened.length, 2);
    latest().open();
    latest().close(4401);
    pastBackoff();
    assert.equal(log.at(-1), 'ended');
    assert.equal(FakeSocket.opened.length, 2);
    live.stop();
  });
});
