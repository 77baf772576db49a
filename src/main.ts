import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { createCore, type Core, type CoreOverrides } from './core.ts';
import { resolveListeners, type Listener, type MountedProfile } from './http/mounts.ts';
import { buildServer } from './http/server.ts';
import { createLogger, type Logger } from './logger.ts';
import { listenMetrics, type MetricsListener } from './metrics/exposure.ts';
import type { Metrics } from './metrics/metrics.ts';
import { watchServer } from './metrics/sources.ts';
import { profiles } from './profiles/index.ts';
import type { Profile } from './profiles/kit/profile.ts';
import { Gateway } from './realtime/gateway.ts';
import { systemClock } from './services/clock.ts';
import { explainListenError, type ListenerOrigin } from './startup-errors.ts';
import { startupSummary } from './startup-summary.ts';

export interface RunningServer {
  /** The main listener's server. */
  app: FastifyInstance;
  core: Core;
  /** Base URL of the main listener on loopback, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Every listener: the main one first, then the profiles on ports of their own. */
  listeners: { port: number | null; url: string; app: FastifyInstance; profiles: string[]; mounts: { profile: string; path: string }[] }[];
  /** Where Prometheus scrapes this node (on loopback), or null with METRICS=off. */
  metricsUrl: string | null;
  close(): Promise<void>;
}

export interface StartOptions extends CoreOverrides {
  logger?: Logger;
  /** Profiles mounted on the main listener, instead of what PROFILES says (tests). */
  mounts?: MountedProfile[];
  /** The profiles PROFILES names are resolved against (default: every profile Parley has). */
  profiles?: readonly Profile[];
}

function loopbackUrl(host: string, app: FastifyInstance): string {
  const { port } = app.server.address() as AddressInfo;
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/** The variable that chose a listener's port, for an operator told that it cannot be opened. */
function originOf(listener: Listener): ListenerOrigin {
  if (listener.port === null) return { variable: 'PORT' };
  return { variable: 'PROFILES', what: listener.mounts.map((m) => `${m.profile.name}@:${listener.port}${m.mount}`).join(', ') };
}

/** Opens the store (migrating it), builds one HTTP server per listener and starts listening. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const plan: Listener[] = options.mounts ? [{ port: null, mounts: options.mounts }] : resolveListeners(config.profiles, options.profiles ?? profiles);
  const metrics = await serverMetrics(config, options);
  const core = await createCore(config, logger, { ...options, metrics });
  const gateway = new Gateway(core);
  if (metrics) watchServer(metrics, core, gateway);
  const apps: { listener: Listener; app: FastifyInstance }[] = [];
  let metricsListener: MetricsListener | undefined;
  try {
    for (const listener of plan) apps.push({ listener, app: await buildServer(core, gateway, listener) });
    for (const { listener, app } of apps) {
      const port = listener.port ?? config.port;
      await app.listen({ host: config.host, port }).catch((err: unknown) => {
        throw explainListenError(err, config.host, port, originOf(listener));
      });
    }
    if (metrics && config.metrics.port !== null) metricsListener = await listenMetrics(metrics, config.host, config.metrics.port);
    core.timers.start();
    core.textCopier?.start();
    core.files.preload();
  } catch (err) {
    for (const { app } of apps) await app.close().catch(() => undefined);
    await metricsListener?.close();
    await gateway.close();
    await core.close();
    throw err;
  }
  const listeners = apps.map(({ listener, app }) => ({
    port: listener.port,
    url: loopbackUrl(config.host, app),
    app,
    profiles: listener.mounts.map((m) => m.profile.name),
    mounts: listener.mounts.map((m) => ({ profile: m.profile.name, path: m.mount })),
  }));
  let closing: Promise<void> | undefined;
  return {
    app: apps[0]!.app,
    core,
    url: listeners[0]!.url,
    listeners,
    metricsUrl: metricsListener?.url ?? (metrics ? `${listeners[0]!.url}/metrics` : null),
    close() {
      closing ??= (async () => {
        // Closing ends idle keep-alive connections once, at the start. A connection whose last
        // response (a file stream) finishes a moment later would otherwise stay open until its
        // keep-alive timeout, holding the shutdown; end such connections as they become idle.
        const sweeper = setInterval(() => {
          for (const { app } of apps) app.server.closeIdleConnections();
        }, 100);
        try {
          await Promise.all([...apps.map(({ app }) => app.close()), metricsListener?.close()]);
        } finally {
          clearInterval(sweeper);
        }
        await core.close();
      })();
      return closing;
    },
  };
}

/** The metrics of a server, unless METRICS=off; prom-client is loaded only then. */
async function serverMetrics(config: Config, options: StartOptions): Promise<Metrics | undefined> {
  if (!config.metrics.enabled) return undefined;
  const { Metrics } = await import('./metrics/metrics.ts');
  return new Metrics({ nodeId: config.nodeId, clock: options.clock ?? systemClock });
}

/**
 * Runs until SIGTERM/SIGINT, then stops accepting connections, lets in-flight requests finish
 * within SHUTDOWN_TIMEOUT and closes the store. A second signal exits at once.
 */
export async function serve(config: Config, options: StartOptions = {}): Promise<void> {
  const logger = options.logger ?? createLogger(config.logLevel);
  // Until it serves there is nothing to drain, so a signal while starting (waiting for the
  // database, migrating in a transaction) ends the process as the signal itself would. Without a
  // handler, Node as a container's PID 1 would ignore it until killed.
  const whileStarting = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopped while starting');
    process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
  };
  process.once('SIGTERM', whileStarting);
  process.once('SIGINT', whileStarting);
  const server = await startServer(config, { ...options, logger }).finally(() => {
    process.off('SIGTERM', whileStarting);
    process.off('SIGINT', whileStarting);
  });
  logger.info(startupSummary(config, server), 'parley is serving');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeout);
    force.unref();
    server.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
