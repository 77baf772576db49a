import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

/**
 * Downloads are authorised by "is there a live message carrying this file in a conversation of
 * mine"; without an index on messages.file_id that is a scan of every message.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.createIndex('messages_file').on('messages').column('file_id').execute();
}
