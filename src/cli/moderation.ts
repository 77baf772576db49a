import { InvalidArgumentError, type Command } from 'commander';
import type { Core } from '../core.ts';
import type { AdminUser } from '../services/admin.ts';
import { printJson, withCore } from './with-core.ts';

/**
 * Administration and moderation from the command line (core.admin): the operator is trusted with
 * everything, so nothing here asks who acts; events name nobody as `by`. A deletion is permanent
 * and asks for `--yes` rather than a prompt, so scripts can run it and a stray command cannot.
 */

const userReference = '<user>';
const userReferenceHelp = 'the user: id, phone, username or email';
const yesHelp = 'confirm: the deletion is permanent';

interface ListOptions {
  query?: string;
  disabled?: boolean;
  enabled?: boolean;
  admins?: boolean;
  limit: number;
  offset: number;
}

/** `parley user list|show|reset-password|revoke-sessions|make-admin|delete`, beside add, disable and enable. */
export function registerUserAdministration(user: Command): void {
  user
    .command('list')
    .description('list users, one JSON line each, by id; a note on stderr says when more remain')
    .option('-q, --query <text>', 'part of the nickname, username, email or phone')
    .option('--disabled', 'only disabled users')
    .option('--enabled', 'only users not disabled')
    .option('--admins', 'only server administrators')
    .option('--limit <n>', 'at most this many (1 to 1000)', count(1, 1000), 100)
    .option('--offset <n>', 'skip this many', count(0, 1e9), 0)
    .action(async (options: ListOptions, command: Command) => {
      if (options.disabled && options.enabled) command.error('error: --disabled and --enabled exclude each other', { exitCode: 2 });
      await withCore(async (core) => {
        const disabled = options.disabled ? true : options.enabled ? false : undefined;
        const page = await core.admin.listUsers({ query: options.query, disabled, admin: options.admins ? true : undefined }, { limit: options.limit, offset: options.offset });
        for (const u of page.items) printJson(userLine(u));
        const shown = options.offset + page.items.length;
        if (shown < page.total) console.error(`${page.items.length} of ${page.total} users shown; --offset ${shown} for the next ones`);
      });
    });

  user
    .command('show')
    .description('show a user: profile, admin flag, disabled, created, last login and seen, live sessions, conversations')
    .argument(userReference, userReferenceHelp)
    .action(async (reference: string) =>
      withUser(reference, async (core, id) => {
        const d = await core.admin.showUser(id);
        printJson({ ...userLine(d), liveSessions: d.liveSessions, conversations: d.conversations });
      }),
    );

  user
    .command('reset-password')
    .description('set a new password (from stdin) or generate one, printed once; every session of the user ends and their sockets close')
    .argument(userReference, userReferenceHelp)
    .option('--password-stdin', 'read the new password from the first line of stdin instead of generating one')
    .action(async (reference: string, options: { passwordStdin?: boolean }) => {
      const { readFileSync } = await import('node:fs');
      const chosen = options.passwordStdin ? readFileSync(0, 'utf8').replace(/\r?\n$/, '') : undefined;
      await withUser(reference, async (core, id) => {
        const { password, sessionsEnded } = await core.admin.resetPassword(id, chosen);
        printJson({ id, ...(password !== null && { password }), sessionsEnded });
      });
    });

  user
    .command('revoke-sessions')
    .description('end every session of a user and close their sockets on every node; they may log in again')
    .argument(userReference, userReferenceHelp)
    .action(async (reference: string) => withUser(reference, async (core, id) => printJson({ id, ...(await core.admin.revokeSessions(id)) })));

  user
    .command('make-admin')
    .description('make a user a server administrator, who may use the admin API (/api/admin/…); --revoke takes the role back')
    .argument(userReference, userReferenceHelp)
    .option('--revoke', 'take the administrator role away instead')
    .action(async (reference: string, options: { revoke?: boolean }) =>
      withUser(reference, async (core, id) => {
        const { isAdmin } = await core.admin.setAdmin(null, id, !options.revoke);
        printJson({ id, admin: isAdmin });
      }),
    );

  user
    .command('delete')
    .description('delete a user for real: private chats, sent messages, group places, contacts, sessions and uploads (README: what is kept)')
    .argument(userReference, userReferenceHelp)
    .option('--yes', yesHelp)
    .action(async (reference: string, options: { yes?: boolean }, command: Command) => {
      confirmed(options, command, `user ${reference}`);
      await withUser(reference, async (core, id) => printJson(await core.admin.deleteUser(null, id)));
    });
}

/** `parley message delete`. */
export function registerMessage(program: Command): void {
  const message = program.command('message').description('moderate messages');
  message
    .command('delete')
    .description("delete any message for real; its conversation's members are told")
    .argument('<id>', 'message id', positiveId('message'))
    .option('--yes', yesHelp)
    .action(async (id: number, options: { yes?: boolean }, command: Command) => {
      confirmed(options, command, `message ${id}`);
      await withCore(async (core) => {
        await core.admin.deleteMessage(null, id);
        printJson({ id, deleted: true });
      });
    });
}

/** `parley conversation show|delete`. */
export function registerConversation(program: Command): void {
  const conversation = program.command('conversation').description('inspect and delete conversations');
  conversation
    .command('show')
    .description('show a conversation: members with their roles, message count, last activity')
    .argument('<id>', 'conversation id', positiveId('conversation'))
    .action(async (id: number) =>
      withCore(async (core) => {
        const { conversation: c, members, messageCount } = await core.admin.showConversation(id);
        printJson({
          id: c.id,
          type: c.type,
          name: c.name,
          ownerId: c.ownerId,
          createdAt: iso(c.createdAt),
          lastActivityAt: iso(c.lastActivityAt),
          messageCount,
          members: members.map(({ member: m, user }) => ({ id: m.userId, username: user?.username ?? null, nickname: user?.nickname ?? null, role: m.role, joinedAt: iso(m.joinedAt) })),
        });
      }),
    );
  conversation
    .command('delete')
    .description('delete a conversation with its messages; every member is told')
    .argument('<id>', 'conversation id', positiveId('conversation'))
    .option('--yes', yesHelp)
    .action(async (id: number, options: { yes?: boolean }, command: Command) => {
      confirmed(options, command, `conversation ${id}`);
      await withCore(async (core) => printJson({ id, ...(await core.admin.deleteConversation(null, id)) }));
    });
}

function withUser(reference: string, run: (core: Core, id: number) => Promise<void>): Promise<void> {
  return withCore(async (core) => run(core, (await core.users.byReference(reference)).id));
}

function confirmed(options: { yes?: boolean }, command: Command, what: string): void {
  if (!options.yes) command.error(`error: deleting ${what} is permanent; add --yes to do it`, { exitCode: 2 });
}

const iso = (at: number | null) => (at === null ? null : new Date(at).toISOString());

function userLine({ user, isAdmin }: AdminUser) {
  const { id, phone, email, username, nickname, isDisabled, createdAt, lastLoginAt, lastSeenAt } = user;
  return { id, phone, email, username, nickname, admin: isAdmin, disabled: isDisabled, createdAt: iso(createdAt), lastLoginAt: iso(lastLoginAt), lastSeenAt: iso(lastSeenAt) };
}

function positiveId(what: string): (text: string) => number {
  return (text) => {
    if (!/^[1-9][0-9]{0,14}$/.test(text)) throw new InvalidArgumentError(`a ${what} id is a positive integer.`);
    return Number(text);
  };
}

function count(min: number, max: number): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!/^[0-9]+$/.test(text) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}.`);
    return n;
  };
}
