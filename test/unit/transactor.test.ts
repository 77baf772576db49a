import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DomainEvent, NewEvent } from '../../src/domain/events.ts';
import { LocalBus } from '../../src/realtime/bus.ts';
import { Transactor } from '../../src/services/transactor.ts';
import type { Store } from '../../src/store/store.ts';

/**
 * A store whose transactions append with increasing seqs and then wait for the test to let
 * their commit finish (or fail), so commits can complete in any order.
 */
function fakeStore() {
  let seq = 0;
  const commits: { finish(ok: boolean): void }[] = [];
  const store = {
    async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
      const tx = {
        events: {
          append: async (events: NewEvent[], at: number): Promise<DomainEvent[]> => events.map((e) => ({ ...e, seq: ++seq, at })),
        },
      } as unknown as Store;
      const value = await fn(tx);
      await new Promise<void>((resolve, reject) => commits.push({ finish: (ok) => (ok ? resolve() : reject(new Error('commit failed'))) }));
      return value;
    },
  } as unknown as Store;
  return { store, commits };
}

const event = { type: 'contact.removed', audience: { kind: 'user', id: 1 }, data: { ownerId: 1, contactUserId: 2 } } as const;
const tick = () => new Promise((r) => setImmediate(r));

/** Two transactions appending seq 1 and 2, both waiting for their commit to be finished by the test. */
async function twoPending() {
  const { store, commits } = fakeStore();
  const bus = new LocalBus();
  const published: number[] = [];
  const committed: number[] = [];
  bus.subscribe({ events: (evs) => published.push(...evs.map((e) => e.seq)) });
  const tx = new Transactor(store, bus, { now: () => 0 }, undefined, (evs) => committed.push(...evs.map((e) => e.seq)));
  const first = tx.run(async (_s, emit) => emit(event));
  await tick();
  const second = tx.run(async (_s, emit) => emit(event));
  await tick();
  return { commits, published, committed, first, second };
}

describe('transactor', () => {
  it('publishes in seq order even when a later transaction finishes committing first', async () => {
    const { commits, published, committed, first, second } = await twoPending();
    commits[1]!.finish(true);
    await second;
    assert.deepEqual(published, [], 'seq 2 waits for seq 1');
    assert.deepEqual(committed, [2], 'what only drops state hears of seq 2 at its commit, before publication');
    commits[0]!.finish(true);
    await first;
    assert.deepEqual(published, [1, 2]);
  });

  it('lets later events go when an earlier transaction fails, and publishes nothing of the failed one', async () => {
    const { commits, published, committed, first, second } = await twoPending();
    commits[1]!.finish(true);
    await second;
    commits[0]!.finish(false);
    await assert.rejects(first, /commit failed/);
    assert.deepEqual(published, [2]);
    assert.deepEqual(committed, [2], 'nothing of the failed one');
  });
});
