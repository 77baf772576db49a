import { AppError, UniqueConflict } from '../domain/errors.ts';
import type { Department, PageRequest, Placement, User } from '../domain/types.ts';
import { Checker, limits } from '../domain/validation.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import type { Transactor } from './transactor.ts';

/**
 * Where to put a user. `department` is a path of names from the top (`技术部/前端组`): undefined
 * leaves the user where they are, null or a blank path takes them out of any department.
 * `position` is free text, blank for none.
 */
export interface Assignment {
  department?: string | null;
  position?: string;
}

/** A department with what the directory shows under it. */
export interface DepartmentNode extends Department {
  /** 1 at the top, one more per depth. */
  level: number;
  children: DepartmentNode[];
  /** The direct members (disabled accounts left out), by name then id. */
  members: User[];
  /** The people in this department and in all its sub-departments. */
  memberCount: number;
}

// Line and paragraph separators break a listing as a control character does.
const unprintable = /[\p{Cc}\p{Zl}\p{Zp}]/u;

function clean(text: string): string {
  // Composed and decomposed forms of one name must not make two departments.
  return text.normalize('NFC').trim();
}

/** What is wrong with a department's name, if anything. */
function nameProblem(name: string): string | undefined {
  const n = [...name].length;
  if (n < limits.departmentName.minLength || n > limits.departmentName.maxLength) {
    return `department names must be ${limits.departmentName.minLength} to ${limits.departmentName.maxLength} characters`;
  }
  if (unprintable.test(name)) return 'department names must not contain control characters';
  return undefined;
}

/** What is wrong with a department path, if anything. */
function pathProblem(path: string): string | undefined {
  if (path.length > limits.departmentPath.maxLength) return `must be at most ${limits.departmentPath.maxLength} characters`;
  const names = path.split('/').map(clean);
  if (names.length > limits.departmentDepth.max) return `must name at most ${limits.departmentDepth.max} levels of departments`;
  if (names.some((n) => n === '')) return 'must be department names separated by /, none of them empty';
  return names.map(nameProblem).find((p) => p !== undefined);
}

/** The names of a department path, or a VALIDATION error naming `field`. */
export function departmentPath(path: string, field = 'department'): string[] {
  const problem = pathProblem(path);
  new Checker().check(problem === undefined, field, problem ?? '').done();
  return path.split('/').map(clean);
}

/** Adds the problems of an assignment to `checker` (for callers that check other fields at once). */
export function checkAssignment(checker: Checker, a: Assignment): Checker {
  const path = a.department == null ? '' : clean(a.department);
  const problem = path === '' ? undefined : pathProblem(path);
  checker.check(problem === undefined, 'department', problem ?? '');
  if (a.position !== undefined) {
    const position = clean(a.position);
    checker
      .length('position', position, 0, limits.position.maxLength)
      .check(!unprintable.test(position), 'position', 'must not contain control characters');
  }
  return checker;
}

/**
 * The organisation directory: departments as a tree, each name unique under its parent, and each
 * user's department and position. Departments are created by path when accounts are provisioned
 * (`place`), so accounts naming the same path share them; an operator reshapes the tree.
 */
export class DirectoryService {
  constructor(
    private readonly store: Store,
    private readonly tx: Transactor,
    private readonly clock: Clock,
  ) {}

  /** The last department of the path, creating every missing one on the way. */
  async ensurePath(path: string): Promise<Department> {
    const names = departmentPath(path);
    return this.store.transaction((tx) => this.ensureNames(tx, names));
  }

  /** An operator's `create`: the same as provisioning would do. */
  create(path: string): Promise<Department> {
    return this.ensurePath(path);
  }

  /**
   * The user fields an assignment sets, inside the caller's transaction (a registration), its
   * departments created there: a failure later in that transaction leaves none behind.
   */
  async place(tx: Store, a: Assignment): Promise<{ departmentId?: number | null; position?: string }> {
    checkAssignment(new Checker(), a).done();
    const fields: { departmentId?: number | null; position?: string } = {};
    if (a.position !== undefined) fields.position = clean(a.position);
    if (a.department !== undefined) {
      const path = a.department === null ? '' : clean(a.department);
      fields.departmentId = path === '' ? null : (await this.ensureNames(tx, departmentPath(path))).id;
    }
    return fields;
  }

  /** Puts a user in a department (or none) and/or gives them a position; their devices hear of it. */
  async assign(userId: number, a: Assignment): Promise<Placement> {
    await this.tx.run(async (tx, emit) => {
      const updated = await tx.users.update(userId, await this.place(tx, a), this.clock.now());
      if (!updated) throw new AppError('USER_NOT_FOUND', `no user ${userId}`);
      emit({ type: 'user.updated', audience: { kind: 'user', id: userId }, data: { user: updated } });
    });
    return (await this.profileOf([userId])).get(userId)!;
  }

  /** Where each user sits, in one query; unknown users are left out. */
  profileOf(userIds: readonly number[]): Promise<Map<number, Placement>> {
    return this.store.departments.placements(userIds);
  }

  /** Every department, flat, oldest first. */
  list(): Promise<Department[]> {
    return this.store.departments.all();
  }

