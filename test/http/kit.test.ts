import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from 'typebox';
import WebSocket from 'ws';
import { ConfigError, type Env } from '../../src/config.ts';
import { route } from '../../src/profiles/kit/route.ts';
import { zhihang } from '../../src/profiles/zhihang/index.ts';
import { Me } from '../../src/profiles/zhihang/schemas.ts';
import { Api, type ApiResponse } from '../support/api.ts';
import { echo, echoVariant, usersMe } from '../support/echo.ts';
import { envelopeOf } from '../support/kit.ts';
import { freePort } from '../support/process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { assertError, isoSecondsRe, okData } from '../support/shapes.ts';
import { registerUser, type TestUser } from '../support/users.ts';
import { frameProblems } from '../support/verify.ts';
import { WsClient } from '../support/ws.ts';

/**
 * The profile kit through started servers: two profiles at one root, each answering its own
 * routes and not-found paths in its own envelope, route collisions refused at start, PROFILES
 * resolved (unknown names, malformed values, profiles on ports of their own), the per-profile
 * OpenAPI documents, and strict id decoding.
 */

/** Asserts echo's error envelope (success-data): `{success: false, error: {code, message}, timestamp}`. */
function assertEchoError(res: Pick<ApiResponse, 'status' | 'body' | 'text'>, status: number, code: string): void {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assertEchoBody(res.body, code);
}

function assertEchoBody(body: any, code: string): void {
  assert.deepEqual(Object.keys(body).sort(), ['error', 'success', 'timestamp'], JSON.stringify(body));
  assert.equal(body.success, false);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.match(body.timestamp, isoSecondsRe);
}

/** Echo's success envelope; returns its data. */
function echoData(res: ApiResponse): any {
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(Object.keys(res.body).sort(), ['data', 'message', 'success', 'timestamp']);
  assert.equal(res.body.success, true);
  return res.body.data;
}

/** The zhihang error body of a refused upgrade (no HTTP response wrapper to assert on). */
function assertZhihangBody(body: any, code: number): void {
  assertError({ status: code, body, text: JSON.stringify(body) }, code, code);
}

