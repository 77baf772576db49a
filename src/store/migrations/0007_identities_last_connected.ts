import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';
import { withSerialKey } from './helpers.ts';

/**
 * - `user_identities`: accounts of OAuth providers (google, github) linked to users: a user
 *   signing in through a provider is found by the provider's subject once linked, whatever their
 *   email becomes there;
 * - `users.last_connected_at`: when the user last had a socket open (logins do not count, unlike
 *   `last_seen_at`); null for a user who never connected.
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema.alterTable('users').addColumn('last_connected_at', 'bigint').execute();
  await withSerialKey(db.schema.createTable('user_identities'), dialect)
    .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('user_identities_subject').unique().on('user_identities').columns(['provider', 'subject']).execute();
  await db.schema.createIndex('user_identities_user').on('user_identities').column('user_id').execute();
}
