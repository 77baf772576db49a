import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis several nodes share (--redis-url): the test suite's, else the machine's. */
export const defaultRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** One run's key prefix on a shared Redis: its nodes' keys and channels, removed at the end. */
export interface RunPrefix {
  prefix: string;
  /** Deletes every key under the prefix; resolves with how many there were. */
  drop(): Promise<number>;
}

async function connected<T>(url: string, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  // The reason (ECONNREFUSED…) comes as an event; the failed command only says the connection closed.
  let reason: Error | undefined;
  redis.on('error', (err: Error) => (reason ??= err));
  try {
    await redis.connect();
    return await fn(redis);
  } catch (err) {
    throw reason ?? err;
  } finally {
    redis.disconnect();
  }
}

/** A prefix no other run uses, on a Redis that answers (checked now, before any node starts). */
export async function runPrefix(url: string): Promise<RunPrefix> {
  try {
    await connected(url, (r) => r.ping());
  } catch (err) {
    throw new Error(`Redis at ${url} does not answer (${(err as Error).message}): several nodes need one (--redis-url)`, { cause: err });
  }
  const prefix = `parley-bench-${process.pid}-${randomBytes(4).toString('hex')}:`;
  return {
    prefix,
    drop: () =>
      connected(url, async (r) => {
        let deleted = 0;
        for await (const keys of r.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
          if (keys.length > 0) deleted += await r.del(...keys);
        }
        return deleted;
      }),
  };
}
