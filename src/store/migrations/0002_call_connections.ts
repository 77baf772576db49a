import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

/**
 * Which connection holds each end of a call. Answers and ICE candidates must reach the one device
 * that is in the call, not every device of the user, and whichever node handles the other party
 * must be able to find it.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('calls').addColumn('caller_connection', 'text').execute();
  await db.schema.alterTable('calls').addColumn('callee_connection', 'text').execute();
}
