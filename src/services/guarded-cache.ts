/**
 * A bounded map of facts read from the store, for the send path. Least recently used entries go
 * first once `limit` is reached, so memory stays flat however many users and chats pass through.
 *
 * Entries are only ever dropped, never patched, by `invalidate`: the next reader loads the fact
 * again. A load that was already running when its key was invalidated read the store before the
 * change may have been committed, so its result is handed to its caller but not kept: each key
 * with loads in flight carries a generation that every invalidation moves on.
 */
export class GuardedCache<K, V> {
  private readonly entries = new Map<K, V>();
  private readonly inFlight = new Map<K, { generation: number; loads: number }>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The kept value, marked as just used; undefined when the key has none. */
  peek(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Re-inserting moves the key to the end of the Map's order: the eviction order is by use.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  /** The kept value, or `load`'s, which is kept only if nothing invalidated the key meanwhile. */
  async get(key: K, load: () => Promise<V>): Promise<V> {
    const kept = this.peek(key);
    if (kept !== undefined) return kept;
    return this.load(key, load);
  }

  /** Loads and keeps (unless invalidated meanwhile) without looking at what is kept. */
  private async load(key: K, load: () => Promise<V>): Promise<V> {
    let slot = this.inFlight.get(key);
    if (!slot) {
      slot = { generation: 0, loads: 0 };
      this.inFlight.set(key, slot);
    }
    slot.loads++;
    const generation = slot.generation;
    try {
      const value = await load();
      if (slot.generation === generation) this.keep(key, value);
      return value;
    } finally {
      if (--slot.loads === 0) this.inFlight.delete(key);
    }
  }

  invalidate(key: K): void {
    this.entries.delete(key);
    const slot = this.inFlight.get(key);
    if (slot) slot.generation++;
  }

  private keep(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as K);
  }
}
