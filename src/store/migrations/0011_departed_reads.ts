import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

/**
 * `departed_reads`: how far members who left or were removed had read. A message someone else
 * has read stays read for its sender (flutter's `status`, zhihang's `is_read`) after that reader
 * leaves, so the read pointer outlives the membership row. Additive: a build without it removes
 * members without recording their pointer, as before.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createTable('departed_reads')
    .addColumn('conversation_id', 'bigint', (c) => c.notNull().references('conversations.id').onDelete('cascade'))
    .addColumn('user_id', 'bigint', (c) => c.notNull())
    .addColumn('last_read_message_id', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('departed_reads_pk', ['conversation_id', 'user_id'])
    .execute();
}
