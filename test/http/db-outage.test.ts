import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OwnPostgres } from '../support/services.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { assertError, okData } from '../support/shapes.ts';
import { registerUser } from '../support/users.ts';

async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('PostgreSQL briefly unreachable', () => {
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

    await pg.resume();
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
