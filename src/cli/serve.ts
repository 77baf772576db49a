import type { Command } from 'commander';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('start the server (HOST, PORT, DATABASE_URL, ... from the environment); runs until SIGTERM or SIGINT')
    .action(async () => {
      const { loadConfig } = await import('../config.ts');
      // A bad configuration is reported before the server is loaded.
      const config = loadConfig();
      const { serve } = await import('../main.ts');
      await serve(config);
    });
}
