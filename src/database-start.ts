import path from 'node:path';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';
import { redactUrl } from './redaction.ts';
import { databaseStartupError, isTransientDatabaseError, reasonOf } from './startup-errors.ts';
import { openDatabase, ping, type OpenDatabase } from './store/database.ts';

export interface DatabaseStartOptions {
  /** Connections of a PostgreSQL pool (default: DATABASE_POOL_SIZE). */
  poolSize?: number;
  onConnectionError?: (err: Error) => void;
}

/**
 * Opens the configured database and waits until it answers: a PostgreSQL server that is still
 * starting (a container started beside this one, a failover) is retried with backoff for
 * DATABASE_CONNECT_TIMEOUT. What cannot be opened, or does not answer in time, is a StartupError
 * naming the variable that chose the database, its password masked.
 */
export async function startDatabase(config: Config, logger: Logger | undefined, options: DatabaseStartOptions = {}): Promise<OpenDatabase> {
  const variable = databaseVariable(config);
  let database: OpenDatabase;
  try {
    database = openDatabase({
      url: config.databaseUrl,
      poolSize: options.poolSize ?? config.databasePoolSize,
      sqliteSynchronous: config.sqliteSynchronous,
      sqliteMmapSize: config.sqliteMmapSize,
      onConnectionError: options.onConnectionError,
    });
  } catch (err) {
    throw databaseStartupError(err, config.databaseUrl, variable);
  }
  try {
    await untilAnswering(database, config.databaseConnectTimeoutMs, (err, waitMs) =>
      logger?.warn({ database: redactUrl(config.databaseUrl), err: reasonOf(err), retryInMs: waitMs }, 'database not answering yet; retrying'),
    );
  } catch (err) {
    await database.close().catch(() => undefined);
    throw databaseStartupError(err, config.databaseUrl, variable);
  }
  return database;
}

/** DATA_DIR when the database is the default SQLite file inside it, else DATABASE_URL. */
function databaseVariable(config: Config): string {
  return config.databaseUrl === `sqlite:${path.join(config.dataDir, 'parley.db')}` ? 'DATA_DIR' : 'DATABASE_URL';
}

/** Pings until the database answers, backing off from 200 ms to 2 s between tries; the last error once the time is up. */
async function untilAnswering(database: OpenDatabase, timeoutMs: number, onRetry: (err: unknown, waitMs: number) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let waitMs = 200; ; waitMs = Math.min(waitMs * 2, 2000)) {
    try {
      await ping(database.db);
      return;
    } catch (err) {
      const left = deadline - Date.now();
      if (!isTransientDatabaseError(err) || left <= 0) throw err;
      const wait = Math.min(waitMs, left);
      onRetry(err, wait);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
