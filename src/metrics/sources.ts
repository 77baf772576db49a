import type { Core } from '../core.ts';
import type { Gateway } from '../realtime/gateway.ts';
import type { Metrics } from './metrics.ts';
import type { StateSources } from './state.ts';

/** What the gauges of a running server read: its gateway, its event log, its pool and its Redis link. */
export function serverState(core: Core, gateway: Gateway): StateSources {
  const { redis } = core;
  return {
    socketsByProfile: () => gateway.connectionsByProfile(),
    headSeq: () => core.eventLog.latestSeq(),
    deliveredSeq: () => gateway.deliveredSeq,
    ...(core.database.pool && { pool: core.database.pool }),
    ...(redis && { redis: () => ({ command: redis.command.status === 'ready', subscription: redis.subscribed }) }),
  };
}

/** Starts reading the server's state into the metrics' gauges at each scrape. */
export function watchServer(metrics: Metrics, core: Core, gateway: Gateway): void {
  metrics.watch(serverState(core, gateway));
}
