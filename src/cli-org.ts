import { parseArgs } from 'node:util';
import type { Core } from './core.ts';
import type { DepartmentNode } from './services/directory.ts';

/** `parley org …`: an operator's hand on the organisation directory (core.directory). */

type WithCore = <T>(run: (core: Core) => Promise<T>) => Promise<T>;

class UsageError extends Error {}

export async function orgCommand(args: string[], withCore: WithCore, usage: string): Promise<number> {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case 'list':
        positionals(rest, 0, 'parley org list');
        return await withCore(async (core) => {
          const tree = await core.directory.tree();
          console.log(tree.length ? listing(tree).join('\n') : 'no departments');
          return 0;
        });
      case 'create': {
        const [path] = positionals(rest, 1, 'parley org create <path>');
        return await withCore(async (core) => print(await core.directory.create(path!)));
      }
      case 'rename': {
        const [id, name] = positionals(rest, 2, 'parley org rename <id> <name>');
        return await withCore(async (core) => print(await core.directory.rename(departmentId(id!), name!)));
      }
      case 'move': {
        const [id, parent] = positionals(rest, 2, 'parley org move <id> <parent id|top>');
        const parentId = parent === 'top' ? null : departmentId(parent!);
        return await withCore(async (core) => print(await core.directory.move(departmentId(id!), parentId)));
      }
      case 'delete': {
        const [id] = positionals(rest, 1, 'parley org delete <id>');
        return await withCore(async (core) => {
          await core.directory.remove(departmentId(id!));
          return print({ id: Number(id), deleted: true });
        });
      }
      case 'assign':
        return await assign(rest, withCore);
      default:
        console.error(`unknown org command: ${sub ?? '(none)'}\n\n${usage}`);
        return 2;
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.message);
    return 2;
  }
}

async function assign(args: string[], withCore: WithCore): Promise<number> {
  const { values, positionals: given } = parseArgs({ args, options: { position: { type: 'string' } }, allowPositionals: true, strict: true });
  const [user, path] = exactly(given, 2, 'parley org assign <id|phone|username|email> <path|none> [--position <text>]');
  return withCore(async (core) => {
    const { id } = await core.users.byReference(user!);
    const placed = await core.directory.assign(id, { department: path === 'none' ? null : path, position: values.position });
    return print({ userId: id, ...placed });
  });
}

function positionals(args: string[], count: number, form: string): string[] {
  return exactly(parseArgs({ args, options: {}, allowPositionals: true, strict: true }).positionals, count, form);
}

function exactly(given: string[], count: number, form: string): string[] {
  if (given.length !== count) throw new UsageError(`usage: ${form}`);
  return given;
}

function departmentId(text: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(text)) throw new UsageError(`a department id is a positive integer (got ${JSON.stringify(text)}); \`parley org list\` shows them`);
  return Number(text);
}

function print(value: unknown): number {
  console.log(JSON.stringify(value));
  return 0;
}

/** One line per department, its id first, its name indented by its depth. */
function listing(nodes: readonly DepartmentNode[], width = idWidth(nodes)): string[] {
  return nodes.flatMap((n) => [
    `${String(n.id).padStart(width)}  ${'  '.repeat(n.level - 1)}${n.name}  (${n.memberCount} member${n.memberCount === 1 ? '' : 's'})`,
    ...listing(n.children, width),
  ]);
}

function idWidth(nodes: readonly DepartmentNode[]): number {
  return Math.max(0, ...nodes.map((n) => Math.max(String(n.id).length, idWidth(n.children))));
}
