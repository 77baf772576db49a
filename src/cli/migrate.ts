import type { Command } from 'commander';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('bring the database schema up to date and exit (the server also does it on every start)')
    .action(async () => {
      const { loadConfig } = await import('../config.ts');
      const config = loadConfig();
      const [{ openDatabase }, { migrateToLatest }] = await Promise.all([import('../store/database.ts'), import('../store/migrate.ts')]);
      const database = openDatabase({ url: config.databaseUrl, poolSize: 2, sqliteSynchronous: config.sqliteSynchronous });
      try {
        const { applied } = await migrateToLatest(database.db, database.dialect);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      } finally {
        await database.close();
      }
    });
}
