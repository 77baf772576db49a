import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { file, kind, uploaded } from '../support/files.ts';
import { createGroup, openPrivate, send } from '../support/messaging.ts';
import { describeEachStore } from '../support/server.ts';
import { assertError, isoSecondsRe, okData } from '../support/shapes.ts';
import { registerUser, type TestUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';

/** Every admin route, with an id that exists where one is needed. */
const routes = (ids: { user: number | string; message: number | string; chat: number | string }) =>
  [
    ['GET', '/api/admin/stats'],
    ['GET', '/api/admin/stats/series'],
    ['GET', '/api/admin/users'],
    ['GET', `/api/admin/users/${ids.user}`],
    ['DELETE', `/api/admin/users/${ids.user}`],
    ['POST', `/api/admin/users/${ids.user}/disable`],
    ['POST', `/api/admin/users/${ids.user}/enable`],
    ['POST', `/api/admin/users/${ids.user}/reset-password`],
    ['POST', `/api/admin/users/${ids.user}/revoke-sessions`],
    ['PUT', `/api/admin/users/${ids.user}/admin`],
    ['DELETE', `/api/admin/users/${ids.user}/admin`],
    ['GET', `/api/admin/messages/${ids.message}`],
    ['DELETE', `/api/admin/messages/${ids.message}`],
    ['GET', `/api/admin/chats/${ids.chat}`],
    ['DELETE', `/api/admin/chats/${ids.chat}`],
  ] as const;

describeEachStore('admin API (/api/admin)', (server) => {
  let boss: TestUser;
  const api = () => server().api;
  const as = (u: TestUser) => ({ token: u.token });
  const register = () => registerUser(api());

  before(async () => {
    boss = await register();
    // The first administrator is made by the operator (the CLI); here, through the same service.
    await server().core.admin.setAdmin(null, boss.id, true);
  });

  it('refuses anonymous callers (401) and non-administrators (403) on every route, changing nothing', async () => {
    const [u, v] = [await register(), await register()];
    const chat = await createGroup(server(), u, [v]);
    const m = await send(server(), u, chat.id, 'keep me');
    for (const [method, path] of routes({ user: v.id, message: m.id, chat: chat.id })) {
      assertError(await api().request(method, path, { body: method === 'GET' ? undefined : {} }), 401);
      assertError(await api().request(method, path, { ...as(u), body: method === 'GET' ? undefined : {} }), 403);
    }
    okData(await api().get('/api/users/me', as(v)));
    okData(await api().get(`/api/messages/${m.id}`, as(v)));
    assert.equal(await server().core.admin.requireAdmin(v.id).then(() => true, () => false), false);
  });

  it('the OpenAPI document lists every admin route under the admin tag', async () => {
    const doc = (await api().get('/openapi/zhihang.json')).body;
    const listed = Object.entries(doc.paths as Record<string, Record<string, { tags?: string[] }>>)
      .filter(([p]) => p.startsWith('/api/admin/'))
      .flatMap(([p, ops]) => Object.entries(ops).filter(([, op]) => op.tags?.includes('admin')).map(([m]) => `${m.toUpperCase()} ${p}`));
    const expected = routes({ user: '{user_id}', message: '{message_id}', chat: '{chat_id}' }).map(([m, p]) => `${m} ${p}`);
    assert.deepEqual(listed.sort(), expected.sort());
  });

  it('stats/series: messages and sign-ins hour by hour, this node\'s connections minute by minute', async () => {
    const series = async (query = '') => okData(await api().get(`/api/admin/stats/series${query}`, as(boss)), '获取统计成功');
    const before = await series();
    assert.equal(before.hours.length, 24);
    const times = before.hours.map((h: { at: string }) => Date.parse(h.at));
    for (let i = 1; i < times.length; i++) assert.equal(times[i] - times[i - 1], 3_600_000);
    assert.ok(times.at(-1) <= Date.now() && Date.now() - times.at(-1) < 3_600_000, 'the last hour is the current one');

    const [a, b] = [await register(), await register()];
    const chat = await openPrivate(server(), a, b);
    await send(server(), a, chat.id, 'one');
    await send(server(), b, chat.id, 'two');
    const socket = await WsClient.connect(server().url, a.token);
    try {
      const after = await series();
      const [was, now] = [before.hours.at(-1), after.hours.at(-1)];
      // Hour boundaries aside (the test may straddle one), the current hour took both messages and both sign-ins.
      if (was.at === now.at) {
        assert.equal(now.messages - was.messages, 2);
        assert.equal(now.sign_ins - was.sign_ins, 2);
      } else {
        assert.ok(now.messages >= 1 && now.sign_ins >= 1);
      }
      const last = after.connections.at(-1);
      assert.ok(last.count >= 1, 'the open socket is counted');
      assert.match(last.at, isoSecondsRe);
    } finally {
      await socket.close();
    }
    assert.equal((await series('?hours=3')).hours.length, 3);
    for (const bad of ['0', '169', 'x']) assertError(await api().get(`/api/admin/stats/series?hours=${bad}`, as(boss)), 422);
  });

  it('stats, the user list (search, filters, paging) and one user', async () => {
    const tag = `adm${Date.now().toString(36)}`;
    const a = await registerUser(api(), { nickname: `Ann ${tag}` });
    const b = await registerUser(api(), { username: `${tag}_b` });
    okData(await api().post(`/api/admin/users/${b.id}/disable`, {}, as(boss)));
    const stats = okData(await api().get('/api/admin/stats', as(boss)), '获取统计成功');
    assert.ok(stats.users.total >= 3 && stats.users.disabled >= 1 && stats.users.admins >= 1);
    assert.equal(stats.database, server().kind);
    assert.equal(typeof stats.sockets_on_this_node, 'number');
    assert.equal(stats.node_id, server().core.nodeId);

    const list = okData(await api().get(`/api/admin/users?q=${tag.toUpperCase()}`, as(boss)));
    assert.deepEqual(
      list.users.map((x: { id: number }) => x.id),
      [a.id, b.id],
    );
    assert.deepEqual([list.total, list.has_more], [2, false]);
    const first = list.users[0];
    assert.deepEqual(Object.keys(first).sort(), [
      'avatar', 'created_at', 'department_id', 'email', 'id', 'is_admin', 'is_disabled', 'last_login_at', 'last_seen', 'nickname', 'phone', 'position', 'status', 'updated_at', 'username',
    ]);
    assert.equal(first.phone, a.phone);
    assert.match(first.created_at, isoSecondsRe);
    assert.deepEqual(okData(await api().get(`/api/admin/users?q=${tag}&disabled=true`, as(boss))).users.map((x: { id: number }) => x.id), [b.id]);
    const paged = okData(await api().get(`/api/admin/users?q=${tag}&limit=1`, as(boss)));
    assert.deepEqual([paged.users.length, paged.total, paged.has_more], [1, 2, true]);
    assert.deepEqual(okData(await api().get(`/api/admin/users?admin=true&q=${boss.phone}`, as(boss))).users.map((x: { id: number }) => x.id), [boss.id]);

    const shown = okData(await api().get(`/api/admin/users/${a.id}`, as(boss)));
    assert.deepEqual([shown.id, shown.is_admin, shown.is_disabled, shown.live_sessions, shown.chats_count], [a.id, false, false, 1, 0]);

    // Bad input: a clear 4xx in zhihang's envelope.
    assertError(await api().get('/api/admin/users/99999999', as(boss)), 404, 10001);
    assertError(await api().get('/api/admin/users/0x1', as(boss)), 422);
    assertError(await api().get('/api/admin/users?disabled=maybe', as(boss)), 422);
    assertError(await api().get(`/api/admin/users?q=${'x'.repeat(65)}`, as(boss)), 422);
    assertError(await api().get('/api/admin/users?limit=1000', as(boss)), 422);
  });

  it('disable closes the user\'s sockets and refuses their logins; enable lets them back; no admin disables or deletes themselves', async () => {
    const u = await register();
    const socket = await WsClient.connect(server().url, u.token);
    const off = okData(await api().post(`/api/admin/users/${u.id}/disable`, {}, as(boss)), '用户已禁用');
    assert.deepEqual([off.user.id, off.user.is_disabled, off.sessions_ended], [u.id, true, 1]);
    assert.equal((await socket.closed).code, 4401);
    assertError(await api().post('/api/auth/login', { phone: u.phone, password: u.password }), 403, 10004);
    assert.equal(okData(await api().post(`/api/admin/users/${u.id}/enable`, {}, as(boss))).is_disabled, false);
    okData(await api().post('/api/auth/login', { phone: u.phone, password: u.password }));

    assertError(await api().post(`/api/admin/users/${boss.id}/disable`, {}, as(boss)), 403);
    assertError(await api().delete(`/api/admin/users/${boss.id}`, as(boss)), 403);
    assertError(await api().delete(`/api/admin/users/${boss.id}/admin`, as(boss)), 403);
    okData(await api().get('/api/admin/stats', as(boss)));
  });

  it('reset-password generates a password shown once, or sets the one given; revoke-sessions ends every session', async () => {
    const u = await register();
    const socket = await WsClient.connect(server().url, u.token);
    const reset = okData(await api().post(`/api/admin/users/${u.id}/reset-password`, {}, as(boss)), '密码已重置');
    assert.equal(reset.sessions_ended, 1);
    assert.equal(typeof reset.password, 'string');
    assert.equal((await socket.closed).code, 4401);
    assertError(await api().get('/api/users/me', as(u)), 401, 10008);
    assertError(await api().post('/api/auth/login', { phone: u.phone, password: u.password }), 401, 10002);
    const again = okData(await api().post('/api/auth/login', { phone: u.phone, password: reset.password }));

    assert.deepEqual(okData(await api().post(`/api/admin/users/${u.id}/reset-password`, { password: 'chosen-password' }, as(boss))), { password: null, sessions_ended: 1 });
    assertError(await api().get('/api/users/me', { token: again.access_token }), 401, 10008);
    const fresh = okData(await api().post('/api/auth/login', { phone: u.phone, password: 'chosen-password' }));
    assertError(await api().post(`/api/admin/users/${u.id}/reset-password`, { password: 'short' }, as(boss)), 422);
    assertError(await api().post(`/api/admin/users/${u.id}/reset-password`, { password: 12345678 }, as(boss)), 422);

    const open = await WsClient.connect(server().url, fresh.access_token);
    assert.deepEqual(okData(await api().post(`/api/admin/users/${u.id}/revoke-sessions`, {}, as(boss))), { sessions_ended: 1 });
    assert.equal((await open.closed).code, 4401);
    okData(await api().post('/api/auth/login', { phone: u.phone, password: 'chosen-password' }));
    assertError(await api().post('/api/admin/users/99999999/revoke-sessions', {}, as(boss)), 404, 10001);
  });

  it('granting and revoking the admin role takes effect at the next request', async () => {
    const u = await register();
    assertError(await api().get('/api/admin/stats', as(u)), 403);
    assert.equal(okData(await api().put(`/api/admin/users/${u.id}/admin`, {}, as(boss))).is_admin, true);
    okData(await api().get('/api/admin/stats', as(u)));
    assert.equal(okData(await api().delete(`/api/admin/users/${u.id}/admin`, as(boss))).is_admin, false);
    assertError(await api().get('/api/admin/stats', as(u)), 403);
  });

  it('reports a file message with the type name the API uses elsewhere (document)', async () => {
    const [u, v] = [await register(), await register()];
    const chat = await createGroup(server(), u, [v]);
    const f = await uploaded(server(), u, [kind('document'), file(Buffer.from('minutes'), 'minutes.txt', 'text/plain')]);
    const m = await send(server(), u, chat.id, { type: 'document', content: '', file_url: f.url });
    const shown = okData(await api().get(`/api/admin/messages/${m.id}`, as(boss)), '获取消息成功');
    assert.equal(shown.type, 'document');
    assert.equal(okData(await api().get(`/api/messages/${m.id}`, as(u))).type, shown.type);
  });

  it('deletes a message for real: members\' sockets get message.delete, the message is gone', async () => {
    const [u, v] = [await register(), await register()];
    const chat = await createGroup(server(), u, [v]);
    const m = await send(server(), u, chat.id, 'moderate me');
    const shown = okData(await api().get(`/api/admin/messages/${m.id}`, as(boss)), '获取消息成功');
    assert.deepEqual(
      [shown.id, shown.chat_id, shown.sender_id, shown.sender_nickname, shown.type, shown.content, shown.is_encrypted, shown.deleted_at, shown.recalled_at],
      [m.id, chat.id, u.id, `N${u.phone.slice(-4)}`, 'text', 'moderate me', false, null, null],
    );
    assert.match(shown.created_at, isoSecondsRe);
    const socket = await WsClient.connect(server().url, v.token);
    okData(await api().delete(`/api/admin/messages/${m.id}`, as(boss)), '消息已删除');
    const frame = await socket.next((f) => f.type === 'message.delete');
    assert.deepEqual([frame.data.id, frame.data.chat_id, frame.data.deleted_by, frame.data.reason], [m.id, chat.id, boss.id, 'deleted']);
    assertError(await api().get(`/api/messages/${m.id}`, as(u)), 404, 20003);
    assertError(await api().delete(`/api/admin/messages/${m.id}`, as(boss)), 404, 20003);
    assertError(await api().get(`/api/admin/messages/${m.id}`, as(boss)), 404, 20003);
    assertError(await api().delete('/api/admin/messages/abc', as(boss)), 422);
    await socket.close();
  });

  it('shows a chat with members, roles and message count, and deletes it: every member is told', async () => {
    const [u, v] = [await register(), await register()];
    const chat = await createGroup(server(), u, [v]);
    await send(server(), v, chat.id, 'one');
    const shown = okData(await api().get(`/api/admin/chats/${chat.id}`, as(boss)));
    assert.equal(shown.id, chat.id);
    assert.equal(shown.type, 'group');
    assert.deepEqual(
      shown.members.map((m: { id: number; role: string }) => [m.id, m.role]),
      [
        [u.id, 'owner'],
        [v.id, 'member'],
      ],
    );
    assert.equal(shown.members_count, 2);
    assert.equal(shown.messages_count, 2, 'the creation notice and one message');
    assert.match(shown.last_activity_at, isoSecondsRe);
    const socket = await WsClient.connect(server().url, v.token);
    assert.deepEqual(okData(await api().delete(`/api/admin/chats/${chat.id}`, as(boss)), '聊天已删除'), { members: 2 });
    const frame = await socket.next((f) => f.type === 'member.removed');
    assert.deepEqual([frame.data.chat_id, frame.data.user_id, frame.data.reason, frame.data.removed_by], [chat.id, v.id, 'removed', boss.id]);
    assertError(await api().get(`/api/chats/${chat.id}`, as(v)), 404, 20001);
    assertError(await api().get(`/api/admin/chats/${chat.id}`, as(boss)), 404, 20001);
    await socket.close();
  });

  it('deletes a user for real: their socket closes, their messages disappear from others\' sockets, they cannot log in', async () => {
    const [gone, v] = [await register(), await register()];
    const chat = await createGroup(server(), v, [gone]);
    const m = await send(server(), gone, chat.id, 'bye');
    const dm = await openPrivate(server(), v, gone);
    const theirs = await WsClient.connect(server().url, gone.token);
    const watcher = await WsClient.connect(server().url, v.token);
    const deleted = okData(await api().delete(`/api/admin/users/${gone.id}`, as(boss)), '用户已删除');
    assert.deepEqual(deleted, { user_id: gone.id, sessions_ended: 1, messages_deleted: 1, chats_deleted: 1, groups_left: 1, files_deleted: 0 });
    assert.equal((await theirs.closed).code, 4401);
    const told = await watcher.take((f) => ['message.delete', 'member.removed'].includes(f.type), 3);
    assert.deepEqual(
      told.map((f) => [f.type, f.data.chat_id]),
      [
        ['member.removed', dm.id],
        ['message.delete', chat.id],
        ['member.removed', chat.id],
      ],
    );
    assert.equal(told[1]!.data.id, m.id);
    assertError(await api().post('/api/auth/login', { phone: gone.phone, password: gone.password }), 404, 10001);
    assertError(await api().get(`/api/admin/users/${gone.id}`, as(boss)), 404, 10001);
    assertError(await api().get(`/api/chats/${dm.id}`, as(v)), 404, 20001);
    await watcher.close();
  });
});
