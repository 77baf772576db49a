import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { version } from '../version.ts';
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
import * as m0010 from './migrations/0010_message_search_index.ts';
import * as m0011 from './migrations/0011_departed_reads.ts';
import * as m0012 from './migrations/0012_message_search_batched.ts';
import * as m0013 from './migrations/0013_message_search_by_chat.ts';
import * as m0014 from './migrations/0014_message_text_by_chat.ts';
import { SettingsRepo } from './repos/settings.ts';
import type { Database } from './schema.ts';
import { checkSchema, newerVersion, SchemaMismatchError, type SchemaCheck } from './schema-check.ts';

type DialectMigration = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

/**
 * Ordered by name; a released migration is never edited, only followed by a new one. Migrations
 * are additive (docs/upgrading.md): the build of the previous minor version must keep running
 * on the schema they leave.
 */
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
  '0010_message_search_index': m0010,
  '0011_departed_reads': m0011,
  '0012_message_search_batched': m0012,
  '0013_message_search_by_chat': m0013,
  '0014_message_text_by_chat': m0014,
};

/** The migrations this build knows, in the order they apply. */
export const knownMigrations: readonly string[] = Object.keys(migrations).sort();

/**
 * The oldest Parley version that runs on the schema this build leaves. Raise it only in a
 * release whose migrations are not additive (a drop, a rename, a new required column): builds
 * older than it then refuse to start on the database instead of misreading it.
 */
export const oldestCompatibleVersion = '0.1.0';

/** Where the database records the highest `oldestCompatibleVersion` of the builds that migrated it. */
const COMPATIBLE_SETTING = 'schema.oldest_compatible_version';
const MIGRATION_TABLE = 'parley_migrations';

export { SchemaMismatchError };

export interface MigrationReport {
  /** Migrations this call applied. */
  applied: string[];
  /** Migrations recorded in the database that this build does not know: a newer build applied them. */
  unknown: string[];
}

/** One migration as the database records it: its name and when it was applied (ISO time). */
export interface RecordedMigration {
  name: string;
  appliedAt: string;
}

/**
 * Brings the schema up to date. Safe to run from several nodes at once (Kysely takes a lock), and
 * from an older build on a schema a newer one migrated: migrations the build does not know that
 * sort after all it knows are reported in `unknown`, not refused. Anything else that does not fit
 * (an unknown migration among known ones, a known one skipped, a schema that needs a newer build)
 * throws SchemaMismatchError and changes nothing.
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: Dialect): Promise<MigrationReport> {
  // Another node may record migrations between the check and the migrator's lock; the migrator
  // then finds one it was not told of, and a fresh look settles it.
  for (let attempt = 1; ; attempt++) {
    const check = await inspect(db);
    const migrator = new Migrator({
      db,
      provider: new InCodeProvider(dialect, check.unknown),
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: 'parley_migrations_lock',
      // Order is checked by name above; the migrator's own check sorts by the recording nodes' clocks.
      allowUnorderedMigrations: true,
    });
    const { error, results } = await migrator.migrateToLatest();
    if (!error) {
      await recordCompatibility(db);
      return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName), unknown: check.unknown };
    }
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const message = error instanceof Error ? error.message : JSON.stringify(error);
    if (!failed && attempt < 3 && /corrupted migrations/.test(message)) continue;
    throw new Error(`migration ${failed ?? '(none)'} failed: ${message}`, { cause: error });
  }
}

/** What `parley migrate --status` shows; reads only. */
export interface MigrationStatus {
  /** Every migration this build knows, with when it was applied (null: pending). */
  known: { name: string; appliedAt: string | null }[];
  /** Recorded migrations this build does not know. */
  unknown: RecordedMigration[];
  /** The oldest Parley version the database says runs on it (null: not recorded yet). */
  oldestCompatibleVersion: string | null;
  /** Why this build would refuse to start on the database, or null. */
  problem: string | null;
}

export async function migrationStatus(db: Kysely<Database>): Promise<MigrationStatus> {
  const { recorded, compatible } = await recordedState(db);
  const at = new Map(recorded.map((m) => [m.name, m.appliedAt]));
  let problem: string | null = null;
  try {
    checkSchema(knownMigrations, [...at.keys()], { required: compatible, own: version });
  } catch (err) {
    if (!(err instanceof SchemaMismatchError)) throw err;
    problem = err.message;
  }
  return {
    known: knownMigrations.map((name) => ({ name, appliedAt: at.get(name) ?? null })),
    unknown: recorded.filter((m) => !knownMigrations.includes(m.name)),
    oldestCompatibleVersion: compatible,
    problem,
  };
}

async function inspect(db: Kysely<Database>): Promise<SchemaCheck> {
  const { recorded, compatible } = await recordedState(db);
  return checkSchema(
    knownMigrations,
    recorded.map((m) => m.name),
    { required: compatible, own: version },
  );
}

/** The recorded migrations and compatibility floor (the settings table exists once 0001 ran). */
async function recordedState(db: Kysely<Database>): Promise<{ recorded: RecordedMigration[]; compatible: string | null }> {
  const recorded = await recordedMigrations(db);
  const compatible = recorded.some((m) => m.name === '0001_initial') ? ((await new SettingsRepo(db).get(COMPATIBLE_SETTING)) ?? null) : null;
  return { recorded, compatible };
}

/** The migrations table's rows, by name; none before the first migration made the table. */
export async function recordedMigrations(db: Kysely<Database>): Promise<RecordedMigration[]> {
  const read = async () => {
    const table = (db as unknown as Kysely<{ parley_migrations: { name: string; timestamp: string } }>).selectFrom(MIGRATION_TABLE);
    const rows = await table.select(['name', 'timestamp']).orderBy('name').execute();
    return rows.map((r) => ({ name: r.name, appliedAt: r.timestamp }));
  };
  try {
    return await read();
  } catch (err) {
    // Listing the tables costs tens of milliseconds on PostgreSQL: only when the query failed.
    if (!(await db.introspection.getTables()).some((t) => t.name === MIGRATION_TABLE)) return [];
    // Another node starting at the same moment may have made the table since the query failed
    // (three nodes on a fresh database): read it again; a second failure is a real one.
    try {
      return await read();
    } catch {
      throw err;
    }
  }
}

/** Raises the recorded compatibility floor to this build's; never lowers a newer build's. */
async function recordCompatibility(db: Kysely<Database>): Promise<void> {
  const settings = new SettingsRepo(db);
  const recorded = await settings.get(COMPATIBLE_SETTING);
  if (recorded === undefined || newerVersion(oldestCompatibleVersion, recorded)) {
    await settings.set(COMPATIBLE_SETTING, oldestCompatibleVersion, Date.now());
  }
}

class InCodeProvider implements MigrationProvider {
  constructor(
    private readonly dialect: Dialect,
    private readonly unknown: readonly string[],
  ) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const own = Object.entries(migrations).map(([name, m]) => [name, { up: (db: Kysely<unknown>) => m.up(db, this.dialect) }] as const);
    // Stand-ins that let the migrator accept the newer build's records; already applied, they never run.
    const newer = this.unknown.map(
      (name) =>
        [
          name,
          {
            up: () => Promise.reject(new Error(`${name} belongs to a newer build of Parley`)),
          },
        ] as const,
    );
    return Object.fromEntries([...own, ...newer]);
  }
}
