import type { Kysely, Selectable } from 'kysely';
import type { FriendRequest, FriendRequestStatus, User } from '../../domain/types.ts';
import type { Database, FriendRequestsTable } from '../schema.ts';
import { toUser } from './users.ts';

function toRequest(row: Selectable<FriendRequestsTable>): FriendRequest {
  return {
    id: row.id,
    fromUserId: row.from_user_id,
    toUserId: row.to_user_id,
    message: row.message,
    status: row.status as FriendRequestStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Friend requests, and friendships: two users who have each other as contacts. */
export class FriendRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(r: { fromUserId: number; toUserId: number; message: string; at: number }): Promise<FriendRequest> {
    const row = await this.db
      .insertInto('friend_requests')
      .values({ from_user_id: r.fromUserId, to_user_id: r.toUserId, message: r.message, status: 'pending', created_at: r.at, updated_at: r.at })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRequest(row);
  }

  async byId(id: number): Promise<FriendRequest | undefined> {
    const row = await this.db.selectFrom('friend_requests').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRequest(row);
  }

  /** A pending request between the two users, in either direction. */
  async pendingBetween(a: number, b: number): Promise<FriendRequest | undefined> {
    const row = await this.db
      .selectFrom('friend_requests')
      .selectAll()
      .where('status', '=', 'pending')
      .where((eb) =>
        eb.or([eb.and([eb('from_user_id', '=', a), eb('to_user_id', '=', b)]), eb.and([eb('from_user_id', '=', b), eb('to_user_id', '=', a)])]),
      )
      .executeTakeFirst();
    return row && toRequest(row);
  }

  /** The pending requests the user received, oldest first, with their senders. */
  async received(userId: number): Promise<{ request: FriendRequest; from: User }[]> {
    const rows = await this.db
      .selectFrom('friend_requests as r')
      .innerJoin('users as u', 'u.id', 'r.from_user_id')
      .selectAll('u')
      .select(['r.id as r_id', 'r.from_user_id', 'r.to_user_id', 'r.message', 'r.status as r_status', 'r.created_at as r_created_at', 'r.updated_at as r_updated_at'])
      .where('r.to_user_id', '=', userId)
      .where('r.status', '=', 'pending')
      .orderBy('r.id')
      .execute();
    return rows.map((r) => ({
      request: toRequest({
        id: r.r_id,
        from_user_id: r.from_user_id,
        to_user_id: r.to_user_id,
        message: r.message,
        status: r.r_status,
        created_at: r.r_created_at,
        updated_at: r.r_updated_at,
      }),
      from: toUser(r),
    }));
  }

  /** Settles a pending request; undefined when it is not pending (any more). */
  async settle(id: number, status: 'accepted' | 'rejected', at: number): Promise<FriendRequest | undefined> {
    const row = await this.db
      .updateTable('friend_requests')
      .set({ status, updated_at: at })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .returningAll()
      .executeTakeFirst();
    return row && toRequest(row);
  }

  /** The user's friends: those they have as contacts who have them as contacts too, by id. */
  async friendsOf(userId: number): Promise<User[]> {
    const rows = await this.db
      .selectFrom('contacts as mine')
      .innerJoin('contacts as theirs', (j) => j.onRef('theirs.owner_id', '=', 'mine.contact_user_id').on('theirs.contact_user_id', '=', userId))
      .innerJoin('users as u', 'u.id', 'mine.contact_user_id')
      .selectAll('u')
      .where('mine.owner_id', '=', userId)
      .orderBy('u.id')
      .execute();
    return rows.map(toUser);
  }
}
