import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { clusterDatabase } from '../support/cluster-db.ts';
import { dropPrefix, nodeEnv, sharedRedisUrl, startNode, uniquePrefix } from '../support/cluster.ts';
import { flutterSocket } from '../support/flutter.ts';
import { Scrape, scrapeUntil } from '../support/metrics.ts';
import { openPrivate, send } from '../support/messaging.ts';
import { describeEachStore, startTestServer, type TestServer } from '../support/server.ts';
import type { Scratch } from '../support/stores.ts';
import { registerUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';
import { needs } from '../support/requires.ts';
import { version } from '../../src/version.ts';

const sendRoute = { method: 'POST', route: '/api/chats/:chat_id/messages', profile: 'zhihang', status: '200' };
const messagesSent = 'parley_messages_sent_total';
const delivered = 'parley_messages_delivered_total';
const latency = 'parley_message_delivery_latency_seconds';
const sockets = 'parley_websocket_connections';

describeEachStore('metrics at /metrics', (server) => {
  it('counts requests by route pattern and status, sockets per profile, messages sent and delivered', async () => {
    const s = server();
    const metricsUrl = `${s.url}/metrics`;
    assert.equal(s.metricsUrl, metricsUrl);
    const [alice, bob] = [await registerUser(s.api), await registerUser(s.api)];
    const chat = await openPrivate(s, alice, bob);
    const zh = await WsClient.connect(s.url, bob.token);
    const fl = await flutterSocket(`${s.url}/flutter`, bob.token);
    const before = await Scrape.of(metricsUrl);
    assert.equal(before.value(sockets, { profile: 'zhihang' }), 1);
    assert.equal(before.value(sockets, { profile: 'flutter' }), 1);
    assert.equal(before.value(sockets, { profile: 'lite' }), 0, 'a mounted profile without sockets shows 0');

    for (let i = 0; i < 3; i++) await send(s, alice, chat.id, `hello ${i}`);
    await zh.take('message.new', 3);
    await fl.next('new_message');
    await fl.next('new_message');
    await fl.next('new_message');
    assert.equal((await s.api.get('/api/no/such/thing/zq-raw-path-marker')).status, 404);

    const after = await Scrape.of(metricsUrl);
    assert.equal(after.value(messagesSent) - before.value(messagesSent), 3);
    for (const profile of ['zhihang', 'flutter']) {
      assert.equal(after.value(delivered, { profile }) - before.value(delivered, { profile }), 3, profile);
      assert.equal(after.count(latency, { profile }) - before.count(latency, { profile }), 3, profile);
    }
    const http = 'parley_http_request_duration_seconds';
    assert.equal(after.count(http, sendRoute) - before.count(http, sendRoute), 3);
    assert.ok(after.count(http, { method: 'GET', route: 'unmatched', status: '404', profile: '' }) >= 1);
    // A word, not a number: digits could appear in any sampled value (a byte count, a sum).
    assert.ok(!after.text.includes('zq-raw-path-marker'), 'raw URLs never become labels');
    assert.equal(after.value('parley_websocket_opened_total', { profile: 'flutter' }), 1);

    await fl.close();
    const closed = await scrapeUntil(metricsUrl, (m) => m.value(sockets, { profile: 'flutter' }) === 0);
    assert.equal(closed.value(sockets, { profile: 'flutter' }), 0);
    assert.equal(closed.value(sockets, { profile: 'zhihang' }), 1);
    assert.equal(closed.value('parley_websocket_closed_total', { profile: 'flutter', code: '1005' }), 1);
    await zh.close();
  });

  it('reports the event log, the database, the build and the process', async () => {
    const s = server();
    const m = await Scrape.of(`${s.url}/metrics`);
    const head = m.value('parley_event_log_head_seq');
    assert.ok(head > 0);
    assert.equal(m.value('parley_event_log_delivered_seq'), head);
    assert.equal(m.value('parley_event_log_lag_events'), 0);
    assert.ok(m.count('parley_db_transaction_duration_seconds', { outcome: 'commit' }) > 0);
    if (s.kind === 'sqlite') {
      assert.ok(m.count('parley_db_group_commit_batch_size') > 0);
      assert.ok(!m.names.includes('parley_db_pool_connections'), 'SQLite has no pool');
    } else {
      assert.equal(m.value('parley_db_pool_max_connections'), s.core.config.databasePoolSize);
      const open = m.value('parley_db_pool_connections', { state: 'idle' }) + m.value('parley_db_pool_connections', { state: 'in_use' });
      assert.ok(open >= 1 && open <= s.core.config.databasePoolSize);
      assert.ok(m.value('parley_db_pool_waiting_queries') >= 0);
    }
    assert.equal(m.value('parley_build_info', { version, node_id: s.core.nodeId }), 1);
    assert.ok(!m.names.includes('parley_redis_connected'), 'no Redis, no Redis gauge');
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'process_cpu_seconds_total']) assert.ok(m.names.includes(name), name);
  });

  it('counts refused logins by reason', async () => {
    const s = server();
    const u = await registerUser(s.api);
    const before = await Scrape.of(`${s.url}/metrics`);
    await s.api.post('/api/auth/login', { phone: u.phone, password: 'not-the-password' });
    await s.api.post('/api/auth/login', { phone: u.phone, password: 'not-the-password' });
    await s.api.post('/lite/api/v1/login', { email: 'nobody@example.com', password: 'whatever-1' });
    const after = await Scrape.of(`${s.url}/metrics`);
    const refused = (m: Scrape, reason: string) => m.value('parley_logins_refused_total', { reason });
    assert.equal(refused(after, 'WRONG_PASSWORD') - refused(before, 'WRONG_PASSWORD'), 2);
    assert.equal(refused(after, 'USER_NOT_FOUND') - refused(before, 'USER_NOT_FOUND'), 1);
  });

  it('counts refused upgrades by profile and status', async () => {
    const s = server();
    const before = await Scrape.of(`${s.url}/metrics`);
    await WsClient.refused(WsClient.url(s.url, 'not-a-token'));
    const after = await Scrape.of(`${s.url}/metrics`);
    const refused = { profile: 'zhihang', status: '401' };
    assert.equal(after.value('parley_websocket_refused_total', refused) - before.value('parley_websocket_refused_total', refused), 1);
  });
});

