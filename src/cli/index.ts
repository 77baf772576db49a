import { Command } from 'commander';
import { gitSha, version } from '../version.ts';
import { registerBackup } from './backup.ts';
import { registerConfig } from './config.ts';
import { registerMigrate } from './migrate.ts';
import { registerConversation, registerMessage } from './moderation.ts';
import { registerOrg } from './org.ts';
import { exitStatusOf } from './report.ts';
import { registerServe } from './serve.ts';
import { registerUser } from './user.ts';

// Only commander and the command modules are imported here; each command imports what it runs
// inside its action. The server, the core and their libraries (database drivers, Kysely,
// fastify, the S3 SDK, sharp) take seconds to load, which `help`, `--version`, `--help` and a
// mistyped command should not pay.

export function buildProgram(): Command {
  const program = new Command('parley')
    .description('Parley, a self-hosted instant-messaging server speaking the APIs of five messengers.')
    .version(`parley ${version} (${gitSha?.slice(0, 12) ?? 'unknown'})`, '-V, --version', 'print the version and the git commit, and exit')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand('help [command]', 'show help for a command')
    // Settings copied to every subcommand created after this point: errors and help throw instead
    // of exiting, so that the exit status is decided in one place (exitStatusOf).
    .exitOverride()
    .showSuggestionAfterError(true)
    .showHelpAfterError('(`parley help` lists the commands; `--help` after any of them shows its options)')
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false });
  registerServe(program);
  registerMigrate(program);
  registerUser(program);
  registerOrg(program);
  registerMessage(program);
  registerConversation(program);
  registerBackup(program);
  registerConfig(program);
  program.addHelpText('after', () => `\nEvery command (add --help to any of them for its arguments and options):\n${everyCommand(program).join('\n')}\n\n${configurationNote}`);
  return program;
}

const configurationNote = 'Configuration comes from environment variables, or a JSON file named by PARLEY_CONFIG (`parley config vars` lists them).';

/** The full command line of every command that runs something, the groups' subcommands included. */
function everyCommand(command: Command, prefix = 'parley'): string[] {
  const help = command.createHelp();
  return command.commands
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => (c.commands.length ? everyCommand(c, `${prefix} ${c.name()}`) : [`  ${prefix} ${help.subcommandTerm(c)}`]));
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  // Bare `parley` prints the overview, as `parley help` does.
  if (argv.length === 0) {
    program.outputHelp();
    return;
  }
  await program.parseAsync(argv, { from: 'user' });
}

main(process.argv.slice(2)).catch(async (err: unknown) => {
  process.exitCode = await exitStatusOf(err);
});
