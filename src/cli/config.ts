import type { Command } from 'commander';

/** `parley config …`: what can be configured, and (later) what is. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('the configuration: the variables Parley reads');

  config
    .command('vars')
    .description('print every configuration variable as a Markdown table: meaning, default, what is allowed (no values)')
    .action(async () => {
      const { configurationTable } = await import('../config.ts');
      console.log(configurationTable());
    });
}