/** A socket that keeps every text frame it receives (echo's first frame is not zhihang's connect). */
async function rawSocket(url: string): Promise<{ texts: string[]; received(n: number): Promise<void>; send(frame: unknown): void; close(): Promise<void> }> {
  const ws = new WebSocket(url);
  const texts: string[] = [];
  ws.on('message', (raw: Buffer) => texts.push(raw.toString('utf8')));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
  return {
    texts,
    async received(n) {
      const deadline = Date.now() + 5000;
      while (texts.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} frames, got ${JSON.stringify(texts)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    send: (frame) => ws.send(JSON.stringify(frame)),
    close: () =>
      new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
}

describe('two profiles mounted at the root', () => {
  let s: TestServer;
  let user: TestUser;
  before(async () => {
    s = await startTestServer('sqlite', {}, { mounts: [{ profile: zhihang, mount: '' }, { profile: echo, mount: '' }] });
    user = await registerUser(s.api);
  });
  after(async () => {
    await s?.close();
  });

  it('both answer their own routes in their own envelopes', async () => {
    assert.deepEqual(echoData(await s.api.get('/api/v1/ping')), { pong: true });
    assert.deepEqual(echoData(await s.api.get('/api/v1/items/42')), { id: 42 });
    assert.equal(okData(await s.api.get('/api/users/me', { token: user.token })).id, user.id);
    // The same answers checked whole against each profile's envelope schema.
    envelopeOf(zhihang).ok(await s.api.get('/api/users/me', { token: user.token }), Me);
    envelopeOf(echo).ok(await s.api.get('/api/v1/ping'), Type.Object({ pong: Type.Boolean() }));
    envelopeOf(echo).error(await s.api.get('/api/v1/me'), 401, 'ECHO_401');
    envelopeOf(zhihang).error(await s.api.get('/api/users/me'), 401, 401);
  });

  it('guards echo’s authenticated route with the same sessions, answering in echo’s envelope', async () => {
    assertEchoError(await s.api.get('/api/v1/me'), 401, 'ECHO_401');
    assertEchoError(await s.api.get('/api/v1/me', { token: 'not-a-token' }), 401, 'ECHO_401');
    assert.deepEqual(echoData(await s.api.get('/api/v1/me', { token: user.token })), { user_id: user.id });
  });

  it('answers a malformed echo id as echo’s not-found (its codec’s choice)', async () => {
    for (const raw of ['0x10', '1e3', '012', '%2042', '99999999999999999999']) {
      const res = await s.api.get(`/api/v1/items/${raw}`);
      assertEchoError(res, 404, 'ECHO_NOT_FOUND');
      assert.equal(res.body.error.message, 'no such item_id');
    }
  });

  it('gives an unmatched path to the profile with the longest base path', async () => {
    assertEchoError(await s.api.get('/api/v1/nope'), 404, 'ECHO_NOT_FOUND');
    assertEchoError(await s.api.get('/api/v1'), 404, 'ECHO_NOT_FOUND');
    assertEchoError(await s.api.request('PATCH', '/api/v1/ping'), 404, 'ECHO_NOT_FOUND');
    assertError(await s.api.get('/api/nope'), 404);
    assertError(await s.api.get('/api/v10/ping'), 404, 404);
    assertError(await s.api.get('/nope'), 404);
  });

  it('answers URLs the router refuses (bad escapes, bad queries) or cannot route (long segments) in the envelope of the path’s owner', async () => {
    assertEchoError(await s.api.get('/api/v1/items/%FF'), 400, 'ECHO_400');
    assertEchoError(await s.api.get(`/api/v1/items/${'1'.repeat(300)}`), 404, 'ECHO_NOT_FOUND');
    assertEchoError(await s.api.get('/api/v1/ping?x=%E4'), 400, 'ECHO_400');
    assertError(await s.api.get('/api/chats/%FF'), 400);
    assertError(await s.api.get('/nope/%FF?x=%FF'), 400);
  });

  it('serves both sockets; echo’s checks the path’s user id, and a plain GET is told to upgrade', async () => {
    const other = await registerUser(s.api);
    const mine = await rawSocket(WsClient.url(s.url, user.token, { path: `/ws/${user.id}` }));
    await mine.received(1);
    assert.deepEqual(JSON.parse(mine.texts[0]!).type, 'hello');
    await mine.close();
    const refused = await WsClient.refused(`${WsClient.url(s.url, user.token, { path: `/ws/${other.id}` })}`);
    assert.equal(refused.status, 403);
    assertEchoBody(refused.body, 'ECHO_403');
    const zh = await WsClient.connect(s.url, user.token);
    assert.equal(zh.hello.data.user_id, user.id);
    await zh.close();
    assertEchoError(await s.api.get(`/ws/${user.id}`), 426, 'ECHO_426');
  });

  it('answers an upgrade to an unknown path with the owning profile’s 404 body', async () => {
    const at = (path: string) => WsClient.refused(WsClient.url(s.url, user.token, { path }));
    const underEcho = await at('/api/v1/socket');
    assert.equal(underEcho.status, 404);
    assertEchoBody(underEcho.body, 'ECHO_NOT_FOUND');
    for (const path of ['/api/socket', '/socket', `/ws/${user.id}/more`]) {
      const r = await at(path);
      assert.equal(r.status, 404, path);
      assertZhihangBody(r.body, 404);
    }
  });

  it('publishes one OpenAPI document per profile, each with only its own paths and title', async () => {
    const primary = (await s.api.get('/openapi.json')).body;
    assert.equal(primary.info.title, `Parley: ${zhihang.title}`);
    const primaryPaths = Object.keys(primary.paths);
    assert.ok(primaryPaths.includes('/api/auth/login') && primaryPaths.includes('/health'), 'zhihang and the operations');
    assert.deepEqual(primaryPaths.filter((p) => p.startsWith('/api/v1')), []);

    const zh = await s.api.get('/openapi/zhihang.json');
    assert.equal(zh.status, 200);
    assert.equal(zh.body.info.title, `Parley: ${zhihang.title}`);
    assert.match(zh.body.info.description, /; served at \/api\.$/);
    const zhPaths = Object.keys(zh.body.paths);
    assert.ok(zhPaths.includes('/api/chats/{chat_id}'));
    assert.deepEqual(zhPaths.filter((p) => p.startsWith('/api/v1') || p.startsWith('/health') || p.startsWith('/ws/')), []);

    const ec = await s.api.get('/openapi/echo.json');
    assert.equal(ec.status, 200);
    assert.equal(ec.body.info.title, 'Parley: Echo (test profile)');
    assert.match(ec.body.info.description, /; served at \/api\/v1\.$/);
    assert.deepEqual(Object.keys(ec.body.paths).sort(), ['/api/v1/items/{item_id}', '/api/v1/me', '/api/v1/ping', '/ws/{user_id}']);
    assert.deepEqual(ec.body.paths['/api/v1/me'].get.security, [{ bearerAuth: [] }]);
    assert.ok(ec.body.paths['/api/v1/ping'].get.responses['200'].content['application/json'].schema.properties.success, 'echo’s envelope');

    assertError(await s.api.get('/openapi/nosuch.json'), 404);
  });

  it('zhihang refuses leniently parsed chat ids with its 422 naming chat_id', async () => {
    for (const raw of ['0x10', '1e3', '%2012', '012', '99999999999999999999', '0', '-1']) {
      const res = await s.api.get(`/api/chats/${raw}`, { token: user.token });
      assertError(res, 422);
      assert.deepEqual(res.body.details, [{ field: 'chat_id', message: 'must be a positive integer' }], raw);
    }
    // A well-formed id passes the codec and reaches the service.
    assertError(await s.api.get('/api/chats/999999', { token: user.token }), 404, 20001);
  });

  it('greets, answers a ping and refuses an unknown frame, each conforming to its declared schema', async () => {
    const user = await registerUser(s.api);
    const ws = await rawSocket(WsClient.url(s.url, user.token, { path: `/ws/${user.id}` }));
    await ws.received(1);
    ws.send({ type: 'ping', data: {} });
    ws.send({ type: 'shout', data: {} });
    await ws.received(3);
    await ws.close();
    const frames = ws.texts.map((t) => {
      const { frame, problems } = frameProblems(echo, t);
      assert.deepEqual(problems, [], t);
      return frame!;
    });
    assert.deepEqual(
      frames.map((f) => f.type),
      ['hello', 'pong', 'error'],
    );
    assert.equal((frames[0]!.data as { user: number }).user, user.id);
    assert.deepEqual((frames[2]!.data as any).error.code, 'ECHO_400');
  });
});

describe('route collisions and PROFILES', () => {
  const ownRoute = route.get('/health', { summary: 'claims the server’s own route', auth: false, data: Type.Object({}) }, async () => ({}));

  it('refuses two root mounts that both declare GET /api/users/me, naming both', async () => {
    const clash = echoVariant('clash', [usersMe]);
    await assert.rejects(
      startTestServer('sqlite', {}, { mounts: [{ profile: zhihang, mount: '' }, { profile: clash, mount: '' }] }),
      { message: 'PROFILES: zhihang@/ and clash@/ both claim GET /api/users/me on the main port; mount one of them elsewhere' },
    );
  });

  it('refuses a profile that claims a route the server serves itself', async () => {
    const health = echoVariant('health', [ownRoute]);
    await assert.rejects(startTestServer('sqlite', {}, { mounts: [{ profile: health, mount: '' }] }), /the server itself and health@\/ both claim GET \/health on the main port/);
  });

  it('refuses two profiles on one port of their own that claim the same route', async () => {
    const port = await freePort();
    const twin = echoVariant('twin', echo.routes.filter((r) => r.path === '/api/v1/ping'));
    await assert.rejects(
      startTestServer('sqlite', { PROFILES: `zhihang@/,echo@:${port},twin@:${port}` }, { profiles: [zhihang, echo, twin] }),
      { message: `PROFILES: echo@:${port} and twin@:${port} both claim GET /api/v1/ping on port ${port}; mount one of them elsewhere` },
    );
  });

  it('fails on a profile PROFILES names that does not exist, naming it', async () => {
    await assert.rejects(startTestServer('sqlite', { PROFILES: 'zhihang@/,nosuch@/x' }), { message: 'PROFILES: unknown profile "nosuch" (known: zhihang, chat8, lite, flutter, xiaoxiang)' });
  });

  it('fails configuration validation on a malformed PROFILES, or a profile named twice', async () => {
    for (const value of ['zhihang', 'zhihang@', 'zhihang@x', 'zhihang@:70000', 'zhihang@/a//b', 'Zhihang@/', 'zhihang@/,zhihang@/x']) {
      await assert.rejects(startTestServer('sqlite', { PROFILES: value }), (err: unknown) => {
        assert.ok(err instanceof ConfigError, `${value}: ${String(err)}`);
        assert.match(err.message, /PROFILES: must be a comma-separated list/);
        assert.ok(err.message.includes(JSON.stringify(value)), err.message);
        return true;
      });
    }
  });
});

describe('a profile on a port of its own', () => {
  let s: TestServer;
  let own: Api;
  let port: number;
  before(async () => {
    port = await freePort();
    const env: Env = { PROFILES: `zhihang@/,echo@:${port}` };
    s = await startTestServer('sqlite', env, { profiles: [zhihang, echo] });
    own = new Api(`http://127.0.0.1:${port}`);
  });
  after(async () => {
    await s?.close();
  });

  it('is listed as a listener of its own', () => {
    assert.deepEqual(
      s.listeners.map((l) => [l.port, l.profiles]),
      [
        [null, ['zhihang']],
        [port, ['echo']],
      ],
    );
    assert.equal(s.listeners[1]!.url, `http://127.0.0.1:${port}`);
  });

  it('serves at the root of its port, with its own not-found answers there', async () => {
    assert.deepEqual(echoData(await own.get('/api/v1/ping')), { pong: true });
    const user = await registerUser(s.api);
    assert.deepEqual(echoData(await own.get('/api/v1/me', { token: user.token })), { user_id: user.id });
    assertEchoError(await own.get('/api/v1/nope'), 404, 'ECHO_NOT_FOUND');
    assertEchoError(await own.get('/nope'), 404, 'ECHO_NOT_FOUND');
    assertEchoError(await own.get('/api/users/me', { token: user.token }), 404, 'ECHO_NOT_FOUND');
    assertEchoError(await own.get('/health'), 404, 'ECHO_NOT_FOUND');
    const upgrade = await WsClient.refused(WsClient.url(own.base, user.token, { path: '/ws' }));
    assert.equal(upgrade.status, 404);
    assertEchoBody(upgrade.body, 'ECHO_NOT_FOUND');
  });

  it('is not served on the main port, which keeps zhihang', async () => {
    assertError(await s.api.get('/api/v1/ping'), 404);
    assertError(await s.api.get(`/ws/1`), 404);
    okData(await s.api.post('/api/auth/login', { phone: (await registerUser(s.api)).phone, password: 'password123' }), '登录成功');
  });
});

describe('zhihang alone on a port of its own', () => {
  let s: TestServer;
  let zh: Api;
  before(async () => {
    const port = await freePort();
    s = await startTestServer('sqlite', { PROFILES: `zhihang@:${port}` });
    zh = new Api(`http://127.0.0.1:${port}`);
  });
  after(async () => {
    await s?.close();
  });

  it('registers, logs in and connects its socket at /ws there', async () => {
    const user = await registerUser(zh);
    const login = okData(await zh.post('/api/auth/login', { phone: user.phone, password: user.password }));
    const ws = await WsClient.connect(zh.base, login.access_token);
    assert.equal(ws.hello.data.user_id, user.id);
    await ws.close();
  });

  it('leaves the main port its health and documents, and no profile', async () => {
    assert.equal((await s.api.get('/health')).status, 200);
    const res = await s.api.post('/api/auth/login', { phone: '13800138000', password: 'password123' });
    assert.equal(res.status, 404);
    assert.deepEqual(Object.keys(res.body).sort(), ['code', 'error', 'message']);
    assert.deepEqual(Object.keys((await s.api.get('/openapi.json')).body.paths ?? {}).filter((p) => p.startsWith('/api/')), []);
  });

  it('answers what no profile owns on the main port in plain JSON, malformed paths included', async () => {
    assert.deepEqual((await s.api.get('/api/users/me')).body, { code: 404, message: 'not found', error: 'no route GET /api/users/me' });
    assert.deepEqual((await s.api.get('/api/chats/%FF')).body, { code: 400, message: 'bad request', error: 'the path is not valid percent-encoded UTF-8' });
  });
});