describe('metrics exposure', () => {
  it('METRICS_PORT serves /metrics on a port of its own and not on the main one', async () => {
    const s = await startTestServer('sqlite', { METRICS_PORT: '0' });
    try {
      assert.ok(s.metricsUrl);
      assert.notEqual(new URL(s.metricsUrl).port, new URL(s.url).port);
      const m = await Scrape.of(s.metricsUrl);
      assert.ok(m.names.includes('parley_http_request_duration_seconds'));
      assert.equal((await s.api.get('/metrics')).status, 404);
      assert.equal((await fetch(new URL('/health', s.metricsUrl))).status, 404);
      assert.equal((await fetch(s.metricsUrl, { method: 'POST' })).status, 404);
    } finally {
      await s.close();
    }
  });

  it('a METRICS_PORT in use stops the start with an error naming it, and leaves nothing listening', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      await assert.rejects(startTestServer('sqlite', { METRICS_PORT: String(port) }), (err: Error & { cause?: { code?: string } }) => {
        assert.match(err.message, new RegExp(`^METRICS_PORT: port ${port} on 127\\.0\\.0\\.1 is already in use`));
        assert.equal(err.cause?.code, 'EADDRINUSE');
        return true;
      });
    } finally {
      taken.close();
    }
  });

  it('METRICS=off serves none', async () => {
    const s = await startTestServer('sqlite', { METRICS: 'off' });
    try {
      assert.equal(s.metricsUrl, null);
      assert.equal(s.core.metrics, undefined);
      assert.equal((await s.api.get('/metrics')).status, 404);
    } finally {
      await s.close();
    }
  });

  it('two servers in one process keep their own counts', async () => {
    const [a, b] = [await startTestServer('sqlite'), await startTestServer('sqlite')];
    try {
      for (let i = 0; i < 3; i++) await a.api.get('/health/live');
      const route = { method: 'GET', route: '/health/live', status: '200' };
      assert.equal((await Scrape.of(a.metricsUrl!)).count('parley_http_request_duration_seconds', route), 3);
      assert.equal((await Scrape.of(b.metricsUrl!)).count('parley_http_request_duration_seconds', route), 0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('metrics of two nodes on PostgreSQL and Redis', await needs('postgres', 'redis'), () => {
  const prefix = uniquePrefix();
  let db: Scratch;
  const nodes: TestServer[] = [];
  before(async () => {
    db = await clusterDatabase();
    for (const id of ['m1', 'm2']) nodes.push(await startNode(db, 'postgres', nodeEnv(sharedRedisUrl, prefix, `node-${id}`)));
  });
  after(async () => {
    for (const n of nodes) await n.close();
    await db?.cleanup();
    await dropPrefix(sharedRedisUrl, prefix);
  });

  it('each node tells its own: Redis up, its sockets, its commits, its deliveries, no lag', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const [alice, bob] = [await registerUser(a.api), await registerUser(a.api)];
    const chat = await openPrivate(a, alice, bob);
    const ws = await WsClient.connect(b.url, bob.token);
    await send(a, alice, chat.id, 'across nodes');
    await ws.next('message.new');
    const [ma, mb] = [await Scrape.of(a.metricsUrl!), await Scrape.of(b.metricsUrl!)];
    for (const [m, node] of [[ma, a], [mb, b]] as const) {
      assert.equal(m.value('parley_build_info', { node_id: node.core.nodeId }), 1);
      assert.equal(m.value('parley_redis_connected', { connection: 'command' }), 1);
      assert.equal(m.value('parley_redis_connected', { connection: 'subscription' }), 1);
    }
    assert.deepEqual([ma.value(sockets, { profile: 'zhihang' }), mb.value(sockets, { profile: 'zhihang' })], [0, 1]);
    assert.deepEqual([ma.value(messagesSent), mb.value(messagesSent)], [1, 0]);
    assert.deepEqual([ma.value(delivered, { profile: 'zhihang' }), mb.value(delivered, { profile: 'zhihang' })], [0, 1]);
    const lagging = await scrapeUntil(b.metricsUrl!, (m) => m.value('parley_event_log_lag_events') === 0);
    assert.equal(lagging.value('parley_event_log_delivered_seq'), lagging.value('parley_event_log_head_seq'));
    await ws.close();
  });
});