  /** The top-level departments, each with its sub-departments and members at every depth. */
  async tree(): Promise<DepartmentNode[]> {
    const [departments, members] = await Promise.all([this.store.departments.all(), this.store.departments.allMembers()]);
    const nodes = new Map(departments.map((d) => [d.id, { ...d, level: 0, children: [] as DepartmentNode[], members: [] as User[], memberCount: 0 }]));
    // A member of a department created after the departments were read waits for the next read.
    for (const u of members) nodes.get(u.departmentId!)?.members.push(u);
    const roots: DepartmentNode[] = [];
    for (const node of nodes.values()) {
      const parent = node.parentId === null ? undefined : nodes.get(node.parentId);
      (parent ? parent.children : roots).push(node);
    }
    const measure = (node: DepartmentNode, level: number): number => {
      node.level = level;
      node.memberCount = node.members.length + node.children.reduce((sum, child) => sum + measure(child, level + 1), 0);
      return node.memberCount;
    };
    for (const root of roots) measure(root, 1);
    return roots;
  }

  /** A department's direct members, by name then id. */
  async members(departmentId: number, page: PageRequest): Promise<{ users: User[]; total: number }> {
    if (!(await this.store.departments.byId(departmentId))) throw notFound(departmentId);
    return this.store.departments.members(departmentId, page);
  }

  async rename(id: number, name: string): Promise<Department> {
    const newName = clean(name);
    const problem = newName.includes('/') ? 'must not contain /: it separates the names of a path' : nameProblem(newName);
    new Checker().check(problem === undefined, 'name', problem ?? '').done();
    return this.reshape(async (tx) => {
      const department = await tx.departments.byId(id);
      if (!department) throw notFound(id);
      await refuseClash(tx, department, department.parentId, newName);
      return { name: newName };
    }, id);
  }

  /** Puts a department (with everything under it) under another parent, or at the top (null). */
  async move(id: number, parentId: number | null): Promise<Department> {
    return this.reshape(async (tx) => {
      const all = new Map((await tx.departments.all()).map((d) => [d.id, d]));
      const department = all.get(id);
      if (!department) throw notFound(id);
      if (parentId !== null && !all.has(parentId)) throw notFound(parentId);
      const ancestry = parentId === null ? [] : lineage(all, parentId);
      if (ancestry.includes(id)) {
        throw AppError.validation([{ field: 'parentId', message: 'must not be the department itself or one of its sub-departments' }]);
      }
      const depth = ancestry.length + height(all, id);
      if (depth > limits.departmentDepth.max) {
        throw AppError.validation([{ field: 'parentId', message: `would make the directory ${depth} levels deep; at most ${limits.departmentDepth.max} are allowed` }]);
      }
      await refuseClash(tx, department, parentId, department.name);
      return { parentId };
    }, id);
  }

  /** Removes a department that has neither sub-departments nor members (disabled accounts count). */
  async remove(id: number): Promise<void> {
    await this.store.transaction(async (tx) => {
      await tx.departments.lockTree();
      const department = await tx.departments.byId(id);
      if (!department) throw notFound(id);
      const { children, users } = await tx.departments.contents(id);
      if (children > 0 || users > 0) {
        const held = [children > 0 && `${children} sub-department${children > 1 ? 's' : ''}`, users > 0 && `${users} member${users > 1 ? 's' : ''}`].filter(Boolean);
        throw new AppError('DEPARTMENT_NOT_EMPTY', `department ${id} (${department.name}) still has ${held.join(' and ')}; move or remove them first`);
      }
      await tx.departments.remove(id);
    });
  }

  private async ensureNames(tx: Store, names: readonly string[]): Promise<Department> {
    let department: Department | undefined;
    const at = this.clock.now();
    for (const name of names) department = await tx.departments.ensure(department?.id ?? null, name, at);
    return department!;
  }

  /** A change of the tree's shape, checked and applied while no other reshaping runs. */
  private async reshape(check: (tx: Store) => Promise<{ name?: string; parentId?: number | null }>, id: number): Promise<Department> {
    try {
      return await this.store.transaction(async (tx) => {
        await tx.departments.lockTree();
        const updated = await tx.departments.update(id, await check(tx), this.clock.now());
        if (!updated) throw notFound(id);
        return updated;
      });
    } catch (err) {
      // A department of that name appeared under the parent since the check (provisioning does
      // not take the lock).
      if (err instanceof UniqueConflict) throw new AppError('DEPARTMENT_EXISTS', 'a department of that name is already there', { cause: err });
      throw err;
    }
  }
}

function notFound(id: number): AppError {
  return new AppError('DEPARTMENT_NOT_FOUND', `no department ${id}`);
}

async function refuseClash(tx: Store, department: Department, parentId: number | null, name: string): Promise<void> {
  const there = await tx.departments.find(parentId, name);
  if (there && there.id !== department.id) {
    throw new AppError('DEPARTMENT_EXISTS', `${parentId === null ? 'the top level' : `department ${parentId}`} already has a department named ${JSON.stringify(name)} (${there.id})`);
  }
}

/** The department and its ancestors, from it up to the top. */
function lineage(all: ReadonlyMap<number, Department>, id: number): number[] {
  const ids: number[] = [];
  for (let d = all.get(id); d && !ids.includes(d.id); d = d.parentId === null ? undefined : all.get(d.parentId)) ids.push(d.id);
  return ids;
}

/** Levels from the department down to its deepest sub-department, itself counted. */
function height(all: ReadonlyMap<number, Department>, id: number): number {
  let deepest = 0;
  for (const d of all.values()) if (d.parentId === id) deepest = Math.max(deepest, height(all, d.id));
  return deepest + 1;
}
