import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { createCore, type Core, type CoreOverrides } from './core.ts';
import { resolveListeners, type Listener, type MountedProfile } from './http/mounts.ts';
import { buildServer } from './http/server.ts';
import { createLogger, type Logger } from './logger.ts';
import { profiles } from './profiles/index.ts';
import type { Profile } from './profiles/kit/profile.ts';
import { Gateway } from './realtime/gateway.ts';
import { explainListenError, type ListenerOrigin } from './startup-errors.ts';

export interface RunningServer {
  /** The main listener's server. */
  app: FastifyInstance;
  core: Core;
  /** Base URL of the main listener on loopback, e.g. http://127.0.0.1:8080 */
  url: string;
  /** Every listener: the main one first, then the profiles on ports of their own. */
  listeners: { port: number | null; url: string; app: FastifyInstance; profiles: string[] }[];
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
  const core = await createCore(config, logger, options);
  const gateway = new Gateway(core);
  const apps: { listener: Listener; app: FastifyInstance }[] = [];
  try {
    for (const listener of plan) apps.push({ listener, app: await buildServer(core, gateway, listener) });
    for (const { listener, app } of apps) {
      const port = listener.port ?? config.port;
      await app.listen({ host: config.host, port }).catch((err: unknown) => {
        throw explainListenError(err, config.host, port, originOf(listener));
      });
    }
    core.timers.start();
    core.files.preload();
  } catch (err) {
    for (const { app } of apps) await app.close().catch(() => undefined);
    await gateway.close();
    await core.close();
    throw err;
  }
  const listeners = apps.map(({ listener, app }) => ({
    port: listener.port,
    url: loopbackUrl(config.host, app),
    app,
    profiles: listener.mounts.map((m) => m.profile.name),
  }));
  let closing: Promise<void> | undefined;
  return {
    app: apps[0]!.app,
    core,
    url: listeners[0]!.url,
    listeners,
    close() {
      closing ??= (async () => {
        // Closing ends idle keep-alive connections once, at the start. A connection whose last
        // response (a file stream) finishes a moment later would otherwise stay open until its
        // keep-alive timeout, holding the shutdown; end such connections as they become idle.
        const sweeper = setInterval(() => {
          for (const { app } of apps) app.server.closeIdleConnections();
        }, 100);
        try {
          await Promise.all(apps.map(({ app }) => app.close()));
        } finally {
          clearInterval(sweeper);
        }
        await core.close();
      })();
      return closing;
    },
  };
}

/**
 * Runs until SIGTERM/SIGINT, then stops accepting connections, lets in-flight requests finish
 * within SHUTDOWN_TIMEOUT and closes the store. A second signal exits at once.
 */
export async function serve(config: Config, options: StartOptions = {}): Promise<void> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const server = await startServer(config, { ...options, logger });
  const [first, ...others] = server.listeners;
  logger.info({ url: server.url, profiles: first!.profiles, database: server.core.database.description }, 'parley is serving');
  for (const l of others) logger.info({ url: l.url, profiles: l.profiles }, 'parley is serving a profile on its own port');

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
