import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Dialect } from './dialect.ts';
import type { Database } from './schema.ts';
import { ServerSqliteDialect } from './sqlite-driver.ts';

export interface DatabaseOptions {
  url: string;
  poolSize?: number;
  sqliteSynchronous?: 'FULL' | 'NORMAL';
  /** Bytes of the SQLite file read through a memory map; SQLite's own default (none) when absent. */
  sqliteMmapSize?: number;
  /** Told when a PostgreSQL connection breaks (the server went away); the pool replaces it. */
  onConnectionError?: (err: Error) => void;
}

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: Dialect;
  /** A short, password-free description for logs. */
  description: string;
  /** PostgreSQL's connection pool, as it is now (SQLite has a single connection and none). */
  pool?: () => { total: number; idle: number; waiting: number; max: number };
  close(): Promise<void>;
}

export function dialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite';
}

export function sqlitePath(url: string): string {
  return url.replace(/^(sqlite|file):(\/\/)?/, '');
}

export function openDatabase(options: DatabaseOptions): OpenDatabase {
  return dialectOf(options.url) === 'postgres' ? openPostgres(options) : openSqlite(options);
}

/**
 * Creates a missing database file, and the directories above it, readable by their owner only:
 * the database holds every message and the token signing key. SQLite gives the -wal and -shm
 * files the database file's mode. Existing files and directories keep the mode they have.
 */
function createPrivately(file: string): void {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'a', 0o600));
}

function openSqlite(options: DatabaseOptions): OpenDatabase {
  const file = sqlitePath(options.url);
  if (file !== ':memory:') createPrivately(file);
  const handle = new SQLite(file);
  handle.pragma('journal_mode = WAL');
  handle.pragma(`synchronous = ${options.sqliteSynchronous ?? 'FULL'}`);
  handle.pragma('foreign_keys = ON');
  handle.pragma('busy_timeout = 5000');
  // Each transaction of a group commit runs in a savepoint, whose undo journal would otherwise be
  // a temporary file written page by page.
  handle.pragma('temp_store = MEMORY');
  // A search reads thousands of rows scattered over the file: mapped, each is a memory read
  // instead of a pread through the 2 MiB page cache (a third off a common word's search). Writes
  // still go through the WAL.
  if (options.sqliteMmapSize !== undefined) handle.pragma(`mmap_size = ${options.sqliteMmapSize}`);
  const db = new Kysely<Database>({ dialect: new ServerSqliteDialect(handle) });
  return {
    db,
    dialect: 'sqlite',
    description: `sqlite:${file}`,
    close: () => db.destroy(),
  };
}

// 64-bit integers and numerics come back as strings from pg by default; every id and time in the
// schema fits a JS number, so parse them once here instead of at every call site.
const INT8 = Number(pg.types.builtins.INT8);
const parseInt8 = (v: string) => Number(v);
const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? parseInt8 : (pg.types.getTypeParser(oid, format) as unknown)) as pg.CustomTypesConfig['getTypeParser'],
};

function openPostgres(options: DatabaseOptions): OpenDatabase {
  const max = options.poolSize ?? 10;
  const pool = new pg.Pool({
    connectionString: options.url,
    max,
    types: pgTypes,
    connectionTimeoutMillis: 5000,
  });
  // A connection that breaks emits 'error': on the pool while idle, on the client while checked
  // out (a transaction in progress). Unheard, either would crash the process during a database
  // outage. The failed query rejects on its own; the pool discards the broken client.
  const onError = options.onConnectionError ?? (() => undefined);
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const u = new URL(options.url);
  return {
    db,
    dialect: 'postgres',
    description: `postgres://${u.host}${u.pathname}`,
    pool: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }),
    close: () => db.destroy(),
  };
}

export async function ping(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
