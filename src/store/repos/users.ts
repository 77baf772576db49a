import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import { userSummary, type PageRequest, type Theme, type User, type UserStatus, type UserSummary } from '../../domain/types.ts';
import { guardUnique, likePrefix } from '../errors.ts';
import { precompiled } from '../precompiled.ts';
import type { Database, UsersTable } from '../schema.ts';

export type UserRow = Selectable<UsersTable>;

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    phone: row.phone,
    email: row.email,
    username: row.username,
    nickname: row.nickname,
    bio: row.bio,
    avatar: row.avatar,
    status: row.status as UserStatus,
    statusMessage: row.status_message,
    language: row.language,
    theme: row.theme as Theme,
    position: row.position,
    departmentId: row.department_id,
    permissions: JSON.parse(row.permissions) as string[],
    isDisabled: row.is_disabled === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastSeenAt: row.last_seen_at,
    lastConnectedAt: row.last_connected_at,
    lastLoginAt: row.last_login_at,
    availability: row.availability as UserStatus,
  };
}

export interface NewUser {
  phone?: string | null;
  email?: string | null;
  username?: string | null;
  nickname?: string;
  passwordHash: string | null;
  permissions?: string[];
  position?: string;
  departmentId?: number | null;
  at: number;
}

/** The user fields a repository update may change, plus the password hash. */
export type UserPatch = Partial<
  Pick<
    User,
    | 'phone'
    | 'email'
    | 'username'
    | 'nickname'
    | 'bio'
    | 'avatar'
    | 'status'
    | 'statusMessage'
    | 'language'
    | 'theme'
    | 'position'
    | 'departmentId'
    | 'permissions'
    | 'isDisabled'
    | 'availability'
  > & { passwordHash: string }
>;

export interface Credentials {
  user: User;
  passwordHash: string | null;
}

/** What presence shows of a user: who, their chosen status and when they were last seen. */
export interface Seen {
  user: UserSummary;
  status: UserStatus;
  statusMessage: string;
  lastSeenAt: number | null;
  availability: UserStatus;
}

export type LoginIdentifier = { phone: string } | { email: string } | { username: string };

const summaryColumns = ['id', 'username', 'nickname', 'avatar'] as const;
// A message's sender: once per send (see precompiled).
const summaryOf = precompiled((db, v: { id: number }) => db.selectFrom('users').select(summaryColumns).where('id', '=', v.id));

