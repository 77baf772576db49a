import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Config } from '../config.ts';
import { gitSha, version } from '../version.ts';
import { dialectOf, openDatabase, sqlitePath } from './database.ts';
import { recordedMigrations } from './migrate.ts';

/** A backup that cannot or should not be made; the message says what to do instead. */
export class BackupRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupRefused';
  }
}

/** `backup.json`, written last: a directory without it is not a finished backup. */
export interface BackupManifest {
  format: 1;
  parley: { version: string; commit: string | null };
  createdAt: string;
  /** SQLite: the database file (one file, no -wal); PostgreSQL: a pg_dump archive (`pg_restore`). */
  database: { kind: 'sqlite' | 'postgres'; file: string; bytes: number; migrations: string[] };
  /** Local files are copied; files in S3 are not (the bucket is backed up by its own means). */
  files: { storage: 'local'; directory: string; count: number; bytes: number } | { storage: 's3'; bucket: string | null; included: false };
  /** Where the token signing key is: in the database (so in this backup), or JWT_SECRET (not in it). */
  signingKey: 'database' | 'JWT_SECRET';
}

export type BackupConfig = Pick<Config, 'databaseUrl' | 'fileStorage' | 'filesDir' | 'jwtSecret'> & { s3?: { bucket: string | undefined } };

export interface BackupOptions {
  now?: () => Date;
  /** The pg_dump to run for PostgreSQL (PATH is searched). */
  pgDump?: string;
}

const FILES_DIRECTORY = 'files';

/**
 * Backs up a deployment into `target`, which must be missing or empty, while the server may be
 * running: first the database (SQLite's online backup, or pg_dump; each a consistent snapshot
 * while writers go on), then the stored files. A file's bytes are stored before the row naming
 * it is committed, so every file the snapshot names is already on disk when the files are
 * copied. The database holds the token signing key, so the backup is as secret as the data
 * directory: its directories are 0700 and its files 0600.
 */
export async function backup(config: BackupConfig, target: string, options: BackupOptions = {}): Promise<BackupManifest> {
  const postgres = dialectOf(config.databaseUrl) === 'postgres';
  const pgDump = options.pgDump ?? 'pg_dump';
  if (postgres) await requirePgDump(pgDump);
  else await requireSqliteFile(config.databaseUrl);
  if (config.fileStorage === 'local' && within(target, config.filesDir)) {
    throw new BackupRefused(`${target} is inside FILES_DIR (${config.filesDir}): the backup would copy itself; choose a directory outside it`);
  }
  await prepareTarget(target);
  try {
    return await writeBackup(config, target, postgres, pgDump, options.now?.() ?? new Date());
  } catch (err) {
    // The directory was empty: what is in it now is this backup's, half made. Gone, the same
    // target can be used again.
    await Promise.all((await readdir(target)).map((entry) => rm(path.join(target, entry), { recursive: true, force: true })));
    throw err;
  }
}

