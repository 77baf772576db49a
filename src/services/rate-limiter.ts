import type { RateClass, RateRule } from '../config.ts';
import { AppError } from '../domain/errors.ts';
import type { Clock } from './clock.ts';

export interface Hit {
  count: number;
  resetAt: number;
}

/** Fixed-window counters. The memory store serves one node; a Redis store shares them across nodes. */
export interface RateLimitStore {
  hit(key: string, windowMs: number, now: number): Promise<Hit>;
  close(): Promise<void>;
}

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, Hit>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(sweepEveryMs = 60_000) {
    this.sweeper = setInterval(() => this.sweep(Date.now()), sweepEveryMs);
    this.sweeper.unref();
  }

  async hit(key: string, windowMs: number, now: number): Promise<Hit> {
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { count: 0, resetAt: now + windowMs };
      this.windows.set(key, w);
    }
    w.count += 1;
    return { ...w };
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (w.resetAt <= now) this.windows.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.windows.clear();
  }
}

export interface RateVerdict {
  limit: number;
  remaining: number;
  resetAt: number;
}

/**
 * Per-class request budgets (auth, send, upload, query) shared by every way in: HTTP routes of
 * all profiles and WebSocket frames count against the same counters.
 */
export class RateLimiter {
  constructor(
    private readonly rules: Record<RateClass, RateRule | null>,
    private readonly store: RateLimitStore,
    private readonly clock: Clock,
  ) {}

  /** Counts one request; throws RATE_LIMITED (with retryAfter) once the budget is spent. */
  async take(cls: RateClass, subject: string): Promise<RateVerdict | undefined> {
    const rule = this.rules[cls];
    if (!rule) return undefined;
    const now = this.clock.now();
    const hit = await this.store.hit(`${cls}:${subject}`, rule.windowMs, now);
    const verdict = { limit: rule.limit, remaining: Math.max(0, rule.limit - hit.count), resetAt: hit.resetAt };
    if (hit.count > rule.limit) {
      const retryAfter = Math.max(1, Math.ceil((hit.resetAt - now) / 1000));
      throw new AppError('RATE_LIMITED', `too many ${cls} requests; retry in ${retryAfter}s`, { retryAfter, details: verdict });
    }
    return verdict;
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
