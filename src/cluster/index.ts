import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { ErrorSink } from '../realtime/bus.ts';
import { RedisRateLimitStore } from '../services/rate-limit-redis.ts';
import type { Store } from '../store/store.ts';
import { RedisBus } from './bus.ts';
import { RedisPresence } from './presence.ts';
import { RedisLink } from './redis.ts';

/**
 * What a node uses when several share Redis: the link, the bus, presence and rate-limit
 * counters. Imported only when REDIS_URL is set, so a single node (and every CLI command) never
 * loads the Redis client.
 */
export function joinCluster(config: Config & { redisUrl: string }, store: Store, logger: Logger, onBusError: ErrorSink) {
  const redis = new RedisLink({ url: config.redisUrl, prefix: config.redisPrefix, nodeId: config.nodeId }, logger);
  return {
    redis,
    bus: new RedisBus(redis, config.nodeId, store.events, onBusError),
    presence: new RedisPresence(redis, config.nodeId, config.nodeTimeoutMs, logger),
    rateLimits: new RedisRateLimitStore(redis.command, config.redisPrefix, logger),
  };
}
