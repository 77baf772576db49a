import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { MemoryRateLimitStore, type Hit, type RateLimitStore } from './rate-limiter.ts';

// INCR and the first PEXPIRE must be atomic, or a crash between them leaves a counter that
// never expires and locks the subject out for good.
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
`;

// DECR keeps the key's expiry; a key that expired meanwhile is not brought back as -1.
const UNDO_SCRIPT = `
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

type RedisWithHit = Redis & {
  parleyRateHit(key: string, windowMs: number): Promise<[number, number]>;
  parleyRateUndo(key: string): Promise<number>;
};

/**
 * Fixed-window counters in Redis, shared by every node. While Redis cannot be reached, counting
 * falls back to this node's memory: limits keep holding per node instead of vanishing.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: RedisWithHit;
  private readonly fallback = new MemoryRateLimitStore();
  private warned = false;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    redis.defineCommand('parleyRateHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    redis.defineCommand('parleyRateUndo', { numberOfKeys: 1, lua: UNDO_SCRIPT });
    this.redis = redis as RedisWithHit;
  }

  async hit(key: string, windowMs: number, now: number): Promise<Hit> {
    try {
      const [count, ttl] = await this.redis.parleyRateHit(`${this.prefix}rl:${key}`, windowMs);
      this.warned = false;
      return { count: Number(count), resetAt: now + Number(ttl) };
    } catch (err) {
      if (!this.warned) this.logger.warn({ err }, 'rate limits: Redis unavailable, counting on this node only');
      this.warned = true;
      return this.fallback.hit(key, windowMs, now);
    }
  }

  async undo(key: string, now: number): Promise<void> {
    try {
      await this.redis.parleyRateUndo(`${this.prefix}rl:${key}`);
    } catch {
      // Redis is away (the hit was then most likely counted here); hit() has warned.
      await this.fallback.undo(key, now);
    }
  }

  async close(): Promise<void> {
    await this.fallback.close();
  }
}
