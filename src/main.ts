import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { createCore, type Core, type CoreOverrides } from './core.ts';
import { buildServer, type MountedProfile } from './http/server.ts';
import { createLogger, type Logger } from './logger.ts';
import { defaultMounts } from './profiles/index.ts';

export interface RunningServer {
  app: FastifyInstance;
  core: Core;
  /** Base URL on loopback, e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}

export interface StartOptions extends CoreOverrides {
  logger?: Logger;
  /** Profiles and where they are mounted; the default mounts when absent. */
  mounts?: MountedProfile[];
}

/** Opens the store (migrating it), builds the HTTP server and starts listening. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const core = await createCore(config, logger, options);
  let app: FastifyInstance;
  try {
    app = await buildServer(core, options.mounts ?? defaultMounts());
    await app.listen({ host: config.host, port: config.port });
    core.timers.start();
    core.files.preload();
  } catch (err) {
    await core.close();
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  let closing: Promise<void> | undefined;
  return {
    app,
    core,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close() {
      closing ??= (async () => {
        // Closing ends idle keep-alive connections once, at the start. A connection whose last
        // response (a file stream) finishes a moment later would otherwise stay open until its
        // keep-alive timeout, holding the shutdown; end such connections as they become idle.
        const sweeper = setInterval(() => app.server.closeIdleConnections(), 100);
        try {
          await app.close();
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
  logger.info({ url: server.url, database: server.core.database.description }, 'parley is serving');

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
