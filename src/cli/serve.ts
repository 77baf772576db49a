import type { Command } from 'commander';
import { loadConfiguration } from './configuration.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the server (HOST, PORT, DATABASE_URL, ... from the environment); runs until SIGTERM or SIGINT')
    .action(async () => {
      // A bad configuration is reported before the server is loaded.
      const { config, warnings } = await loadConfiguration();
      const [{ serve }, { createLogger }] = await Promise.all([import('../main.ts'), import('../logger.ts')]);
      const logger = createLogger(config.logLevel);
      for (const { message, ...fields } of warnings) logger.warn(fields, message);
      await serve(config, { logger });
    });
}
