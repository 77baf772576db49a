import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Store, type StoreMeter } from '../../src/store/store.ts';
import { migratedDatabase, storeKinds } from '../support/stores.ts';

/** A meter that keeps what it was told. */
class Recorder implements StoreMeter {
  readonly transactions: { seconds: number; committed: boolean }[] = [];
  readonly batches: number[] = [];
  transaction(seconds: number, committed: boolean): void {
    this.transactions.push({ seconds, committed });
  }
  batch(units: number): void {
    this.batches.push(units);
  }
}

for (const kind of storeKinds) {
  describe(`store meter [${kind}]`, () => {
    let db: Awaited<ReturnType<typeof migratedDatabase>>;
    before(async () => {
      db = await migratedDatabase(kind);
    });
    after(() => db.close());

    it('is told each top-level transaction with its outcome, and on SQLite each group commit with its size', async () => {
      const meter = new Recorder();
      const store = new Store(db.database.db, db.database.dialect, meter);
      const ok = () => store.transaction(async (tx) => tx.settings.set(`k${Math.random()}`, 'v', 0));
      const failing = store.transaction(async (tx) => {
        // A nested transaction joins its parent: one report, for the outer one.
        await tx.transaction(async (inner) => inner.settings.set('nested', 'v', 0));
        throw new Error('refused');
      });
      const results = await Promise.allSettled([ok(), ok(), failing, ok()]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      assert.deepEqual(meter.transactions.map((t) => t.committed).sort(), [false, true, true, true]);
      for (const t of meter.transactions) assert.ok(t.seconds >= 0 && t.seconds < 30);
      if (kind === 'sqlite') assert.equal(meter.batches.reduce((a, b) => a + b, 0), 4, 'every transaction was in a batch');
      else assert.deepEqual(meter.batches, [], 'PostgreSQL has no group commit');
    });
  });
}
