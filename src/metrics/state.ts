import { Gauge, type Registry } from 'prom-client';

export interface PoolStats {
  /** Connections open, idle or checked out. */
  total: number;
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
  max: number;
}

/** What the gauges read from the running server at each scrape. */
export interface StateSources {
  /** Open WebSocket connections on this node, by profile (profiles mounted with none included). */
  socketsByProfile(): ReadonlyMap<string, number>;
  /** The newest seq committed to the event log (a query). */
  headSeq(): Promise<number>;
  /** The highest seq this node's gateway has handed to its connections. */
  deliveredSeq(): number;
  /** PostgreSQL only: SQLite has one connection and no pool. */
  pool?: () => PoolStats;
  /** With REDIS_URL only: whether each of the node's two Redis connections is up. */
  redis?: () => { command: boolean; subscription: boolean };
}

/** Registers the gauges whose value is read when scraped rather than counted as things happen. */
export function watchState(registry: Registry, sources: StateSources): void {
  const registers = [registry];
  new Gauge({
    name: 'parley_websocket_connections',
    help: 'WebSocket connections open on this node, by profile',
    labelNames: ['profile'],
    registers,
    collect() {
      for (const [profile, n] of sources.socketsByProfile()) this.set({ profile }, n);
    },
  });

  // A scrape collects every gauge at once: those needing the log's head share the query under way.
  let head: Promise<number | null> | undefined;
  const headSeq = () =>
    (head ??= sources
      .headSeq()
      .catch(() => null)
      .finally(() => {
        head = undefined;
      }));
  new Gauge({
    name: 'parley_event_log_head_seq',
    help: 'The newest seq in the event log (NaN while the database does not answer)',
    registers,
    async collect() {
      this.set((await headSeq()) ?? NaN);
    },
  });
  new Gauge({
    name: 'parley_event_log_delivered_seq',
    help: 'The highest seq this node has handed to its WebSocket connections',
    registers,
    collect() {
      this.set(sources.deliveredSeq());
    },
  });
  new Gauge({
    name: 'parley_event_log_lag_events',
    help: 'Events committed to the log that this node has not yet handed to its connections (NaN while the database does not answer)',
    registers,
    async collect() {
      const seq = await headSeq();
      this.set(seq === null ? NaN : Math.max(0, seq - sources.deliveredSeq()));
    },
  });

  const { pool, redis } = sources;
  if (pool) {
    new Gauge({
      name: 'parley_db_pool_connections',
      help: 'PostgreSQL connections of this node, by state (idle, in_use)',
      labelNames: ['state'],
      registers,
      collect() {
        const s = pool();
        this.set({ state: 'idle' }, s.idle);
        this.set({ state: 'in_use' }, s.total - s.idle);
      },
    });
    new Gauge({
      name: 'parley_db_pool_max_connections',
      help: 'The most PostgreSQL connections this node opens (DATABASE_POOL_SIZE)',
      registers,
      collect() {
        this.set(pool().max);
      },
    });
    new Gauge({
      name: 'parley_db_pool_waiting_queries',
      help: 'Queries waiting for a free PostgreSQL connection',
      registers,
      collect() {
        this.set(pool().waiting);
      },
    });
  }
  if (redis) {
    new Gauge({
      name: 'parley_redis_connected',
      help: '1 while the Redis connection is up, by connection (command; subscription: events and signals of other nodes arrive live)',
      labelNames: ['connection'],
      registers,
      collect() {
        const s = redis();
        this.set({ connection: 'command' }, s.command ? 1 : 0);
        this.set({ connection: 'subscription' }, s.subscription ? 1 : 0);
      },
    });
  }
}
