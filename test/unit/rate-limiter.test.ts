import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/domain/errors.ts';
import { MemoryRateLimitStore, RateLimiter } from '../../src/services/rate-limiter.ts';
import { TestClock } from '../support/clock.ts';

describe('rate limiter', () => {
  it('counts per class and subject within a window, then resets', async () => {
    const clock = new TestClock();
    const store = new MemoryRateLimitStore();
    const limiter = new RateLimiter({ auth: { limit: 2, windowMs: 10_000 }, send: null, upload: { limit: 1, windowMs: 1000 }, query: { limit: 5, windowMs: 1000 }, login: null }, store, clock);
    try {
      assert.equal((await limiter.take('auth', 'ip:a'))?.remaining, 1);
      assert.equal((await limiter.take('auth', 'ip:a'))?.remaining, 0);
      const err = await limiter.take('auth', 'ip:a').catch((e: unknown) => e);
      assert.ok(err instanceof AppError);
      assert.equal(err.code, 'RATE_LIMITED');
      assert.equal(err.retryAfter, 10);
      // Other subjects and classes have their own budgets.
      await limiter.take('auth', 'ip:b');
      await limiter.take('upload', 'ip:a');
      // A class turned off never limits.
      for (let i = 0; i < 100; i++) assert.equal(await limiter.take('send', 'ip:a'), undefined);
      clock.advance(10_001);
      assert.equal((await limiter.take('auth', 'ip:a'))?.remaining, 1);
    } finally {
      await limiter.close();
    }
  });

  it('counts attempts up front and gives back the refunded ones, within their window only', async () => {
    const clock = new TestClock();
    const off = { limit: 1, windowMs: 1 };
    const limiter = new RateLimiter({ auth: off, send: off, upload: off, query: off, login: { limit: 2, windowMs: 60_000 } }, new MemoryRateLimitStore(), clock);
    try {
      // Two attempts in flight at once use the whole budget; a third is refused before it is made.
      const [a, b] = await Promise.all([limiter.attempt('login', 'user:1'), limiter.attempt('login', 'user:1')]);
      const refused = await limiter.attempt('login', 'user:1').catch((e: unknown) => e);
      assert.ok(refused instanceof AppError && refused.code === 'RATE_LIMITED' && refused.retryAfter === 60);
      assert.match(refused.message, /too many failed logins for this account/);
      // Both succeeded: their counts are given back (the refused attempt's stays: it was one).
      await a.refund();
      await b.refund();
      const c = await limiter.attempt('login', 'user:1');
      await assert.rejects(limiter.attempt('login', 'user:1'), /too many failed logins/);
      // Another account has its own budget; a refund after the window ended takes nothing from the next.
      await limiter.attempt('login', 'user:2');
      clock.advance(60_001);
      await c.refund();
      await limiter.attempt('login', 'user:1');
      await limiter.attempt('login', 'user:1');
      await assert.rejects(limiter.attempt('login', 'user:1'), /too many failed logins/);
    } finally {
      await limiter.close();
    }
  });
});
