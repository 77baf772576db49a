import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

/**
 * What the chat8 document needs from the core, for every profile:
 * - `users.availability`: the status as the user and their connections last set it (online on
 *   the first connection, offline after the last, or the one the user set since), beside the
 *   chosen `status` that presence shows only while connected;
 * - `files.recipient_id`: a file uploaded for one user, who may download it like its owner;
 * - `files.is_public`: a file anyone may download without a token (an avatar);
 * - an index for the pending friend requests between two users.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('users').addColumn('availability', 'text', (c) => c.notNull().defaultTo('offline')).execute();
  await db.schema.alterTable('files').addColumn('recipient_id', 'bigint').execute();
  await db.schema.alterTable('files').addColumn('is_public', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('friend_requests_pair').on('friend_requests').columns(['from_user_id', 'to_user_id', 'status']).execute();
}
