import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openDatabase, type OpenDatabase } from '../../src/store/database.ts';
import { assertExactlyOnce, ResumingClient, sendBurst } from '../support/burst.ts';
import { clusterDatabase } from '../support/cluster-db.ts';
import { dropPrefix, NodeProcess, nodeEnv, sharedRedisUrl, uniquePrefix, until } from '../support/cluster.ts';
import { okData } from '../support/shapes.ts';
import type { Scratch } from '../support/stores.ts';
import { registerUser, type TestUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';
import { needs } from '../support/requires.ts';

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

/**
 * Three Parley processes (`serve`) on one PostgreSQL database and the machine's Redis: timers run
 * once among them, and one of them is killed with SIGKILL in the middle of a burst.
 */
describe('three node processes', await needs('postgres', 'redis'), () => {
  const prefix = uniquePrefix();
  let db: Scratch;
  let store: OpenDatabase;
  let nodes: NodeProcess[] = [];
  const live = () => nodes.filter((n) => !n.killed);
  let turn = 0;
  const anyLive = () => live()[turn++ % live().length]!.url;

  before(async () => {
    db = await clusterDatabase();
    store = openDatabase({ url: db.databaseUrl, poolSize: 2 });
    const env = { NODE_TIMEOUT: '2s', TIMER_INTERVAL: '100ms', SHUTDOWN_TIMEOUT: '3s' };
    // All three at once on an empty database: concurrent migrations must be safe.
    nodes = await Promise.all(['proc-1', 'proc-2', 'proc-3'].map((id) => NodeProcess.start(db, nodeEnv(sharedRedisUrl, prefix, id, env))));
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    await store?.close();
    await db?.cleanup();
    await dropPrefix(sharedRedisUrl, prefix);
  });

  const group = async (owner: TestUser, members: TestUser[]) =>
    okData(await nodes[0]!.api.post('/api/chats', { name: 'burst', type: 'group', members: members.map((m) => m.id) }, { token: owner.token }));

  it('runs each scheduled send and each self-destruct exactly once, whichever node is first', async (t) => {
    const api = nodes[0]!.api;
    const [sender, reader] = [await registerUser(api), await registerUser(api)];
    const chat = await group(sender, [reader]);
    const client = await ResumingClient.connect(reader, () => nodes[1]!.url);
    t.after(() => client.close());
    const count = 15;
    for (let i = 0; i < count; i++) {
      const via = nodes[i % 3]!.api;
      const scheduled = await via.post(`/api/chats/${chat.id}/messages`, { type: 'text', content: `later ${i}`, send_at: inSeconds(1), client_id: `sched-${i}` }, { token: sender.token });
      assert.equal(okData(scheduled).is_scheduled, true);
      okData(await via.post(`/api/chats/${chat.id}/messages`, { type: 'text', content: `gone ${i}`, ttl: 1, client_id: `ttl-${i}` }, { token: sender.token }));
    }

    const events = () =>
      store.db.selectFrom('events').select(['type', 'payload']).where('audience_kind', '=', 'conversation').where('audience_id', '=', chat.id).execute();
    await until(async () => {
      const e = await events();
      return e.filter((x) => x.type === 'message.created').length > 2 * count && e.filter((x) => x.type === 'message.deleted').length >= count;
    }, 'every scheduled send delivered and every self-destruct run', 20_000);
    // A few more timer cycles on every node: nothing may run twice.
    await new Promise((r) => setTimeout(r, 500));

    const all = await events();
    // The group's own notice aside: the sends of this test carry a client id.
    const created = all.filter((x) => x.type === 'message.created').map((x) => JSON.parse(x.payload).message).filter((m: any) => m.clientId);
    const deleted = all.filter((x) => x.type === 'message.deleted').map((x) => JSON.parse(x.payload));
    assert.deepEqual(
      created.map((m: any) => m.clientId).sort(),
      Array.from({ length: count }, (_, i) => [`sched-${i}`, `ttl-${i}`]).flat().sort(),
    );
    assert.equal(deleted.length, count);
    assert.ok(deleted.every((d: any) => d.reason === 'expired'));
    assert.equal(new Set(deleted.map((d: any) => d.messageId)).size, count);
    const rows = await store.db.selectFrom('messages').select('id').where('conversation_id', '=', chat.id).where('client_id', 'is not', null).execute();
    assert.equal(rows.length, 2 * count, 'one message row per send');
    assert.deepEqual(await store.db.selectFrom('scheduled_messages').select('id').where('conversation_id', '=', chat.id).execute(), []);

    await until(() => client.messages.length >= 2 * count, 'the reader to receive them');
    assertExactlyOnce(client, created.map((m: any) => m.id), 'reader');
  });

  it('loses nothing acknowledged when a node is killed in the middle of a burst; its users go offline', async (t) => {
    const api = nodes[0]!.api;
    const sender = await registerUser(api);
    const readers = await Promise.all(Array.from({ length: 4 }, () => registerUser(api)));
    const [lonely, watcher] = [await registerUser(api), await registerUser(api)];
    okData(await api.post('/api/contacts', { user_id: lonely.id }, { token: watcher.token }));
    const chat = await group(sender, readers);
    const victim = nodes[2]!;

    // Two readers on the victim, one on each other node; they reconnect to a live node when cut off.
    const onVictim = () => (victim.killed ? anyLive() : victim.url);
    const clients = await Promise.all(readers.map((r, i) => ResumingClient.connect(r, i < 2 ? onVictim : () => nodes[i - 2]!.url)));
    const watching = await WsClient.connect(nodes[0]!.url, watcher.token);
    t.after(async () => {
      await watching.close();
      for (const c of clients) await c.close();
    });
    const alone = await WsClient.connect(victim.url, lonely.token);
    await watching.next((f) => f.type === 'presence' && f.data.user_id === lonely.id && f.data.is_online === true);

    let killing: Promise<void> | undefined;
    let killedAt = 0;
    const burst = await sendBurst(() => live().map((n) => n.api), sender, chat.id, 150, {
      parallel: 4,
      onAck: (n) => {
        if (n !== 40) return;
        killedAt = Date.now();
        killing = victim.kill();
      },
    });
    await killing;
    assert.equal(burst.acked.length, 150);
    assert.ok(victim.killed);

    await until(() => clients.every((c) => c.messages.length >= burst.acked.length), 'every reader to catch up', 20_000).catch((err: unknown) => {
      const state = clients.map((c) => ({ got: c.messages.length, reconnects: c.reconnects, disorder: c.disorder, missing: burst.acked.filter((id) => !c.ids().includes(id)) }));
      throw new Error(`${(err as Error).message}: ${JSON.stringify(state)}`, { cause: err });
    });
    await new Promise((r) => setTimeout(r, 300));
    clients.forEach((c, i) => assertExactlyOnce(c, burst.acked, `reader ${i}`));
    assert.ok(clients[0]!.reconnects >= 1 && clients[1]!.reconnects >= 1, 'the victim’s readers reconnected elsewhere');
    t.diagnostic(`sends retried on another node: ${burst.retried}`);

    // The dead node's users stop counting as online within the node timeout (2 s here) and a beat.
    const offline = await watching.next((f) => f.type === 'presence' && f.data.user_id === lonely.id, 10_000);
    assert.equal(offline.data.is_online, false);
    t.diagnostic(`offline announced ${Date.now() - killedAt} ms after the kill`);
    assert.equal((await alone.closed).code, 1006);
    for (const n of live()) assert.equal(okData(await n.api.get(`/api/users/${lonely.id}`, { token: watcher.token })).online, false);
  });
});
