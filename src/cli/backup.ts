import type { Command } from 'commander';
import { commandConfiguration } from './configuration.ts';

export function registerBackup(program: Command): void {
  program
    .command('backup')
    .argument('<dir>', 'a new or empty directory to write the backup into (created with mode 0700)')
    .description('back up the database (SQLite online backup, or pg_dump), then the uploaded files, while the server runs')
    .addHelpText(
      'after',
      '\nThe backup holds the token signing key: it is written readable by its owner only\n' +
        '(directories 0700, files 0600). With FILE_STORAGE=s3 only the database is backed up;\n' +
        'back up the bucket after it. Restoring: docs/backup.md.',
    )
    .action(async (dir: string) => {
      const config = await commandConfiguration();
      const { backup, BackupRefused } = await import('../store/backup.ts');
      try {
        const manifest = await backup(config, dir);
        console.log(JSON.stringify(manifest, null, 2));
        if (manifest.files.storage === 's3') {
          console.error(`note: the files are in the S3 bucket ${manifest.files.bucket ?? ''} and not in this backup: back the bucket up now (docs/backup.md)`);
        }
      } catch (err) {
        if (!(err instanceof BackupRefused)) throw err;
        console.error(`error: ${err.message}`);
        process.exitCode = 2;
      }
    });
}
