import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { recordedMigrations } from '../../src/store/migrate.ts';
import type { Database } from '../../src/store/schema.ts';

/** A database whose migrations table answers as `answers` say, one per read, and whose table list is `tables`. */
function fakeDb(answers: (Error | { name: string; timestamp: string }[])[], tables: string[]) {
  let reads = 0;
  const builder = {
    select: () => builder,
    orderBy: () => builder,
    execute: async () => {
      const answer = answers[reads++];
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  const db = { selectFrom: () => builder, introspection: { getTables: async () => tables.map((name) => ({ name })) } };
  return { db: db as unknown as Kysely<Database>, reads: () => reads };
}

const missing = () => new Error('relation "parley_migrations" does not exist');

describe('reading the recorded migrations', () => {
  it('finds none before the first migration made the table', async () => {
    const { db } = fakeDb([missing()], []);
    assert.deepEqual(await recordedMigrations(db), []);
  });

  it('reads again when another node made the table since the read failed (nodes starting together on a fresh database)', async () => {
    const { db, reads } = fakeDb([missing(), [{ name: '0001_initial', timestamp: '2026-12-01T00:00:00Z' }]], ['parley_migrations']);
    assert.deepEqual(await recordedMigrations(db), [{ name: '0001_initial', appliedAt: '2026-12-01T00:00:00Z' }]);
    assert.equal(reads(), 2);
  });

  it('throws the first error when the table is there and still cannot be read', async () => {
    const first = new Error('permission denied for table parley_migrations');
    const { db } = fakeDb([first, new Error('again')], ['parley_migrations']);
    await assert.rejects(recordedMigrations(db), (err) => err === first);
  });
});
