import { sql, type Kysely, type Selectable } from 'kysely';
import type { Department, PageRequest, Placement, User } from '../../domain/types.ts';
import type { Dialect } from '../dialect.ts';
import { guardUnique } from '../errors.ts';
import type { Database, DepartmentsTable } from '../schema.ts';
import { toUser } from './users.ts';

function toDepartment(row: Selectable<DepartmentsTable>): Department {
  return { id: row.id, name: row.name, parentId: row.parent_id, createdAt: row.created_at };
}

// Any constant both sides agree on; the event log's lock is another number.
const TREE_LOCK = 0x0de9a87;

// The unique index's key: the top level is parent 0 (see migration 0008), so a lookup by this
// expression is answered by that index.
const parentKey = sql<number>`coalesce(parent_id, 0)`;

/** The organisation directory: departments, and the users placed in them. */
export class DepartmentRepo {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
  ) {}

  async byId(id: number): Promise<Department | undefined> {
    const row = await this.db.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toDepartment(row);
  }

  async all(): Promise<Department[]> {
    const rows = await this.db.selectFrom('departments').selectAll().orderBy('id').execute();
    return rows.map(toDepartment);
  }

  async find(parentId: number | null, name: string): Promise<Department | undefined> {
    const row = await this.db.selectFrom('departments').selectAll().where(parentKey, '=', parentId ?? 0).where('name', '=', name).executeTakeFirst();
    return row && toDepartment(row);
  }

  /**
   * The department of that name under that parent, inserted when missing. A concurrent insert of
   * the same one makes ours do nothing (on PostgreSQL after waiting for the other to commit), and
   * the row it committed is read back, so both callers get one department.
   */
  async ensure(parentId: number | null, name: string, at: number): Promise<Department> {
    // A row the other writer inserted and someone deleted again before we read it: try again.
    for (let attempt = 0; attempt < 3; attempt++) {
      const found = await this.find(parentId, name);
      if (found) return found;
      const row = await this.db
        .insertInto('departments')
        .values({ name, parent_id: parentId, created_at: at, updated_at: at })
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (row) return toDepartment(row);
    }
    throw new Error(`department ${JSON.stringify(name)} under ${parentId ?? 'the top'} kept vanishing while it was created`);
  }

  /** Throws UniqueConflict ('departments.name') when the parent already has one of that name. */
  async update(id: number, patch: { name?: string; parentId?: number | null }, at: number): Promise<Department | undefined> {
    const row = await guardUnique(
      this.db
        .updateTable('departments')
        .set({ updated_at: at, ...(patch.name !== undefined && { name: patch.name }), ...(patch.parentId !== undefined && { parent_id: patch.parentId }) })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst(),
    );
    return row && toDepartment(row);
  }

  async remove(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('departments').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /**
   * Serialises the changes that reshape the tree within the caller's transaction, so two moves
   * checked at once cannot make a cycle together. SQLite has a single writer and needs nothing.
   */
  async lockTree(): Promise<void> {
    if (this.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${TREE_LOCK})`.execute(this.db);
  }

  /** Sub-departments and users (disabled ones too) that keep a department from being removed. */
  async contents(id: number): Promise<{ children: number; users: number }> {
    const row = await this.db
      .selectNoFrom((eb) => [
        eb.selectFrom('departments').where('parent_id', '=', id).select(eb.fn.countAll<number>().as('n')).as('children'),
        eb.selectFrom('users').where('department_id', '=', id).select(eb.fn.countAll<number>().as('n')).as('users'),
      ])
      .executeTakeFirstOrThrow();
    return { children: Number(row.children), users: Number(row.users) };
  }

  /** A department's direct members, by name then id; disabled accounts are not members. */
  async members(id: number, page: PageRequest): Promise<{ users: User[]; total: number }> {
    const base = this.db.selectFrom('users').where('department_id', '=', id).where('is_disabled', '=', 0);
    const [rows, count] = await Promise.all([
      base.selectAll().orderBy('nickname').orderBy('id').limit(page.limit).offset(page.offset).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { users: rows.map(toUser), total: Number(count.n) };
  }

  /** Every member of every department, in the order `members` lists them. */
  async allMembers(): Promise<User[]> {
    const rows = await this.db
      .selectFrom('users')
      .selectAll()
      .where('department_id', 'is not', null)
      .where('is_disabled', '=', 0)
      .orderBy('nickname')
      .orderBy('id')
      .execute();
    return rows.map(toUser);
  }

  /** Where each of the users sits; users that do not exist are left out. */
  async placements(userIds: readonly number[]): Promise<Map<number, Placement>> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('users')
      .leftJoin('departments', 'departments.id', 'users.department_id')
      .select(['users.id', 'users.department_id', 'users.position', 'departments.name'])
      .where('users.id', 'in', unique)
      .execute();
    return new Map(rows.map((r) => [r.id, { departmentId: r.department_id, department: r.name ?? '', position: r.position }]));
  }
}
