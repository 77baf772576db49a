import type { Command } from 'commander';
import { commandConfiguration } from './configuration.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('bring the database schema up to date and exit (the server also does it on every start)')
    .action(async () => {
      const config = await commandConfiguration();
      const [{ startDatabase }, { migrateToLatest }] = await Promise.all([import('../database-start.ts'), import('../store/migrate.ts')]);
      const database = await startDatabase(config, undefined, { poolSize: 2 });
      try {
        const { applied } = await migrateToLatest(database.db, database.dialect);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      } finally {
        await database.close();
      }
    });
}
