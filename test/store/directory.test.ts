import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { AppError } from '../../src/domain/errors.ts';
import type { DepartmentNode } from '../../src/services/directory.ts';
import { describeEachCore } from '../support/core.ts';
import { uniquePhone } from '../support/users.ts';

const code = (expected: string, field?: string) => (err: unknown) =>
  err instanceof AppError && err.code === expected && (field === undefined || (err.details as { field: string }[]).some((d) => d.field === field));

/** A top-level name no other test uses (the tests of one store kind share a database). */
const fresh = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

describeEachCore('directory', (t) => {
  const count = async (name: string) => (await t().core.store.db.selectFrom('departments').select('id').where('name', '=', name).execute()).length;
  const find = (nodes: DepartmentNode[], id: number): DepartmentNode | undefined => {
    for (const n of nodes) {
      const hit = n.id === id ? n : find(n.children, id);
      if (hit) return hit;
    }
    return undefined;
  };
  const member = (fields: { nickname?: string; department?: string; position?: string } = {}) =>
    t().core.auth.createUser({ phone: uniquePhone(), password: 'password123', ...fields });

  it('ensurePath: creates what is missing, trims names and shares each department with every path through it', async () => {
    const { directory } = t().core;
    const top = fresh('技术部');
    const front = await directory.ensurePath(`${top}/前端组`);
    assert.equal(front.name, '前端组');
    const parent = await directory.ensurePath(`  ${top} `);
    assert.equal(front.parentId, parent.id);
    assert.equal(parent.parentId, null);
    assert.deepEqual(await directory.ensurePath(` ${top} /  前端组 `), front);
    const back = await directory.ensurePath(`${top}/后端组`);
    assert.equal(back.parentId, parent.id);
    // The same name elsewhere in the tree is another department.
    const nested = await directory.ensurePath(`${top}/后端组/${top}`);
    assert.notEqual(nested.id, parent.id);
    assert.equal(await count(top), 2);
    // One name in composed and decomposed form is one department.
    assert.equal((await directory.ensurePath(`${top}/Caf\u00e9`)).id, (await directory.ensurePath(`${top}/Cafe\u0301`)).id);
  });

  it('ensurePath: refuses empty names, long names, deep paths and control characters, creating nothing', async () => {
    const { directory } = t().core;
    const top = fresh('bad');
    const deep = Array.from({ length: 11 }, (_, i) => `${top}${i}`).join('/');
    for (const path of ['', '  ', `${top}//x`, `/${top}`, `${top}/`, `${top}/${'名'.repeat(65)}`, deep, `${top}/a\u0007b`, `${top}/a\nb`, 'x'.repeat(1001)]) {
      await assert.rejects(directory.ensurePath(path), code('VALIDATION', 'department'), JSON.stringify(path));
    }
    assert.equal(await count(top), 0);
    assert.equal(await count(`${top}0`), 0);
    // 64 characters (one of them a pair) and ten levels are fine.
    const ten = Array.from({ length: 10 }, (_, i) => `${top}${i}`).join('/');
    assert.equal((await directory.ensurePath(ten)).name, `${top}9`);
    assert.equal((await directory.ensurePath(`${top}/😀${'名'.repeat(63)}`)).name.length, 65);
  });

  it('concurrent creation of one new path makes each department once, shared by every caller', async () => {
    const { core } = t();
    const top = fresh('并发');
    const path = `${top}/一组/甲`;
    const made = await Promise.all(Array.from({ length: 8 }, () => core.directory.ensurePath(path)));
    assert.equal(new Set(made.map((d) => d.id)).size, 1);
    assert.equal(await count(top), 1);
    const all = await core.directory.list();
    assert.equal(all.filter((d) => d.parentId === made[0]!.parentId).length, 1);
    assert.equal(all.filter((d) => d.id === made[0]!.parentId && d.name === '一组').length, 1);

    // Registrations naming another new path at the same moment share its departments.
    const other = `${top}/二组`;
    const users = await Promise.all(Array.from({ length: 6 }, () => member({ department: other, position: '工程师' })));
    assert.equal(new Set(users.map((u) => u.departmentId)).size, 1);
    assert.equal(users[0]!.departmentId, (await core.directory.ensurePath(other)).id);
    assert.equal(await count(top), 1);
    assert.ok(users.every((u) => u.position === '工程师'));
  });

  it('tree: levels, parents, direct members by name and member counts that include sub-departments', async () => {
    const { core } = t();
    const top = fresh('总部');
    const a = await member({ nickname: 'Ann', department: `${top}/研发/前端`, position: '组长' });
    const b = await member({ nickname: 'Bob', department: `${top}/研发` });
    const c = await member({ nickname: 'Cy', department: `${top}/研发` });
    const boss = await member({ nickname: 'Dee', department: top, position: '总经理' });
    const gone = await member({ nickname: 'Eve', department: `${top}/行政` });
    await core.auth.disable(gone.id);

    const root = (await core.directory.tree()).find((n) => n.name === top);
    assert.ok(root);
    const shape = (n: DepartmentNode): unknown => ({
      name: n.name,
      level: n.level,
      members: n.members.map((u) => u.id),
      memberCount: n.memberCount,
      children: n.children.map(shape),
    });
    assert.deepEqual(shape(root), {
      name: top,
      level: 1,
      members: [boss.id],
      memberCount: 4,
      children: [
        { name: '研发', level: 2, members: [b.id, c.id], memberCount: 3, children: [{ name: '前端', level: 3, members: [a.id], memberCount: 1, children: [] }] },
        { name: '行政', level: 2, members: [], memberCount: 0, children: [] },
      ],
    });
    assert.equal(root.parentId, null);
    const dev = root.children[0]!;
    assert.equal(dev.parentId, root.id);
    assert.equal(dev.children[0]!.parentId, dev.id);
    assert.equal(dev.children[0]!.members[0]!.position, '组长');
  });

  it('members: direct members by name then id, paged, with the total; an unknown department is DEPARTMENT_NOT_FOUND', async () => {
    const { core } = t();
    const path = fresh('销售部');
    const names = ['Eva', 'Abe', 'Dan', 'Cat', 'Bea'];
    for (const nickname of names) await member({ nickname, department: path });
    await member({ nickname: 'Zed', department: `${path}/华东` });
    const id = (await core.directory.ensurePath(path)).id;
    const page = async (offset: number) => core.directory.members(id, { limit: 2, offset });
    const pages = [await page(0), await page(2), await page(4), await page(6)];
    assert.deepEqual(pages.map((p) => p.total), [5, 5, 5, 5]);
    assert.deepEqual(pages.map((p) => p.users.map((u) => u.nickname)), [['Abe', 'Bea'], ['Cat', 'Dan'], ['Eva'], []]);
    await assert.rejects(core.directory.members(99_999_999, { limit: 10, offset: 0 }), code('DEPARTMENT_NOT_FOUND'));
  });

  it('profileOf: the department\'s own name and the position, empty when unset, for many users in one call', async () => {
    const { core } = t();
    const top = fresh('财务部');
    const placed = await member({ department: `${top}/会计组`, position: ' 会计 ' });
    const bare = await member();
    const map = await core.directory.profileOf([placed.id, bare.id, placed.id, 99_999_999]);
    assert.deepEqual([...map.keys()].sort((x, y) => x - y), [placed.id, bare.id].sort((x, y) => x - y));
    assert.deepEqual(map.get(placed.id), { departmentId: placed.departmentId, department: '会计组', position: '会计' });
    assert.deepEqual(map.get(bare.id), { departmentId: null, department: '', position: '' });
    assert.deepEqual(await core.directory.profileOf([]), new Map());
  });

  it('assign: moves a user, sets or clears the position, takes them out with null; their devices hear of it', async () => {
    const { core, events, clear } = t();
    const top = fresh('市场部');
    const u = await member({ department: top, position: '专员' });
    clear();
    assert.deepEqual(await core.directory.assign(u.id, { department: `${top}/品牌组`, position: '经理' }), {
      departmentId: (await core.directory.ensurePath(`${top}/品牌组`)).id,
      department: '品牌组',
      position: '经理',
    });
    assert.deepEqual(events.map((e) => [e.type, e.audience]), [['user.updated', { kind: 'user', id: u.id }]]);
    // Only what is named changes.
    assert.equal((await core.directory.assign(u.id, { position: '' })).department, '品牌组');
    assert.deepEqual(await core.directory.assign(u.id, { department: null }), { departmentId: null, department: '', position: '' });
    assert.equal((await core.directory.assign(u.id, { department: top })).department, top);
    assert.equal((await core.directory.assign(u.id, { department: '  ' })).departmentId, null);

    await assert.rejects(core.directory.assign(u.id, { position: 'p'.repeat(65) }), code('VALIDATION', 'position'));
    await assert.rejects(core.directory.assign(u.id, { department: `${top}/x\ty` }), code('VALIDATION', 'department'));
    await assert.rejects(core.directory.assign(99_999_999, { department: `${top}/nobody` }), code('USER_NOT_FOUND'));
    // A refused assignment created nothing.
    assert.equal(await count('nobody'), 0);
    assert.equal(await count('x\ty'), 0);
  });

  it('a new account with a bad department or position is refused whole', async () => {
    const { core } = t();
    const top = fresh('人事部');
    const phone = uniquePhone();
    await assert.rejects(core.auth.createUser({ phone, password: 'password123', department: `${top}//x` }), code('VALIDATION', 'department'));
    await assert.rejects(core.auth.createUser({ phone, password: 'password123', department: top, position: 'p'.repeat(65) }), code('VALIDATION', 'position'));
    assert.equal(await count(top), 0);
    assert.equal(await core.store.users.byPhone(phone), undefined);
  });

  it('rename: a clear name unique under its parent', async () => {
    const { core } = t();
    const top = fresh('研发中心');
    const one = await core.directory.ensurePath(`${top}/一组`);
    await core.directory.ensurePath(`${top}/二组`);
    const u = await member({ department: `${top}/一组` });
    assert.deepEqual(await core.directory.rename(one.id, ' 三组 '), { ...one, name: '三组' });
    assert.equal((await core.directory.profileOf([u.id])).get(u.id)?.department, '三组');
    await assert.rejects(core.directory.rename(one.id, '二组'), code('DEPARTMENT_EXISTS'));
    await assert.rejects(core.directory.rename(one.id, 'a/b'), code('VALIDATION', 'name'));
    await assert.rejects(core.directory.rename(one.id, ''), code('VALIDATION', 'name'));
    await assert.rejects(core.directory.rename(one.id, 'a\u2028b'), code('VALIDATION', 'name'));
    await assert.rejects(core.directory.rename(99_999_999, 'x'), code('DEPARTMENT_NOT_FOUND'));
    // Renaming to its own name changes nothing.
    assert.equal((await core.directory.rename(one.id, '三组')).name, '三组');
  });

  it('move: never under itself or its own sub-department, no name clash under the new parent, no deeper than ten levels', async () => {
    const { core } = t();
    const top = fresh('集团');
    const a = await core.directory.ensurePath(`${top}/A`);
    const a1 = await core.directory.ensurePath(`${top}/A/A1`);
    const b = await core.directory.ensurePath(`${top}/B`);
    await core.directory.ensurePath(`${top}/B/A1`);

    await assert.rejects(core.directory.move(a.id, a.id), code('VALIDATION', 'parentId'));
    await assert.rejects(core.directory.move(a.id, a1.id), code('VALIDATION', 'parentId'));
    await assert.rejects(core.directory.move(a1.id, b.id), code('DEPARTMENT_EXISTS'));
    await assert.rejects(core.directory.move(a.id, 99_999_999), code('DEPARTMENT_NOT_FOUND'));
    await assert.rejects(core.directory.move(99_999_999, null), code('DEPARTMENT_NOT_FOUND'));

    // A goes under B with its A1: levels follow.
    assert.equal((await core.directory.move(a.id, b.id)).parentId, b.id);
    let tree = await core.directory.tree();
    assert.deepEqual([find(tree, a.id)?.level, find(tree, a1.id)?.level], [3, 4]);
    // And to the top.
    assert.equal((await core.directory.move(a.id, null)).parentId, null);
    tree = await core.directory.tree();
    assert.deepEqual([find(tree, a.id)?.level, find(tree, a1.id)?.level], [1, 2]);
    // A name already at the top refuses the move there.
    const clash = await core.directory.ensurePath(`${top}/B/${top}`);
    await assert.rejects(core.directory.move(clash.id, null), code('DEPARTMENT_EXISTS'));

    // Eight levels under `top` (nine deep) cannot take A's two levels.
    const deep = await core.directory.ensurePath(Array.from({ length: 9 }, (_, i) => (i === 0 ? top : `L${i}`)).join('/'));
    await assert.rejects(core.directory.move(a.id, deep.id), code('VALIDATION', 'parentId'));
    assert.equal((await core.directory.move(a1.id, deep.id)).parentId, deep.id);
  });

  it('remove: only an empty department; disabled members still count', async () => {
    const { core } = t();
    const top = fresh('后勤部');
    const parent = await core.directory.ensurePath(top);
    const child = await core.directory.ensurePath(`${top}/车队`);
    const u = await member({ department: `${top}/车队` });
    await core.auth.disable(u.id);
    await assert.rejects(core.directory.remove(parent.id), (err) => code('DEPARTMENT_NOT_EMPTY')(err) && /1 sub-department/.test((err as Error).message));
    await assert.rejects(core.directory.remove(child.id), (err) => code('DEPARTMENT_NOT_EMPTY')(err) && /1 member/.test((err as Error).message));
    await core.directory.assign(u.id, { department: null });
    await core.directory.remove(child.id);
    await core.directory.remove(parent.id);
    assert.equal(await count(top), 0);
    await assert.rejects(core.directory.remove(parent.id), code('DEPARTMENT_NOT_FOUND'));
    assert.ok(!(await core.directory.list()).some((d) => d.id === parent.id || d.id === child.id));
  });
});
