import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { loadConfiguration, printWarnings } from './configuration.ts';

/** `parley config …`: what can be configured, what is, and whether it would start. None of them connects to anything. */
export function registerConfig(program: Command): void {
  const config = program.command('config').description('the configuration: the variables, their values, a check');

  config
    .command('show')
    .description('print every setting with its value and where it comes from (the environment, the PARLEY_CONFIG file or the default); secrets and URL passwords masked')
    .option('--json', 'print a JSON array of {variable, value, source} instead')
    .action(async (options: { json?: boolean }) => {
      const { config, sources, warnings } = await loadConfiguration();
      printWarnings(warnings);
      const { effectiveSettings, settingsTable } = await import('../config-effective.ts');
      const rows = effectiveSettings(sources, config);
      console.log(options.json ? JSON.stringify(rows, null, 2) : settingsTable(rows, sources.file));
    });

  config
    .command('check')
    .description('validate the configuration as `serve` would (every variable, PROFILES against the profiles and their routes) without starting or connecting to anything; every problem is printed, exit 2')
    .option('--strict', 'also exit 2 when there are warnings (unknown or misspelt variable names)')
    .action(async (options: { strict?: boolean }) => {
      const { config, sources, warnings } = await loadConfiguration();
      printWarnings(warnings);
      await checkListeners(config);
      const notes = [
        ...(sources.file ? [`${sources.fromFile.size} setting${sources.fromFile.size === 1 ? '' : 's'} from ${sources.file}`] : []),
        ...(warnings.length ? [`${warnings.length} warning${warnings.length === 1 ? '' : 's'}`] : []),
      ];
      console.log(`configuration OK${notes.length ? ` (${notes.join(', ')})` : ''}`);
      if (options.strict && warnings.length) process.exitCode = 2;
    });

  config
    .command('vars')
    .description('print every configuration variable as a Markdown table: meaning, default, what is allowed (no values)')
    .action(async () => {
      const { configurationTable } = await import('../config.ts');
      console.log(configurationTable());
    });
}

/** What `serve` would refuse after loading the profiles: an unknown profile, two routes colliding, a profile's own port that is PORT. */
async function checkListeners(config: Config): Promise<void> {
  const [{ ConfigError }, { checkCollisions, resolveListeners }, { profiles }] = await Promise.all([import('../config.ts'), import('../http/mounts.ts'), import('../profiles/index.ts')]);
  const problems: string[] = [];
  try {
    for (const listener of resolveListeners(config.profiles, profiles)) checkCollisions(listener, { webApp: config.webApp.enabled });
  } catch (err) {
    problems.push((err as Error).message);
  }
  for (const m of config.profiles.filter((p) => p.port === config.port)) {
    problems.push(`PROFILES: ${m.profile}@:${m.port} asks for the port of the main listener (PORT=${config.port}); give it another port or mount it on a path`);
  }
  if (problems.length) throw new ConfigError(problems);
}
