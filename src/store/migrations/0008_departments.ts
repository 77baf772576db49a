import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

/**
 * The organisation directory (the `departments` table and `users.department_id`/`position` came
 * with 0001): a department's name is unique under its parent, so accounts provisioned with the
 * same path share its departments, also when they are created at the same moment. A plain unique
 * index on (parent_id, name) would let any number of equal top-level names in, NULLs being
 * distinct; the top level is parent 0 here, an id no department has.
 */
export async function up(db: Kysely<unknown>, _dialect: Dialect): Promise<void> {
  await db.schema
    .createIndex('departments_parent_name_unique')
    .unique()
    .on('departments')
    .expression(sql`(coalesce(parent_id, 0)), name`)
    .execute();
}
