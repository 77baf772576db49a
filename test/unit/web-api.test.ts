import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';

interface ApiErrorLike extends Error {
  status: number;
  transient: boolean;
}
interface ApiModule {
  ApiError: new (...args: never[]) => ApiErrorLike;
  api: (method: string, path: string, body?: unknown) => Promise<unknown>;
  whenSignedOut: (listener: () => void) => void;
  fileLink: (url: string) => string;
}
// Imported by a computed path: api.ts is browser code (DOM types), which the server's type
// check must not pull in; the browser project checks it.
const apiPath = '../../web/src/lib/api.ts';
const { ApiError, api, fileLink, whenSignedOut } = (await import(apiPath)) as ApiModule;

/** A Map standing in for localStorage, so tests can play another tab writing to it. */
const store = new Map<string, string>();
const localStorageStub = {
  getItem: (k: string) => store.get(k) ?? null,
  setItem: (k: string, v: string) => void store.set(k, v),
  removeItem: (k: string) => void store.delete(k),
};

type Handler = (url: string, init: RequestInit) => Response | Promise<Response>;
let handler: Handler;
const calls: string[] = [];
const saved = ['fetch', 'localStorage', 'navigator', 'location'].map((k) => [k, Object.getOwnPropertyDescriptor(globalThis, k)] as const);
let signedOut = 0;

function define(k: string, value: unknown) {
  Object.defineProperty(globalThis, k, { value, configurable: true, writable: true });
}
function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
function signIn(token: string, refresh: string) {
  store.set('parley.session', JSON.stringify({ token, user: { id: 1 } }));
  store.set('parley.refresh', refresh);
}
const token = () => (JSON.parse(store.get('parley.session') ?? 'null') as { token: string } | null)?.token;

beforeEach(() => {
  store.clear();
  calls.length = 0;
  signedOut = 0;
  whenSignedOut(() => signedOut++);
  define('localStorage', localStorageStub);
  define('navigator', {});
  define('fetch', async (url: string, init: RequestInit) => {
    calls.push(`${init.method} ${url}`);
    return handler(url, init);
  });
});

afterEach(() => {
  for (const [k, d] of saved) {
    if (d) Object.defineProperty(globalThis, k, d);
    else delete (globalThis as Record<string, unknown>)[k];
  }
});

/** The API accepts only `good`; refresh answers with `status`. */
function server(refreshStatus: number) {
  handler = (url, init) => {
    if (url === '/api/auth/refresh') {
      if (refreshStatus !== 200) return json(refreshStatus, { code: refreshStatus, message: 'no' });
      return json(200, { data: { access_token: 'good', refresh_token: 'r2' } });
    }
    const auth = (init.headers as Record<string, string>).authorization;
    return auth === 'Bearer good' ? json(200, { data: 'ok' }) : json(401, { code: 401, message: 'expired' });
  };
}

test('an expired token is refreshed once and the call retried', async () => {
  signIn('old', 'r1');
  server(200);
  assert.equal(await api('GET', '/api/x'), 'ok');
  assert.equal(token(), 'good');
  assert.equal(store.get('parley.refresh'), 'r2');
  assert.equal(signedOut, 0);
});

for (const status of [500, 503, 429]) {
  test(`a refresh answered ${status} is transient and keeps the session`, async () => {
    signIn('old', 'r1');
    server(status);
    await assert.rejects(api('GET', '/api/x'), (err: unknown) => err instanceof ApiError && err.transient);
    assert.equal(token(), 'old');
    assert.equal(signedOut, 0);
  });
}

test('a refresh that never reaches the server is transient', async () => {
  signIn('old', 'r1');
  server(200);
  const inner = handler;
  handler = (url, init) => {
    if (url === '/api/auth/refresh') throw new TypeError('offline');
    return inner(url, init);
  };
  await assert.rejects(api('GET', '/api/x'), (err: unknown) => err instanceof ApiError && err.status === 0);
  assert.equal(token(), 'old');
  assert.equal(signedOut, 0);
});

for (const status of [400, 401]) {
  test(`a refresh refused ${status} signs out`, async () => {
    signIn('old', 'r1');
    server(status);
    await assert.rejects(api('GET', '/api/x'), (err: unknown) => err instanceof ApiError && err.status === 401);
    assert.equal(token(), undefined);
    assert.equal(signedOut, 1);
  });
}

test('under the tab lock, a token another tab already refreshed is used without refreshing again', async () => {
  signIn('old', 'r1');
  server(200);
  const requested: string[] = [];
  define('navigator', {
    locks: {
      // Another tab held the lock and refreshed meanwhile: its pair is in store when this tab gets in.
      request: async (name: string, fn: () => Promise<boolean>) => {
        requested.push(name);
        signIn('good', 'r2');
        return fn();
      },
    },
  });
  assert.equal(await api('GET', '/api/x'), 'ok');
  assert.deepEqual(requested, ['parley-refresh']);
  assert.ok(!calls.includes('POST /api/auth/refresh'), 'the spent refresh token is not sent again');
  assert.equal(signedOut, 0);
});

test('concurrent 401s in a tab share one refresh', async () => {
  signIn('old', 'r1');
  server(200);
  await Promise.all([api('GET', '/api/a'), api('GET', '/api/b')]);
  assert.equal(calls.filter((c) => c === 'POST /api/auth/refresh').length, 1);
});

test('a 401 with no session at all signs out, but a refused sign-in does not', async () => {
  server(200);
  await assert.rejects(api('GET', '/api/x'), (err: unknown) => err instanceof ApiError && err.status === 401);
  assert.equal(signedOut, 1);
  await assert.rejects(api('POST', '/api/auth/login', {}), (err: unknown) => err instanceof ApiError && err.status === 401);
  assert.equal(signedOut, 1);
});

test('file links carry the token, unless the server signed them already', () => {
  define('location', { origin: 'http://parley.test' });
  signIn('tok', 'r1');
  assert.equal(fileLink('http://elsewhere.test/api/files/1'), '/api/files/1?token=tok');
  assert.equal(fileLink('/api/files/2?exp=9&sig=abc'), '/api/files/2?exp=9&sig=abc');
});
