import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { openDatabase, sqlitePath, type OpenDatabase } from '../../src/store/database.ts';
import { GroupCommit } from '../../src/store/group-commit.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { FifoLock } from '../../src/store/sqlite-driver.ts';
import { scratch, type Scratch } from '../support/stores.ts';

describe('group commit (SQLite)', () => {
  let dir: Scratch;
  let database: OpenDatabase;
  /** A second connection to the same file: it sees only what was committed. */
  let observer: SQLite.Database;
  let group: GroupCommit;
  let n = 0;

  const addUser = (trx: Parameters<Parameters<GroupCommit['run']>[0]>[0]) =>
    trx
      .insertInto('users')
      .values({ phone: `1${String(++n).padStart(10, '0')}`, created_at: 0, updated_at: 0 })
      .returning('id')
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.id));
  const committed = (id: number) => observer.prepare('select count(*) as n from users where id = ?').get(id) as { n: number };
  const userCount = () => (observer.prepare('select count(*) as n from users').get() as { n: number }).n;

  before(async () => {
    dir = await scratch('sqlite');
    database = openDatabase({ url: dir.databaseUrl });
    await migrateToLatest(database.db, database.dialect);
    observer = new SQLite(sqlitePath(dir.databaseUrl), { readonly: true });
  });
  beforeEach(() => {
    // No time limit on a batch: under a loaded machine 20 ms could split one, and these tests count batches.
    group = new GroupCommit(database.db, { maxMillis: 60_000 });
  });
  after(async () => {
    observer.close();
    await database.close();
    await dir.cleanup();
  });

  it('commits transactions that queue together in one batch, each answered only once it is durable', async () => {
    const answered = await Promise.all(
      Array.from({ length: 50 }, () => group.run(addUser).then((id) => ({ id, visibleToOthers: committed(id).n }))),
    );
    assert.equal(new Set(answered.map((a) => a.id)).size, 50);
    // Read from another connection at the moment each caller heard back: already committed.
    assert.ok(answered.every((a) => a.visibleToOthers === 1));
    assert.deepEqual(group.stats, { batches: 1, units: 50 });
  });

  it('runs the once-per-batch work before the commit, and commits the batch without it when it fails', async () => {
    const runs: number[] = [];
    const told: unknown[] = [];
    const failing = new Error('index broken');
    let fail = false;
    group = new GroupCommit(database.db, {
      maxMillis: 60_000,
      beforeCommit: async (trx) => {
        // Sees the batch's own writes, in the same transaction.
        runs.push(Number((await sql<{ n: number }>`select count(*) as n from users`.execute(trx)).rows[0]!.n));
        await trx.insertInto('settings').values({ key: `batch-${runs.length}`, value: 'x', updated_at: 0 }).execute();
        if (fail) throw failing;
      },
      onBeforeCommitError: (err) => told.push(err),
    });
    const before = userCount();
    const first = await Promise.all([group.run(addUser), group.run(addUser), group.run(addUser)]);
    assert.deepEqual(runs, [before + 3], 'once for the batch of three');
    const settingRows = (key: string) => (observer.prepare('select count(*) as n from settings where key = ?').get(key) as { n: number }).n;
    assert.equal(settingRows('batch-1'), 1);
    fail = true;
    const second = await group.run(addUser);
    assert.deepEqual(told, [failing]);
    assert.equal(committed(second).n, 1, 'the batch committed');
    assert.equal(settingRows('batch-2'), 0, 'without what the failed work wrote');
    assert.ok(first.every((id) => committed(id).n === 1));
  });

  it('undoes only the transaction that failed; the others of its batch commit', async () => {
    const before = userCount();
    const failure = new Error('rejected by the service');
    const results = await Promise.allSettled([
      group.run(addUser),
      group.run(async (trx) => {
        await addUser(trx);
        await addUser(trx);
        throw failure;
      }),
      group.run(addUser),
    ]);
    assert.equal(results[0].status, 'fulfilled');
    assert.deepEqual(results[1], { status: 'rejected', reason: failure });
    assert.equal(results[2].status, 'fulfilled');
    assert.equal(userCount(), before + 2);
    assert.equal(group.stats.batches, 1);
  });

  it('fails every transaction of a batch whose COMMIT fails, and keeps none of them', async () => {
    const before = userCount();
    const results = await Promise.allSettled([
      group.run(addUser),
      group.run(async (trx) => {
        // A deferred foreign-key violation passes the savepoint and is caught only by COMMIT.
        await sql`pragma defer_foreign_keys = on`.execute(trx);
        await trx.insertInto('conversation_members').values({ conversation_id: 999_999, user_id: 999_999, role: 'member', joined_at: 0 }).execute();
      }),
      group.run(addUser),
    ]);
    assert.ok(results.every((r) => r.status === 'rejected'), JSON.stringify(results.map((r) => r.status)));
    assert.match(String((results[0] as PromiseRejectedResult).reason), /FOREIGN KEY/);
    assert.equal(userCount(), before);
    // The next transaction starts a fresh batch and succeeds.
    assert.equal(committed(await group.run(addUser)).n, 1);
  });

  it('lets reads queued meanwhile in between batches and answers in order', async () => {
    const order: string[] = [];
    const first = group.run(async (trx) => {
      const id = await addUser(trx);
      order.push('tx1');
      return id;
    });
    const read = database.db.selectFrom('users').select('id').execute().then(() => order.push('read'));
    const second = group.run(async (trx) => {
      order.push('tx2');
      return addUser(trx);
    });
    await Promise.all([first, read, second]);
    // The read asked for the connection before the batch started, so it ran first; both
    // transactions then shared a commit.
    assert.deepEqual(order, ['read', 'tx1', 'tx2']);
    assert.equal(group.stats.batches, 1);
  });
});

describe('FifoLock', () => {
  it('hands the lock over in arrival order, one holder at a time', async () => {
    const lock = new FifoLock();
    const order: number[] = [];
    let holders = 0;
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await lock.acquire();
        holders++;
        assert.equal(holders, 1);
        order.push(i);
        await new Promise((r) => setImmediate(r));
        holders--;
        lock.release();
      }),
    );
    assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
  });
});
