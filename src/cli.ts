import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Core } from './core.ts';

// Each command imports what it runs when it runs: the server, the core and their libraries
// (the database drivers, Kysely, fastify, the S3 SDK, sharp) take seconds to load, which
// `help`, `config` and a mistyped command should not pay.

const usage = `Usage: parley <command>

Commands:
  serve                         start the server (HOST, PORT, DATABASE_URL, ... from the environment)
  migrate                       bring the database schema up to date and exit
  user add --password <pw> [--phone <p>] [--email <e>] [--username <u>] [--nickname <n>]
           [--department <path>] [--position <text>]
                                create a user (use --password-stdin to read the password from stdin),
                                in the department at <path> (names from the top separated by /, e.g.
                                技术部/前端组; missing ones are created) with that job title
  user disable <id|phone|username|email>
                                disable a user: no more logins, every session ended, every socket
                                closed at once (on all nodes sharing REDIS_URL or the database)
  user enable <id|phone|username|email>
                                let a disabled user log in again
  org list                      print the departments as a tree: id, name, members (sub-departments included)
  org create <path>             create the departments of a path that are missing
  org rename <id> <name>        rename a department
  org move <id> <parent id|top> put a department (and everything under it) under another, or at the top
  org delete <id>               delete a department that has no sub-departments and no members
  org assign <id|phone|username|email> <path|none> [--position <text>]
                                put a user in the department at <path> (created as needed), or in none
  config                        print the configuration variables as a Markdown table
  help                          show this text

Configuration comes from environment variables, or a JSON file named by PARLEY_CONFIG.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { loadConfig } = await import('./config.ts');
      // A bad configuration is reported before the server is loaded.
      const config = loadConfig();
      const { serve } = await import('./main.ts');
      await serve(config);
      return -1;
    }
    case 'migrate': {
      const { loadConfig } = await import('./config.ts');
      const config = loadConfig();
      const [{ openDatabase }, { migrateToLatest }] = await Promise.all([import('./store/database.ts'), import('./store/migrate.ts')]);
      const database = openDatabase({ url: config.databaseUrl, poolSize: 2, sqliteSynchronous: config.sqliteSynchronous });
      try {
        const { applied } = await migrateToLatest(database.db, database.dialect);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'user':
      return userCommand(rest);
    case 'org': {
      const { orgCommand } = await import('./cli-org.ts');
      return orgCommand(rest, withCore, usage);
    }
    case 'config': {
      const { configurationTable } = await import('./config.ts');
      console.log(configurationTable());
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(usage);
      return 0;
    default:
      console.error(`unknown command: ${command}\n\n${usage}`);
      return 2;
  }
}

async function userCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'add':
      return addUser(rest);
    case 'disable':
    case 'enable':
      return setDisabled(rest, sub === 'disable');
    default:
      console.error(`unknown user command: ${sub ?? '(none)'}\n\n${usage}`);
      return 2;
  }
}

/** The core a user command runs against: the configured database (and Redis, so signals reach every node). */
async function withCore<T>(run: (core: Core) => Promise<T>): Promise<T> {
  const { loadConfig } = await import('./config.ts');
  const config = loadConfig();
  const [{ createCore }, { createLogger }] = await Promise.all([import('./core.ts'), import('./logger.ts')]);
  const core = await createCore(config, createLogger('warn'));
  try {
    return await run(core);
  } finally {
    await core.close();
  }
}

async function addUser(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      phone: { type: 'string' },
      email: { type: 'string' },
      username: { type: 'string' },
      nickname: { type: 'string' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean' },
      department: { type: 'string' },
      position: { type: 'string' },
    },
    strict: true,
  });
  const password = values['password-stdin'] ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : values.password;
  if (!password) {
    console.error('a password is required: --password <pw> or --password-stdin');
    return 2;
  }
  return withCore(async (core) => {
    const user = await core.auth.createUser({
      phone: values.phone,
      email: values.email,
      username: values.username,
      nickname: values.nickname,
      password,
      department: values.department,
      position: values.position,
    });
    const { department } = (await core.directory.profileOf([user.id])).get(user.id)!;
    console.log(
      JSON.stringify({ id: user.id, phone: user.phone, email: user.email, username: user.username, nickname: user.nickname, departmentId: user.departmentId, department, position: user.position }),
    );
    return 0;
  });
}

async function setDisabled(args: string[], disabled: boolean): Promise<number> {
  const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
  if (positionals.length !== 1) {
    console.error(`name one user: parley user ${disabled ? 'disable' : 'enable'} <id|phone|username|email>`);
    return 2;
  }
  return withCore(async (core) => {
    const { id } = await core.users.byReference(positionals[0]!);
    const { user, sessionsEnded } = disabled ? await core.auth.disable(id) : { user: await core.auth.enable(id), sessionsEnded: undefined };
    console.log(JSON.stringify({ id: user.id, phone: user.phone, email: user.email, username: user.username, disabled: user.isDisabled, sessionsEnded }));
    return 0;
  });
}

/** An unknown option, an option without its value, an unexpected argument. */
function badArguments(err: unknown): boolean {
  return (err as { code?: string } | null)?.code?.startsWith('ERR_PARSE_ARGS_') === true;
}

/** Exit status 2 for what the operator can fix (the configuration, the input), 1 for anything else. */
async function report(err: unknown): Promise<number> {
  // Imported here, not up front, so that only a failing command pays for them.
  const [{ ConfigError }, { AppError }] = await Promise.all([import('./config.ts'), import('./domain/errors.ts')]);
  if (err instanceof ConfigError) console.error(err.message);
  else if (err instanceof AppError) console.error(`error: ${err.message}`);
  else if (badArguments(err)) console.error((err as Error).message);
  else console.error(err);
  return err instanceof ConfigError || err instanceof AppError || badArguments(err) ? 2 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  async (err: unknown) => {
    process.exitCode = await report(err).catch(() => {
      console.error(err);
      return 1;
    });
  },
);
