import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

/**
 * Most messages neither self-destruct nor carry a file, yet every insert paid for an entry in the
 * expiry and file indexes. Partial indexes hold only the messages that have them; the queries that
 * use them (`expires_at <= ?`, `file_id = ?`, `expires_at is not null`) imply the condition, so
 * both SQLite and PostgreSQL still choose them.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.dropIndex('messages_expiry').execute();
  await db.schema.createIndex('messages_expiry').on('messages').column('expires_at').where(sql.ref('expires_at'), 'is not', null).execute();
  await db.schema.dropIndex('messages_file').execute();
  await db.schema.createIndex('messages_file').on('messages').column('file_id').where(sql.ref('file_id'), 'is not', null).execute();
}
