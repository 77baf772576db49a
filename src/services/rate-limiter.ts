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
  /** Takes one hit back from the key's current window, if it still has one. */
  undo(key: string, now: number): Promise<void>;
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

  async undo(key: string, now: number): Promise<void> {
    const w = this.windows.get(key);
    if (w && w.resetAt > now && w.count > 0) w.count -= 1;
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

/** What the limiter counts: the request classes of routes and frames, and failed logins per account. */
export type Budget = RateClass | 'login';

const counted: Record<Budget, string> = {
  auth: 'auth requests',
  send: 'send requests',
  upload: 'upload requests',
  query: 'query requests',
  login: 'failed logins for this account',
};

/** One counted attempt, which can be given back when it turns out not to count. */
export interface Attempt {
  refund(): Promise<void>;
}

const nothingToRefund: Attempt = { refund: async () => undefined };

/**
 * Budgets shared by every way in: HTTP routes of all profiles and WebSocket frames count against
 * the same per-class counters (auth, send, upload, query); the auth service counts failed logins
 * per account (login).
 */
export class RateLimiter {
  constructor(
    private readonly rules: Record<Budget, RateRule | null>,
    private readonly store: RateLimitStore,
    private readonly clock: Clock,
  ) {}

  /** Counts one request; throws RATE_LIMITED (with retryAfter) once the budget is spent. */
  async take(budget: Budget, subject: string): Promise<RateVerdict | undefined> {
    const rule = this.rules[budget];
    if (!rule) return undefined;
    const now = this.clock.now();
    const hit = await this.store.hit(`${budget}:${subject}`, rule.windowMs, now);
    const verdict = { limit: rule.limit, remaining: Math.max(0, rule.limit - hit.count), resetAt: hit.resetAt };
    if (hit.count > rule.limit) {
      const retryAfter = Math.max(1, Math.ceil((hit.resetAt - now) / 1000));
      throw new AppError('RATE_LIMITED', `too many ${counted[budget]}; retry in ${retryAfter}s`, { retryAfter, details: verdict });
    }
    return verdict;
  }

  /**
   * Counts an attempt before it is made, as take() does, for budgets that count only failures:
   * the caller refunds it when it succeeds. Counting up front, not after a failure, keeps
   * attempts made at the same moment within the budget too.
   */
  async attempt(budget: Budget, subject: string): Promise<Attempt> {
    if (!(await this.take(budget, subject))) return nothingToRefund;
    return { refund: () => this.store.undo(`${budget}:${subject}`, this.clock.now()) };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
