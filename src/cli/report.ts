import { CommanderError } from 'commander';

/**
 * The exit status of a failed command, after telling the operator why: 2 for what the operator can
 * fix (the command line, the configuration, the input), 1 for anything else. Commander has
 * already printed its own messages (and help) by the time its error arrives here.
 */
export async function exitStatusOf(err: unknown): Promise<number> {
  if (err instanceof CommanderError) return commanderStatus(err);
  try {
    // Imported here, not up front, so that only a failing command pays for them.
    const [{ ConfigError }, { AppError }, { StartupError }, { SchemaMismatchError }] = await Promise.all([
      import('../config.ts'),
      import('../domain/errors.ts'),
      import('../startup-errors.ts'),
      import('../store/schema-check.ts'),
    ]);
    const operators = err instanceof AppError || err instanceof StartupError || err instanceof SchemaMismatchError;
    if (err instanceof ConfigError) console.error(err.message);
    else if (operators) console.error(`error: ${err.message}`);
    else console.error(err);
    return err instanceof ConfigError || operators ? 2 : 1;
  } catch {
    console.error(err);
    return 1;
  }
}

/** Help and the version asked for are a success; help shown for want of a subcommand, and every parse error, are the operator's to fix. */
function commanderStatus(err: CommanderError): number {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
  if (err.code === 'commander.help') return err.exitCode === 0 ? 0 : 2;
  return 2;
}
