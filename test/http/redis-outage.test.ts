import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertExactlyOnce, ResumingClient, sendBurst } from '../support/burst.ts';
import { clusterDatabase } from '../support/cluster-db.ts';
import { nodeEnv, startNode, uniquePrefix, until, within } from '../support/cluster.ts';
import { createGroup, send } from '../support/messaging.ts';
import type { TestServer } from '../support/server.ts';
import { okData } from '../support/shapes.ts';
import { OwnRedis } from '../support/services.ts';
import type { Scratch } from '../support/stores.ts';
import { registerUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';
import { needs } from '../support/requires.ts';


/**
 * Three nodes on a private Redis that the tests kill (SIGKILL: its data is gone) and start again.
 * PostgreSQL holds the truth for durable events, so nothing acknowledged may be lost or repeated.
 */
describe('Redis lost and restarted under three nodes', await needs('redis-server', 'redis-cli', 'postgres'), () => {
  let redis: OwnRedis;
  let db: Scratch;
  const nodes: TestServer[] = [];
  const api = () => nodes.map((n) => n.api);
  const health = async (n: TestServer) => (await n.api.get('/health')).body;

  before(async () => {
    redis = await OwnRedis.start();
    db = await clusterDatabase();
    const prefix = uniquePrefix();
    for (const id of ['r1', 'r2', 'r3']) nodes.push(await startNode(db, 'postgres', nodeEnv(redis.url, prefix, id, { NODE_TIMEOUT: '2s', WS_HEARTBEAT: '1s' })));
  });
  after(async () => {
    for (const n of nodes) await n.close();
    await db?.cleanup();
    await redis?.destroy();
  });

  it('keeps serving while Redis is down (degraded), delivering across nodes from the event log, and heals after', async (t) => {
    const [a, b, c] = nodes as [TestServer, TestServer, TestServer];
    const [writer, reader, late, watcher] = [await registerUser(a.api), await registerUser(a.api), await registerUser(a.api), await registerUser(a.api)];
    const chat = await createGroup(a, writer, [reader]);
    okData(await a.api.post('/api/contacts', { user_id: late.id }, { token: watcher.token }));
    const onB = await WsClient.connect(b.url, reader.token);
    t.after(() => onB.close());

    await redis.kill();
    await until(async () => (await health(a)).services.redis === 'unhealthy', 'a to notice');
    const h = await a.api.get('/health');
    assert.equal(h.status, 200, 'Redis away does not take the node out of rotation');
    assert.deepEqual([h.body.status, h.body.services], ['degraded', { database: 'healthy', redis: 'unhealthy' }]);

    const during = await send(a, writer, chat.id, 'while Redis is down');
    const got = await onB.next((f) => f.type === 'message.new', 5000);
    assert.equal(got.data.id, during.id);
    const lateOnC = await WsClient.connect(c.url, late.token);
    t.after(() => lateOnC.close());

    // A logout cannot signal the other nodes now: the token is refused everywhere at once (the
    // database says so), and the session's socket elsewhere closes at the next heartbeat.
    const leaving = await registerUser(a.api);
    const leavingOnB = await WsClient.connect(b.url, leaving.token);
    okData(await a.api.post('/api/auth/logout', {}, { token: leaving.token }));
    assert.equal((await b.api.get('/api/users/me', { token: leaving.token })).status, 401);
    assert.equal((await within(leavingOnB.closed, 5000, 'the heartbeat to close the socket')).code, 4401);

    await redis.resume();
    for (const n of nodes) await until(async () => (await health(n)).status === 'healthy', `${n.core.nodeId} to heal`);
    // The user who connected while Redis was away is online for every node once C has rewritten its state.
    await until(async () => {
      const views = await Promise.all(nodes.map(async (n) => okData(await n.api.get(`/api/users/${late.id}`, { token: watcher.token })).online));
      return views.every(Boolean);
    }, 'presence written again');
    const after = await send(c, writer, chat.id, 'after');
    assert.equal((await onB.next((f) => f.type === 'message.new')).data.id, after.id);
    const watching = await WsClient.connect(a.url, watcher.token);
    t.after(() => watching.close());
    await lateOnC.close();
    const offline = await watching.next((f) => f.type === 'presence' && f.data.user_id === late.id, 5000);
    assert.equal(offline.data.is_online, false);
  });

  it('delivers every acknowledged message exactly once to every client when Redis restarts in the middle of a burst', async (t) => {
    const sender = await registerUser(nodes[0]!.api);
    const readers = await Promise.all(Array.from({ length: 3 }, () => registerUser(nodes[0]!.api)));
    const chat = await createGroup(nodes[0]!, sender, readers);
    const clients = await Promise.all(readers.map((r, i) => ResumingClient.connect(r, () => nodes[i]!.url)));
    t.after(async () => {
      for (const c of clients) await c.close();
    });

    let outage: Promise<void> | undefined;
    const burst = await sendBurst(api, sender, chat.id, 150, {
      onAck: (n) => {
        if (n !== 40) return;
        outage = (async () => {
          await redis.kill();
          await new Promise((r) => setTimeout(r, 700));
          await redis.resume();
        })();
      },
    });
    await outage;
    await until(() => clients.every((c) => c.messages.length >= burst.acked.length), 'every client to catch up', 20_000);
    await new Promise((r) => setTimeout(r, 300));
    clients.forEach((c, i) => assertExactlyOnce(c, burst.acked, `client on node ${i + 1}`));
    assert.equal(clients.reduce((n, c) => n + c.reconnects, 0), 0, 'sockets stay up through a Redis outage');
  });
});
