import type { Config, ConfigSources } from '../config.ts';
import type { ConfigWarning } from '../config-warnings.ts';

export interface LoadedConfiguration {
  config: Config;
  sources: ConfigSources;
  /** Likely mistakes that stop nothing (typos of variable names); each command decides where they go. */
  warnings: ConfigWarning[];
}

/**
 * The configuration from the environment and PARLEY_CONFIG, with its warnings. A configuration
 * that is refused prints its warnings first: a misspelt name often explains a missing value.
 */
export async function loadConfiguration(): Promise<LoadedConfiguration> {
  const [{ loadConfig, readConfigSources }, { configWarnings }] = await Promise.all([import('../config.ts'), import('../config-warnings.ts')]);
  const sources = readConfigSources();
  const warnings = configWarnings(sources);
  try {
    return { config: loadConfig(sources.env), sources, warnings };
  } catch (err) {
    printWarnings(warnings);
    throw err;
  }
}

/** Loads the configuration for a command other than the server: warnings go to stderr. */
export async function commandConfiguration(): Promise<Config> {
  const { config, warnings } = await loadConfiguration();
  printWarnings(warnings);
  return config;
}

export function printWarnings(warnings: readonly ConfigWarning[]): void {
  for (const w of warnings) console.error(`warning: ${w.message}`);
}
