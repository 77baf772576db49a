import type { Kysely, Selectable } from 'kysely';
import type { Contact, ContactWithUser, PageRequest } from '../../domain/types.ts';
import { guardUnique } from '../errors.ts';
import type { ContactsTable, Database } from '../schema.ts';
import { toUser } from './users.ts';

function toContact(row: Selectable<ContactsTable>): Contact {
  return {
    id: row.id,
    ownerId: row.owner_id,
    contactUserId: row.contact_user_id,
    nickname: row.nickname,
    isBlocked: row.is_blocked === 1,
    isMuted: row.is_muted === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type ContactPatch = Partial<{ nickname: string; isBlocked: boolean; isMuted: boolean }>;

export class ContactRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(ownerId: number, contactUserId: number): Promise<Contact | undefined> {
    const row = await this.db
      .selectFrom('contacts')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .where('contact_user_id', '=', contactUserId)
      .executeTakeFirst();
    return row && toContact(row);
  }

  async list(ownerId: number, page: PageRequest): Promise<{ items: ContactWithUser[]; total: number }> {
    const rows = await this.db
      .selectFrom('contacts')
      .innerJoin('users', 'users.id', 'contacts.contact_user_id')
      .selectAll('users')
      .select([
        'contacts.id as c_id',
        'contacts.owner_id as c_owner_id',
        'contacts.contact_user_id as c_contact_user_id',
        'contacts.nickname as c_nickname',
        'contacts.is_blocked as c_is_blocked',
        'contacts.is_muted as c_is_muted',
        'contacts.created_at as c_created_at',
        'contacts.updated_at as c_updated_at',
      ])
      .where('contacts.owner_id', '=', ownerId)
      .orderBy('contacts.id')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    const count = await this.db
      .selectFrom('contacts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('owner_id', '=', ownerId)
      .executeTakeFirstOrThrow();
    const items = rows.map((r) => ({
      ...toContact({
        id: r.c_id,
        owner_id: r.c_owner_id,
        contact_user_id: r.c_contact_user_id,
        nickname: r.c_nickname,
        is_blocked: r.c_is_blocked,
        is_muted: r.c_is_muted,
        created_at: r.c_created_at,
        updated_at: r.c_updated_at,
      }),
      user: toUser(r),
    }));
    return { items, total: Number(count.n) };
  }

  /** Throws UniqueConflict ('contacts.pair') when the owner has this contact already. */
  async insert(c: { ownerId: number; contactUserId: number; nickname: string; at: number }): Promise<Contact> {
    const row = await guardUnique(
      this.db
        .insertInto('contacts')
        .values({ owner_id: c.ownerId, contact_user_id: c.contactUserId, nickname: c.nickname, created_at: c.at, updated_at: c.at })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toContact(row);
  }

  async update(ownerId: number, contactUserId: number, patch: ContactPatch, at: number): Promise<Contact | undefined> {
    const row = await this.db
      .updateTable('contacts')
      .set({
        updated_at: at,
        ...(patch.nickname !== undefined && { nickname: patch.nickname }),
        ...(patch.isBlocked !== undefined && { is_blocked: patch.isBlocked ? 1 : 0 }),
        ...(patch.isMuted !== undefined && { is_muted: patch.isMuted ? 1 : 0 }),
      })
      .where('owner_id', '=', ownerId)
      .where('contact_user_id', '=', contactUserId)
      .returningAll()
      .executeTakeFirst();
    return row && toContact(row);
  }

  async remove(ownerId: number, contactUserId: number): Promise<boolean> {
    const r = await this.db
      .deleteFrom('contacts')
      .where('owner_id', '=', ownerId)
      .where('contact_user_id', '=', contactUserId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Which of `others` have `userId` in their contacts (the reverse direction). */
  async ownersHaving(userId: number, others: readonly number[]): Promise<Set<number>> {
    if (others.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('contacts')
      .select('owner_id')
      .where('contact_user_id', '=', userId)
      .where('owner_id', 'in', [...new Set(others)])
      .execute();
    return new Set(rows.map((r) => r.owner_id));
  }

  /** The user ids among `others` that `ownerId` has as contacts. */
  async contactsAmong(ownerId: number, others: readonly number[]): Promise<Set<number>> {
    if (others.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('contacts')
      .select('contact_user_id')
      .where('owner_id', '=', ownerId)
      .where('contact_user_id', 'in', [...new Set(others)])
      .execute();
    return new Set(rows.map((r) => r.contact_user_id));
  }

  /** True when `blockerId` has blocked `userId`. */
  async isBlocked(blockerId: number, userId: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('contacts')
      .select('is_blocked')
      .where('owner_id', '=', blockerId)
      .where('contact_user_id', '=', userId)
      .executeTakeFirst();
    return row?.is_blocked === 1;
  }

  /** Who has the user as a contact, leaving out those the user has blocked (presence watchers). */
  async watchersOf(userId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('contacts')
      .select('owner_id')
      .where('contact_user_id', '=', userId)
      .where('owner_id', 'not in', (eb) =>
        eb.selectFrom('contacts').select('contact_user_id').where('owner_id', '=', userId).where('is_blocked', '=', 1),
      )
      .execute();
    return rows.map((r) => r.owner_id);
  }
}
