import { sql, type Kysely } from 'kysely';
import type { PageRequest, User } from '../../domain/types.ts';
import { likeContains } from '../errors.ts';
import type { Dialect } from '../dialect.ts';
import type { Database } from '../schema.ts';
import { toUser } from './users.ts';

/** A user as an administrator sees them: the account and whether it is a server administrator. */
export interface AdminUserRow {
  user: User;
  isAdmin: boolean;
}

export interface UserListFilter {
  /** Part of the nickname, username, email or phone (case-insensitive). */
  query?: string;
  disabled?: boolean;
  admin?: boolean;
}

/** A message the user sent, as deleting it needs to know it. */
export interface SentMessage {
  id: number;
  conversationId: number;
  /** Still shown to clients (not deleted for everyone, not past its self-destruct time). */
  live: boolean;
}

export interface ServerCounts {
  users: number;
  disabledUsers: number;
  admins: number;
  privateConversations: number;
  groupConversations: number;
  messages: number;
  messagesSince: number;
  liveSessions: number;
  files: number;
  fileBytes: number;
}

const n = (v: unknown): number => Number(v ?? 0);
const HOUR_MS = 3_600_000;

export interface HourlyActivity {
  /** Hours since the epoch. */
  hour: number;
  messages: number;
  signIns: number;
}

/**
 * What server administration reads and removes across aggregates: the admin flag, user listings
 * with filters, counts for server statistics, and the rows a real deletion must take with it
 * that no foreign key removes (references kept as plain ids).
 */
