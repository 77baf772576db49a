import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { RedisRateLimitStore } from '../../src/services/rate-limit-redis.ts';
import { OwnRedis } from '../support/services.ts';
import { needs } from '../support/requires.ts';

describe('Redis rate-limit store', await needs('redis-server', 'redis-cli'), () => {
  let server: OwnRedis;
  let a: Redis;
  let b: Redis;
  const prefix = `parley-test-${randomBytes(4).toString('hex')}:`;
  before(async () => {
    server = await OwnRedis.start();
    const opts = { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => 50 };
    a = new Redis(server.url, opts);
    b = new Redis(server.url, opts);
    await Promise.all([a.connect(), b.connect()]);
  });
  after(async () => {
    a.disconnect();
    b.disconnect();
    await server.destroy();
  });

  it('shares one counter between nodes, with an expiring window', async () => {
    const logger = pino({ level: 'silent' });
    const nodeA = new RedisRateLimitStore(a, prefix, logger);
    const nodeB = new RedisRateLimitStore(b, prefix, logger);
    const now = Date.now();
    assert.equal((await nodeA.hit('auth:ip:1', 500, now)).count, 1);
    assert.equal((await nodeB.hit('auth:ip:1', 500, now)).count, 2);
    const third = await nodeA.hit('auth:ip:1', 500, now);
    assert.equal(third.count, 3);
    assert.ok(third.resetAt > now && third.resetAt <= now + 500);
    assert.equal((await nodeB.hit('auth:ip:2', 500, now)).count, 1);
    assert.ok((await a.pttl(`${prefix}rl:auth:ip:1`)) > 0);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal((await nodeB.hit('auth:ip:1', 500, Date.now())).count, 1);
  });

  it('takes a hit back from the shared counter, keeping its expiry, and never below zero', async () => {
    const logger = pino({ level: 'silent' });
    const nodeA = new RedisRateLimitStore(a, prefix, logger);
    const nodeB = new RedisRateLimitStore(b, prefix, logger);
    const now = Date.now();
    await nodeA.hit('login:user:1', 60_000, now);
    await nodeA.hit('login:user:1', 60_000, now);
    await nodeB.undo('login:user:1', now);
    assert.equal(await a.get(`${prefix}rl:login:user:1`), '1');
    assert.ok((await a.pttl(`${prefix}rl:login:user:1`)) > 0);
    await nodeB.undo('login:user:1', now);
    await nodeB.undo('login:user:1', now);
    assert.equal(await a.get(`${prefix}rl:login:user:1`), '0');
    await nodeA.undo('login:user:404', now);
    assert.equal(await a.exists(`${prefix}rl:login:user:404`), 0);
    assert.equal((await nodeB.hit('login:user:1', 60_000, now)).count, 1);
  });

  it('keeps counting on the node while Redis is down', async () => {
    const store = new RedisRateLimitStore(a, prefix, pino({ level: 'silent' }));
    await server.kill();
    try {
      const now = Date.now();
      assert.equal((await store.hit('send:user:1', 60_000, now)).count, 1);
      assert.equal((await store.hit('send:user:1', 60_000, now)).count, 2);
    } finally {
      await server.resume();
      await store.close();
    }
  });
});
