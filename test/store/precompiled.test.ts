import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type OpenDatabase } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { precompiled } from '../../src/store/precompiled.ts';
import { scratch, storeKinds, type Scratch } from '../support/stores.ts';

const usersByPrefix = precompiled((db, v: { prefix: string; limit: number }) =>
  db
    .selectFrom('users')
    .select(['id', 'phone', sql<string>`${'constant'}`.as('tag')])
    .where('phone', 'like', v.prefix)
    .where('is_disabled', '=', 0)
    .orderBy('id')
    .limit(v.limit),
);

for (const kind of storeKinds) {
  describe(`precompiled queries [${kind}]`, () => {
    let dir: Scratch;
    let database: OpenDatabase;

    before(async () => {
      dir = await scratch(kind);
      database = openDatabase({ url: dir.databaseUrl });
      await migrateToLatest(database.db, database.dialect);
      for (const phone of ['1001', '1002', '2001']) {
        await database.db.insertInto('users').values({ phone, created_at: 0, updated_at: 0 }).execute();
      }
    });
    after(async () => {
      await database.close();
      await dir.cleanup();
    });

    it('binds each run its own values and keeps the constants of the query', async () => {
      const a = await usersByPrefix(database.db, { prefix: '10%', limit: 5 });
      assert.deepEqual(
        a.map((r) => [r.phone, r.tag]),
        [
          ['1001', 'constant'],
          ['1002', 'constant'],
        ],
      );
      const b = await usersByPrefix(database.db, { prefix: '%', limit: 1 });
      assert.deepEqual(
        b.map((r) => r.phone),
        ['1001'],
      );
    });

    it('runs inside a transaction on its connection, seeing its uncommitted rows', async () => {
      await database.db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto('users').values({ phone: '3001', created_at: 0, updated_at: 0 }).execute();
          assert.equal((await usersByPrefix(trx, { prefix: '3%', limit: 5 })).length, 1);
          throw new Error('roll back');
        })
        .catch(() => undefined);
      assert.equal((await usersByPrefix(database.db, { prefix: '3%', limit: 5 })).length, 0);
    });

    it('refuses a run with a value missing', async () => {
      await assert.rejects(usersByPrefix(database.db, { prefix: '1%' } as never), /no value for limit/);
    });
  });
}
