import { settings, type Config, type ConfigSources } from './config.ts';
import { redacted, redactUrl } from './redaction.ts';

/** One setting as the server would run with it. */
export interface EffectiveSetting {
  variable: string;
  /** As given (a secret masked, a URL's password masked), or the default. */
  value: string;
  source: 'env' | 'file' | 'default';
}

/** Settings whose value is resolved from others (paths under DATA_DIR) or against the working directory: shown as the server uses them. */
const resolved: Partial<Record<string, (config: Config) => string>> = {
  DATA_DIR: (c) => c.dataDir,
  DATABASE_URL: (c) => c.databaseUrl,
  FILES_DIR: (c) => c.filesDir,
};

/**
 * Every setting with its value and where the value comes from: the environment, the PARLEY_CONFIG
 * file, or the default. Nothing secret is shown: a secret setting's value is masked whole, and so
 * is the password of every URL and every credential-like query value.
 */
export function effectiveSettings(sources: ConfigSources, config: Config): EffectiveSetting[] {
  return Object.values(settings).map((s) => {
    const raw = sources.env[s.env];
    const given = raw !== undefined && raw !== '';
    const source = !given ? 'default' : sources.fromFile.has(s.env) ? 'file' : 'env';
    const value = given && s.secret ? redacted : redactUrl(resolved[s.env]?.(config) ?? (given ? raw : s.defaultText));
    return { variable: s.env, value, source };
  });
}

/** The settings as aligned columns: variable, value, source (the file named). */
export function settingsTable(rows: readonly EffectiveSetting[], file: string | undefined): string {
  const where = (source: EffectiveSetting['source']) => (source === 'file' ? `PARLEY_CONFIG (${file})` : source);
  const width = (pick: (r: EffectiveSetting) => string) => Math.max(...rows.map((r) => pick(r).length));
  const [nameWidth, valueWidth] = [width((r) => r.variable), Math.min(60, width((r) => r.value))];
  return rows.map((r) => `${r.variable.padEnd(nameWidth)}  ${r.value.padEnd(valueWidth)}  ${where(r.source)}`).join('\n');
}
