import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from 'typebox';
import { invalidInputText, localeOf } from '../../src/profiles/kit/texts.ts';
import { zhihang } from '../../src/profiles/zhihang/index.ts';
import { MessageData } from '../../src/profiles/zhihang/messaging-schemas.ts';
import { ContactUser, PublicUser } from '../../src/profiles/zhihang/schemas.ts';
import { TestClock } from '../support/clock.ts';
import { contractProblems } from '../support/contract.ts';
import { download, file, png, uploaded, upload } from '../support/files.ts';
import { envelopeOf } from '../support/kit.ts';
import { createGroup, listMessages, openPrivate, send, users } from '../support/messaging.ts';
import { describeEachStore, startTestServer, type TestServer } from '../support/server.ts';
import { assertError, okData } from '../support/shapes.ts';
import type { TestUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';

/**
 * What the im-suite web client (`im-client-web`) and its `ops/e2e-test.sh` call and read that
 * document 000 does not list (issue 12), in the shapes they read, with ZHIHANG_COMPAT=im-suite.
 */

const shape = envelopeOf(zhihang);
const clock = new TestClock();
const auth = (u: TestUser) => ({ token: u.token });
const zh = { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' };

async function contact(s: TestServer, owner: TestUser, other: TestUser): Promise<void> {
  okData(await s.api.post('/api/contacts', { user_id: other.id }, auth(owner)));
}

async function sendTo(s: TestServer, from: TestUser, to: TestUser, body: Record<string, unknown> = {}, path = '/api/messages/send') {
  const res = await s.api.post(path, { receiver_id: to.id, content: 'hi', message_type: 'text', ...body }, auth(from));
  shape.ok(res, MessageData);
  return okData(res, '消息发送成功');
}

describeEachStore(
  'im-suite compatibility',
  (server) => {
    it('GET /api/users/friends: my contacts as a flat list of users, phone only between mutual contacts', async () => {
      const s = server();
      const [me, mutual, oneSided, stranger] = await users(s, 4);
      const empty = await s.api.get('/api/users/friends', auth(me!));
      shape.ok(empty, Type.Array(ContactUser));
      assert.deepEqual(okData(empty, '获取好友列表成功'), []);

      await contact(s, me!, mutual!);
      await contact(s, mutual!, me!);
      await contact(s, me!, oneSided!);
      await contact(s, stranger!, me!);
      const res = await s.api.get('/api/users/friends', auth(me!));
      shape.ok(res, Type.Array(ContactUser));
      const friends = okData<any[]>(res);
      assert.deepEqual(friends.map((f) => f.id).sort(), [mutual!.id, oneSided!.id].sort(), 'my contacts, not those who added me');
      const byId = new Map(friends.map((f) => [f.id, f]));
      assert.equal(byId.get(mutual!.id).phone, mutual!.phone);
      assert.equal(byId.get(oneSided!.id).phone, undefined, 'a one-sided contact does not reveal the number');
      assert.deepEqual(Object.keys(byId.get(mutual!.id)).sort(), ['avatar', 'id', 'last_seen', 'nickname', 'online', 'phone', 'username']);
      assert.equal(byId.get(mutual!.id).nickname, `N${mutual!.phone.slice(-4)}`);
      assertError(await s.api.get('/api/users/friends'), 401);
    });

    it('GET /api/users/by-phone/{phone}: the user as GET /api/users/{id} shows them; 404 when none', async () => {
      const s = server();
      const [me, other] = await users(s, 2);
      const res = await s.api.get(`/api/users/by-phone/${other!.phone}`, auth(me!));
      shape.ok(res, PublicUser);
      const found = okData(res, '获取用户信息成功');
      assert.deepEqual(found, okData(await s.api.get(`/api/users/${other!.id}`, auth(me!))));
      const spaced = `${other!.phone.slice(0, 3)} ${other!.phone.slice(3, 7)}-${other!.phone.slice(7)}`;
      assert.equal(okData(await s.api.get(`/api/users/by-phone/${encodeURIComponent(spaced)}`, auth(me!))).id, other!.id);
      assertError(await s.api.get('/api/users/by-phone/13000000000', auth(me!)), 404, 10001);
      assertError(await s.api.get('/api/users/by-phone/not-a-phone', auth(me!)), 422);
      assertError(await s.api.get(`/api/users/by-phone/${other!.phone}`), 401);
    });

    it('GET /api/users/search takes username as an alias of q', async () => {
      const s = server();
      const [me, other] = await users(s, 2);
      const byQ = okData(await s.api.get(`/api/users/search?q=${other!.username}`, auth(me!)));
      const byUsername = okData(await s.api.get(`/api/users/search?username=${other!.username}`, auth(me!)));
      assert.deepEqual(byUsername, byQ);
      assert.deepEqual(byUsername.users.map((u: any) => u.id), [other!.id]);
      const missing = await s.api.get('/api/users/search', auth(me!));
      assertError(missing, 422);
      assert.deepEqual(missing.body.details, [{ field: 'q', message: 'is required' }]);
      assertError(await s.api.get('/api/users/search?username=', auth(me!)), 422);
    });

    it('POST /api/messages/send and POST /api/messages: into the pair’s private chat, created on first use', async () => {
      const s = server();
      const [me, other, third] = await users(s, 3);
      const first = await sendTo(s, me!, other!, { content: '第一条' });
      const chat = await openPrivate(s, me!, other!);
      assert.equal(first.chat_id, chat.id, 'the chat POST /api/chats opens for the pair');
      assert.deepEqual(first, okData(await s.api.get(`/api/messages/${first.id}`, auth(me!))), 'the message as the documented routes show it');
      assert.deepEqual([first.sender_id, first.content, first.type, first.sender.nickname], [me!.id, '第一条', 'text', `N${me!.phone.slice(-4)}`]);

      const reply = await sendTo(s, other!, me!, { content: '回复' }, '/api/messages');
      assert.equal(reply.chat_id, chat.id, 'either side writes into the same chat');
      const doc = await sendTo(s, me!, other!, { content: '[file] a.txt', message_type: 'file', file_url: (await uploaded(s, me!, [file(new TextEncoder().encode('hello'), 'a.txt')])).url });
      assert.deepEqual([doc.type, doc.file_name, doc.file_url.includes('?')], ['document', 'a.txt', false], 'im-suite’s file is a document, its link the plain one');

      assert.equal((await listMessages(s, other!, chat.id)).total, 3);
      // Refused sends change nothing: no chat with the third user appears.
      assertError(await s.api.post('/api/messages/send', { receiver_id: third!.id, content: '   ', message_type: 'text' }, auth(me!)), 422);
      assertError(await s.api.post('/api/messages/send', { receiver_id: 99_999_999, content: 'x' }, auth(me!)), 404, 10001);
      const self = await s.api.post('/api/messages/send', { receiver_id: me!.id, content: 'x' }, auth(me!));
      assertError(self, 422);
      assert.deepEqual(self.body.details, [{ field: 'receiver_id', message: 'must be another user' }]);
      assertError(await s.api.post('/api/messages/send', { content: 'x' }, auth(me!)), 422);
      // What the first message of a new chat would refuse leaves no chat behind either.
      assertError(await s.api.post('/api/messages/send', { receiver_id: third!.id, content: '', message_type: 'video', file_url: doc.file_url }, auth(me!)), 415, 30002);
      assertError(await s.api.post('/api/messages/send', { receiver_id: third!.id, content: 'x', reply_to_id: first.id }, auth(me!)), 404, 20003);
      assert.deepEqual(okData(await s.api.get('/api/chats', auth(third!))).chats, [], 'no chat was created by the refused sends');
    });

    it('GET /api/messages?receiver_id=: the private chat with that user, a flat array oldest first', async () => {
      const s = server();
      const [me, other, stranger] = await users(s, 3);
      const none = await s.api.get(`/api/messages?receiver_id=${other!.id}&limit=50`, auth(me!));
      shape.ok(none, Type.Array(MessageData));
      assert.deepEqual(okData(none, '获取消息列表成功'), [], 'no chat yet: no messages, and none is created');
      assert.deepEqual(okData(await s.api.get('/api/chats', auth(me!))).chats, []);

      const sent = [];
      for (const [from, to, content] of [[me, other, '一'], [other, me, '二'], [me, other, '三']] as const) sent.push(await sendTo(s, from!, to!, { content }));
      const res = await s.api.get(`/api/messages?receiver_id=${other!.id}&limit=50`, auth(me!));
      shape.ok(res, Type.Array(MessageData));
      const list = okData<any[]>(res);
      assert.deepEqual(list.map((m) => m.content), ['一', '二', '三'], 'oldest first');
      assert.deepEqual(list.map((m) => m.id), sent.map((m) => m.id));
      assert.deepEqual(list[1], { ...sent[1], is_read: false }, 'each the documented message, as I see it');
      assert.deepEqual(list[1].sender, { id: other!.id, username: other!.username, nickname: `N${other!.phone.slice(-4)}`, avatar: '' });
      const latest = okData<any[]>(await s.api.get(`/api/messages?receiver_id=${other!.id}&limit=2`, auth(me!)));
      assert.deepEqual(latest.map((m) => m.content), ['二', '三'], 'the latest page, in display order');
      assert.deepEqual(okData(await s.api.get(`/api/messages?receiver_id=${me!.id}`, auth(other!))).map((m: any) => m.id), sent.map((m) => m.id));
      assert.deepEqual(okData(await s.api.get(`/api/messages?receiver_id=${other!.id}`, auth(stranger!))), [], 'a stranger sees nothing of it');
      assertError(await s.api.get('/api/messages?receiver_id=99999999', auth(me!)), 404, 10001);
      assertError(await s.api.get('/api/messages?receiver_id=abc', auth(me!)), 422);
    });

    it('GET /api/messages?page=&limit=: all my messages newest first, with the total (ops/e2e-test.sh)', async () => {
      const s = server();
      const [me, other, third] = await users(s, 3);
      await sendTo(s, me!, other!, { content: 'p1' });
      const group = await createGroup(s, me!, [other!, third!]);
      await send(s, third!, group.id, 'g1');
      await sendTo(s, other!, third!, { content: 'not mine' });
      await sendTo(s, other!, me!, { content: 'p2' });
      const res = await s.api.get('/api/messages?page=1&limit=2', auth(me!));
      shape.ok(res, Type.Object({ messages: Type.Array(MessageData), total: Type.Integer(), page: Type.Integer(), limit: Type.Integer() }));
      const page1 = okData(res);
      // The group's creation notice counts too: it is a message of my chats.
      assert.deepEqual([page1.total, page1.page, page1.limit], [4, 1, 2]);
      assert.deepEqual(page1.messages.map((m: any) => m.content), ['p2', 'g1']);
      const page2 = okData(await s.api.get('/api/messages?page=2&limit=2', auth(me!)));
      assert.deepEqual(page2.messages.map((m: any) => m.type === 'system' ? 'notice' : m.content), ['notice', 'p1']);
      assertError(await s.api.get('/api/messages?limit=101', auth(me!)), 422);
    });

    it('GET /api/messages/unread/count: unread messages over all my chats', async () => {
      const s = server();
      const [me, other, third] = await users(s, 3);
      const count = async () => {
        const res = await s.api.get('/api/messages/unread/count', auth(me!));
        shape.ok(res, Type.Object({ count: Type.Integer() }));
        return okData(res, '获取未读消息数成功').count as number;
      };
      assert.equal(await count(), 0);
      const group = await createGroup(s, other!, [me!, third!]);
      await send(s, third!, group.id, 'g1');
      await sendTo(s, other!, me!, { content: 'p1' });
      const last = await sendTo(s, other!, me!, { content: 'p2' });
      await sendTo(s, me!, other!, { content: 'mine' });
      const chats = okData(await s.api.get('/api/chats', auth(me!))).chats as any[];
      const sum = chats.reduce((n, c) => n + c.unread_count, 0);
      assert.equal(await count(), sum, 'the sum of the chats’ unread_count');
      assert.equal(sum, 4, 'the group notice, g1, p1 and p2; not my own message');
      okData(await s.api.post(`/api/messages/${last.id}/read`, undefined, auth(me!)));
      assert.equal(await count(), 2);
    });

    it('marks the routes in the OpenAPI document and keeps them off the documented ones', async () => {
      const s = server();
      const doc = okJson(await s.api.get('/openapi.json'));
      const tagged = (path: string, method: string) => doc.paths[path]?.[method]?.tags as string[] | undefined;
      for (const [path, method] of [
        ['/api/users/friends', 'get'],
        ['/api/users/by-phone/{phone}', 'get'],
        ['/api/messages', 'get'],
        ['/api/messages', 'post'],
        ['/api/messages/send', 'post'],
        ['/api/messages/unread/count', 'get'],
      ]) {
        assert.deepEqual(tagged(path!, method!), ['zhihang', 'im-suite compatibility'], `${method} ${path}`);
      }
      assert.deepEqual(tagged('/api/users/{user_id}', 'get'), ['zhihang']);
      assert.deepEqual(tagged('/api/messages/{message_id}', 'get'), ['zhihang']);
    });

    it('says `error` in Chinese for Accept-Language zh, in English otherwise, Chinese when none is stated; details stay', async () => {
      const s = server();
      const [me] = await users(s, 1);
      const asked = async (path: string, headers: Record<string, string>) => {
        const res = await s.api.get(path, { ...auth(me!), headers });
        assertError(res, 422);
        return res.body;
      };
      const chinese = await asked('/api/users/friendz', zh);
      assert.equal(chinese.error, '参数格式不正确：user_id');
      assert.equal(chinese.message, '数据验证失败');
      assert.deepEqual(chinese.details, [{ field: 'user_id', message: 'must be a positive integer' }]);
      assert.equal((await asked('/api/users/friendz', { 'accept-language': 'en-US,en;q=0.9' })).error, 'Invalid user_id.');
      assert.equal((await asked('/api/users/friendz', { 'accept-language': 'fr-FR, zh;q=0.5' })).error, 'Invalid user_id.', 'the first preference counts');
      assert.equal((await asked('/api/users/friendz', { 'accept-language': 'en;q=0.4, zh-TW;q=0.8' })).error, '参数格式不正确：user_id');
      assert.equal((await asked('/api/users/friendz', { 'accept-language': '*' })).error, '参数格式不正确：user_id', 'no stated language: the document’s');
      assert.equal((await asked('/api/users/search', zh)).error, '缺少参数：q');
      assert.equal((await asked('/api/users/search', { 'accept-language': 'en' })).error, 'Missing q.');
      assert.equal((await asked('/api/users/search?q=a&limit=0', zh)).error, '参数格式不正确：limit');

      const body = await s.api.post('/api/auth/register', { phone: 'x', password: '1' }, { headers: { 'accept-language': 'zh-CN' } });
      assertError(body, 422);
      assert.match(body.body.error, /^参数格式不正确：(phone|password)/);
      // Errors other than validation keep their own detail.
      assert.equal((await s.api.get('/api/users/99999999', { ...auth(me!), headers: zh })).body.error, 'user not found');
    });

    it('accepts an upload with only the file part and derives the type from the bytes', async () => {
      const s = server();
      const [me] = await users(s, 1);
      const image = await uploaded(s, me!, [file(await png(40, 30), 'photo.bin', 'application/octet-stream')]);
      assert.deepEqual([image.type, image.mime_type, image.width, image.height], ['image', 'image/png', 40, 30]);
      const text = await uploaded(s, me!, [file(new TextEncoder().encode('E2E测试文件内容\n'), 'test-file.txt', 'text/plain')]);
      assert.deepEqual([text.type, text.mime_type], ['document', 'text/plain']);
      assert.equal((await upload(s, me, [])).status, 422);
    });

    it('presents an image message with links that work in an <img> without a token, for a short while', async () => {
      const s = server();
      const [me, other, outsider] = await users(s, 3);
      const img = await uploaded(s, me!, [file(await png(64, 48), 'cat.png')]);
      const sent = await sendTo(s, me!, other!, { content: '[image] cat.png', message_type: 'image', file_url: img.url, file_name: 'cat.png' });
      const listed = okData<any[]>(await s.api.get(`/api/messages?receiver_id=${me!.id}`, auth(other!))).at(-1);
      for (const m of [sent, listed]) {
        assert.match(m.file_url, new RegExp(`^${img.url}\\?exp=\\d+&sig=[\\w-]+$`));
        assert.match(m.thumbnail, new RegExp(`^${img.thumbnail}\\?exp=\\d+&sig=[\\w-]+$`));
      }
      const expires = Number(new URL(sent.file_url).searchParams.get('exp')) * 1000;
      assert.ok(expires - clock.now() >= 3_600_000 && expires - clock.now() <= 4_500_000, 'valid one to one and a quarter hours');
      assert.equal(sent.file_url, listed.file_url, 'one link within the quarter hour, so browsers cache it');

      const original = await download(s, me, img.url);
      const viaLink = await download(s, undefined, listed.file_url);
      assert.equal(viaLink.status, 200);
      assert.deepEqual(viaLink.bytes, original.bytes);
      assert.equal(viaLink.headers.get('content-type'), 'image/png');
      const thumb = await download(s, undefined, listed.thumbnail);
      assert.deepEqual([thumb.status, thumb.headers.get('content-type')], [200, 'image/jpeg']);

      // The plain link stays authorised; a link for another file, a tampered or an expired one gives nothing.
      assert.equal((await download(s, undefined, img.url)).status, 401);
      assert.equal((await download(s, outsider, img.url)).status, 404);
      const sig = new URL(listed.file_url).searchParams.get('sig')!;
      const other_ = await uploaded(s, me!, [file(await png(8, 8), 'other.png')]);
      assert.equal((await download(s, undefined, `${other_.url}?exp=${expires / 1000}&sig=${sig}`)).status, 403);
      assert.equal((await download(s, undefined, `${img.url}?exp=${expires / 1000 + 900}&sig=${sig}`)).status, 403);
      assert.equal((await download(s, undefined, `${img.thumbnail}?exp=${expires / 1000}&sig=${sig}`)).status, 403, 'the original’s signature is not the thumbnail’s');
      assert.equal((await download(s, undefined, `${img.url}?sig=${sig}`)).status, 403);
      clock.advance(4_600_000);
      try {
        assert.equal((await download(s, undefined, listed.file_url)).status, 403, 'expired');
        const fresh = okData<any[]>(await s.api.get(`/api/messages?receiver_id=${me!.id}`, auth(other!))).at(-1);
        assert.equal((await download(s, undefined, fresh.file_url)).status, 200, 'a fresh answer has a fresh link');
        okData(await s.api.delete(`/api/files/${img.id}`, auth(me!)));
        assert.equal((await download(s, undefined, fresh.file_url)).status, 404, 'a deleted file is gone for its links too');
      } finally {
        clock.advance(-4_600_000);
      }

      // The documented routes keep the plain link.
      const chat = await openPrivate(s, me!, other!);
      assert.equal((await listMessages(s, other!, chat.id)).messages.find((m: any) => m.id === sent.id).file_url, img.url);
    });
  },
  // Tokens outlive file links here, so a test can move past a link's expiry.
  { env: { ZHIHANG_COMPAT: 'im-suite', ACCESS_TOKEN_TTL: '1d' }, options: () => ({ clock }) },
);

function okJson(res: { status: number; body: any }) {
  assert.equal(res.status, 200);
  return res.body;
}

describe('validation sentences', () => {
  it('name the missing fields, then the invalid ones, each once', () => {
    const problems = [
      { field: 'phone', message: 'is required' },
      { field: 'password', message: 'is required' },
      { field: 'nickname', message: 'must NOT have more than 64 characters' },
      { field: 'nickname', message: 'must be text' },
    ];
    assert.equal(invalidInputText(problems, 'zh'), '缺少参数：phone、password；参数格式不正确：nickname');
    assert.equal(invalidInputText(problems, 'en'), 'Missing phone, password; invalid nickname.');
  });

  it('follow the first language of Accept-Language, by weight', () => {
    const cases: [string | undefined, 'zh' | 'en'][] = [
      [undefined, 'zh'],
      ['', 'zh'],
      ['*', 'zh'],
      ['zh-CN,zh;q=0.9,en;q=0.8', 'zh'],
      ['ZH-hant', 'zh'],
      ['en-US,en;q=0.9', 'en'],
      ['de', 'en'],
      ['en;q=0.3, zh-TW;q=0.8', 'zh'],
      ['zh;q=0, en', 'en'],
      ['zhx', 'en'],
    ];
    assert.deepEqual(cases.map(([header]) => localeOf(header, 'zh')), cases.map(([, locale]) => locale));
    assert.equal(localeOf(undefined, 'en'), 'en');
  });
});


describe('ZHIHANG_COMPAT=im-suite: the `message` frame', () => {
  const servers: Record<'on' | 'off', TestServer | undefined> = { on: undefined, off: undefined };
  before(async () => {
    servers.on = await startTestServer('sqlite', { ZHIHANG_COMPAT: 'im-suite' });
    servers.off = await startTestServer('sqlite');
  });
  after(async () => {
    await servers.on?.close();
    await servers.off?.close();
  });

  it('sends each new message also as {"type": "message", "data": <message>}, after message.new, to every member', async () => {
    const s = servers.on!;
    const [a, b] = await users(s, 2);
    const [wa, wb] = await Promise.all([WsClient.connect(s.url, a!.token), WsClient.connect(s.url, b!.token)]);
    try {
      const sent = await sendTo(s, a!, b!, { content: '实时' });
      for (const ws of [wb, wa]) {
        const neu = await ws.next((f) => f.type === 'message.new' && f.data.id === sent.id);
        const compat = await ws.next('message');
        assert.ok(ws.received.indexOf(compat) > ws.received.indexOf(neu), 'after message.new');
        assert.deepEqual(compat.data, neu.data, 'the same data');
        assert.equal(compat.seq, neu.seq);
        assert.deepEqual(contractProblems(zhihang.socket!.compatFrames!['im-suite']!.message!, compat.data), []);
        assert.deepEqual([compat.data.content, compat.data.sender_id, compat.data.sender.nickname], ['实时', a!.id, `N${a!.phone.slice(-4)}`]);
      }
      // An image's links are signed in the frame (and only there).
      const img = await uploaded(s, a!, [file(await png(16, 16), 'p.png')]);
      const pic = await sendTo(s, a!, b!, { message_type: 'image', file_url: img.url, content: '[image] p.png' });
      const neu = await wb.next((f) => f.type === 'message.new' && f.data.id === pic.id);
      const compat = await wb.next('message');
      assert.equal(neu.data.file_url, img.url, 'the same absolute link as the REST answers');
      assert.match(compat.data.file_url, new RegExp(`^${neu.data.file_url}\\?exp=\\d+&sig=`));
      assert.deepEqual({ ...compat.data, file_url: '', thumbnail: '' }, { ...neu.data, file_url: '', thumbnail: '' });
      assert.equal((await download(s, undefined, compat.data.file_url)).status, 200);
      // Other events get no extra frame.
      okData(await s.api.put(`/api/messages/${sent.id}`, { content: '改' }, auth(a!)));
      await wb.next('message.edit');
      await wb.quiet('message');
    } finally {
      await Promise.all([wa.close(), wb.close()]);
    }
  });

  it('with the switch off (the default) nothing changes: message.new only', async () => {
    const s = servers.off!;
    assert.deepEqual(s.core.config.compat, { zhihang: [] });
    const [a, b] = await users(s, 2);
    const wb = await WsClient.connect(s.url, b!.token);
    try {
      const sent = await sendTo(s, a!, b!, { content: 'quiet' });
      assert.equal((await wb.next('message.new')).data.id, sent.id);
      await wb.quiet('message');
    } finally {
      await wb.close();
    }
  });
});
