import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AnySignal } from '../../src/domain/events.ts';
import { clusterDatabase } from '../support/cluster-db.ts';
import { dropPrefix, nodeEnv, sharedRedisUrl, startNode, uniquePrefix, until, within } from '../support/cluster.ts';
import { runCli } from '../support/process.ts';
import { createGroup, send } from '../support/messaging.ts';
import type { TestServer } from '../support/server.ts';
import { assertError, okData } from '../support/shapes.ts';
import type { Scratch } from '../support/stores.ts';
import { registerUser, type TestUser } from '../support/users.ts';
import { WsClient, type Frame } from '../support/ws.ts';
import { needs } from '../support/requires.ts';


/**
 * Three nodes (in this process) on one PostgreSQL database and the machine's Redis: what one node
 * commits or signals reaches clients on the others, and shared state (presence, sessions, limits,
 * calls) agrees everywhere.
 */
describe('three nodes on PostgreSQL and Redis', await needs('postgres', 'redis'), () => {
  const prefix = uniquePrefix();
  let db: Scratch;
  let nodes: TestServer[] = [];
  const env = {
    RATE_LIMIT_SEND: '5/1m',
    WS_MAX_CONNECTIONS_PER_USER: '2',
    CALL_RING_TIMEOUT: '3s',
  };

  before(async () => {
    db = await clusterDatabase();
    nodes = [];
    for (const id of ['a', 'b', 'c']) nodes.push(await startNode(db, 'postgres', nodeEnv(sharedRedisUrl, prefix, `node-${id}`, env)));
  });
  after(async () => {
    for (const n of nodes) await n.close();
    await db?.cleanup();
    await dropPrefix(sharedRedisUrl, prefix);
  });

  const A = () => nodes[0]!;
  const B = () => nodes[1]!;
  const C = () => nodes[2]!;
  const register = (n: TestServer) => registerUser(n.api);
  const view = async (n: TestServer, viewer: TestUser, target: TestUser) => okData(await n.api.get(`/api/users/${target.id}`, { token: viewer.token }));

  it('delivers a message sent through node A to clients on B and C once, in seq order; presence agrees on all three', async () => {
    const [u1, u2, u3] = [await register(A()), await register(B()), await register(C())];
    const chat = await createGroup(A(), u1, [u2, u3]);
    const c2 = await WsClient.connect(B().url, u2.token);
    const c3 = await WsClient.connect(C().url, u3.token);
    for (const n of nodes) assert.equal((await view(n, u2, u1)).online, false);

    const c1 = await WsClient.connect(A().url, u1.token);
    for (const c of [c2, c3]) {
      const f = await c.next((x) => x.type === 'presence' && x.data.user_id === u1.id);
      assert.equal(f.data.is_online, true);
    }
    await until(async () => (await Promise.all(nodes.map((n) => view(n, u3, u1)))).every((v) => v.online), 'online on every node');

    const sent = [await send(A(), u1, chat.id, 'one'), await send(A(), u1, chat.id, 'two'), await send(B(), u2, chat.id, 'three')];
    for (const c of [c1, c2, c3]) {
      const frames = await c.take('message.new', 3);
      assert.deepEqual(frames.map((f) => f.data.id), sent.map((m) => m.id));
      const seqs = frames.map((f) => f.seq!);
      assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
      await c.quiet('message.new');
    }

    await c1.close();
    for (const c of [c2, c3]) {
      const f = await c.next((x) => x.type === 'presence' && x.data.user_id === u1.id);
      assert.equal(f.data.is_online, false);
      await c.barrier();
      assert.deepEqual(c.drain('presence').filter((x) => x.data.user_id === u1.id), [], 'each change announced once');
    }
    for (const n of nodes) assert.equal((await view(n, u2, u1)).online, false);
    await c2.close();
    await c3.close();
  });

  it('rejects on every node a token logged out on one, and closes its sockets on all of them', async () => {
    const u = await register(A());
    const other = await registerUser(A().api, {});
    const onB = await WsClient.connect(B().url, u.token);
    const onC = await WsClient.connect(C().url, u.token);
    const keep = await WsClient.connect(C().url, other.token);
    okData(await A().api.post('/api/auth/logout', {}, { token: u.token }));
    for (const n of nodes) assertError(await n.api.get('/api/users/me', { token: u.token }), 401, 10008);
    for (const c of [onB, onC]) assert.equal((await c.closed).code, 4401);
    await keep.barrier();
    await keep.close();
  });

  it('`parley user disable` closes the user\'s sockets on every node at once and refuses them everywhere; enable lets them back', async () => {
    const u = await register(A());
    const onA = await WsClient.connect(A().url, u.token);
    const onB = await WsClient.connect(B().url, u.token);
    // What each node heard over Redis: the CLI is a process of its own, with no socket of its own.
    const heard = nodes.map(() => new Set<string>());
    const stop = nodes.map((n, i) =>
      n.core.bus.subscribe({
        signal: (s) => {
          const signal = s as AnySignal;
          if (signal.type === 'session.revoked' && signal.data.userId === u.id) heard[i]!.add(signal.data.sessionId);
        },
      }),
    );
    const cli = { LOG_LEVEL: 'warn', DATA_DIR: db.dataDir, DATABASE_URL: db.databaseUrl, ...nodeEnv(sharedRedisUrl, prefix, 'ops-cli') };
    try {
      const off = await runCli(['user', 'disable', String(u.id)], cli);
      assert.equal(off.code, 0, off.stderr);
      assert.equal(JSON.parse(off.stdout).sessionsEnded, 1);
      for (const c of [onA, onB]) assert.equal((await within(c.closed, 3000, 'a socket of the disabled user to close')).code, 4401);
      await until(() => heard.every((h) => h.size === 1), 'the signal on every node');
    } finally {
      for (const s of stop) s();
    }
    for (const n of nodes) {
      assertError(await n.api.get('/api/users/me', { token: u.token }), 401, 10008);
      assertError(await n.api.post('/api/auth/login', { phone: u.phone, password: u.password }), 403, 10004);
    }
    const on = await runCli(['user', 'enable', u.username], cli);
    assert.equal(on.code, 0, on.stderr);
    const back = okData(await C().api.post('/api/auth/login', { phone: u.phone, password: u.password }));
    const again = await WsClient.connect(B().url, back.access_token);
    await again.close();
  });

  it('counts send limits and connection limits across nodes', async () => {
    const [u, v] = [await register(A()), await register(B())];
    const chat = await createGroup(A(), u, [v]);
    for (let i = 0; i < 5; i++) await send(nodes[i % 3]!, u, chat.id, `m${i}`);
    const limited = await C().api.post(`/api/chats/${chat.id}/messages`, { type: 'text', content: 'one too many' }, { token: u.token });
    assertError(limited, 429, 40001);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assertError(await A().api.post(`/api/chats/${chat.id}/messages`, { type: 'text', content: 'still too many' }, { token: u.token }), 429, 40001);

    const first = await WsClient.connect(A().url, v.token);
    const second = await WsClient.connect(B().url, v.token);
    await until(async () => (await C().core.presence.connectionsElsewhere(v.id)) === 2, 'both connections counted');
    const refused = await WsClient.refused(WsClient.url(C().url, v.token));
    assert.equal(refused.status, 429);
    await first.close();
    await until(async () => (await C().core.presence.connectionsElsewhere(v.id)) === 1, 'the closed one uncounted');
    const third = await WsClient.connect(C().url, v.token);
    await second.close();
    await third.close();
  });

  it('routes a call between nodes: offer, answer, ICE and hang-up; a ring timeout or a dead node ends a call once', async () => {
    const [caller, callee] = [await register(A()), await register(B())];
    const cc = await WsClient.connect(A().url, caller.token);
    const d1 = await WsClient.connect(B().url, callee.token);
    const d2 = await WsClient.connect(C().url, callee.token);
    await until(() => A().core.presence.isOnline(callee.id), 'the callee online on A');

    cc.send({ type: 'call.offer', data: { to_user_id: callee.id, call_type: 'audio', sdp: 'v=0 offer' } });
    const callId = (await cc.next('call.ringing')).data.call_id as string;
    for (const d of [d1, d2]) assert.equal((await d.next('call.offer')).data.call_id, callId);
    d2.send({ type: 'call.answer', data: { call_id: callId, sdp: 'v=0 answer' } });
    assert.equal((await cc.next('call.answer')).data.sdp, 'v=0 answer');
    assert.equal((await d1.next('call.end')).data.reason, 'answered_elsewhere');
    d2.send({ type: 'call.ice', data: { call_id: callId, candidate: 'candidate:1 1 UDP 1 10.0.0.1 9 typ host', sdp_mid: '0', sdp_mline_index: 0 } });
    assert.equal((await cc.next('call.ice')).data.from_user_id, callee.id);
    cc.send({ type: 'call.ice', data: { call_id: callId, candidate: 'candidate:2 1 UDP 1 10.0.0.2 9 typ host', sdp_mid: '0', sdp_mline_index: 0 } });
    assert.equal((await d2.next('call.ice')).data.from_user_id, caller.id);
    cc.send({ type: 'call.end', data: { call_id: callId } });
    assert.equal((await d2.next('call.end')).data.reason, 'user_hangup');
    assert.equal((await cc.next('call.end')).data.reason, 'user_hangup');

    cc.send({ type: 'call.offer', data: { to_user_id: callee.id, call_type: 'video', sdp: 'v=0 again' } });
    const unanswered = (await cc.next('call.ringing')).data.call_id as string;
    const ends: Frame[] = [];
    for (const c of [cc, d1, d2]) {
      if (c !== cc) assert.equal((await c.next('call.offer')).data.call_id, unanswered);
      const end = await c.next('call.end', 10_000);
      assert.deepEqual([end.data.call_id, end.data.reason], [unanswered, 'timeout']);
      ends.push(end);
    }
    for (const c of [cc, d1, d2]) await c.quiet('call.end');
    const row = await A().core.store.calls.byId(unanswered);
    assert.deepEqual([row?.state, row?.endReason], ['ended', 'timeout']);

    // The node holding the callee's end is counted dead (as the presence sweep reports it): the
    // call ends for the caller, once, whichever nodes learn of it.
    cc.send({ type: 'call.offer', data: { to_user_id: callee.id, call_type: 'audio', sdp: 'v=0 third' } });
    const third = (await cc.next('call.ringing')).data.call_id as string;
    await d1.next('call.offer');
    await d2.next('call.offer');
    d2.send({ type: 'call.answer', data: { call_id: third, sdp: 'v=0 answer' } });
    await cc.next('call.answer');
    await Promise.all([A().core.calls.nodeDied(C().core.nodeId), B().core.calls.nodeDied(C().core.nodeId)]);
    const cut = await cc.next('call.end');
    assert.deepEqual([cut.data.call_id, cut.data.reason], [third, 'disconnected']);
    await cc.quiet('call.end');
    for (const c of [cc, d1, d2]) await c.close();
  });
});