async function writeBackup(config: BackupConfig, target: string, postgres: boolean, pgDump: string, now: Date): Promise<BackupManifest> {
  const database = postgres
    ? { kind: 'postgres' as const, file: 'parley.dump', ...(await dumpPostgres(pgDump, config.databaseUrl, path.join(target, 'parley.dump'))) }
    : { kind: 'sqlite' as const, file: 'parley.db', ...(await backupSqlite(sqlitePath(config.databaseUrl), path.join(target, 'parley.db'))) };
  const files: BackupManifest['files'] =
    config.fileStorage === 's3'
      ? { storage: 's3', bucket: config.s3?.bucket ?? null, included: false }
      : { storage: 'local', directory: FILES_DIRECTORY, ...(await copyTree(config.filesDir, path.join(target, FILES_DIRECTORY))) };
  const manifest: BackupManifest = {
    format: 1,
    parley: { version, commit: gitSha },
    createdAt: now.toISOString(),
    database,
    files,
    signingKey: config.jwtSecret ? 'JWT_SECRET' : 'database',
  };
  await writePrivately(path.join(target, 'backup.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

async function requireSqliteFile(url: string): Promise<void> {
  const file = sqlitePath(url);
  if (file === ':memory:' || !(await exists(file))) throw new BackupRefused(`there is no database at ${file} (DATABASE_URL) to back up`);
}

async function requirePgDump(pgDump: string): Promise<void> {
  try {
    await run(pgDump, ['--version'], {});
  } catch (err) {
    if (!missing(err)) throw err;
    throw new BackupRefused(
      `DATABASE_URL is a PostgreSQL database and ${pgDump} is not installed here: install the PostgreSQL client tools ` +
        '(the version of the server or newer), or run pg_dump -Fc -f parley.dump <database> where they are, then copy the files; see docs/backup.md',
    );
  }
}

async function prepareTarget(target: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new BackupRefused(`${target} is not a directory`);
    if (code !== 'ENOENT') throw err;
    await mkdir(target, { recursive: true, mode: 0o700 });
    entries = [];
  }
  if (entries.length) throw new BackupRefused(`${target} is not empty: back up into a new or empty directory`);
  await chmod(target, 0o700);
}

async function backupSqlite(source: string, destination: string): Promise<{ bytes: number; migrations: string[] }> {
  // Not read-only: a read-only connection cannot open a WAL database whose -shm file is gone.
  const handle = new SQLite(source, { fileMustExist: true });
  try {
    handle.pragma('busy_timeout = 5000');
    // After the first step, the rest in one: a step copies a consistent snapshot, while small
    // steps start over whenever the running server writes in between, and might never finish.
    await handle.backup(destination, { progress: () => Number.MAX_SAFE_INTEGER });
  } finally {
    handle.close();
  }
  await chmod(destination, 0o600);
  const copy = new SQLite(destination, { fileMustExist: true });
  try {
    // The copy keeps the source's WAL mode, in which any reader leaves -wal and -shm files
    // beside it; a backup is one self-contained file (the server turns WAL on again when it opens it).
    copy.pragma('journal_mode = DELETE');
    const migrations = (copy.prepare('select name from parley_migrations order by name').all() as { name: string }[]).map((r) => r.name);
    return { bytes: (await stat(destination)).size, migrations };
  } finally {
    copy.close();
  }
}

/** pg_dump's custom format, for pg_restore. The password goes by environment, never on a command line others can read. */
async function dumpPostgres(pgDump: string, url: string, destination: string): Promise<{ bytes: number; migrations: string[] }> {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  await writePrivately(destination, '');
  await run(pgDump, ['--format=custom', `--file=${destination}`, `--dbname=${u.toString()}`], password ? { PGPASSWORD: password } : {});
  await chmod(destination, 0o600);
  const database = openDatabase({ url, poolSize: 1 });
  try {
    return { bytes: (await stat(destination)).size, migrations: (await recordedMigrations(database.db)).map((m) => m.name) };
  } finally {
    await database.close();
  }
}

/**
 * Copies every stored file (not the storage's temporary ones), keeping the layout. A file deleted
 * meanwhile is left out: its row was being deleted too.
 */
async function copyTree(from: string, to: string): Promise<{ count: number; bytes: number }> {
  await mkdir(to, { mode: 0o700 });
  const total = { count: 0, bytes: 0 };
  const walk = async (dir: string, into: string, top: boolean): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (missing(err)) return;
      throw err;
    }
    for (const entry of entries) {
      const src = path.join(dir, entry.name);
      const dst = path.join(into, entry.name);
      if (entry.isDirectory()) {
        if (top && entry.name === '.tmp') continue;
        await mkdir(dst, { mode: 0o700 });
        await walk(src, dst, false);
      } else if (entry.isFile()) {
        try {
          await copyFile(src, dst, constants.COPYFILE_FICLONE);
        } catch (err) {
          if (missing(err)) continue;
          throw err;
        }
        await chmod(dst, 0o600);
        total.count += 1;
        total.bytes += (await stat(dst)).size;
      }
    }
  };
  await walk(from, to, true);
  return total;
}

async function writePrivately(file: string, text: string): Promise<void> {
  await writeFile(file, text, { mode: 0o600, flag: 'wx' });
  const handle = await open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Runs a program to its end; rejects with its standard error when it fails. */
function run(program: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${program} failed (exit ${code}): ${stderr.trim()}`))));
  });
}

/** Whether `inner` is `outer` or below it. */
function within(inner: string, outer: string): boolean {
  const relative = path.relative(path.resolve(outer), path.resolve(inner));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
