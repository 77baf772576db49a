import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachStore } from '../support/server.ts';
import { assertError, assertKeys, isoSecondsRe, okData } from '../support/shapes.ts';
import { createGroup, eventsAfter, latestSeq, listMessages, openPrivate, send, users } from '../support/messaging.ts';

const chatKeys = [
  'id',
  'name',
  'description',
  'avatar',
  'type',
  'is_active',
  'is_pinned',
  'is_muted',
  'members_count',
  'created_at',
  'updated_at',
  'last_message',
  'unread_count',
  'announcement',
  'owner_id',
  'peer_id',
  'role',
];
const memberKeys = ['id', 'username', 'nickname', 'avatar', 'role', 'joined_at'];

describeEachStore('chats', (server) => {
  it('creates a group with the documented shape; the creator owns it and a system message records it', async () => {
    const s = server();
    const [owner, a, b] = await users(s, 3);
    const before = await latestSeq(s);
    const res = await s.api.post('/api/chats', { name: '新群聊', description: '群聊描述', type: 'group', members: [a!.id, b!.id, a!.id] }, { token: owner!.token });
    const chat = okData(res, '聊天创建成功');
    assertKeys(chat, [...chatKeys, 'members']);
    assert.equal(chat.name, '新群聊');
    assert.equal(chat.description, '群聊描述');
    assert.equal(chat.avatar, '');
    assert.equal(chat.type, 'group');
    assert.equal(chat.is_active, true);
    assert.equal(chat.is_pinned, false);
    assert.equal(chat.is_muted, false);
    assert.equal(chat.members_count, 3);
    assert.equal(chat.owner_id, owner!.id);
    assert.equal(chat.peer_id, null);
    assert.equal(chat.role, 'owner');
    assert.match(chat.created_at, isoSecondsRe);
    assert.equal(chat.members.length, 3);
    for (const m of chat.members) assertKeys(m, memberKeys);
    assert.deepEqual(
      chat.members.map((m: any) => [m.id, m.role]),
      [[owner!.id, 'owner'], ...[a!.id, b!.id].sort((x, y) => x - y).map((id) => [id, 'member'])],
      'owner first, then by joining time and id',
    );
    assert.equal(chat.last_message.type, 'system');
    assert.equal(chat.last_message.sender_id, owner!.id);
    assert.match(chat.last_message.content, /创建了群聊/);

    const events = await eventsAfter(s, before);
    assert.deepEqual(
      events.map((e) => [e.type, e.audience]),
      [
        ['conversation.created', `conversation:${chat.id}`],
        ['message.created', `conversation:${chat.id}`],
      ],
    );
    assert.equal(events[0]!.data.members.length, 3);
    assert.equal(events[0]!.data.conversation.name, '新群聊');
    assert.equal(events[1]!.data.message.type, 'system');
    assert.equal(events[1]!.data.sender.id, owner!.id);
  });

  it('opens one private chat per pair, from either side', async () => {
    const s = server();
    const [me, other] = await users(s, 2);
    const first = await openPrivate(s, me!, other!);
    assert.equal(first.type, 'private');
    assert.equal(first.members_count, 2);
    assert.equal(first.peer_id, other!.id);
    assert.equal(first.owner_id, null);
    assert.equal(first.name, `N${other!.phone.slice(-4)}`, "a private chat is named after the other member");
    assert.deepEqual(first.members.map((m: any) => m.role), ['member', 'member']);
    const again = await openPrivate(s, me!, other!);
    const fromOther = await openPrivate(s, other!, me!);
    assert.equal(again.id, first.id);
    assert.equal(fromOther.id, first.id);
    assert.equal(fromOther.peer_id, me!.id);

    const [x, y] = await users(s, 2);
    const raced = await Promise.all([openPrivate(s, x!, y!), openPrivate(s, y!, x!), openPrivate(s, x!, y!)]);
    assert.equal(new Set(raced.map((c) => c.id)).size, 1, 'concurrent opens give one chat');
  });

  it('refuses bad create requests without creating anything', async () => {
    const s = server();
    const [me, a, b] = await users(s, 3);
    const count = async () => okData<any>(await s.api.get('/api/chats', { token: me!.token })).total;
    const before = await count();
    assertError(await s.api.post('/api/chats', { type: 'private', members: [a!.id, b!.id] }, { token: me!.token }), 422);
    assertError(await s.api.post('/api/chats', { type: 'private', members: [me!.id] }, { token: me!.token }), 422);
    assertError(await s.api.post('/api/chats', { type: 'group', members: [a!.id] }, { token: me!.token }), 422);
    assertError(await s.api.post('/api/chats', { name: '', members: [a!.id] }, { token: me!.token }), 422);
    assertError(await s.api.post('/api/chats', { name: 'x'.repeat(65), members: [a!.id] }, { token: me!.token }), 422);
    assertError(await s.api.post('/api/chats', { name: 'g', members: ['2'] }, { token: me!.token }), 422);
    assertError(await s.api.post('/api/chats', { name: 'g', type: 'channel' }, { token: me!.token }), 422);
    assertError(await s.api.post('/api/chats', { name: 'g', members: [a!.id, 999_999_999] }, { token: me!.token }), 404, 10001);
    assertError(await s.api.post('/api/chats', { members: [999_999_999] }, { token: me!.token }), 404, 10001);
    assertError(await s.api.post('/api/chats', { name: 'g' }), 401);
    assert.equal(await count(), before);
  });

  it('lists my chats with counts, last message and unread, pinned first then by activity, paged', async () => {
    const s = server();
    const [me, a, b, c] = await users(s, 4);
    const g1 = await createGroup(s, a!, [me!, b!], { name: 'g1' });
    const p = await openPrivate(s, me!, c!);
    const g2 = await createGroup(s, b!, [me!], { name: 'g2' });
    await send(s, a!, g1.id, 'hello 1');
    await send(s, b!, g1.id, 'hello 2');
    await send(s, me!, g1.id, 'mine');
    await send(s, c!, p.id, 'private hi');

    const list = okData(await s.api.get('/api/chats', { token: me!.token }), '获取聊天列表成功');
    assertKeys(list, ['chats', 'total', 'has_more']);
    assert.equal(list.total, 3);
    assert.equal(list.has_more, false);
    for (const chat of list.chats) assertKeys(chat, chatKeys);
    assert.deepEqual(
      list.chats.map((x: any) => x.id),
      [p.id, g1.id, g2.id],
      'most recent activity first',
    );
    const [pl, g1l, g2l] = list.chats;
    assert.equal(pl.unread_count, 1);
    assert.equal(pl.last_message.content, 'private hi');
    assertKeys(pl.last_message, ['id', 'content', 'type', 'sender_id', 'created_at']);
    assert.equal(pl.name, `N${c!.phone.slice(-4)}`);
    assert.equal(g1l.members_count, 3);
    assert.equal(g1l.unread_count, 3, 'the creation notice and two messages from others; my own do not count');
    assert.equal(g1l.last_message.content, 'mine');
    assert.equal(g1l.role, 'member');
    assert.equal(g2l.unread_count, 1);

    okData(await s.api.put(`/api/chats/${g2.id}/settings`, { is_pinned: true }, { token: me!.token }), '聊天设置更新成功');
    const pinned = okData(await s.api.get('/api/chats', { token: me!.token }));
    assert.deepEqual(
      pinned.chats.map((x: any) => [x.id, x.is_pinned]),
      [
        [g2.id, true],
        [p.id, false],
        [g1.id, false],
      ],
    );
    const page1 = okData(await s.api.get('/api/chats?limit=2', { token: me!.token }));
    assert.deepEqual(
      page1.chats.map((x: any) => x.id),
      [g2.id, p.id],
    );
    assert.equal(page1.has_more, true);
    assert.equal(page1.total, 3);
    const page2 = okData(await s.api.get('/api/chats?limit=2&offset=2', { token: me!.token }));
    assert.deepEqual(
      page2.chats.map((x: any) => x.id),
      [g1.id],
    );
    assert.equal(page2.has_more, false);
    const beyond = okData(await s.api.get('/api/chats?limit=2&offset=10', { token: me!.token }));
    assert.deepEqual(beyond.chats, []);
    assert.equal(beyond.total, 3);
    assertError(await s.api.get('/api/chats?limit=0', { token: me!.token }), 422);
    assertError(await s.api.get('/api/chats?limit=201', { token: me!.token }), 422);
    assertError(await s.api.get('/api/chats?offset=-1', { token: me!.token }), 422);

    const [fresh] = await users(s, 1);
    const empty = okData(await s.api.get('/api/chats', { token: fresh!.token }));
    assert.deepEqual(empty, { chats: [], total: 0, has_more: false });
  });

  it('shows a chat with its members to members only: 20001 for none, 20002 for outsiders', async () => {
    const s = server();
    const [owner, a, outsider] = await users(s, 3);
    const g = await createGroup(s, owner!, [a!]);
    const detail = okData(await s.api.get(`/api/chats/${g.id}`, { token: a!.token }), '获取聊天详情成功');
    assertKeys(detail, [...chatKeys, 'members']);
    assert.equal(detail.role, 'member');
    assert.deepEqual(
      detail.members.map((m: any) => m.id),
      [owner!.id, a!.id],
    );
    assert.match(detail.members[0].joined_at, isoSecondsRe);
    assertError(await s.api.get(`/api/chats/${g.id}`, { token: outsider!.token }), 403, 20002);
    assertError(await s.api.get('/api/chats/99999999', { token: a!.token }), 404, 20001);
    assertError(await s.api.get('/api/chats/abc', { token: a!.token }), 422);
  });

  it('lets the owner or an admin edit a group; plain members, outsiders and private chats are refused', async () => {
    const s = server();
    const [owner, admin, member, outsider] = await users(s, 4);
    const g = await createGroup(s, owner!, [admin!, member!]);
    okData(await s.api.put(`/api/chats/${g.id}/members/${admin!.id}`, { role: 'admin' }, { token: owner!.token }));
    const before = await latestSeq(s);
    const edited = okData(
      await s.api.put(`/api/chats/${g.id}`, { name: '改名', announcement: '公告', avatar: 'https://x.test/a.png' }, { token: admin!.token }),
      '聊天更新成功',
    );
    assert.equal(edited.name, '改名');
    assert.equal(edited.announcement, '公告');
    assert.equal(edited.avatar, 'https://x.test/a.png');
    const events = await eventsAfter(s, before);
    assert.deepEqual(
      events.map((e) => e.type),
      ['conversation.updated'],
    );
    assert.deepEqual(events[0]!.data.changes, ['name', 'avatar', 'announcement']);
    assert.equal(events[0]!.data.by, admin!.id);

    assertError(await s.api.put(`/api/chats/${g.id}`, { name: 'nope' }, { token: member!.token }), 403);
    assertError(await s.api.put(`/api/chats/${g.id}`, { name: 'nope' }, { token: outsider!.token }), 403, 20002);
    assertError(await s.api.put('/api/chats/99999999', { name: 'nope' }, { token: owner!.token }), 404, 20001);
    assertError(await s.api.put(`/api/chats/${g.id}`, {}, { token: owner!.token }), 422);
    assertError(await s.api.put(`/api/chats/${g.id}`, { name: '' }, { token: owner!.token }), 422);
    const p = await openPrivate(s, owner!, member!);
    assertError(await s.api.put(`/api/chats/${p.id}`, { name: 'x' }, { token: owner!.token }), 403);
    const after = okData(await s.api.get(`/api/chats/${g.id}`, { token: owner!.token }));
    assert.equal(after.name, '改名');
  });

  it('adds members (owner/admin) with a system message; new members see no backlog as unread', async () => {
    const s = server();
    const [owner, a, b, c, outsider] = await users(s, 5);
    const g = await createGroup(s, owner!, [a!]);
    await send(s, owner!, g.id, 'before b joined');
    const before = await latestSeq(s);
    const res = okData(await s.api.post(`/api/chats/${g.id}/members`, { members: [b!.id, a!.id] }, { token: owner!.token }), '成员添加成功');
    assert.equal(res.members_count, 3);
    const events = await eventsAfter(s, before);
    assert.deepEqual(
      events.map((e) => e.type),
      ['member.added', 'message.created'],
    );
    assert.deepEqual(
      events[0]!.data.members.map((m: any) => m.userId),
      [b!.id],
      'existing members are skipped',
    );
    assert.match(events[1]!.data.message.content, /added/);
    const bList = okData(await s.api.get('/api/chats', { token: b!.token }));
    assert.equal(bList.chats[0].id, g.id);
    assert.equal(bList.chats[0].unread_count, 1, 'only the notice of their own joining');
    const history = await listMessages(s, b!, g.id);
    assert.equal(history.messages[0].content.includes('加入了群聊'), true);
    assert.equal(history.total, 3, 'members see the whole history');

    assertError(await s.api.post(`/api/chats/${g.id}/members`, { members: [c!.id] }, { token: a!.token }), 403);
    assertError(await s.api.post(`/api/chats/${g.id}/members`, { members: [c!.id] }, { token: outsider!.token }), 403, 20002);
    assertError(await s.api.post(`/api/chats/${g.id}/members`, { members: [999_999_999] }, { token: owner!.token }), 404, 10001);
    assertError(await s.api.post(`/api/chats/${g.id}/members`, { members: [] }, { token: owner!.token }), 422);
    const p = await openPrivate(s, owner!, a!);
    assertError(await s.api.post(`/api/chats/${p.id}/members`, { members: [c!.id] }, { token: owner!.token }), 403);
    const noop = await latestSeq(s);
    okData(await s.api.post(`/api/chats/${g.id}/members`, { members: [a!.id] }, { token: owner!.token }));
    assert.equal(await latestSeq(s), noop, 'adding existing members changes nothing');
  });

  it('removes and leaves: admins remove plain members, the owner anyone, a leaving owner hands over', async () => {
    const s = server();
    const [owner, admin, admin2, m1, m2] = await users(s, 5);
    const g = await createGroup(s, owner!, [admin!, admin2!, m1!, m2!]);
    okData(await s.api.put(`/api/chats/${g.id}/members/${admin!.id}`, { role: 'admin' }, { token: owner!.token }), '成员角色更新成功');
    okData(await s.api.put(`/api/chats/${g.id}/members/${admin2!.id}`, { role: 'admin' }, { token: owner!.token }));

    assertError(await s.api.delete(`/api/chats/${g.id}/members/${m2!.id}`, { token: m1!.token }), 403);
    assertError(await s.api.delete(`/api/chats/${g.id}/members/${admin2!.id}`, { token: admin!.token }), 403);
    const before = await latestSeq(s);
    okData(await s.api.delete(`/api/chats/${g.id}/members/${m1!.id}`, { token: admin!.token }), '成员已移除');
    const events = await eventsAfter(s, before);
    assert.deepEqual(
      events.map((e) => [e.type, e.audience]),
      [
        ['message.created', `conversation:${g.id}`],
        ['member.removed', `conversation:${g.id}`],
        ['member.removed', `user:${m1!.id}`],
      ],
    );
    assert.equal(events[1]!.data.reason, 'removed');
    assertError(await s.api.get(`/api/chats/${g.id}`, { token: m1!.token }), 403, 20002);
    assertError(await s.api.get(`/api/chats/${g.id}/messages`, { token: m1!.token }), 403, 20002);
    assertError(await s.api.delete(`/api/chats/${g.id}/members/${m1!.id}`, { token: owner!.token }), 403, 20002);

    okData(await s.api.delete(`/api/chats/${g.id}/members/${m2!.id}`, { token: m2!.token }), '已退出聊天');
    okData(await s.api.delete(`/api/chats/${g.id}/members/${admin2!.id}`, { token: owner!.token }));
    const leave = await latestSeq(s);
    okData(await s.api.delete(`/api/chats/${g.id}/members/${owner!.id}`, { token: owner!.token }), '已退出聊天');
    const handover = await eventsAfter(s, leave);
    assert.deepEqual(
      handover.map((e) => e.type),
      ['message.created', 'member.removed', 'member.removed', 'member.updated', 'conversation.updated'],
    );
    const detail = okData(await s.api.get(`/api/chats/${g.id}`, { token: admin!.token }));
    assert.equal(detail.owner_id, admin!.id);
    assert.deepEqual(
      detail.members.map((m: any) => [m.id, m.role]),
      [[admin!.id, 'owner']],
    );
    const notices = await listMessages(s, admin!, g.id, 'type=system');
    assert.deepEqual(
      notices.messages.slice(0, 4).map((m: any) => m.content),
      [`N${owner!.phone.slice(-4)} 退出了群聊`, `N${owner!.phone.slice(-4)} 将 N${admin2!.phone.slice(-4)} 移出了群聊`, `N${m2!.phone.slice(-4)} 退出了群聊`, `N${admin!.phone.slice(-4)} 将 N${m1!.phone.slice(-4)} 移出了群聊`],
    );

    const [x, y] = await users(s, 2);
    const p = await openPrivate(s, x!, y!);
    assertError(await s.api.delete(`/api/chats/${p.id}/members/${x!.id}`, { token: x!.token }), 403);
  });

  it('changes roles (owner only) and transfers ownership', async () => {
    const s = server();
    const [owner, a, b] = await users(s, 3);
    const g = await createGroup(s, owner!, [a!, b!]);
    assertError(await s.api.put(`/api/chats/${g.id}/members/${b!.id}`, { role: 'admin' }, { token: a!.token }), 403);
    assertError(await s.api.put(`/api/chats/${g.id}/members/${owner!.id}`, { role: 'member' }, { token: owner!.token }), 403);
    assertError(await s.api.put(`/api/chats/${g.id}/members/${b!.id}`, { role: 'king' }, { token: owner!.token }), 422);
    const [outsider] = await users(s, 1);
    assertError(await s.api.put(`/api/chats/${g.id}/members/${outsider!.id}`, { role: 'admin' }, { token: owner!.token }), 403, 20002);

    const before = await latestSeq(s);
    const res = okData(await s.api.put(`/api/chats/${g.id}/members/${a!.id}`, { role: 'owner' }, { token: owner!.token }));
    assert.equal(res.owner_id, a!.id);
    assert.equal(res.role, 'admin', 'the previous owner becomes an admin');
    assert.deepEqual(
      res.members.map((m: any) => [m.id, m.role]),
      [
        [a!.id, 'owner'],
        [owner!.id, 'admin'],
        [b!.id, 'member'],
      ],
    );
    const events = await eventsAfter(s, before);
    assert.deepEqual(
      events.map((e) => e.type),
      ['member.updated', 'member.updated', 'conversation.updated', 'message.created'],
    );
    assertError(await s.api.put(`/api/chats/${g.id}/members/${b!.id}`, { role: 'admin' }, { token: owner!.token }), 403);
    okData(await s.api.put(`/api/chats/${g.id}/members/${b!.id}`, { role: 'admin' }, { token: a!.token }));
    okData(await s.api.put(`/api/chats/${g.id}/members/${b!.id}`, { role: 'member' }, { token: a!.token }));
  });

  it("keeps pin and mute per member, announced to that member's devices only", async () => {
    const s = server();
    const [me, other] = await users(s, 2);
    const p = await openPrivate(s, me!, other!);
    const before = await latestSeq(s);
    const res = okData(await s.api.put(`/api/chats/${p.id}/settings`, { is_muted: true, is_pinned: true }, { token: me!.token }));
    assert.equal(res.is_muted, true);
    assert.equal(res.is_pinned, true);
    const events = await eventsAfter(s, before);
    assert.deepEqual(
      events.map((e) => [e.type, e.audience]),
      [['member.updated', `user:${me!.id}`]],
    );
    const theirs = okData(await s.api.get(`/api/chats/${p.id}`, { token: other!.token }));
    assert.equal(theirs.is_muted, false);
    assert.equal(theirs.is_pinned, false);
    assertError(await s.api.put(`/api/chats/${p.id}/settings`, {}, { token: me!.token }), 422);
    assertError(await s.api.put(`/api/chats/${p.id}/settings`, { is_muted: 'yes' }, { token: me!.token }), 422);
    const [outsider] = await users(s, 1);
    assertError(await s.api.put(`/api/chats/${p.id}/settings`, { is_muted: true }, { token: outsider!.token }), 403, 20002);
  });

  it('answers the realtime gateway from the same membership rows the endpoints change', async () => {
    const s = server();
    const [owner, a, b] = await users(s, 3);
    const g = await createGroup(s, owner!, [a!]);
    const p = await openPrivate(s, a!, b!);
    const source = s.core.store.conversations;
    assert.deepEqual((await source.conversationIdsOf(a!.id)).sort((x, y) => x - y), [g.id, p.id].sort((x, y) => x - y));
    assert.deepEqual((await source.peersOf(a!.id)).sort((x, y) => x - y), [owner!.id, b!.id].sort((x, y) => x - y));
    okData(await s.api.delete(`/api/chats/${g.id}/members/${a!.id}`, { token: a!.token }));
    assert.deepEqual(await source.conversationIdsOf(a!.id), [p.id]);
    assert.deepEqual(await source.peersOf(a!.id), [b!.id]);
  });
});
