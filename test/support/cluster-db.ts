import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testDatabaseUrl } from './pg.ts';
import { OwnPostgres } from './services.ts';
import { scratch, type Scratch } from './stores.ts';

/**
 * A fresh PostgreSQL database for the nodes of a cluster test (several nodes need PostgreSQL):
 * on the machine's server when TEST_DATABASE_URL names one, else on a private server started here.
 */
export async function clusterDatabase(): Promise<Scratch> {
  if (testDatabaseUrl) return scratch('postgres');
  const pg = await OwnPostgres.start();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-cluster-'));
  return {
    dataDir,
    databaseUrl: pg.url,
    async cleanup() {
      await pg.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
