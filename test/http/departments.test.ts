import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { describeEachStore } from '../support/server.ts';
import { assertError, okData } from '../support/shapes.ts';
import { stateOf } from '../support/state.ts';
import { uniquePhone } from '../support/users.ts';

/** Provisioning through the primary API: register with a department path and a position. */
describeEachStore('register with a department', (server) => {
  const register = (fields: Record<string, unknown>) => server().api.post('/api/auth/register', { phone: uniquePhone(), password: 'password123', ...fields });
  const placement = async (id: number) => (await server().core.directory.profileOf([id])).get(id);

  it('places the account in the last department of the path, creating what is missing and sharing what exists', async () => {
    const top = `技术部-${randomUUID().slice(0, 8)}`;
    const first = okData(await register({ nickname: '张三', department: `${top}/前端组`, position: '软件工程师' }), '注册成功');
    // The register answer keeps the document's user shape.
    assert.deepEqual(Object.keys(first.user).sort(), ['avatar', 'id', 'last_seen', 'nickname', 'online', 'phone', 'username']);
    const placed = await placement(first.user.id);
    assert.equal(placed?.department, '前端组');
    assert.equal(placed?.position, '软件工程师');

    const second = okData(await register({ department: ` ${top} / 前端组 ` }));
    assert.equal((await placement(second.user.id))?.departmentId, placed?.departmentId);
    assert.equal((await placement(second.user.id))?.position, '');
    const third = okData(await register({ department: top, position: '总监' }));
    const tree = await server().core.directory.tree();
    const root = tree.find((n) => n.name === top);
    assert.deepEqual(
      [root?.memberCount, root?.members.map((u) => u.id), root?.children.map((c) => [c.name, c.memberCount])],
      [3, [third.user.id], [['前端组', 2]]],
    );
    // A blank department is none.
    assert.equal((await placement(okData(await register({ department: '', position: '' })).user.id))?.departmentId, null);
  });

  it('refuses a bad department or position with 422 naming the field, creating nothing', async () => {
    const top = `bad-${randomUUID().slice(0, 8)}`;
    const before = await stateOf(server());
    const cases: [Record<string, unknown>, string][] = [
      [{ department: `${top}//前端组` }, 'department'],
      [{ department: `${top}/` }, 'department'],
      [{ department: `${top}/${'名'.repeat(65)}` }, 'department'],
      [{ department: Array.from({ length: 11 }, (_, i) => `${top}${i}`).join('/') }, 'department'],
      [{ department: `${top}/a\u0000b` }, 'department'],
      [{ department: 'd'.repeat(1001) }, 'department'],
      [{ department: 42 }, 'department'],
      [{ department: top, position: 'p'.repeat(65) }, 'position'],
      [{ department: top, position: 'a\u001bb' }, 'position'],
      [{ department: top, position: ['x'] }, 'position'],
    ];
    for (const [fields, field] of cases) {
      const res = await register(fields);
      assertError(res, 422);
      assert.ok(res.body.details.some((d: { field: string }) => d.field === field), `${JSON.stringify(fields)} -> ${res.text}`);
    }
    assert.equal(await stateOf(server()), before);
  });

  it('leaves no department behind when the account loses a race for its phone', async () => {
    const top = `race-${randomUUID().slice(0, 8)}`;
    const phone = uniquePhone();
    const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => register({ phone, department: `${top}/组${i}` })));
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 409, 409, 409]);
    const won = answers.find((r) => r.status === 200)!.body.data.user.id as number;
    const all = await server().core.directory.list();
    const tops = all.filter((d) => d.name === top);
    assert.equal(tops.length, 1);
    assert.deepEqual(all.filter((d) => d.parentId === tops[0]!.id).map((d) => d.name), [(await placement(won))?.department]);
  });

  it('documents department and position in the OpenAPI schema of the register body', async () => {
    const doc = (await server().api.get('/openapi/zhihang.json')).body;
    const body = doc.paths['/api/auth/register'].post.requestBody.content['application/json'].schema;
    assert.equal(body.properties.department.type, 'string');
    assert.equal(body.properties.department.maxLength, 1000);
    assert.equal(body.properties.position.maxLength, 64);
    assert.ok(!body.required.includes('department') && !body.required.includes('position'));
  });
});
