import type { Command } from 'commander';
import { registerUserAdministration } from './moderation.ts';
import { printJson, withCore } from './with-core.ts';

interface AddOptions {
  phone?: string;
  email?: string;
  username?: string;
  nickname?: string;
  password?: string;
  passwordStdin?: boolean;
  department?: string;
  position?: string;
}

const userReference = '<user>';
const userReferenceHelp = 'the user: id, phone, username or email';

/** `parley user …`: accounts, as the operator sees them. */
export function registerUser(program: Command): void {
  const user = program.command('user').description('accounts: create, list, show, disable, reset passwords, end sessions, grant the admin role, delete');

  user
    .command('add')
    .description('create a user, optionally in the department at a path (names from the top separated by /, e.g. 技术部/前端组; missing ones are created) with a job title')
    .option('--phone <phone>', 'phone number')
    .option('--email <email>', 'email address')
    .option('--username <name>', 'user name')
    .option('--nickname <name>', 'display name')
    .option('--password <pw>', 'password (visible to other local users in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from the first line of stdin')
    .option('--department <path>', 'department path, e.g. 技术部/前端组')
    .option('--position <text>', 'job title')
    .action(async (options: AddOptions, command: Command) => {
      const { readFileSync } = await import('node:fs');
      const password = options.passwordStdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : options.password;
      if (!password) command.error('a password is required: --password <pw> or --password-stdin', { exitCode: 2 });
      await withCore(async (core) => {
        const created = await core.auth.createUser({
          phone: options.phone,
          email: options.email,
          username: options.username,
          nickname: options.nickname,
          password,
          department: options.department,
          position: options.position,
        });
        const { department } = (await core.directory.profileOf([created.id])).get(created.id)!;
        const { id, phone, email, username, nickname, departmentId, position } = created;
        printJson({ id, phone, email, username, nickname, departmentId, department, position });
      });
    });

  user
    .command('disable')
    .description('disable a user: no more logins, every session ended, every socket closed at once (on all nodes sharing REDIS_URL or the database)')
    .argument(userReference, userReferenceHelp)
    .action(async (reference: string) => setDisabled(reference, true));

  user
    .command('enable')
    .description('let a disabled user log in again (the sessions disabling ended stay ended)')
    .argument(userReference, userReferenceHelp)
    .action(async (reference: string) => setDisabled(reference, false));

  registerUserAdministration(user);
}

async function setDisabled(reference: string, disabled: boolean): Promise<void> {
  await withCore(async (core) => {
    const { id } = await core.users.byReference(reference);
    const { user, sessionsEnded } = disabled ? await core.auth.disable(id) : { user: await core.auth.enable(id), sessionsEnded: undefined };
    printJson({ id: user.id, phone: user.phone, email: user.email, username: user.username, disabled: user.isDisabled, sessionsEnded });
  });
}
