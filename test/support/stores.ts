import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type OpenDatabase } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { createTestDatabase, testDatabaseUrl } from './pg.ts';

export type StoreKind = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL names a server (CI sets it). */
export const storeKinds: StoreKind[] = testDatabaseUrl ? ['sqlite', 'postgres'] : ['sqlite'];

export interface Scratch {
  dataDir: string;
  databaseUrl: string;
  cleanup(): Promise<void>;
}

/** A private data directory and database of the given kind, removed by cleanup(). */
export async function scratch(kind: StoreKind): Promise<Scratch> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-test-'));
  const removeDir = () => rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'sqlite') {
    return { dataDir, databaseUrl: `sqlite:${path.join(dataDir, 'parley.db')}`, cleanup: async () => removeDir() };
  }
  const db = await createTestDatabase();
  return {
    dataDir,
    databaseUrl: db.url,
    async cleanup() {
      await db.drop();
      removeDir();
    },
  };
}

/** A migrated database of the given kind on a fresh scratch; close() closes and removes it. */
export async function migratedDatabase(kind: StoreKind): Promise<{ database: OpenDatabase; close(): Promise<void> }> {
  const dir = await scratch(kind);
  const database = openDatabase({ url: dir.databaseUrl });
  await migrateToLatest(database.db, database.dialect);
  return {
    database,
    async close() {
      await database.close();
      await dir.cleanup();
    },
  };
}
