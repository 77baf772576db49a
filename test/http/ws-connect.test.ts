import assert from 'node:assert/strict';
import { it } from 'node:test';
import WebSocket from 'ws';
import { TestClock } from '../support/clock.ts';
import { mountsWithProbe, socketVariant } from '../support/probe.ts';
import { describeEachStore, startTestServer } from '../support/server.ts';
import { assertError, assertKeys, isoSecondsRe } from '../support/shapes.ts';
import { registerUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';

const clock = new TestClock();

function assertErrorFrame(f: { type: string; data: any }, code: number, ref?: string): void {
  assert.equal(f.type, 'error');
  assert.equal(f.data.code, code, JSON.stringify(f));
  assert.equal(typeof f.data.message, 'string');
  assert.equal(typeof f.data.error, 'string');
  assert.match(f.data.timestamp, isoSecondsRe);
  assert.equal(f.data.ref, ref);
}

describeEachStore(
  'websocket connection',
  (server) => {
    it('sends the connect frame first, with the token in the query or the Authorization header', async () => {
      const u = await registerUser(server().api);
      for (const header of [false, true]) {
        const c = await WsClient.connect(server().url, u.token, { header });
        assertKeys(c.hello, ['type', 'data']);
        assertKeys(c.hello.data, ['status', 'timestamp', 'user_id', 'seq', 'heartbeat_interval']);
        assert.equal(c.hello.data.status, 'connected');
        assert.match(c.hello.data.timestamp, isoSecondsRe);
        assert.equal(c.hello.data.user_id, u.id);
        assert.equal(typeof c.hello.data.seq, 'number');
        await c.close();
      }
    });

    it('refuses missing, invalid, expired and revoked tokens before the upgrade (HTTP 401, document codes)', async () => {
      const api = server().api;
      const base = server().url;
      const none = await WsClient.refused(WsClient.url(base, undefined));
      assertError({ status: none.status, body: none.body, text: JSON.stringify(none.body) }, 401);

      const bad = await WsClient.refused(WsClient.url(base, 'not-a-token'));
      assertError({ status: bad.status, body: bad.body, text: '' }, 401, 10008);
      const badHeader = await WsClient.refused(WsClient.url(base, undefined), { authorization: 'Bearer nope' });
      assertError({ status: badHeader.status, body: badHeader.body, text: '' }, 401, 10008);

      const u = await registerUser(api);
      clock.advance(2 * 3600_000);
      const expired = await WsClient.refused(WsClient.url(base, u.token));
      assertError({ status: expired.status, body: expired.body, text: '' }, 401, 10007);

      const v = await registerUser(api);
      assert.equal((await api.post('/api/auth/logout', undefined, { token: v.token })).status, 200);
      const revoked = await WsClient.refused(WsClient.url(base, v.token));
      assertError({ status: revoked.status, body: revoked.body, text: '' }, 401, 10008);
    });

    it('refuses a malformed since, answers a plain GET with 426 and unknown socket paths with 404', async () => {
      const u = await registerUser(server().api);
      const r = await WsClient.refused(`${WsClient.url(server().url, u.token)}&since=abc`);
      assert.equal(r.status, 422);
      assert.equal(r.body.details[0].field, 'since');
      assertError(await server().api.get('/ws'), 426);
      const missing = await WsClient.refused(WsClient.url(server().url, u.token, { path: '/nowhere' }));
      assert.equal(missing.status, 404);
    });

    it('closes the sockets of a session at logout (4401), not those of the other sessions', async () => {
      const api = server().api;
      const u = await registerUser(api);
      const login = await api.post('/api/auth/login', { phone: u.phone, password: u.password });
      const other = login.body.data.access_token as string;
      const a1 = await WsClient.connect(server().url, u.token);
      const a2 = await WsClient.connect(server().url, u.token);
      const b = await WsClient.connect(server().url, other);
      assert.equal((await api.post('/api/auth/logout', undefined, { token: u.token })).status, 200);
      for (const c of [a1, a2]) {
        const closed = await c.closed;
        assert.equal(closed.code, 4401);
        assert.match(closed.reason, /session ended/);
      }
      await b.barrier();
      assert.equal(b.ws.readyState, WebSocket.OPEN);
      await b.close();
    });

    it('answers frames sent before the connect frame only after it', async () => {
      const u = await registerUser(server().api);
      const ws = new WebSocket(WsClient.url(server().url, u.token));
      const types: string[] = [];
      ws.on('open', () => {
        ws.send(JSON.stringify({ type: 'ping' }));
        ws.send(JSON.stringify({ type: 'nonsense' }));
      });
      await new Promise<void>((resolve) =>
        ws.on('message', (raw: Buffer) => {
          types.push(JSON.parse(raw.toString('utf8')).type);
          if (types.length === 3) resolve();
        }),
      );
      assert.deepEqual(types, ['connect', 'pong', 'error']);
      ws.close();
    });

    it('answers ping with pong (echoing the client timestamp)', async () => {
      const u = await registerUser(server().api);
      const c = await WsClient.connect(server().url, u.token);
      c.send({ type: 'ping', data: { timestamp: 1623331800000 } });
      const pong = await c.next('pong');
      assertKeys(pong.data, ['timestamp', 'client_timestamp']);
      assert.match(pong.data.timestamp, isoSecondsRe);
      assert.equal(pong.data.client_timestamp, 1623331800000);
      c.send({ type: 'ping' });
      assertKeys((await c.next('pong')).data, ['timestamp']);
      await c.close();
    });

    it('answers malformed and unknown frames with error frames and stays up', async () => {
      const u = await registerUser(server().api);
      const c = await WsClient.connect(server().url, u.token);
      c.send('{"type": "ping"');
      assertErrorFrame(await c.next('error'), 400);
      c.send('[1, 2]');
      assertErrorFrame(await c.next('error'), 400);
      c.send({ data: {} });
      assertErrorFrame(await c.next('error'), 400);
      c.send({ type: 'teleport', data: {} });
      assertErrorFrame(await c.next('error'), 400, 'teleport');
      c.send({ type: 'typing', data: { chat_id: '1' } });
      const invalid = await c.next('error');
      assertErrorFrame(invalid, 422, 'typing');
      assert.deepEqual(invalid.data.details, [{ field: 'chat_id', message: 'must be integer' }]);
      c.send({ type: 'typing', data: 'x' });
      assertErrorFrame(await c.next('error'), 422, 'typing');
      c.send({ type: 'message.send', data: { chat_id: 987_654_321, client_id: 'c-1', content: 'hi' } });
      const noChat = await c.next('error');
      assertErrorFrame(noChat, 20001, 'message.send');
      assert.equal(noChat.data.client_id, 'c-1');
      c.send({ type: 'message.send', data: { chat_id: 1, content: 'hi' } });
      assert.deepEqual((await c.next('error')).data.details, [{ field: 'client_id', message: 'is required' }]);
      c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      assertErrorFrame(await c.next('error'), 400);
      await c.quiet();
      assert.equal(c.ws.readyState, WebSocket.OPEN);
      await c.close();
    });

    it('answers a frame over the size limit with an error frame, and closes (1009) one far beyond it, others unaffected', async () => {
      const u = await registerUser(server().api);
      const big = await WsClient.connect(server().url, u.token);
      const fine = await WsClient.connect(server().url, u.token);
      big.send({ type: 'ping', data: { timestamp: 'x'.repeat(200 * 1024) } });
      assertErrorFrame(await big.next('error'), 413);
      await big.barrier();
      big.send({ type: 'ping', data: { timestamp: 'x'.repeat(600 * 1024) } });
      assert.equal((await big.closed).code, 1009);
      await fine.barrier();
      await fine.close();
    });

    it('limits connections per user (HTTP 429 beyond the limit)', async () => {
      const u = await registerUser(server().api);
      const open = [];
      for (let i = 0; i < 3; i++) open.push(await WsClient.connect(server().url, u.token));
      const refused = await WsClient.refused(WsClient.url(server().url, u.token));
      assert.equal(refused.status, 429);
      assert.equal(refused.body.code, 429);
      await open.pop()!.close();
      // The close is processed by the server asynchronously; a new connection then fits.
      let again: WsClient | undefined;
      for (let i = 0; i < 50 && !again; i++) again = await WsClient.connect(server().url, u.token).catch(() => undefined);
      assert.ok(again);
      for (const c of [...open, again]) await c.close();
    });

    it('rate-limits frames per connection with an error frame (40001)', async () => {
      const u = await registerUser(server().api);
      const c = await WsClient.connect(server().url, u.token);
      for (let i = 0; i < 45; i++) c.send({ type: 'ping', data: { timestamp: i } });
      const errors = await c.take('error', 5);
      // Each refusal names the frame it answers, as every error frame does.
      for (const e of errors) assertErrorFrame(e, 40001, 'ping');
      assert.ok(c.drain('pong').length <= 40);
      await c.close();
    });

  },
  {
    env: { WS_MAX_CONNECTIONS_PER_USER: '3', WS_RATE_LIMIT: '40/1min' },
    options: () => ({ clock }),
  },
);

it('closes sockets with 1001 when the server shuts down', async () => {
  const s = await startTestServer('sqlite');
  const u = await registerUser(s.api);
  const c = await WsClient.connect(s.url, u.token);
  await s.close();
  const closed = await c.closed;
  assert.equal(closed.code, 1001);
  assert.match(closed.reason, /shutting down/);
});

it('drops a peer that stops answering heartbeats; live peers stay', async () => {
  const s = await startTestServer('sqlite', { WS_HEARTBEAT: '300ms' });
  try {
    const u = await registerUser(s.api);
    const dead = await WsClient.connect(s.url, u.token, { ws: { autoPong: false } });
    const alive = await WsClient.connect(s.url, u.token);
    assert.equal((await dead.closed).code, 1006);
    await alive.barrier();
    assert.equal(alive.ws.readyState, WebSocket.OPEN);
    await alive.close();
  } finally {
    await s.close();
  }
});

it('closes at the next heartbeat (4401) the sockets of an account disabled in the database by hand, which sends no signal', async () => {
  const s = await startTestServer('sqlite', { WS_HEARTBEAT: '300ms' });
  try {
    const [u, other] = [await registerUser(s.api), await registerUser(s.api)];
    const theirs = await WsClient.connect(s.url, u.token);
    const kept = await WsClient.connect(s.url, other.token);
    await s.core.store.users.update(u.id, { isDisabled: true }, Date.now());
    assert.equal((await theirs.closed).code, 4401);
    await kept.barrier();
    assert.equal(kept.ws.readyState, WebSocket.OPEN);
    await kept.close();
  } finally {
    await s.close();
  }
});

it('contains a failing encoder to its profile: other profiles and connections go on', async () => {
  const broken = socketVariant('broken', () => ({
    event(): string[] {
      throw new Error('encoder bug');
    },
  }));
  const s = await startTestServer('sqlite', {}, { mounts: [...mountsWithProbe(), { profile: broken, mount: '/broken' }] });
  try {
    const u = await registerUser(s.api);
    const v = await registerUser(s.api);
    const bad = await WsClient.connect(s.url, u.token, { path: '/broken/ws' });
    const good = await WsClient.connect(s.url, u.token);
    assert.equal((await s.api.post('/api/contacts', { phone: v.phone }, { token: u.token })).status, 200);
    assert.equal((await good.next('contact.added')).data.contact_id, v.id);
    await bad.quiet('contact.added');
    assert.equal(bad.ws.readyState, WebSocket.OPEN);
    await bad.close();
    await good.close();
  } finally {
    await s.close();
  }
});
