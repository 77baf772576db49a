import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { MigrationStatus } from '../store/migrate.ts';
import { version } from '../version.ts';
import { commandConfiguration } from './configuration.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('bring the database schema up to date and exit (the server also does it on every start)')
    .option('--status', 'only list each migration as applied (with when) or pending, and any a newer build recorded; changes nothing')
    .addHelpText(
      'after',
      '\nA database a newer build migrated is used as it is (its migrations are additive), with a warning.\n' +
        '--status exits 1 when this build would refuse the database: a skipped or foreign migration,\n' +
        'or a schema that needs a newer build. Upgrades and rollbacks: docs/upgrading.md.',
    )
    .action(async (options: { status?: boolean }) => {
      const config = await commandConfiguration();
      const [{ startDatabase }, { dialectOf, sqlitePath }, { migrateToLatest, migrationStatus }] = await Promise.all([
        import('../database-start.ts'),
        import('../store/database.ts'),
        import('../store/migrate.ts'),
      ]);
      // Opening a SQLite file creates it; a status must not, so a missing one is shown as an empty database.
      const absent = options.status && dialectOf(config.databaseUrl) === 'sqlite' && !existsSync(sqlitePath(config.databaseUrl));
      const database = await startDatabase(absent ? { ...config, databaseUrl: 'sqlite::memory:' } : config, undefined, { poolSize: 2 });
      try {
        if (options.status) {
          if (absent) console.log(`(no database at ${sqlitePath(config.databaseUrl)} yet)`);
          const status = await migrationStatus(database.db);
          console.log(statusReport(status));
          if (status.problem) {
            console.error(`this build would refuse the database: ${status.problem}`);
            process.exitCode = 1;
          }
          return;
        }
        const { applied, unknown } = await migrateToLatest(database.db, database.dialect);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
        if (unknown.length) console.error(`warning: the database schema is newer than this build (${version}): it has ${unknown.join(', ')}; upgrade this installation`);
      } finally {
        await database.close();
      }
    });
}

/** One line per migration, then a summary; the names padded into a column. */
function statusReport(status: MigrationStatus): string {
  const width = Math.max(...[...status.known, ...status.unknown].map((m) => m.name.length)) + 2;
  const lines = [
    ...status.known.map((m) => `${m.name.padEnd(width)}${m.appliedAt ? `applied ${m.appliedAt}` : 'pending'}`),
    ...status.unknown.map((m) => `${m.name.padEnd(width)}unknown (newer build), applied ${m.appliedAt}`),
  ];
  const applied = status.known.filter((m) => m.appliedAt).length;
  const summary =
    `schema: ${applied} applied, ${status.known.length - applied} pending, ${status.unknown.length} from a newer build; ` +
    `oldest compatible version ${status.oldestCompatibleVersion ?? '(not recorded)'}; this build ${version}`;
  return [...lines, summary].join('\n');
}