export class AdminRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  /**
   * Whether the user exists, holding their row until the transaction ends (PostgreSQL; SQLite
   * has a single writer already): whatever would add a message, a membership or a session for
   * them waits, then fails, instead of slipping in while their account is being deleted.
   */
  async lockUser(userId: number): Promise<boolean> {
    const q = this.db.selectFrom('users').select('id').where('id', '=', userId);
    return (await (this.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst()) !== undefined;
  }

  async isAdmin(userId: number): Promise<boolean> {
    const row = await this.db.selectFrom('users').select('is_admin').where('id', '=', userId).executeTakeFirst();
    return row?.is_admin === 1;
  }

  /** Sets the flag; false when there is no such user. */
  async setAdmin(userId: number, admin: boolean, at: number): Promise<boolean> {
    const r = await this.db.updateTable('users').set({ is_admin: admin ? 1 : 0, updated_at: at }).where('id', '=', userId).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async users(filter: UserListFilter, page: PageRequest): Promise<{ items: AdminUserRow[]; total: number }> {
    let base = this.db.selectFrom('users');
    if (filter.disabled !== undefined) base = base.where('is_disabled', '=', filter.disabled ? 1 : 0);
    if (filter.admin !== undefined) base = base.where('is_admin', '=', filter.admin ? 1 : 0);
    if (filter.query) {
      const pattern = likeContains(filter.query.toLowerCase());
      const like = (column: 'nickname' | 'username' | 'email' | 'phone') => sql<boolean>`lower(coalesce(${sql.ref(column)}, '')) like ${pattern} escape '\\'`;
      base = base.where((eb) => eb.or([like('nickname'), like('username'), like('email'), like('phone')]));
    }
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('id').limit(page.limit).offset(page.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map((r) => ({ user: toUser(r), isAdmin: r.is_admin === 1 })), total: n(count.n) };
  }

  async user(userId: number): Promise<AdminUserRow | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    return row && { user: toUser(row), isAdmin: row.is_admin === 1 };
  }

  async liveSessionCount(userId: number, now: number): Promise<number> {
    const row = await this.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return n(row.n);
  }

  async conversationCount(userId: number): Promise<number> {
    const row = await this.db.selectFrom('conversation_members').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    return n(row.n);
  }

  /** The conversation's messages not deleted for everyone. */
  async messageCount(conversationId: number): Promise<number> {
    const row = await this.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('conversation_id', '=', conversationId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return n(row.n);
  }

  async counts(since: number, now: number): Promise<ServerCounts> {
    // Each table is read once, its several figures counted in the same pass.
    const [users, byType, messages, sessions, files] = await Promise.all([
      this.db
        .selectFrom('users')
        .select((eb) => [
          eb.fn.countAll<number>().as('n'),
          sql<number>`sum(case when is_disabled = 1 then 1 else 0 end)`.as('disabled'),
          sql<number>`sum(case when is_admin = 1 then 1 else 0 end)`.as('admins'),
        ])
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('conversations')
        .select(['type', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('type')
        .execute(),
      this.db
        .selectFrom('messages')
        .select((eb) => [eb.fn.countAll<number>().as('n'), sql<number>`sum(case when created_at >= ${since} then 1 else 0 end)`.as('recent')])
        .where('deleted_at', 'is', null)
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('sessions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('files')
        .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('size').as('bytes')])
        .where('deleted_at', 'is', null)
        .executeTakeFirstOrThrow(),
    ]);
    const ofType = (t: string) => n(byType.find((r) => r.type === t)?.n);
    return {
      users: n(users.n),
      disabledUsers: n(users.disabled),
      admins: n(users.admins),
      privateConversations: ofType('private'),
      groupConversations: ofType('group'),
      messages: n(messages.n),
      messagesSince: n(messages.recent),
      liveSessions: n(sessions.n),
      files: n(files.n),
      fileBytes: n(files.bytes),
    };
  }

  /**
   * Messages sent (not deleted for everyone) and sessions started (sign-ins), per hour since
   * `from`; `hour` counts hours since the epoch. Hours without either are left out.
   */
  async hourlyActivity(from: number): Promise<HourlyActivity[]> {
    const hour = sql<number>`created_at / ${sql.lit(HOUR_MS)}`;
    const [messages, sessions] = await Promise.all([
      this.db.selectFrom('messages').select([hour.as('hour'), (eb) => eb.fn.countAll<number>().as('n')]).where('created_at', '>=', from).where('deleted_at', 'is', null).groupBy(hour).execute(),
      this.db.selectFrom('sessions').select([hour.as('hour'), (eb) => eb.fn.countAll<number>().as('n')]).where('created_at', '>=', from).groupBy(hour).execute(),
    ]);
    const hours = new Map<number, HourlyActivity>();
    const at = (h: unknown) => {
      const key = n(h);
      let entry = hours.get(key);
      if (!entry) hours.set(key, (entry = { hour: key, messages: 0, signIns: 0 }));
      return entry;
    };
    for (const r of messages) at(r.hour).messages = n(r.n);
    for (const r of sessions) at(r.hour).signIns = n(r.n);
    return [...hours.values()].sort((a, b) => a.hour - b.hour);
  }

  /** Every message the user sent, oldest first. */
  async sentBy(userId: number): Promise<SentMessage[]> {
    const rows = await this.db.selectFrom('messages').select(['id', 'conversation_id', 'deleted_at', 'expires_at']).where('sender_id', '=', userId).orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, conversationId: r.conversation_id, live: r.deleted_at === null }));
  }

  /** Removes message rows; their edits, receipts and hidden marks go with them (foreign keys). */
  async deleteMessages(ids: readonly number[]): Promise<number> {
    let deleted = 0;
    // In slices: a statement's bound parameters are limited (32,766 on SQLite).
    for (let i = 0; i < ids.length; i += 1000) {
      const r = await this.db.deleteFrom('messages').where('id', 'in', ids.slice(i, i + 1000)).executeTakeFirst();
      deleted += Number(r.numDeletedRows);
    }
    return deleted;
  }

  /** Removes a conversation; its members, messages and scheduled sends go with it (foreign keys). */
  async deleteConversation(id: number): Promise<boolean> {
    const r = await this.db.deleteFrom('conversations').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** The users who have this user among their contacts. */
  async contactOwnersOf(userId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('contacts').select('owner_id').where('contact_user_id', '=', userId).where('owner_id', '!=', userId).execute();
    return rows.map((r) => r.owner_id);
  }

  /** The storage keys of the user's uploads (originals and thumbnails). */
  async storageKeysOf(userId: number): Promise<string[]> {
    const rows = await this.db.selectFrom('files').select(['storage_key', 'thumbnail_key']).where('owner_id', '=', userId).execute();
    return rows.flatMap((r) => (r.thumbnail_key ? [r.storage_key, r.thumbnail_key] : [r.storage_key]));
  }

  /**
   * Removes the user row. Foreign keys remove their sessions (and refresh tokens), identities,
   * keys, contacts both ways, friend requests, memberships, scheduled sends, calls and uploads;
   * the plain-id references no key covers are cleared first, so nothing names a user who is gone.
   */
  async deleteUser(userId: number): Promise<boolean> {
    await this.db.updateTable('messages').set({ pinned_by: null }).where('pinned_by', '=', userId).execute();
    await this.db.updateTable('messages').set({ deleted_by: null }).where('deleted_by', '=', userId).execute();
    await this.db.updateTable('files').set({ recipient_id: null }).where('recipient_id', '=', userId).execute();
    const r = await this.db.deleteFrom('users').where('id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