export class UserRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async byId(id: number): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async byIds(ids: readonly number[]): Promise<Map<number, User>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.db.selectFrom('users').selectAll().where('id', 'in', unique).execute();
    return new Map(rows.map((r) => [r.id, toUser(r)]));
  }

  /** The few fields shown beside messages and members, for many users in one query. */
  async summaries(ids: readonly number[]): Promise<Map<number, UserSummary>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows =
      unique.length === 1
        ? await summaryOf(this.db, { id: unique[0]! })
        : await this.db.selectFrom('users').select(summaryColumns).where('id', 'in', unique).execute();
    return new Map(rows.map((r) => [r.id, userSummary(r)]));
  }

  async byPhone(phone: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('phone', '=', phone).executeTakeFirst();
    return row && toUser(row);
  }

  async credentials(by: LoginIdentifier): Promise<Credentials | undefined> {
    let q = this.db.selectFrom('users').selectAll();
    if ('phone' in by) q = q.where('phone', '=', by.phone);
    else if ('email' in by) q = q.where('email', '=', by.email.toLowerCase());
    else q = q.where(sql`lower(username)`, '=', by.username.toLowerCase());
    const row = await q.executeTakeFirst();
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  async credentialsById(id: number): Promise<Credentials | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  /** Which of the given unique fields already belong to another user (one query). */
  async taken(fields: { phone?: string | null; email?: string | null; username?: string | null }, exceptId?: number) {
    const phone = fields.phone ?? null;
    const email = fields.email ? fields.email.toLowerCase() : null;
    const username = fields.username ? fields.username.toLowerCase() : null;
    const result = { phone: false, email: false, username: false };
    if (!phone && !email && !username) return result;
    let q = this.db
      .selectFrom('users')
      .select(['phone', 'email', 'username'])
      .where((eb) => {
        const any = [];
        if (phone) any.push(eb('phone', '=', phone));
        if (email) any.push(eb('email', '=', email));
        if (username) any.push(eb(sql`lower(username)`, '=', username));
        return eb.or(any);
      });
    if (exceptId !== undefined) q = q.where('id', '!=', exceptId);
    for (const row of await q.execute()) {
      if (phone && row.phone === phone) result.phone = true;
      if (email && row.email === email) result.email = true;
      if (username && row.username?.toLowerCase() === username) result.username = true;
    }
    return result;
  }

  /** Throws UniqueConflict when the phone, email or username is taken. */
  async insert(u: NewUser): Promise<User> {
    const row = await guardUnique(
      this.db
        .insertInto('users')
        .values({
          phone: u.phone ?? null,
          email: u.email ? u.email.toLowerCase() : null,
          username: u.username ?? null,
          nickname: u.nickname ?? '',
          password_hash: u.passwordHash,
          permissions: JSON.stringify(u.permissions ?? []),
          position: u.position ?? '',
          department_id: u.departmentId ?? null,
          created_at: u.at,
          updated_at: u.at,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toUser(row);
  }

  /** Throws UniqueConflict when a new phone, email or username is taken. */
  async update(id: number, patch: UserPatch, at: number): Promise<User | undefined> {
    const values: Updateable<UsersTable> = { updated_at: at };
    if (patch.phone !== undefined) values.phone = patch.phone;
    if (patch.email !== undefined) values.email = patch.email === null ? null : patch.email.toLowerCase();
    if (patch.username !== undefined) values.username = patch.username;
    if (patch.nickname !== undefined) values.nickname = patch.nickname;
    if (patch.bio !== undefined) values.bio = patch.bio;
    if (patch.avatar !== undefined) values.avatar = patch.avatar;
    // A status the user chooses is also what the user is now, connected or not.
    if (patch.status !== undefined) values.status = values.availability = patch.status;
    if (patch.availability !== undefined) values.availability = patch.availability;
    if (patch.statusMessage !== undefined) values.status_message = patch.statusMessage;
    if (patch.language !== undefined) values.language = patch.language;
    if (patch.theme !== undefined) values.theme = patch.theme;
    if (patch.position !== undefined) values.position = patch.position;
    if (patch.departmentId !== undefined) values.department_id = patch.departmentId;
    if (patch.permissions !== undefined) values.permissions = JSON.stringify(patch.permissions);
    if (patch.isDisabled !== undefined) values.is_disabled = patch.isDisabled ? 1 : 0;
    if (patch.passwordHash !== undefined) values.password_hash = patch.passwordHash;
    const row = await guardUnique(this.db.updateTable('users').set(values).where('id', '=', id).returningAll().executeTakeFirst());
    return row && toUser(row);
  }

  async recordLogin(id: number, at: number): Promise<void> {
    await this.db.updateTable('users').set({ last_login_at: at, last_seen_at: at }).where('id', '=', id).execute();
  }

  /**
   * Records the user as seen now, unless they appear offline (then their last-seen time must not
   * move), and returns what presence shows of them, in one statement.
   */
  /**
   * `came`: the user's first connection opened (their availability becomes online, unless they
   * appear offline) or their last closed (offline); undefined changes no availability.
   */
  async markSeen(id: number, at: number, came?: boolean): Promise<Seen | undefined> {
    const row = await this.db
      .updateTable('users')
      .set({
        last_seen_at: sql<number | null>`case when status = 'offline' then last_seen_at else ${at} end`,
        ...(came !== undefined && {
          availability: came ? sql<string>`case when status = 'offline' then 'offline' else 'online' end` : 'offline',
          last_connected_at: sql<number | null>`case when status = 'offline' then last_connected_at else ${at} end`,
        }),
      })
      .where('id', '=', id)
      .returning([...summaryColumns, 'status', 'status_message', 'last_seen_at', 'availability'])
      .executeTakeFirst();
    return (
      row && {
        user: userSummary(row),
        status: row.status as UserStatus,
        statusMessage: row.status_message,
        lastSeenAt: row.last_seen_at,
        availability: row.availability as UserStatus,
      }
    );
  }

  /** Username or nickname prefix (case-insensitive), or the exact phone number. */
  async search(query: string, viewerId: number, page: PageRequest, byEmail = false, nameOnly = false): Promise<{ items: User[]; total: number }> {
    const q = query.toLowerCase();
    const pattern = likePrefix(q);
    const base = this.db
      .selectFrom('users')
      .where('is_disabled', '=', 0)
      .where('id', '!=', viewerId)
      .where((eb) =>
        eb.or([
          ...(nameOnly ? [] : [eb(sql`lower(username)`, 'like', sql`${pattern} escape '\\'`)]),
          eb(sql`lower(nickname)`, 'like', sql`${pattern} escape '\\'`),
          ...(nameOnly ? [] : [eb('phone', '=', query)]),
          ...(byEmail ? [eb('email', '=', q)] : []),
        ]),
      );
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('id').limit(page.limit).offset(page.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toUser), total: Number(count.n) };
  }
}
