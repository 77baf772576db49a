import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, configurationTable, loadConfig } from './config.ts';
import { createCore } from './core.ts';
import { AppError } from './domain/errors.ts';
import { createLogger } from './logger.ts';
import { serve } from './main.ts';
import { openDatabase } from './store/database.ts';
import { migrateToLatest } from './store/migrate.ts';

const usage = `Usage: parley <command>

Commands:
  serve                         start the server (HOST, PORT, DATABASE_URL, ... from the environment)
  migrate                       bring the database schema up to date and exit
  user add --password <pw> [--phone <p>] [--email <e>] [--username <u>] [--nickname <n>]
                                create a user (use --password-stdin to read the password from stdin)
  config                        print the configuration variables as a Markdown table
  help                          show this text

Configuration comes from environment variables, or a JSON file named by PARLEY_CONFIG.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      await serve(loadConfig());
      return -1;
    case 'migrate': {
      const config = loadConfig();
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
    case 'config':
      console.log(configurationTable());
      return 0;
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
  if (sub !== 'add') {
    console.error(`unknown user command: ${sub ?? '(none)'}\n\n${usage}`);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      phone: { type: 'string' },
      email: { type: 'string' },
      username: { type: 'string' },
      nickname: { type: 'string' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    },
    strict: true,
  });
  const password = values['password-stdin'] ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : values.password;
  if (!password) {
    console.error('a password is required: --password <pw> or --password-stdin');
    return 2;
  }
  const config = loadConfig();
  const core = await createCore(config, createLogger('warn'));
  try {
    const user = await core.auth.createUser({
      phone: values.phone,
      email: values.email,
      username: values.username,
      nickname: values.nickname,
      password,
    });
    console.log(JSON.stringify({ id: user.id, phone: user.phone, email: user.email, username: user.username, nickname: user.nickname }));
    return 0;
  } finally {
    await core.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) console.error(err.message);
    else if (err instanceof AppError) console.error(`error: ${err.message}`);
    else if ((err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') console.error((err as Error).message);
    else console.error(err);
    process.exitCode = err instanceof ConfigError || err instanceof AppError ? 2 : 1;
  },
);
