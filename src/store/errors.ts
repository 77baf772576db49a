import { UniqueConflict, type UniqueTarget } from '../domain/errors.ts';

/** The unique indexes services race on, by name (PostgreSQL reports the index as the constraint). */
const indexTargets: Record<string, UniqueTarget> = {
  users_phone_unique: 'users.phone',
  users_email_unique: 'users.email',
  users_username_unique: 'users.username',
  contacts_pair_unique: 'contacts.pair',
  departments_parent_name_unique: 'departments.name',
  conversations_pair_unique: 'conversations.pair',
  messages_client_unique: 'messages.client_id',
  scheduled_messages_client_unique: 'scheduled_messages.client_id',
};

// SQLite names the columns of an index over columns and the index only for an expression index
// ("UNIQUE constraint failed: users.phone", "... failed: index 'users_username_unique'").
const sqliteColumnTargets: Record<string, UniqueTarget> = {
  'users.phone': 'users.phone',
  'users.email': 'users.email',
  'contacts.owner_id, contacts.contact_user_id': 'contacts.pair',
  'conversations.pair_key': 'conversations.pair',
  'messages.sender_id, messages.client_id': 'messages.client_id',
  'scheduled_messages.sender_id, scheduled_messages.client_id': 'scheduled_messages.client_id',
};

const SQLITE_UNIQUE = /^UNIQUE constraint failed: (?:index '([^']+)'|(.+))$/;

/** The conflict a driver error stands for, when it is a unique violation of a known index. */
export function uniqueConflict(err: unknown): UniqueConflict | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: string; constraint?: string; message?: string };
  let target: UniqueTarget | undefined;
  if (e.code === '23505') {
    target = e.constraint === undefined ? undefined : indexTargets[e.constraint];
  } else if (e.code === 'SQLITE_CONSTRAINT_UNIQUE') {
    const m = SQLITE_UNIQUE.exec(e.message ?? '');
    target = m?.[1] !== undefined ? indexTargets[m[1]] : m?.[2] !== undefined ? sqliteColumnTargets[m[2]] : undefined;
  }
  return target && new UniqueConflict(target, { cause: err });
}

/** Whether a driver error is a foreign-key violation: a row the write names was deleted meanwhile. */
export function isForeignKeyViolation(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: string }).code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/**
 * Runs a write whose unique keys concurrent requests may race for, and reports a lost race as
 * UniqueConflict. It only translates: inside a transaction the failed statement still fails the
 * transaction (PostgreSQL aborts it, a group-commit unit rolls back to its savepoint), so the
 * caller recovers outside it, as before.
 */
export async function guardUnique<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    throw uniqueConflict(err) ?? err;
  }
}

/** Escapes LIKE wildcards so user input matches literally (used with ESCAPE '\'). */
export function likePrefix(input: string): string {
  return `${input.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A LIKE pattern matching the input anywhere, wildcards in it taken literally. */
export function likeContains(input: string): string {
  return `%${likePrefix(input)}`;
}
