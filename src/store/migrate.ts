import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Dialect } from './dialect.ts';
import * as m0001 from './migrations/0001_initial.ts';
import * as m0002 from './migrations/0002_call_connections.ts';
import * as m0003 from './migrations/0003_message_files.ts';
import * as m0004 from './migrations/0004_message_pages.ts';
import * as m0005 from './migrations/0005_sparse_message_indexes.ts';
import * as m0006 from './migrations/0006_friends_keys_files.ts';
import * as m0007 from './migrations/0007_identities_last_connected.ts';
import * as m0008 from './migrations/0008_departments.ts';
import * as m0009 from './migrations/0009_server_admins.ts';
import type { Database } from './schema.ts';

type DialectMigration = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

/** Ordered by name; a released migration is never edited, only followed by a new one. */
const migrations: Record<string, DialectMigration> = {
  '0001_initial': m0001,
  '0002_call_connections': m0002,
  '0003_message_files': m0003,
  '0004_message_pages': m0004,
  '0005_sparse_message_indexes': m0005,
  '0006_friends_keys_files': m0006,
  '0007_identities_last_connected': m0007,
  '0008_departments': m0008,
  '0009_server_admins': m0009,
};

class InCodeProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(
      Object.entries(migrations).map(([name, m]) => [name, { up: (db: Kysely<unknown>) => m.up(db, this.dialect) }]),
    );
  }
}

export interface MigrationReport {
  applied: string[];
}

/** Brings the schema up to date. Safe to run from several nodes at once (Kysely takes a lock). */
export async function migrateToLatest(db: Kysely<Database>, dialect: Dialect): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: new InCodeProvider(dialect),
    migrationTableName: 'parley_migrations',
    migrationLockTableName: 'parley_migrations_lock',
  });
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
