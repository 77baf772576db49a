import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/domain/errors.ts';
import { MemoryRateLimitStore, RateLimiter } from '../../src/services/rate-limiter.ts';
import { TestClock } from '../support/clock.ts';

describe('rate limiter', () => {
  it('counts per class and subject within a window, then resets', async () => {
    const clock = new TestClock();
    const store = new MemoryRateLimitStore();
    const limiter = new RateLimiter({ auth: { limit: 2, windowMs: 10_000 }, send: null, upload: { limit: 1, windowMs: 1000 }, query: { limit: 5, windowMs: 1000 } }, store, clock);
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
});
