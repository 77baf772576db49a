import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GuardedCache } from '../../src/services/guarded-cache.ts';

/** A load that finishes when told to, as a query still in flight. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('GuardedCache', () => {
  it('keeps a loaded value and answers from it without loading again', async () => {
    const cache = new GuardedCache<string, number>(10);
    let loads = 0;
    const load = async () => ++loads;
    assert.equal(await cache.get('k', load), 1);
    assert.equal(await cache.get('k', load), 1);
    assert.equal(loads, 1);
    cache.invalidate('k');
    assert.equal(await cache.get('k', load), 2);
  });

  it('holds at most its limit, dropping the least recently used first', async () => {
    const cache = new GuardedCache<number, number>(3);
    for (const k of [1, 2, 3]) await cache.get(k, async () => k * 10);
    assert.equal(cache.peek(1), 10, 'using 1 makes 2 the oldest');
    await cache.get(4, async () => 40);
    assert.equal(cache.size, 3);
    assert.equal(cache.peek(2), undefined);
    assert.deepEqual([cache.peek(1), cache.peek(3), cache.peek(4)], [10, 30, 40]);
  });

  it('does not keep a load that an invalidation overtook, but hands it to its caller', async () => {
    const cache = new GuardedCache<string, string>(10);
    const stale = deferred<string>();
    const pending = cache.get('k', () => stale.promise);
    cache.invalidate('k');
    stale.resolve('before the change');
    assert.equal(await pending, 'before the change');
    assert.equal(cache.peek('k'), undefined, 'the stale load was not kept');
    assert.equal(await cache.get('k', async () => 'after the change'), 'after the change');
    assert.equal(cache.peek('k'), 'after the change');
  });

  it('keeps a load that started after the invalidation, even with an older one still in flight', async () => {
    const cache = new GuardedCache<string, string>(10);
    const old = deferred<string>();
    const fresh = deferred<string>();
    const first = cache.get('k', () => old.promise);
    cache.invalidate('k');
    const second = cache.get('k', () => fresh.promise);
    fresh.resolve('fresh');
    await second;
    old.resolve('old');
    await first;
    assert.equal(cache.peek('k'), 'fresh');
  });
});
