import { constants } from 'node:fs';
import { chmod, copyFile, mkdir, open, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Config } from '../config.ts';
import { gitSha, version } from '../version.ts';
import { dialectOf, sqlitePath } from './database.ts';

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
  database: { kind: 'sqlite'; file: string; bytes: number; migrations: string[] };
  files: { directory: string; count: number; bytes: number };
  /** Where the token signing key is: in the database (so in this backup), or JWT_SECRET (not in it). */
  signingKey: 'database' | 'JWT_SECRET';
}

export type BackupConfig = Pick<Config, 'databaseUrl' | 'fileStorage' | 'filesDir' | 'jwtSecret'>;

const DATABASE_FILE = 'parley.db';
const FILES_DIRECTORY = 'files';

/**
 * Backs up a SQLite deployment into `target`, which must be missing or empty, while the server
 * may be running: first the database, through SQLite's online backup (a consistent snapshot;
 * writers go on), then the stored files. A file's bytes are stored before the row naming it is
 * committed, so every file the snapshot names is already on disk when the files are copied.
 * The database holds the token signing key, so the backup is as secret as the data directory:
 * its directories are 0700 and its files 0600.
 */
export async function backup(config: BackupConfig, target: string, now: () => Date = () => new Date()): Promise<BackupManifest> {
  refuseUnsupported(config);
  const source = sqlitePath(config.databaseUrl);
  if (source === ':memory:' || !(await exists(source))) throw new BackupRefused(`there is no database at ${source} (DATABASE_URL) to back up`);
  await prepareTarget(target);
  const createdAt = now().toISOString();
  const database = await backupDatabase(source, path.join(target, DATABASE_FILE));
  const files = await copyTree(config.filesDir, path.join(target, FILES_DIRECTORY));
  const manifest: BackupManifest = {
    format: 1,
    parley: { version, commit: gitSha },
    createdAt,
    database: { kind: 'sqlite', file: DATABASE_FILE, ...database },
    files: { directory: FILES_DIRECTORY, ...files },
    signingKey: config.jwtSecret ? 'JWT_SECRET' : 'database',
  };
  await writePrivately(path.join(target, 'backup.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function refuseUnsupported(config: BackupConfig): void {
  if (dialectOf(config.databaseUrl) === 'postgres') {
    throw new BackupRefused(
      'DATABASE_URL is a PostgreSQL database: back it up with pg_dump (pg_dump -Fc -f parley.dump <database>), ' +
        'and the files with the object store' +
        (config.fileStorage === 's3' ? "'s own means (bucket versioning, or aws s3 sync)" : ` directory (FILES_DIR, ${config.filesDir})`) +
        '; see docs/backup.md for the order',
    );
  }
  if (config.fileStorage === 's3') {
    throw new BackupRefused(
      'FILE_STORAGE=s3: the files are in the bucket, which parley backup does not copy. Back up the database with ' +
        `sqlite3 ${sqlitePath(config.databaseUrl)} ".backup parley.db" and then the bucket (versioning, or aws s3 sync); see docs/backup.md`,
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

async function backupDatabase(source: string, destination: string): Promise<{ bytes: number; migrations: string[] }> {
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

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
