import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

/**
 * `users.is_admin`: a server administrator, who may use the admin API (`/api/admin/…`). Granted
 * by an operator (`parley user make-admin`) or by another administrator. Additive: a build
 * without it never reads the column, and its inserts get the default.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema.alterTable('users').addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
