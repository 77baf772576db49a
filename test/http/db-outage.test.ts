import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dropPrefix, nodeEnv, sharedRedisUrl, startNode, uniquePrefix, until as waitFor } from '../support/cluster.ts';
import { createGroup, listMessages, send } from '../support/messaging.ts';
import { OwnPostgres } from '../support/services.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { assertError, okData } from '../support/shapes.ts';
import { registerUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';
import { needs } from '../support/requires.ts';

const until = (check: () => Promise<boolean>) => waitFor(check, 'the database to answer again');

describe('PostgreSQL briefly unreachable', await needs('initdb', 'pg_ctl'), () => {
  let pg: OwnPostgres;
  let s: TestServer;
  before(async () => {
    pg = await OwnPostgres.start();
    s = await startTestServer('sqlite', { DATABASE_URL: pg.url });
  });
  after(async () => {
    await s?.close();
    await pg?.destroy();
  });

  it('answers 503 in the envelope while the database is down, recovers by itself, and keeps what was acknowledged', async () => {
    const api = s.api;
    const a = await registerUser(api);
    const b = await registerUser(api);
    okData(await api.post('/api/contacts', { phone: b.phone, nickname: 'before the outage' }, { token: a.token }));

    await pg.halt();
    const me = await api.get('/api/users/me', { token: a.token });
    assertError(me, 503, 503);
    assert.equal(me.body.message, '服务暂时不可用');
    assertError(await api.post('/api/contacts', { phone: a.phone }, { token: b.token }), 503, 503);
    assertError(await api.post('/api/auth/login', { phone: a.phone, password: a.password }), 503, 503);
    const health = await api.get('/health');
    assert.equal(health.status, 503);
    assert.equal(health.body.status, 'unhealthy');
    assert.equal(health.body.services.database, 'unhealthy');
    // xiaoxiang's health answers in its own shape, with no envelope, and says the same.
    const xx = await api.get('/xiaoxiang/v1/health');
    assert.equal(xx.status, 503);
    assert.deepEqual([xx.body.status, xx.body.services.database, xx.body.success], ['unhealthy', 'unhealthy', undefined]);

    await pg.resume();
    await until(async () => (await api.get('/xiaoxiang/v1/health')).status === 200);
    await until(async () => (await api.get('/health')).status === 200);
    const list = okData(await api.get('/api/contacts', { token: a.token }));
    assert.deepEqual(list.contacts.map((c: { nickname: string }) => c.nickname), ['before the outage']);
    okData(await api.post('/api/contacts', { phone: a.phone }, { token: b.token }));
    okData(await api.post('/api/auth/login', { phone: a.phone, password: a.password }));
  });

  it('survives the connection dropping between two statements of a transaction', async () => {
    const failed = s.core.store.transaction(async (tx) => {
      await tx.users.byId(1);
      await pg.halt();
      // Let the connection's end arrive while no statement is running on it.
      await new Promise((r) => setTimeout(r, 200));
      await tx.users.byId(1);
    });
    await assert.rejects(failed);
    await pg.resume();
    await until(async () => (await s.api.get('/health')).status === 200);
  });
});

describe('PostgreSQL briefly unreachable under two nodes sending messages', await needs('initdb', 'pg_ctl', 'redis'), () => {
  let pg: OwnPostgres;
  let dataDir: string;
  const nodes: TestServer[] = [];
  const prefix = uniquePrefix();
  before(async () => {
    pg = await OwnPostgres.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'parley-outage-'));
    const dir = { dataDir, databaseUrl: pg.url, cleanup: async () => undefined };
    for (const id of ['pg-a', 'pg-b']) nodes.push(await startNode(dir, 'postgres', nodeEnv(sharedRedisUrl, prefix, id)));
  });
  after(async () => {
    for (const n of nodes) await n.close();
    await pg?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
    await dropPrefix(sharedRedisUrl, prefix);
  });

  it('refuses sends with 503 while the database is down, loses no acknowledged message, and delivers again after', async (t) => {
    const [a, b] = nodes as [TestServer, TestServer];
    const writer = await registerUser(a.api);
    const reader = await registerUser(a.api);
    const chat = await createGroup(a, writer, [reader]);
    const onB = await WsClient.connect(b.url, reader.token);
    t.after(() => onB.close());
    const before = await send(a, writer, chat.id, 'before the outage');
    assert.equal((await onB.next('message.new')).data.id, before.id);

    await pg.halt();
    for (const n of nodes) {
      const refused = await n.api.post(`/api/chats/${chat.id}/messages`, { type: 'text', content: 'lost?', client_id: 'during' }, { token: writer.token });
      assertError(refused, 503, 503);
      assert.equal(refused.body.message, '服务暂时不可用');
      assert.equal((await n.api.get('/health')).status, 503);
    }

    await pg.resume();
    for (const n of nodes) await until(async () => (await n.api.get('/health')).status === 200);
    const retried = await send(b, writer, chat.id, { type: 'text', content: 'lost?', client_id: 'during' });
    const afterwards = await send(a, writer, chat.id, 'after the outage');
    const got = await onB.take('message.new', 2);
    assert.deepEqual(got.map((f) => f.data.id), [retried.id, afterwards.id]);
    await onB.quiet('message.new');
    const listed = await listMessages(b, reader, chat.id);
    assert.deepEqual(
      listed.messages.filter((m: any) => m.type === 'text').map((m: any) => m.content),
      ['after the outage', 'lost?', 'before the outage'],
    );
  });
});
