import type { Core } from '../core.ts';
import { commandConfiguration } from './configuration.ts';

/**
 * Runs an operator's command against the core of the configured deployment: its database, and
 * its Redis when REDIS_URL is set, so that what the command changes reaches every node at once.
 * Everything is imported here, when a command runs, never when the CLI starts.
 */
export async function withCore<T>(run: (core: Core) => Promise<T>): Promise<T> {
  const config = await commandConfiguration();
  const [{ createCore }, { createLogger }] = await Promise.all([import('../core.ts'), import('../logger.ts')]);
  // Warnings go to stderr: stdout is the command's JSON, which scripts read.
  const core = await createCore(config, createLogger('warn', process.stderr));
  try {
    return await run(core);
  } finally {
    await core.close();
  }
}

/** Prints a command's result as one JSON line, the form scripts read. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value));
}
