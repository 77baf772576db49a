import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TestClock } from '../support/clock.ts';
import { createGroup, eventsAfter, latestSeq, listMessages, openPrivate, send, users } from '../support/messaging.ts';
import { describeEachStore } from '../support/server.ts';
import { assertError, assertKeys, isoSecondsRe, okData } from '../support/shapes.ts';

const documentedKeys = [
  'id',
  'chat_id',
  'sender_id',
  'content',
  'type',
  'file_name',
  'file_size',
  'file_url',
  'thumbnail',
  'is_read',
  'is_edited',
  'is_deleted',
  'is_pinned',
  'reply_to_id',
  'forward_from',
  'ttl',
  'send_at',
  'is_silent',
  'created_at',
  'updated_at',
  'sender',
];
const extensionKeys = [
  'client_id',
  'file_id',
  'mime_type',
  'width',
  'height',
  'duration',
  'expires_at',
  'is_recalled',
  'is_scheduled',
  'forward_sender_id',
  'forward_chat_id',
];
const messageKeys = [...documentedKeys, ...extensionKeys];

const clock = new TestClock();

describeEachStore(
  'messages',
  (server) => {
    it('sends a text message with the documented shape and logs message.created', async () => {
      const s = server();
      const [me, other] = await users(s, 2);
      const chat = await openPrivate(s, me!, other!);
      const before = await latestSeq(s);
      const res = await s.api.post(
        `/api/chats/${chat.id}/messages`,
        {
          content: '这是一条测试消息',
          type: 'text',
          file_name: '',
          file_size: 0,
          file_url: '',
          thumbnail: '',
          reply_to_id: null,
          forward_from: null,
          ttl: 0,
          send_at: null,
          is_silent: false,
        },
        { token: me!.token },
      );
      const m = okData(res, '消息发送成功');
      assertKeys(m, messageKeys);
      assert.equal(m.chat_id, chat.id);
      assert.equal(m.sender_id, me!.id);
      assert.equal(m.content, '这是一条测试消息');
      assert.equal(m.type, 'text');
      assert.deepEqual(
        [m.file_name, m.file_size, m.file_url, m.thumbnail, m.is_read, m.is_edited, m.is_deleted, m.is_pinned, m.reply_to_id, m.forward_from, m.ttl, m.send_at, m.is_silent],
        ['', 0, '', '', false, false, false, false, null, null, 0, null, false],
      );
      assert.match(m.created_at, isoSecondsRe);
      assert.match(m.updated_at, isoSecondsRe);
      assertKeys(m.sender, ['id', 'username', 'nickname', 'avatar']);
      assert.equal(m.sender.id, me!.id);
      assert.equal(m.sender.username, me!.username);
      assert.equal(m.client_id, null);
      assert.equal(m.is_recalled, false);
      assert.equal(m.is_scheduled, false);

      const events = await eventsAfter(s, before);
      assert.deepEqual(
        events.map((e) => [e.type, e.audience]),
        [['message.created', `conversation:${chat.id}`]],
      );
      assert.equal(events[0]!.data.message.id, m.id);
      assert.equal(events[0]!.data.message.content, '这是一条测试消息');
      assert.equal(events[0]!.data.sender.id, me!.id);

      const list = await listMessages(s, other!, chat.id);
      assertKeys(list, ['messages', 'total', 'has_more']);
      assertKeys(list.messages[0], messageKeys);
      assert.deepEqual(list.messages[0], { ...m, is_read: false });
    });

    it('pages newest first with limit, offset, before and after, at every boundary', async () => {
      const s = server();
      const [me, other] = await users(s, 2);
      const chat = await openPrivate(s, me!, other!);
      const empty = await listMessages(s, me!, chat.id);
      assert.deepEqual(empty, { messages: [], total: 0, has_more: false });

      const ids: number[] = [];
      for (let i = 1; i <= 7; i++) ids.push((await send(s, i % 2 ? me! : other!, chat.id, `m${i}`)).id);
      const ordered = [...ids].reverse();
      const idsOf = (page: any) => page.messages.map((m: any) => m.id);

      const all = await listMessages(s, me!, chat.id);
      assert.deepEqual(idsOf(all), ordered);
      assert.equal(all.total, 7);
      assert.equal(all.has_more, false);

      const p1 = await listMessages(s, me!, chat.id, 'limit=3');
      assert.deepEqual(idsOf(p1), ordered.slice(0, 3));
      assert.deepEqual([p1.total, p1.has_more], [7, true]);
      const p3 = await listMessages(s, me!, chat.id, 'limit=3&offset=6');
      assert.deepEqual(idsOf(p3), ordered.slice(6));
      assert.deepEqual([p3.total, p3.has_more], [7, false], 'the last page');
      const exact = await listMessages(s, me!, chat.id, 'limit=7');
      assert.equal(exact.has_more, false, 'a page that ends exactly at the last message');
      const past = await listMessages(s, me!, chat.id, 'limit=3&offset=7');
      assert.deepEqual([idsOf(past), past.total, past.has_more], [[], 7, false]);

      const before = await listMessages(s, me!, chat.id, `before=${ids[3]}`);
      assert.deepEqual(idsOf(before), [ids[2], ids[1], ids[0]]);
      assert.equal(before.total, 3);
      const beforeFirst = await listMessages(s, me!, chat.id, `before=${ids[0]}`);
      assert.deepEqual([idsOf(beforeFirst), beforeFirst.total], [[], 0]);
      const after = await listMessages(s, me!, chat.id, `after=${ids[4]}`);
      assert.deepEqual(idsOf(after), [ids[6], ids[5]]);
      const afterLast = await listMessages(s, me!, chat.id, `after=${ids[6]}`);
      assert.deepEqual(idsOf(afterLast), []);
      const window = await listMessages(s, me!, chat.id, `after=${ids[1]}&before=${ids[5]}&limit=2`);
      assert.deepEqual(idsOf(window), [ids[4], ids[3]]);
      assert.deepEqual([window.total, window.has_more], [3, true]);
      const windowRest = await listMessages(s, me!, chat.id, `after=${ids[1]}&before=${ids[5]}&limit=2&offset=2`);
      assert.deepEqual([idsOf(windowRest), windowRest.has_more], [[ids[2]], false]);

      for (const q of ['limit=0', 'limit=101', 'offset=-1', 'before=0', 'after=x', 'type=sticker']) {
        assertError(await s.api.get(`/api/chats/${chat.id}/messages?${q}`, { token: me!.token }), 422);
      }
    });

    it('filters by search (a literal, case-insensitive substring) and by type', async () => {
      const s = server();
      const [owner, a] = await users(s, 2);
      const g = await createGroup(s, owner!, [a!]);
      const hello = await send(s, owner!, g.id, 'Hello World');
      const percent = await send(s, a!, g.id, 'discount 100% off_now');
      await send(s, a!, g.id, 'nothing here');
      const found = await listMessages(s, owner!, g.id, 'search=hello');
      assert.deepEqual(
        found.messages.map((m: any) => m.id),
        [hello.id],
      );
      assert.equal(found.total, 1);
      const literal = await listMessages(s, owner!, g.id, `search=${encodeURIComponent('100%')}`);
      assert.deepEqual(
        literal.messages.map((m: any) => m.id),
        [percent.id],
      );
      const underscore = await listMessages(s, owner!, g.id, 'search=f_n');
      assert.deepEqual(
        underscore.messages.map((m: any) => m.id),
        [percent.id],
        '_ is not a wildcard',
      );
      assert.equal((await listMessages(s, owner!, g.id, 'search=zzz')).total, 0);
      const system = await listMessages(s, owner!, g.id, 'type=system');
      assert.deepEqual(
        system.messages.map((m: any) => m.type),
        ['system'],
      );
      const texts = await listMessages(s, owner!, g.id, 'type=text&limit=2');
      assert.deepEqual([texts.total, texts.has_more, texts.messages.length], [3, true, 2]);
      assert.equal((await listMessages(s, owner!, g.id, 'type=document')).total, 0);
    });

    it('denies non-members on list and send (20002) and answers 20001 for a missing chat', async () => {
      const s = server();
      const [me, other, outsider] = await users(s, 3);
      const chat = await openPrivate(s, me!, other!);
      assertError(await s.api.get(`/api/chats/${chat.id}/messages`, { token: outsider!.token }), 403, 20002);
      assertError(await s.api.post(`/api/chats/${chat.id}/messages`, { content: 'hi', type: 'text' }, { token: outsider!.token }), 403, 20002);
      assertError(await s.api.get('/api/chats/99999999/messages', { token: me!.token }), 404, 20001);
      assertError(await s.api.post('/api/chats/99999999/messages', { content: 'hi' }, { token: me!.token }), 404, 20001);
      assertError(await s.api.get(`/api/chats/${chat.id}/messages`), 401);
      assert.equal((await listMessages(s, me!, chat.id)).total, 0);
    });

    it('refuses invalid sends with 422 and bad references with their codes, storing nothing', async () => {
      const s = server();
      const [me, other, x, y] = await users(s, 4);
      const chat = await openPrivate(s, me!, other!);
      const elsewhere = await openPrivate(s, x!, y!);
      const foreign = await send(s, x!, elsewhere.id, 'not yours');
      const post = (body: unknown) => s.api.post(`/api/chats/${chat.id}/messages`, body, { token: me!.token });
      for (const body of [
        { content: '', type: 'text' },
        { content: '   ', type: 'text' },
        { content: 'x'.repeat(10_001) },
        { content: 'hi', type: 'system' },
        { content: 'hi', type: 'sticker' },
        { content: 'hi', ttl: -1 },
        { content: 'hi', ttl: 604_801 },
        { content: 'hi', ttl: '5' },
        { content: 'hi', send_at: 'tomorrow' },
        { content: 'hi', send_at: new Date(Date.now() + 400 * 86_400_000).toISOString() },
        { content: 'hi', client_id: '' },
        { content: 'hi', is_silent: 'yes' },
        { content: 'a picture', type: 'image' },
        { content: 12 },
      ]) {
        const res = await post(body);
        assertError(res, 422);
      }
      assertError(await post({ content: 'hi', reply_to_id: foreign.id }), 404, 20003);
      assertError(await post({ content: 'hi', reply_to_id: 99_999_999 }), 404, 20003);
      assertError(await post({ forward_from: foreign.id }), 404, 20003);
      assertError(await post({ type: 'image', file_url: 'https://elsewhere.test/cat.jpg' }), 404, 30001);
      assertError(await post({ type: 'image', file_id: 'file_doesnotexist000' }), 404, 30001);
      assert.equal((await listMessages(s, me!, chat.id)).total, 0);
    });

    it('replies within a chat and forwards with content copied and the origin kept', async () => {
      const s = server();
      const [me, other, third] = await users(s, 3);
      const chat = await openPrivate(s, me!, other!);
      const original = await send(s, other!, chat.id, 'original words');
      const reply = await send(s, me!, chat.id, { content: 'a reply', reply_to_id: original.id });
      assert.equal(reply.reply_to_id, original.id);

      const toThird = await openPrivate(s, me!, third!);
      const fwd = await send(s, me!, toThird.id, { forward_from: original.id, content: 'ignored', type: 'text' });
      assert.equal(fwd.content, 'original words');
      assert.equal(fwd.forward_from, original.id);
      assert.equal(fwd.forward_sender_id, other!.id);
      assert.equal(fwd.forward_chat_id, chat.id);
      assert.equal(fwd.sender_id, me!.id);

      const g = await createGroup(s, third!, []);
      const again = await send(s, third!, g.id, { forward_from: fwd.id });
      assert.equal(again.forward_from, original.id, 'a forward of a forward names the first message');
      assert.equal(again.forward_sender_id, other!.id);
      assert.equal(again.content, 'original words');
      const notice = (await listMessages(s, third!, g.id, 'type=system')).messages[0];
      assertError(await s.api.post(`/api/chats/${g.id}/messages`, { forward_from: notice.id }, { token: third!.token }), 422);
    });

    it('is idempotent by client_id, also for two concurrent identical requests', async () => {
      const s = server();
      const [me, other] = await users(s, 2);
      const chat = await openPrivate(s, me!, other!);
      const body = { content: 'only once', type: 'text', client_id: 'c-123' };
      const first = await send(s, me!, chat.id, body);
      const second = await send(s, me!, chat.id, body);
      assert.equal(first.client_id, 'c-123');
      assert.equal(second.id, first.id);
      const theirs = await send(s, other!, chat.id, body);
      assert.notEqual(theirs.id, first.id, 'client ids are per sender');

      const race = { content: 'raced', type: 'text', client_id: 'race-1' };
      const results = await Promise.all(Array.from({ length: 4 }, () => s.api.post(`/api/chats/${chat.id}/messages`, race, { token: me!.token })));
      const ids = results.map((r) => okData(r).id);
      assert.equal(new Set(ids).size, 1, `one message for concurrent identical requests, got ${ids.join(',')}`);
      const list = await listMessages(s, me!, chat.id, 'search=raced');
      assert.equal(list.total, 1);
    });

    it('edits (sender only) with is_edited and a readable history; 20004 for others, 20003 for outsiders', async () => {
      const s = server();
      const [me, other, outsider] = await users(s, 3);
      const chat = await openPrivate(s, me!, other!);
      const m = await send(s, me!, chat.id, 'first draft');
      const before = await latestSeq(s);
      clock.advance(1000);
      const edited = okData(await s.api.put(`/api/messages/${m.id}`, { content: 'second draft' }, { token: me!.token }), '消息编辑成功');
      assertKeys(edited, messageKeys);
      assert.equal(edited.content, 'second draft');
      assert.equal(edited.is_edited, true);
      assert.notEqual(edited.updated_at, m.updated_at);
      okData(await s.api.put(`/api/messages/${m.id}`, { content: 'final' }, { token: me!.token }));
      const events = await eventsAfter(s, before);
      assert.deepEqual(
        events.map((e) => e.type),
        ['message.edited', 'message.edited'],
      );
      assert.equal(events[0]!.data.previousContent, 'first draft');
      assert.equal(events[0]!.data.message.content, 'second draft');
      assert.equal(events[0]!.data.message.isEdited, true);

      const history = okData(await s.api.get(`/api/messages/${m.id}/history`, { token: other!.token }), '获取编辑历史成功');
      assertKeys(history, ['message', 'edits']);
      assert.equal(history.message.content, 'final');
      assert.deepEqual(
        history.edits.map((e: any) => [e.content, e.edited_by]),
        [
          ['first draft', me!.id],
          ['second draft', me!.id],
        ],
      );
      assert.match(history.edits[0].edited_at, isoSecondsRe);

      assertError(await s.api.put(`/api/messages/${m.id}`, { content: 'hijack' }, { token: other!.token }), 403, 20004);
      assertError(await s.api.put(`/api/messages/${m.id}`, { content: 'hijack' }, { token: outsider!.token }), 404, 20003);
      assertError(await s.api.get(`/api/messages/${m.id}/history`, { token: outsider!.token }), 404, 20003);
      assertError(await s.api.put('/api/messages/99999999', { content: 'x' }, { token: me!.token }), 404, 20003);
      assertError(await s.api.put(`/api/messages/${m.id}`, { content: '' }, { token: me!.token }), 422);
      assertError(await s.api.put(`/api/messages/${m.id}`, {}, { token: me!.token }), 422);
      const g = await createGroup(s, me!, [other!]);
      const notice = (await listMessages(s, me!, g.id)).messages[0];
      assertError(await s.api.put(`/api/messages/${notice.id}`, { content: 'rewrite' }, { token: me!.token }), 403, 20004);
      const unchanged = okData(await s.api.get(`/api/messages/${m.id}`, { token: other!.token }), '获取消息成功');
      assert.equal(unchanged.content, 'final');
    });

    it('deletes for everyone (sender, group admin); a plain member only hides it for themselves', async () => {
      const s = server();
      const [owner, admin, a, b, outsider] = await users(s, 5);
      const g = await createGroup(s, owner!, [admin!, a!, b!]);
      okData(await s.api.put(`/api/chats/${g.id}/members/${admin!.id}`, { role: 'admin' }, { token: owner!.token }));
      const mine = await send(s, a!, g.id, 'mine to delete');
      const byAdmin = await send(s, b!, g.id, 'admin removes this');
      const hideMe = await send(s, b!, g.id, 'a hides this');
      const ids = (page: any) => page.messages.map((m: any) => m.id);

      assertError(await s.api.delete(`/api/messages/${mine.id}`, { token: outsider!.token }), 404, 20003);
      assertError(await s.api.delete(`/api/messages/${hideMe.id}?scope=everyone`, { token: a!.token }), 403, 20004);
      assertError(await s.api.delete(`/api/messages/${hideMe.id}?scope=all`, { token: a!.token }), 422);

      let before = await latestSeq(s);
      okData(await s.api.delete(`/api/messages/${mine.id}`, { token: a!.token }), '消息删除成功');
      okData(await s.api.delete(`/api/messages/${byAdmin.id}`, { token: admin!.token }));
      let events = await eventsAfter(s, before);
      assert.deepEqual(
        events.map((e) => [e.type, e.audience, e.data.messageId, e.data.reason, e.data.by]),
        [
          ['message.deleted', `conversation:${g.id}`, mine.id, 'deleted', a!.id],
          ['message.deleted', `conversation:${g.id}`, byAdmin.id, 'deleted', admin!.id],
        ],
      );
      for (const u of [owner!, a!, b!]) {
        const list = await listMessages(s, u, g.id, 'type=text');
        assert.deepEqual(ids(list), [hideMe.id], 'deleted for everyone');
      }
      assertError(await s.api.delete(`/api/messages/${mine.id}`, { token: a!.token }), 404, 20003);
      assertError(await s.api.put(`/api/messages/${mine.id}`, { content: 'back' }, { token: a!.token }), 404, 20003);

      before = await latestSeq(s);
      okData(await s.api.delete(`/api/messages/${hideMe.id}`, { token: a!.token }), '消息删除成功');
      events = await eventsAfter(s, before);
      assert.deepEqual(
        events.map((e) => [e.type, e.audience]),
        [['message.hidden', `user:${a!.id}`]],
      );
      assert.deepEqual(ids(await listMessages(s, a!, g.id, 'type=text')), [], 'hidden for a');
      assert.deepEqual(ids(await listMessages(s, b!, g.id, 'type=text')), [hideMe.id], 'still there for others');
      okData(await s.api.delete(`/api/messages/${hideMe.id}?scope=me`, { token: b!.token }));
      assert.deepEqual(ids(await listMessages(s, b!, g.id, 'type=text')), []);
      assert.deepEqual(ids(await listMessages(s, owner!, g.id, 'type=text')), [hideMe.id]);

      const last = await send(s, owner!, g.id, 'last words');
      const previous = okData(await s.api.get('/api/chats', { token: owner!.token })).chats.find((c: any) => c.id === g.id);
      assert.equal(previous.last_message.id, last.id);
      okData(await s.api.delete(`/api/messages/${last.id}`, { token: owner!.token }));
      const now = okData(await s.api.get('/api/chats', { token: owner!.token })).chats.find((c: any) => c.id === g.id);
      assert.equal(now.last_message.id, hideMe.id, 'the chat shows its newest remaining message');

      const [x, y] = await users(s, 2);
      const p = await openPrivate(s, x!, y!);
      const theirs = await send(s, y!, p.id, 'private');
      okData(await s.api.delete(`/api/messages/${theirs.id}`, { token: x!.token }));
      assert.equal((await listMessages(s, y!, p.id)).total, 1, 'in a private chat the other side only hides');
      assert.equal((await listMessages(s, x!, p.id)).total, 0);
    });

    it('marks read: pointer and receipts, unread counts drop, is_read flips for both sides', async () => {
      const s = server();
      const [me, other, outsider] = await users(s, 3);
      const chat = await openPrivate(s, me!, other!);
      const m1 = await send(s, other!, chat.id, 'one');
      const m2 = await send(s, other!, chat.id, 'two');
      const m3 = await send(s, other!, chat.id, 'three');
      const unread = async () => okData(await s.api.get('/api/chats', { token: me!.token })).chats.find((c: any) => c.id === chat.id).unread_count;
      assert.equal(await unread(), 3);

      const before = await latestSeq(s);
      okData(await s.api.post(`/api/messages/${m2.id}/read`, undefined, { token: me!.token }), '消息已标记为已读');
      assert.equal(await unread(), 1);
      const events = await eventsAfter(s, before);
      assert.deepEqual(
        events.map((e) => [e.type, e.audience, e.data.userId, e.data.messageId]),
        [['message.read', `conversation:${chat.id}`, me!.id, m2.id]],
      );
      const mine = await listMessages(s, me!, chat.id);
      assert.deepEqual(
        mine.messages.map((m: any) => [m.id, m.is_read]),
        [
          [m3.id, false],
          [m2.id, true],
          [m1.id, true],
        ],
      );
      const theirs = await listMessages(s, other!, chat.id);
      assert.deepEqual(
        theirs.messages.map((m: any) => m.is_read),
        [false, true, true],
        'the sender sees which of their messages were read',
      );

      const beforeOlder = await latestSeq(s);
      okData(await s.api.post(`/api/messages/${m1.id}/read`, undefined, { token: me!.token }));
      assert.equal(await unread(), 1, 'reading an older message never moves the pointer back');
      assert.deepEqual(
        (await eventsAfter(s, beforeOlder)).map((e) => [e.type, e.data.userId, e.data.messageId]),
        [['message.read', me!.id, m1.id]],
        'but its receipt is kept and announced',
      );
      const again = await latestSeq(s);
      okData(await s.api.post(`/api/messages/${m1.id}/read`, undefined, { token: me!.token }));
      assert.equal(await latestSeq(s), again, 'a repeated read changes nothing');
      okData(await s.api.post(`/api/messages/${m3.id}/read`, undefined, { token: me!.token }));
      assert.equal(await unread(), 0);
      assertError(await s.api.post(`/api/messages/${m3.id}/read`, undefined, { token: outsider!.token }), 404, 20003);
      assertError(await s.api.post('/api/messages/99999999/read', undefined, { token: me!.token }), 404, 20003);
    });

    it('pins and unpins: anyone in a private chat, owner/admin in a group', async () => {
      const s = server();
      const [owner, member, outsider] = await users(s, 3);
      const g = await createGroup(s, owner!, [member!]);
      const m = await send(s, member!, g.id, 'pin me');
      assertError(await s.api.post(`/api/messages/${m.id}/pin`, undefined, { token: member!.token }), 403, 20004);
      assertError(await s.api.post(`/api/messages/${m.id}/pin`, undefined, { token: outsider!.token }), 404, 20003);
      const before = await latestSeq(s);
      okData(await s.api.post(`/api/messages/${m.id}/pin`, undefined, { token: owner!.token }), '消息已置顶');
      okData(await s.api.post(`/api/messages/${m.id}/pin`, undefined, { token: owner!.token }), '消息已置顶');
      assert.equal((await listMessages(s, member!, g.id, 'type=text')).messages[0].is_pinned, true);
      okData(await s.api.delete(`/api/messages/${m.id}/pin`, { token: owner!.token }), '消息已取消置顶');
      assert.equal((await listMessages(s, member!, g.id, 'type=text')).messages[0].is_pinned, false);
      const events = await eventsAfter(s, before);
      assert.deepEqual(
        events.map((e) => [e.type, e.data.messageId, e.data.by]),
        [
          ['message.pinned', m.id, owner!.id],
          ['message.unpinned', m.id, owner!.id],
        ],
      );
      assertError(await s.api.delete(`/api/messages/${m.id}/pin`, { token: outsider!.token }), 404, 20003);

      const p = await openPrivate(s, member!, outsider!);
      const pm = await send(s, outsider!, p.id, 'private pin');
      okData(await s.api.post(`/api/messages/${pm.id}/pin`, undefined, { token: member!.token }));
    });

    it('recalls within the window (a placeholder remains), not after it, and only by the sender', async () => {
      const s = server();
      const [me, other] = await users(s, 2);
      const chat = await openPrivate(s, me!, other!);
      const quick = await send(s, me!, chat.id, 'oops');
      assertError(await s.api.post(`/api/messages/${quick.id}/recall`, undefined, { token: other!.token }), 403, 20004);
      const before = await latestSeq(s);
      const recalled = okData(await s.api.post(`/api/messages/${quick.id}/recall`, undefined, { token: me!.token }), '消息已撤回');
      assert.equal(recalled.is_recalled, true);
      assert.equal(recalled.content, '');
      const events = await eventsAfter(s, before);
      assert.deepEqual(
        events.map((e) => [e.type, e.data.messageId, e.data.by]),
        [['message.recalled', quick.id, me!.id]],
      );
      const seen = (await listMessages(s, other!, chat.id)).messages[0];
      assert.deepEqual([seen.id, seen.is_recalled, seen.content], [quick.id, true, '']);
      assertError(await s.api.put(`/api/messages/${quick.id}`, { content: 'again' }, { token: me!.token }), 404, 20003);

      const slow = await send(s, me!, chat.id, 'considered');
      clock.advance(2 * 60_000 + 1000);
      const late = await s.api.post(`/api/messages/${slow.id}/recall`, undefined, { token: me!.token });
      assertError(late, 403, 20004);
      assert.match(late.body.error, /120s/);
      assert.equal((await listMessages(s, other!, chat.id)).messages[0].content, 'considered');
    });

    it('searches my messages across all my chats, never others’', async () => {
      const s = server();
      const [me, a, b, stranger] = await users(s, 4);
      const p1 = await openPrivate(s, me!, a!);
      const g = await createGroup(s, b!, [me!]);
      const hit1 = await send(s, a!, p1.id, 'the quarterly REPORT is due');
      const hit2 = await send(s, b!, g.id, 'report attached');
      await send(s, me!, p1.id, 'unrelated');
      const other = await openPrivate(s, a!, stranger!);
      await send(s, a!, other.id, 'secret report');
      const res = okData(await s.api.get('/api/messages/search?q=report', { token: me!.token }), '搜索成功');
      assertKeys(res, ['messages', 'total', 'has_more']);
      assert.deepEqual(
        res.messages.map((m: any) => [m.id, m.chat_id]),
        [
          [hit2.id, g.id],
          [hit1.id, p1.id],
        ],
      );
      assert.equal(res.total, 2);
      const paged = okData(await s.api.get('/api/messages/search?q=report&limit=1&offset=1', { token: me!.token }));
      assert.deepEqual([paged.messages[0].id, paged.has_more], [hit1.id, false]);
      assertError(await s.api.get('/api/messages/search?q=', { token: me!.token }), 422);
      assertError(await s.api.get('/api/messages/search', { token: me!.token }), 422);
    });

    it('refuses sends into a private chat whose other member blocked the sender', async () => {
      const s = server();
      const [me, blocker] = await users(s, 2);
      const chat = await openPrivate(s, me!, blocker!);
      okData(await s.api.post('/api/contacts', { user_id: me!.id }, { token: blocker!.token }));
      okData(await s.api.put(`/api/contacts/${me!.id}`, { is_blocked: true }, { token: blocker!.token }));
      const res = await s.api.post(`/api/chats/${chat.id}/messages`, { content: 'hello?' }, { token: me!.token });
      assertError(res, 403);
      assert.match(res.body.error, /blocked/);
      assert.equal((await listMessages(s, blocker!, chat.id)).total, 0);
      await send(s, blocker!, chat.id, 'I can still write');
      okData(await s.api.put(`/api/contacts/${me!.id}`, { is_blocked: false }, { token: blocker!.token }));
      await send(s, me!, chat.id, 'thanks');
      const g = await createGroup(s, blocker!, [me!]);
      await send(s, me!, g.id, 'groups are not affected');
    });
  },
  { options: () => ({ clock }) },
);
