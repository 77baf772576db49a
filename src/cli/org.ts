import { InvalidArgumentError, type Command } from 'commander';
import type { DepartmentNode } from '../services/directory.ts';
import { printJson, withCore } from './with-core.ts';

/** `parley org …`: an operator's hand on the organisation directory (core.directory). */
export function registerOrg(program: Command): void {
  const org = program.command('org').description('the organisation directory: departments and who is in them');

  org
    .command('list')
    .description('print the departments as a tree: id, name, members (sub-departments included)')
    .action(async () =>
      withCore(async (core) => {
        const tree = await core.directory.tree();
        console.log(tree.length ? listing(tree).join('\n') : 'no departments');
      }),
    );

  org
    .command('create')
    .description('create the departments of a path that are missing')
    .argument('<path>', 'department names from the top separated by /, e.g. 市场部/品牌组')
    .action(async (path: string) => withCore(async (core) => printJson(await core.directory.create(path))));

  org
    .command('rename')
    .description('rename a department')
    .argument('<id>', 'department id (`parley org list` shows them)', departmentId)
    .argument('<name>', 'its new name')
    .action(async (id: number, name: string) => withCore(async (core) => printJson(await core.directory.rename(id, name))));

  org
    .command('move')
    .description('put a department (and everything under it) under another, or at the top')
    .argument('<id>', 'department id', departmentId)
    .argument('<parent>', 'id of the new parent, or `top`', (text: string) => (text === 'top' ? null : departmentId(text)))
    .action(async (id: number, parentId: number | null) => withCore(async (core) => printJson(await core.directory.move(id, parentId))));

  org
    .command('delete')
    .description('delete a department that has no sub-departments and no members')
    .argument('<id>', 'department id', departmentId)
    .action(async (id: number) =>
      withCore(async (core) => {
        await core.directory.remove(id);
        printJson({ id, deleted: true });
      }),
    );

  org
    .command('assign')
    .description('put a user in the department at a path (created as needed), or in none')
    .argument('<user>', 'the user: id, phone, username or email')
    .argument('<path>', 'department path, or `none` to take the user out of theirs')
    .option('--position <text>', 'job title')
    .action(async (user: string, path: string, options: { position?: string }) =>
      withCore(async (core) => {
        const { id } = await core.users.byReference(user);
        const placed = await core.directory.assign(id, { department: path === 'none' ? null : path, position: options.position });
        printJson({ userId: id, ...placed });
      }),
    );
}

function departmentId(text: string): number {
  if (!/^[1-9][0-9]{0,14}$/.test(text)) throw new InvalidArgumentError('a department id is a positive integer; `parley org list` shows them.');
  return Number(text);
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
