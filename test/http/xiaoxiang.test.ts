import assert from 'node:assert/strict';
import { request } from 'node:http';
import { it } from 'node:test';
import * as S from '../../src/profiles/xiaoxiang/schemas.ts';
import { xiaoxiang } from '../../src/profiles/xiaoxiang/index.ts';
import type { ApiResponse } from '../support/api.ts';
import { png } from '../support/files.ts';
import { TestClock } from '../support/clock.ts';
import { describeEachStore } from '../support/server.ts';
import { XxSocket, xxError, xxFits as fits, xxFrameOk as frameOk, xxInvalid, xxOk as ok, xxLogin, xxUpload, xxUser, type XxUser } from '../support/xiaoxiang.ts';

/** The xiaoxiang document (003) through real HTTP and WebSocket clients, below /xiaoxiang (the default PROFILES). */

const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;


/** Sends a JSON POST and closes the connection as soon as the request is written: its answer is lost. */
function sendAndHangUp(url: string, token: string, body: unknown): Promise<void> {
  const data = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), authorization: `Bearer ${token}` } });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.end(data, () => req.destroy());
  });
}

const pagination = (res: ApiResponse) => res.body.meta.pagination as { page: number; limit: number; total: number; hasNext: boolean };

describeEachStore('xiaoxiang profile below /xiaoxiang', (server) => {
  const base = () => server().url;
  const a = () => server().api;
  const get = (p: string, u?: { token: string } | string) => a().get(`/xiaoxiang/v1${p}`, { token: typeof u === 'string' ? u : u?.token });
  const post = (p: string, body: unknown, u?: { token: string }) => a().post(`/xiaoxiang/v1${p}`, body, { token: u?.token });
  const put = (p: string, body: unknown, u?: { token: string }) => a().put(`/xiaoxiang/v1${p}`, body, { token: u?.token });
  const user = (name = 'User') => xxUser(a(), name);
  const privateChat = async (x: XxUser, y: XxUser) => ok(await post('/chats', { type: 'private', participantIds: [y.id] }, x), [200, 201], S.Chat).id as string;
  const group = async (owner: XxUser, members: XxUser[], name = '项目讨论组') =>
    ok(await post('/chats', { type: 'group', name, participantIds: members.map((m) => m.id) }, owner), [200, 201], S.Chat).id as string;
  const send = async (u: XxUser, chatId: string, content: string, metadata?: object) =>
    ok(await post('/messages', { chatId, type: 'text', content, ...(metadata && { metadata }) }, u), [200, 201], S.Message);

  it('health needs no token and answers the document body itself', async () => {
    const res = await get('/health');
    assert.equal(res.status, 200, res.text);
    assert.ok(fits(S.Health, res.body), res.text);
    assert.equal(res.body.status, 'healthy');
    assert.deepEqual(res.body.services, { database: 'healthy', redis: server().kind === 'postgres' && process.env.TEST_REDIS_URL ? res.body.services.redis : 'not_configured', websocket: 'healthy' });
    assert.match(res.body.timestamp, iso);
  });

  it('login: tokens for the device, 1 h access tokens, the user object; failures alike', async () => {
    const u = await user('张三');
    const res = await post('/auth/login', { email: u.email, password: u.password, deviceId: 'phone-a', deviceInfo: { platform: 'android', version: '14', model: 'Pixel' } });
    const data = ok(res, 200, S.Tokens);
    assert.equal(data.expiresIn, 3600);
    const claims = JSON.parse(Buffer.from(data.accessToken.split('.')[1], 'base64url').toString());
    assert.equal(claims.exp - claims.iat, 3600);
    assert.deepEqual(data.user, { id: u.id, email: u.email, name: '张三', avatar: '', department: '', position: '', permissions: ['chat.read', 'chat.write', 'contacts.read'], status: 'online' });
    // The session is the device's, kept with the device info it gave (no API of the document shows it).
    const session = await server().core.store.db.selectFrom('sessions').select(['device_id', 'device_info']).where('id', '=', claims.sid).executeTakeFirstOrThrow();
    assert.deepEqual([session.device_id, JSON.parse(session.device_info)], ['phone-a', { platform: 'android', version: '14', model: 'Pixel' }]);

    const wrong = await post('/auth/login', { email: u.email, password: 'wrong-password', deviceId: 'd' });
    const unknown = await post('/auth/login', { email: 'nobody@corp.example', password: 'wrong-password', deviceId: 'd' });
    xxError(wrong, 401, 'UNAUTHORIZED');
    xxError(unknown, 401, 'UNAUTHORIZED');
    assert.equal(wrong.body.error.message, unknown.body.error.message);
    assert.notEqual(wrong.body.error.requestId, unknown.body.error.requestId);

    xxInvalid(await post('/auth/login', { email: u.email, password: u.password }), 'deviceId');
    xxInvalid(await post('/auth/login', { password: u.password, deviceId: 'd' }), 'email');
    xxInvalid(await post('/auth/login', { email: u.email, password: 1234, deviceId: 'd' }), 'password');
    xxError(await a().request('POST', '/xiaoxiang/v1/auth/login', { raw: { data: '{"email":', type: 'application/json' } }), 400, 'INVALID_REQUEST');
    xxError(await a().request('POST', '/xiaoxiang/v1/auth/login', { raw: { data: 'email=x', type: 'application/json' } }), 400, 'INVALID_REQUEST');
  });

  it('refresh rotates: new tokens and the user; a used, unknown or ended refresh token is UNAUTHORIZED', async () => {
    const u = await user('Refresher');
    const r1 = ok(await post('/auth/refresh', { refreshToken: u.refreshToken }), 200, S.Tokens);
    assert.notEqual(r1.refreshToken, u.refreshToken);
    assert.equal(r1.expiresIn, 3600);
    assert.equal(r1.user.id, u.id);
    ok(await get('/users/me', r1.accessToken), 200, S.User);
    xxError(await post('/auth/refresh', { refreshToken: u.refreshToken }), 401, 'UNAUTHORIZED');
    xxError(await post('/auth/refresh', { refreshToken: 'rt_garbage' }), 401, 'UNAUTHORIZED');
    xxInvalid(await post('/auth/refresh', {}), 'refreshToken');

    const again = await xxLogin(a(), u, 'tablet');
    ok(await post('/auth/logout', { deviceId: 'tablet' }, again), 200);
    xxError(await post('/auth/refresh', { refreshToken: again.refreshToken }), 401, 'UNAUTHORIZED');
    // The body may be left out (with or without a JSON content type): the calling token's device ends.
    for (const raw of [undefined, { data: '', type: 'application/json' }]) {
      const desk = await xxLogin(a(), u, 'desk');
      ok(await a().request('POST', '/xiaoxiang/v1/auth/logout', { token: desk.token, ...(raw && { raw }) }), 200);
      xxError(await get('/users/me', desk), 401, 'UNAUTHORIZED');
    }
  });

  it('logout ends one device: its tokens and socket at once, a new socket refused; the other device goes on', async () => {
    const u = await user('Two Phones');
    const phone = await xxLogin(a(), u, 'phone');
    const laptop = await xxLogin(a(), u, 'laptop');
    const peer = await user('Peer');
    const chat = await privateChat(peer, u);
    const sPhone = await XxSocket.open(base(), phone);
    const sLaptop = await XxSocket.open(base(), laptop);

    xxInvalid(await post('/auth/logout', { deviceId: 'laptop' }, phone), 'deviceId');
    ok(await post('/auth/logout', { deviceId: 'phone' }, phone), 200);
    const closed = await sPhone.closed;
    assert.ok(closed.code >= 4000, `closed with ${closed.code}`);
    xxError(await get('/users/me', phone), 401, 'UNAUTHORIZED');
    xxError(await post('/auth/refresh', { refreshToken: phone.refreshToken }), 401, 'UNAUTHORIZED');
    const refused = await XxSocket.refused(XxSocket.url(base(), phone.token, 'phone'));
    assert.ok(refused.status === 401 || refused.status >= 4000, JSON.stringify(refused));

    ok(await get('/users/me', laptop), 200, S.User);
    await send(peer, chat, 'still here?');
    frameOk(await sLaptop.next('new_message'), 'new_message', 'message');

    // One session per device: logging in again on the laptop ends the laptop's earlier session,
    // and with it the socket that session opened.
    const relogin = await xxLogin(a(), u, 'laptop');
    const replaced = await sLaptop.closed;
    assert.ok(replaced.code >= 4000, `closed with ${replaced.code}`);
    xxError(await get('/users/me', laptop), 401, 'UNAUTHORIZED');
    ok(await get('/users/me', relogin), 200);
  });

  it('the socket is bound to its device; bad, missing and revoked tokens are refused', async () => {
    const u = await user();
    const missing = await XxSocket.refused(XxSocket.url(base(), u.token, undefined));
    assert.equal(missing.status, 400);
    assert.equal(JSON.parse(missing.body).error.code, 'VALIDATION_ERROR');
    assert.ok(JSON.parse(missing.body).error.requestId);
    const other = await XxSocket.refused(XxSocket.url(base(), u.token, 'someone-elses-device'));
    assert.equal(other.status, 401);
    const bad = await XxSocket.refused(XxSocket.url(base(), 'not-a-token', u.deviceId));
    assert.equal(bad.status, 401);
    assert.equal(JSON.parse(bad.body).error.code, 'UNAUTHORIZED');
    const noToken = await XxSocket.refused(`${base().replace(/^http/, 'ws')}/xiaoxiang/ws?deviceId=${u.deviceId}`);
    assert.deepEqual([noToken.status, JSON.parse(noToken.body).error.code], [401, 'UNAUTHORIZED']);
    (await XxSocket.open(base(), u)).ws.close();
  });

  it('users: me, PUT name/avatar/status (not permissions), search by name prefix or email with meta.pagination', async () => {
    const u = await user('Wang');
    const me = ok(await get('/users/me', u), 200, S.User);
    assert.equal(me.name, 'Wang');
    const up = ok(await put('/users/me', { name: '李四', avatar: 'https://cdn.example.com/new.jpg', status: 'busy', permissions: ['admin'] }, u), 200, S.User);
    assert.deepEqual([up.name, up.avatar, up.status, up.permissions], ['李四', 'https://cdn.example.com/new.jpg', 'busy', ['chat.read', 'chat.write', 'contacts.read']]);
    assert.equal(ok(await get('/users/me', u), 200).name, '李四');
    // The same nickname through the primary API.
    const primary = await a().get('/api/users/me', { token: u.token });
    assert.equal(primary.body.data.nickname, '李四');
    xxInvalid(await put('/users/me', { name: '' }, u), 'name');
    xxInvalid(await put('/users/me', { name: 'x'.repeat(65) }, u), 'name');
    xxInvalid(await put('/users/me', { status: 'sleeping' }, u), 'status');
    xxInvalid(await put('/users/me', { avatar: 'not a link' }, u), 'avatar');
    assert.equal(ok(await get('/users/me', u), 200).status, 'busy');

    const prefix = `Srch${process.pid}`;
    const found = [await user(`${prefix}Anna`), await user(`${prefix.toLowerCase()}bob`), await user(`${prefix}Carl`)];
    const page = await get(`/users/search?q=${prefix.toUpperCase()}&limit=2&offset=0`, u);
    const d = ok(page, 200);
    assert.equal(d.users.length, 2);
    for (const x of d.users) assert.ok(fits(S.FoundUser, x), JSON.stringify(x));
    assert.deepEqual(pagination(page), { page: 1, limit: 2, total: 3, hasNext: true });
    const last = await get(`/users/search?q=${prefix}&limit=2&offset=2`, u);
    assert.deepEqual(pagination(last), { page: 2, limit: 2, total: 3, hasNext: false });
    const byEmail = ok(await get(`/users/search?q=${encodeURIComponent(found[1]!.email)}`, u), 200);
    assert.deepEqual(byEmail.users.map((x: { id: string }) => x.id), [found[1]!.id]);
    // A username that starts with the query is not a name that does.
    assert.equal(ok(await get(`/users/search?q=xx${process.pid}`, u), 200).users.length, 0);
    xxInvalid(await get('/users/search', u), 'q');
    xxInvalid(await get(`/users/search?q=${prefix}&limit=101`, u), 'limit');
    xxInvalid(await get(`/users/search?q=${prefix}&limit=abc`, u), 'limit');
    xxError(await get('/users/me'), 401, 'UNAUTHORIZED');
    xxError(await get('/users/me', 'garbage'), 401, 'UNAUTHORIZED');
  });

  it('chats: one private chat per pair (also the primary API\'s), groups, the list with meta.pagination and unread counts', async () => {
    const [x, y, z] = [await user('小明'), await user('李四'), await user('王五')];
    const c1 = ok(await post('/chats', { type: 'private', participantIds: [y.id] }, x), [200, 201], S.Chat);
    assert.equal(c1.name, '李四');
    assert.deepEqual(c1.participants.map((p: { id: string }) => p.id).sort(), [x.id, y.id].sort());
    assert.equal(c1.lastMessage, null);
    const c2 = ok(await post('/chats', { type: 'private', participantIds: [x.id] }, y), [200, 201], S.Chat);
    assert.equal(c2.id, c1.id);
    assert.equal(c2.name, '小明');
    xxInvalid(await post('/chats', { type: 'private', participantIds: [x.id] }, x), 'participantIds');
    xxInvalid(await post('/chats', { type: 'private', participantIds: [y.id, z.id] }, x), 'participantIds');
    xxError(await post('/chats', { type: 'private', participantIds: ['999999'] }, x), [400, 404]);
    xxError(await post('/chats', { type: 'private', participantIds: ['not-an-id'] }, x), [400, 404]);
    xxInvalid(await post('/chats', { type: 'group', participantIds: [y.id] }, x), 'name');
    xxInvalid(await post('/chats', { type: 'group', name: '', participantIds: [y.id] }, x), 'name');
    xxInvalid(await post('/chats', { type: 'channel', participantIds: [y.id] }, x), 'type');
    xxInvalid(await post('/chats', { type: 'group', name: 'g' }, x), 'participantIds');

    const g = await group(x, [y, z]);
    const msg = await send(y, c1.id, 'hello x');
    const primary = await a().get(`/api/chats/${c1.id}/messages`, { token: x.token });
    assert.equal(primary.status, 200, primary.text);
    assert.ok(primary.body.data.messages.some((m: { id: number }) => String(m.id) === msg.id));

    const list = await get('/chats', x);
    const chats = ok(list, 200).chats;
    for (const c of chats) assert.ok(fits(S.Chat, c), JSON.stringify(c));
    assert.deepEqual(chats.map((c: { id: string }) => c.id), [c1.id, g]);
    assert.equal(chats[0].unreadCount, 1);
    assert.deepEqual(chats[0].lastMessage, { id: msg.id, senderId: y.id, content: 'hello x', timestamp: msg.timestamp });
    assert.deepEqual(pagination(list), { page: 1, limit: 20, total: 2, hasNext: false });
    const groups = ok(await get('/chats?type=group', x), 200).chats;
    assert.deepEqual(groups.map((c: { id: string; name: string }) => [c.id, c.name]), [[g, '项目讨论组']]);
    assert.deepEqual(ok(await get('/chats?type=private', x), 200).chats.map((c: { id: string }) => c.id), [c1.id]);
    const paged = await get('/chats?limit=1&offset=1', x);
    assert.deepEqual(pagination(paged), { page: 2, limit: 1, total: 2, hasNext: false });
    xxInvalid(await get('/chats?type=secret', x), 'type');
    xxInvalid(await get('/chats?limit=0', x), 'limit');

    const detail = ok(await get(`/chats/${g}`, z), 200, S.Chat);
    assert.equal(detail.participants.length, 3);
    xxError(await get(`/chats/${c1.id}`, z), [403, 404]);
    for (const id of ['999999', 'abc', '0x10', '1e3', '012']) xxError(await get(`/chats/${id}`, x), 404, 'NOT_FOUND');
    xxError(await get('/nowhere', x), 404, 'NOT_FOUND');
    xxError(await a().request('DELETE', `/xiaoxiang/v1/chats/${g}`, { token: x.token }), 404, 'NOT_FOUND');

    // Latest activity first: a chat made after the last message leads until another message comes.
    const h = await group(x, [z], '新群');
    assert.deepEqual(ok(await get('/chats', x), 200).chats.map((c: { id: string }) => c.id), [h, c1.id, g]);
    await send(z, g, 'the group wakes up');
    assert.deepEqual(ok(await get('/chats', x), 200).chats.map((c: { id: string }) => c.id), [g, h, c1.id]);
  });

  it('messages: send (201, status sent), replyTo, idempotent clientId (also concurrently), list before/after, validation', async () => {
    const [x, y, outsider] = [await user('X'), await user('Y'), await user('Out')];
    const chat = await privateChat(x, y);
    const m = await send(x, chat, 'Hello World', { clientId: 'c-1', timestamp: '2024-01-15T10:30:00Z' });
    assert.deepEqual([m.chatId, m.senderId, m.type, m.status, m.readBy, m.replyTo], [chat, x.id, 'text', 'sent', [], null]);
    assert.deepEqual(m.metadata, { clientId: 'c-1', timestamp: '2024-01-15T10:30:00Z' });
    assert.deepEqual((await send(y, chat, 'no metadata')).metadata, {});
    assert.match(m.timestamp, iso);
    const again = await send(x, chat, 'Hello World (retry)', { clientId: 'c-1' });
    assert.equal(again.id, m.id);
    assert.equal(again.content, 'Hello World');
    const theirs = await send(y, chat, 'same key, other sender', { clientId: 'c-1' });
    assert.notEqual(theirs.id, m.id);
    const racing = await Promise.all(Array.from({ length: 6 }, () => post('/messages', { chatId: chat, type: 'text', content: 'race', metadata: { clientId: 'c-race' } }, x)));
    assert.equal(new Set(racing.map((r) => ok(r, [200, 201]).id)).size, 1);

    const reply = await post('/messages', { chatId: chat, type: 'text', content: 'answer', replyTo: m.id }, y);
    assert.equal(ok(reply, [200, 201], S.Message).replyTo, m.id);
    const otherChat = await group(x, [outsider]);
    const foreign = await send(x, otherChat, 'elsewhere');
    xxError(await post('/messages', { chatId: chat, type: 'text', content: 'x', replyTo: foreign.id }, y), [400, 404]);
    xxError(await post('/messages', { chatId: chat, type: 'text', content: 'x' }, outsider), [403, 404]);
    xxError(await post('/messages', { chatId: '999999', type: 'text', content: 'x' }, x), [403, 404]);
    xxInvalid(await post('/messages', { chatId: chat, type: 'text', content: '' }, x), 'content');
    xxInvalid(await post('/messages', { chatId: chat, type: 'text', content: 'x'.repeat(10_001) }, x), 'content');
    xxInvalid(await post('/messages', { chatId: chat, type: 'sticker', content: 'x' }, x), 'type');
    xxInvalid(await post('/messages', { type: 'text', content: 'x' }, x), 'chatId');
    xxInvalid(await post('/messages', { chatId: chat, type: 'text', content: 'x', metadata: { clientId: 7 } }, x), 'metadata.clientId');

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await send(x, chat, `n${i}`)).id);
    const latest = ok(await get(`/messages?chatId=${chat}&limit=3`, x), 200).messages;
    assert.deepEqual(latest.map((v: { id: string }) => v.id), [ids[4], ids[3], ids[2]]);
    for (const v of latest) assert.ok(fits(S.Message, v));
    const older = ok(await get(`/messages?chatId=${chat}&limit=2&before=${ids[2]}`, x), 200).messages;
    assert.deepEqual(older.map((v: { id: string }) => v.id), [ids[1], ids[0]]);
    const newer = ok(await get(`/messages?chatId=${chat}&limit=2&after=${ids[0]}`, x), 200).messages;
    assert.deepEqual(newer.map((v: { id: string }) => v.id), [ids[2], ids[1]]);
    assert.equal(ok(await get(`/messages?chatId=${chat}`, x), 200).messages.length, 10);
    xxInvalid(await get('/messages', x), 'chatId');
    xxError(await get(`/messages?chatId=${chat}&limit=101`, x), 400, 'VALIDATION_ERROR');
    xxError(await get(`/messages?chatId=${chat}`, outsider), [403, 404]);
    xxError(await get(`/messages?chatId=${chat}&before=${foreign.id}`, x), [400, 404]);
  });

  it('read: one message, a batch all or nothing, readBy and unread counts', async () => {
    const [x, y, z] = [await user('X'), await user('Y'), await user('Z')];
    const g = await group(x, [y, z]);
    const ms = [await send(x, g, 'a'), await send(x, g, 'b'), await send(x, g, 'c')];
    assert.equal(ok(await get(`/chats/${g}`, y), 200).unreadCount, 3);
    // Only the other participants' messages count: x's own three are not unread for x.
    assert.equal(ok(await get(`/chats/${g}`, x), 200).unreadCount, 0);
    const sx = await XxSocket.open(base(), x);

    ok(await put(`/messages/${ms[0]!.id}/read`, undefined, y), 200);
    const read = await sx.next('message_read');
    frameOk(read, 'message_read', 'message');
    assert.deepEqual([read.data.messageId, read.data.chatId, read.data.userId], [ms[0]!.id, g, y.id]);
    assert.equal(ok(await get(`/chats/${g}`, y), 200).unreadCount, 2);

    const other = await group(z, [x]);
    const hidden = await send(z, other, 'not for y');
    xxError(await put('/messages/read', { messageIds: [ms[1]!.id, hidden.id] }, y), [403, 404]);
    xxError(await put('/messages/read', { messageIds: [ms[1]!.id, '999999'] }, y), 404, 'NOT_FOUND');
    xxInvalid(await put('/messages/read', { messageIds: [] }, y), 'messageIds');
    xxInvalid(await put('/messages/read', { messageIds: 'all' }, y), 'messageIds');
    assert.equal(ok(await get(`/chats/${g}`, y), 200).unreadCount, 2, 'a refused batch marks nothing');
    await sx.quiet('message_read');

    ok(await put('/messages/read', { messageIds: [ms[1]!.id, ms[2]!.id] }, y), 200);
    const got = [await sx.next('message_read'), await sx.next('message_read')].map((f) => f.data.messageId).sort();
    assert.deepEqual(got, [ms[1]!.id, ms[2]!.id].sort());
    assert.equal(ok(await get(`/chats/${g}`, y), 200).unreadCount, 0);
    ok(await put(`/messages/${ms[2]!.id}/read`, undefined, z), 200);

    const page = ok(await get(`/messages?chatId=${g}`, x), 200).messages;
    const byId = new Map(page.map((m: { id: string }) => [m.id, m]));
    const readers = (id: string) => (byId.get(id) as { readBy: { userId: string }[] }).readBy.map((r) => r.userId).sort();
    assert.deepEqual(readers(ms[0]!.id), [y.id, z.id].sort());
    assert.deepEqual(readers(ms[2]!.id), [y.id, z.id].sort());
    assert.equal((byId.get(ms[2]!.id) as { status: string }).status, 'read');
    for (const r of (byId.get(ms[0]!.id) as { readBy: { readAt: string }[] }).readBy) assert.match(r.readAt, iso);
    // The sender never appears in readBy.
    ok(await put(`/messages/${ms[0]!.id}/read`, undefined, x), 200);
    assert.ok(!ok(await get(`/messages?chatId=${g}&limit=3`, y), 200).messages.some((m: { readBy: { userId: string }[] }) => m.readBy.some((r) => r.userId === x.id)));
    for (const id of ['999999', 'abc']) xxError(await put(`/messages/${id}/read`, undefined, y), 404, 'NOT_FOUND');
    await sx.close();
  });

  it('files: upload with sniffed type, info apart from bytes, thumbnails; only uploader and chat participants read them', async () => {
    const [x, y, outsider] = [await user('X'), await user('Y'), await user('Out')];
    const image = await png(64, 48);
    const up = await xxUpload(base(), x.token, { file: { data: image, name: 'photo.png', type: 'application/octet-stream' }, type: 'image' });
    assert.equal(up.status, 201, up.text);
    const f = up.body.data;
    assert.ok(fits(S.File, f), up.text);
    assert.deepEqual([f.name, f.type, f.mimeType, f.size], ['photo.png', 'image', 'image/png', image.length]);
    // Root-relative without PUBLIC_URL (decision 14).
    assert.equal(f.url, `/xiaoxiang/v1/files/${f.id}/content`);
    assert.equal(f.thumbnailUrl, `/xiaoxiang/v1/files/${f.id}/thumbnail`);
    assert.deepEqual(ok(await get(`/files/${f.id}`, x), 200, S.File), f);

    const bytes = await fetch(new URL(f.url, base()), { headers: { authorization: `Bearer ${x.token}` } });
    assert.equal(bytes.status, 200);
    assert.equal(bytes.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await bytes.arrayBuffer()), image);
    const thumb = await fetch(new URL(f.thumbnailUrl, base()), { headers: { authorization: `Bearer ${x.token}` } });
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('content-type'), 'image/jpeg');

    const doc = await xxUpload(base(), x.token, { file: { data: Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n'), name: 'spec.pdf', type: 'text/plain' } });
    assert.equal(doc.status, 201, doc.text);
    assert.deepEqual([doc.body.data.type, doc.body.data.mimeType, doc.body.data.thumbnailUrl], ['document', 'application/pdf', null]);
    const html = await xxUpload(base(), x.token, { file: { data: Buffer.from('<html><script>alert(1)</script></html>'), name: 'x.png', type: 'image/png' }, type: 'image' });
    assert.equal(html.status, 400, html.text);
    assert.equal(html.body.error.code, 'VALIDATION_ERROR');
    const none = await xxUpload(base(), x.token, { type: 'image' });
    assert.equal(none.status, 400, none.text);
    assert.equal(none.body.error.code, 'VALIDATION_ERROR');
    const badType = await xxUpload(base(), x.token, { file: { data: image, name: 'a.png', type: 'image/png' }, type: 'sticker' });
    assert.equal(badType.body.error.code, 'VALIDATION_ERROR');

    xxError(await get(`/files/${f.id}`, y), [403, 404]);
    const chat = await privateChat(x, y);
    // Naming someone else's file grants nothing.
    xxError(await post('/messages', { chatId: chat, type: 'image', content: 'mine now', metadata: { fileId: f.id } }, y), [400, 403, 404]);
    const carried = await send(x, chat, f.url, {});
    assert.equal(carried.metadata.fileId, undefined);
    const withFile = ok(await post('/messages', { chatId: chat, type: 'image', content: f.url, metadata: { fileId: f.id } }, x), [200, 201], S.Message);
    assert.deepEqual([withFile.type, withFile.metadata.fileId], ['image', f.id]);
    assert.deepEqual(ok(await get(`/files/${f.id}`, y), 200), f);
    const asY = await fetch(new URL(f.url, base()), { headers: { authorization: `Bearer ${y.token}` } });
    assert.equal(asY.status, 200);
    // A participant who may read it may send it on.
    ok(await post('/messages', { chatId: chat, type: 'image', content: 'again', metadata: { fileId: f.id } }, y), [200, 201]);
    xxError(await get(`/files/${f.id}`, outsider), [403, 404]);
    const asOut = await fetch(new URL(f.url, base()), { headers: { authorization: `Bearer ${outsider.token}` } });
    assert.ok([403, 404].includes(asOut.status));
    xxInvalid(await post('/messages', { chatId: chat, type: 'text', content: 'text with a file', metadata: { fileId: f.id } }, x));
    for (const id of ['file_nope', 'a.b']) xxError(await get(`/files/${id}`, x), 404, 'NOT_FOUND');
    const anonymous = await fetch(new URL(f.url, base()));
    assert.equal(anonymous.status, 401);
  });
  it('sync: an offline client catches up after others changed things, nothing missed, nothing twice, in pages', async () => {
    const [me, x, y] = [await user('Offline'), await user('Friend X'), await user('Friend Y')];
    const start = ok(await get(`/sync/changes?since=${encodeURIComponent(new Date().toISOString())}`, me), 200, S.Changes);
    assert.deepEqual([start.changes, start.hasMore], [[], false]);
    const token0 = start.nextToken as string;

    // While "offline": a chat is made with me, messages arrive, a peer renames, someone else's chat stays theirs.
    const chat = await privateChat(x, me);
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) sent.push((await send(x, chat, `m${i}`)).id);
    const g = await group(y, [me]);
    sent.push((await send(y, g, 'in the group')).id);
    ok(await put('/users/me', { name: 'Friend X renamed' }, x), 200);
    const strangers = await privateChat(x, y);
    await send(x, strangers, 'not for me');

    const seen: { id: string; type: string; action: string; version: number }[] = [];
    let token = token0;
    let pages = 0;
    for (;;) {
      const page = ok(await get(`/sync/changes?since=${token}&limit=3`, me), 200, S.Changes);
      seen.push(...page.changes);
      for (const c of page.changes) assert.ok(fits(S.Change, c), JSON.stringify(c));
      pages++;
      token = page.nextToken;
      // Others go on while the client catches up: what happens meanwhile comes too, once.
      if (pages === 1) sent.push((await send(x, chat, 'while syncing')).id);
      if (!page.hasMore) break;
      assert.equal(page.changes.length, 3);
    }
    assert.ok(pages >= 3);
    const versions = seen.map((c) => c.version);
    assert.deepEqual(versions, [...versions].sort((p, q) => p - q), 'in the order they happened');
    assert.equal(new Set(versions).size, versions.length, 'each once');
    assert.deepEqual(seen.filter((c) => c.type === 'messages').map((c) => c.id), sent);
    assert.ok(seen.filter((c) => c.type === 'messages').every((c) => c.action === 'create'));
    const chats = seen.filter((c) => c.type === 'chats');
    assert.ok(chats.some((c) => c.id === chat && c.action === 'create'));
    assert.ok(chats.some((c) => c.id === g && c.action === 'create'));
    assert.ok(!chats.some((c) => c.id === strangers));
    const renamed = seen.find((c) => c.type === 'users' && c.id === x.id) as unknown as { data: { name: string } };
    assert.equal(renamed.data.name, 'Friend X renamed');
    assert.ok(fits(S.FoundUser, renamed.data));
    const firstMessage = seen.find((c) => c.type === 'messages') as unknown as { data: unknown };
    assert.ok(fits(S.Message, firstMessage.data));

    // Caught up: nothing more, however the token is given; reading a cursor again gives the same changes.
    const done = ok(await get(`/sync/changes?since=${token}`, me), 200);
    assert.deepEqual([done.changes, done.hasMore], [[], false]);
    const viaNextToken = ok(await get(`/sync/changes?since=${encodeURIComponent('2000-01-01T00:00:00Z')}&nextToken=${token0}&limit=3`, me), 200);
    const viaSince = ok(await get(`/sync/changes?since=${token0}&limit=3`, me), 200);
    assert.deepEqual(viaNextToken, viaSince);
    assert.deepEqual(viaSince.changes.map((c: { version: number }) => c.version), versions.slice(0, 3));

    // Only some types; an ISO time; departments accepted.
    const onlyMessages = ok(await get(`/sync/changes?since=${token0}&types=messages&limit=500`, me), 200);
    assert.deepEqual(onlyMessages.changes.map((c: { id: string }) => c.id), sent);
    const usersOnly = ok(await get(`/sync/changes?since=${token0}&types=users,departments`, me), 200);
    assert.ok(usersOnly.changes.every((c: { type: string }) => c.type === 'users'));
    const byTime = ok(await get(`/sync/changes?since=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}&types=messages&limit=500`, me), 200);
    assert.deepEqual(byTime.changes.map((c: { id: string }) => c.id), sent);

    xxInvalid(await get('/sync/changes', me), 'since');
    xxInvalid(await get('/sync/changes?since=yesterday', me), 'since');
    xxInvalid(await get(`/sync/changes?since=${token0.slice(0, -2)}${token0.endsWith('xx') ? 'yy' : 'xx'}`, me), 'since');
    xxInvalid(await get(`/sync/changes?since=${token0}&nextToken=forged`, me), 'nextToken');
    xxInvalid(await get(`/sync/changes?since=${token0}&types=messages,contacts`, me), 'types');
    xxInvalid(await get(`/sync/changes?since=${token0}&limit=501`, me), 'limit');
    xxInvalid(await get(`/sync/changes?since=${token0}&limit=0`, me), 'limit');
  });

  it('sync: edits, deletions and renames made through the primary API; strangers stay unseen; a change reads the same in any page', async () => {
    const [me, friend, stranger, other] = [await user('Me'), await user('Friend'), await user('Stranger'), await user('Other')];
    const token0 = ok(await get(`/sync/changes?since=${encodeURIComponent(new Date().toISOString())}`, me), 200).nextToken as string;

    const g = await group(me, [friend], 'G1');
    const m = await send(friend, g, 'original');
    assert.equal((await a().put(`/api/messages/${m.id}`, { content: 'edited' }, { token: friend.token })).status, 200);
    assert.equal((await a().put(`/api/chats/${g}`, { name: 'G2' }, { token: me.token })).status, 200);
    const gone = await send(friend, g, 'to be deleted');
    assert.equal((await a().delete(`/api/messages/${gone.id}`, { token: friend.token })).status, 200);
    ok(await put('/users/me', { name: 'Friend renamed' }, friend), 200);
    ok(await put('/users/me', { name: 'Stranger renamed' }, stranger), 200);
    await send(stranger, await privateChat(stranger, other), 'between them');

    const all = ok(await get(`/sync/changes?since=${token0}&limit=500`, me), 200, S.Changes);
    assert.equal(all.hasMore, false);
    assert.deepEqual(
      all.changes.map((c: { type: string; action: string; id: string }) => [c.type, c.action, c.id]),
      [
        ['chats', 'create', g],
        ['messages', 'create', m.id],
        ['messages', 'update', m.id],
        ['chats', 'update', g],
        ['messages', 'create', gone.id],
        ['messages', 'delete', gone.id],
        ['users', 'update', friend.id],
      ],
    );
    const [, created, edited, renamed, , deleted, friendRenamed] = all.changes as { data: any }[];
    assert.deepEqual([created!.data.content, edited!.data.content, renamed!.data.name], ['original', 'edited', 'G2']);
    assert.deepEqual(deleted!.data, { id: gone.id, chatId: g });
    assert.deepEqual(friendRenamed!.data, { id: friend.id, name: 'Friend renamed', avatar: '', department: '', position: '', status: 'offline' });

    // One change at a time, through nextToken: the same changes, each as it read in the one page.
    const oneByOne: unknown[] = [];
    for (let token = token0, more = true; more; ) {
      const page = ok(await get(`/sync/changes?since=${encodeURIComponent('2000-01-01T00:00:00Z')}&nextToken=${token}&limit=1`, me), 200);
      oneByOne.push(...page.changes);
      [token, more] = [page.nextToken, page.hasMore];
    }
    assert.deepEqual(oneByOne, all.changes);
    // Added to a group through the primary API: to the one added it is a new chat; removed, it goes.
    const old = await group(friend, [other], 'Old');
    assert.equal((await a().post(`/api/chats/${old}/members`, { members: [Number(me.id)] }, { token: friend.token })).status, 200);
    const joined = ok(await get(`/sync/changes?since=${all.nextToken}&types=chats`, me), 200);
    assert.deepEqual(joined.changes.map((c: { action: string; id: string; data: { name: string } }) => [c.action, c.id, c.data.name]), [['create', old, 'Old']]);
    assert.deepEqual(ok(await get(`/sync/changes?since=${all.nextToken}&types=chats`, other), 200).changes.map((c: { action: string }) => c.action), ['create', 'update']);
    assert.equal((await a().delete(`/api/chats/${old}/members/${me.id}`, { token: friend.token })).status, 200);
    const left = ok(await get(`/sync/changes?since=${joined.nextToken}&types=chats`, me), 200).changes;
    assert.deepEqual(left.map((c: { action: string; id: string; data: unknown }) => [c.action, c.id, c.data]), [['delete', old, { id: old }]]);
    // The stranger sees their own rename.
    const theirs = ok(await get(`/sync/changes?since=${token0}&types=users`, stranger), 200).changes;
    assert.deepEqual(theirs.map((c: { id: string; data: { name: string } }) => [c.id, c.data.name]), [[stranger.id, 'Stranger renamed']]);
  });

  it('defaults: sync pages of 100 changes, message pages of 20; 100 uploaded changes at once', async () => {
    const [me, x] = [await user('Many'), await user('X')];
    const chat = await privateChat(me, x);
    const token0 = ok(await get(`/sync/changes?since=${encodeURIComponent(new Date().toISOString())}`, me), 200).nextToken as string;
    const changes = Array.from({ length: 100 }, (_, i) => ({ type: 'message', action: 'create', clientId: `bulk-${i}`, data: { chatId: chat, type: 'text', content: `b${i}` } }));
    const up = ok(await post('/sync/upload', { changes }, me), 200);
    assert.equal(up.processed.length, 100);
    for (let i = 0; i < 5; i++) await send(x, chat, `x${i}`);
    const first = ok(await get(`/sync/changes?since=${token0}&types=messages`, me), 200);
    assert.deepEqual([first.changes.length, first.hasMore], [100, true]);
    assert.deepEqual(first.changes.map((c: { id: string }) => c.id), up.results.map((r: { id: string }) => r.id), 'in the order uploaded');
    const rest = ok(await get(`/sync/changes?since=${first.nextToken}&types=messages`, me), 200);
    assert.deepEqual([rest.changes.length, rest.hasMore], [5, false]);
    const page = ok(await get(`/messages?chatId=${chat}`, me), 200).messages;
    assert.deepEqual(page.map((m: { content: string }) => m.content), [...['x4', 'x3', 'x2', 'x1', 'x0'], ...Array.from({ length: 15 }, (_, i) => `b${99 - i}`)]);
  });

  it('sync upload: applied in order, each on its own, idempotent by clientId; a retry after a lost answer stores nothing twice', async () => {
    const [me, x, stranger] = [await user('Uploader'), await user('X'), await user('S')];
    const chat = await privateChat(me, x);
    const theirs = await privateChat(x, stranger);
    const changes = [
      { type: 'message', action: 'create', clientId: 'local-1', timestamp: '2024-01-15T10:30:00Z', data: { chatId: chat, type: 'text', content: 'first' } },
      { type: 'message', action: 'create', clientId: 'local-2', data: { chatId: theirs, type: 'text', content: 'not my chat' } },
      { type: 'message', action: 'create', clientId: 'local-3', data: { chatId: chat, type: 'text' } },
      { type: 'chat', action: 'create', clientId: 'local-4', data: {} },
      { type: 'message', action: 'create', clientId: 'local-5', data: { chatId: chat, type: 'text', content: 'second', metadata: { draft: true } } },
    ];
    const res = ok(await post('/sync/upload', { changes, deviceId: me.deviceId }, me), 200, S.Uploaded);
    assert.deepEqual(
      res.results.map((r: { clientId: string; status: string }) => [r.clientId, r.status]),
      [['local-1', 'applied'], ['local-2', 'failed'], ['local-3', 'failed'], ['local-4', 'failed'], ['local-5', 'applied']],
    );
    assert.ok(['FORBIDDEN', 'NOT_FOUND'].includes(res.results[1].error.code));
    assert.equal(res.results[2].error.code, 'VALIDATION_ERROR');
    assert.equal(res.results[3].error.code, 'VALIDATION_ERROR');
    assert.deepEqual(res.processed, ['local-1', 'local-5']);

    // The answer was lost: the client uploads the same queue again.
    const retry = ok(await post('/sync/upload', { changes, deviceId: me.deviceId }, me), 200);
    assert.equal(retry.results[0].id, res.results[0].id);
    assert.equal(retry.results[4].id, res.results[4].id);
    const stored = ok(await get(`/messages?chatId=${chat}`, me), 200).messages;
    assert.deepEqual(stored.map((m: { content: string }) => m.content), ['second', 'first']);
    assert.deepEqual(stored[1].metadata, { clientId: 'local-1' });
    assert.deepEqual(stored[0].metadata, { draft: true, clientId: 'local-5' });
    // Upload, REST and the socket share the key.
    const rest = await send(me, chat, 'again via REST', { clientId: 'local-1' });
    assert.equal(rest.id, res.results[0].id);

    xxInvalid(await post('/sync/upload', { changes: 'all' }, me), 'changes');
    xxInvalid(await post('/sync/upload', { changes: Array.from({ length: 101 }, (_, i) => ({ ...changes[0], clientId: `many-${i}` })) }, me), 'changes');
    assert.equal(ok(await get(`/messages?chatId=${chat}`, me), 200).messages.length, 2, 'a refused upload applies nothing');

    // A connection dropped once the request is out (the answer never arrives), the queue sent again
    // at once, while the first may still be applying: each change is stored once, answered with its id.
    const queue = Array.from({ length: 20 }, (_, i) => ({ type: 'message', action: 'create', clientId: `dropped-${i}`, data: { chatId: chat, type: 'text', content: `q${i}` } }));
    await sendAndHangUp(`${base()}/xiaoxiang/v1/sync/upload`, me.token, { changes: queue, deviceId: me.deviceId });
    const resent = ok(await post('/sync/upload', { changes: queue, deviceId: me.deviceId }, me), 200);
    assert.deepEqual(resent.processed, queue.map((q) => q.clientId));
    const after = ok(await get(`/messages?chatId=${chat}&limit=100`, me), 200).messages.filter((m: { metadata: { clientId?: string } }) => m.metadata.clientId?.startsWith('dropped-'));
    assert.equal(after.length, 20, 'nothing stored twice');
    assert.deepEqual(after.map((m: { id: string }) => m.id).sort(), resent.results.map((r: { id: string }) => r.id).sort());
    assert.deepEqual(after.map((m: { content: string }) => m.content), queue.map((q) => q.data.content).reverse(), 'in the order uploaded');
  });

  it('socket: new_message, message_read, typing and user_status reach only whom they concern; requestId answers; error frames', async () => {
    const [x, y, z, loner] = [await user('X'), await user('Y'), await user('Z'), await user('Loner')];
    const chat = await privateChat(x, y);
    const [sx, sy, sz] = [await XxSocket.open(base(), x), await XxSocket.open(base(), y), await XxSocket.open(base(), z)];
    // y's first connection: online, to x who shares a chat with y.
    const online = await sx.next((f) => f.event === 'user_status' && f.data.userId === y.id);
    frameOk(online, 'user_status', 'status');
    assert.deepEqual(online.data, { userId: y.id, status: 'online', lastSeen: null });

    // Presence: loner shares no chat with x, so x hears nothing; y does.
    const sLoner = await XxSocket.open(base(), loner);
    const yOnline = await XxSocket.open(base(), await xxLogin(a(), y, 'second-device'));
    await sx.quiet('user_status');
    await yOnline.close();
    await sLoner.close();

    const m = await send(y, chat, 'hi x');
    for (const s of [sx, sy]) {
      const f = await s.next('new_message');
      frameOk(f, 'new_message', 'message');
      assert.equal(f.data.id, m.id);
      assert.deepEqual(Object.keys(f).sort(), ['data', 'event', 'type']);
    }
    await sz.quiet('new_message');

    const hb = await sx.request('heartbeat', 'heartbeat', { timestamp: 42 });
    frameOk(hb, 'heartbeat', 'heartbeat');
    assert.equal(hb.data.timestamp, 42);

    const typing = await sx.request('typing', 'typing', { chatId: chat, userId: x.id, isTyping: true });
    frameOk(typing, 'typing', 'typing');
    const told = await sy.next('typing');
    assert.deepEqual(told.data, { chatId: chat, userId: x.id, isTyping: true });
    await sz.quiet('typing');
    await sx.quiet('typing');

    const sent = await sx.request('message', 'new_message', { id: 'local-99', chatId: chat, type: 'text', content: 'over the socket', metadata: { clientId: 'ws-1' } });
    frameOk(sent, 'new_message', 'message');
    assert.equal(sent.data.content, 'over the socket');
    const again = await sx.request('message', 'new_message', { chatId: chat, type: 'text', content: 'over the socket', metadata: { clientId: 'ws-1' } });
    assert.equal(again.data.id, sent.data.id);
    assert.equal((await send(x, chat, 'rest', { clientId: 'ws-1' })).id, sent.data.id);
    assert.equal((await sy.next((f) => f.event === 'new_message' && f.data.id === sent.data.id)).data.content, 'over the socket');

    ok(await put(`/messages/${sent.data.id}/read`, undefined, y), 200);
    for (const s of [sx, sy]) {
      const f = await s.next('message_read');
      frameOk(f, 'message_read', 'message');
      assert.deepEqual([f.data.messageId, f.data.chatId, f.data.userId], [sent.data.id, chat, y.id]);
    }
    await sz.quiet('message_read');

    // Status: over the socket and over REST, to those who share a chat.
    const status = await sy.request('status', 'user_status', { userId: y.id, status: 'away', lastSeen: new Date().toISOString() });
    frameOk(status, 'user_status', 'status');
    assert.equal(status.data.status, 'away');
    const away = await sx.next((f) => f.event === 'user_status' && f.data.userId === y.id && f.data.status === 'away');
    frameOk(away, 'user_status', 'status');
    ok(await put('/users/me', { status: 'busy' }, y), 200);
    await sx.next((f) => f.event === 'user_status' && f.data.userId === y.id && f.data.status === 'busy');
    await sz.quiet('user_status');
    await sy.close();
    const offline = await sx.next((f) => f.event === 'user_status' && f.data.userId === y.id && f.data.status === 'offline');
    assert.match(offline.data.lastSeen, iso);

    // Errors: an error frame (with the requestId when there is one), and the connection stays.
    const forbidden = await sz.request('message', 'new_message', { chatId: chat, type: 'text', content: 'let me in' });
    frameOk(forbidden, 'error', 'error');
    assert.ok(['FORBIDDEN', 'NOT_FOUND'].includes(forbidden.data.code));
    const invalid = await sz.request('typing', 'typing', { chatId: 5 });
    assert.deepEqual([invalid.event, invalid.data.code], ['error', 'VALIDATION_ERROR']);
    const unknown = await sz.request('x', 'dance', {});
    assert.deepEqual([unknown.event, unknown.data.code], ['error', 'INVALID_REQUEST']);
    sz.send('{not json');
    const malformed = await sz.next('error');
    assert.deepEqual([malformed.type, malformed.data.code], ['error', 'INVALID_REQUEST']);
    // A frame naming no event still gets its one answer, with its requestId.
    sz.send({ data: {}, requestId: 'no-event' });
    const nameless = await sz.next((f) => f.requestId === 'no-event');
    assert.deepEqual([nameless.type, nameless.event, nameless.data.code], ['error', 'error', 'INVALID_REQUEST']);
    // A heartbeat is answered without a requestId too, sent as the origin client does ({type: "heartbeat"}).
    sz.send({ type: 'heartbeat' });
    frameOk(await sz.next('heartbeat'), 'heartbeat', 'heartbeat');
    await sz.barrier();
    await sx.close();
    await sz.close();
  });

  it('user_status: a first connection announces the status the user chose, to those sharing a chat only; a second one nothing', async () => {
    const [x, y, loner] = [await user('X'), await user('Y'), await user('Loner')];
    await privateChat(x, y);
    ok(await put('/users/me', { status: 'busy' }, y), 200);
    const [sx, sLoner] = [await XxSocket.open(base(), x), await XxSocket.open(base(), loner)];
    const sy = await XxSocket.open(base(), y);
    const first = await sx.next((f) => f.event === 'user_status' && f.data.userId === y.id);
    frameOk(first, 'user_status', 'status');
    assert.deepEqual(first.data, { userId: y.id, status: 'busy', lastSeen: null });
    const sy2 = await XxSocket.open(base(), await xxLogin(a(), y, 'y-tablet'));
    await sy2.close();
    await sx.quiet('user_status');
    await sLoner.quiet('user_status');
    await sy.close();
    assert.equal((await sx.next((f) => f.event === 'user_status' && f.data.userId === y.id)).data.status, 'offline');
    await sLoner.quiet('user_status');
    await sx.close();
    await sLoner.close();
  });

  it('organisation: departments provisioned with the account, the tree with members and counts, members per department', async () => {
    const tag = `${process.pid}${Date.now() % 100000}`;
    const tech = `技术部${tag}`;
    const lead = await xxUser(a(), '张三', { department: tech, position: '技术总监' });
    const fe1 = await xxUser(a(), '李四', { department: `${tech}/前端组`, position: '软件工程师' });
    const fe2 = await xxUser(a(), '王五', { department: ` ${tech} / 前端组 `, position: '' });
    const me = ok(await get('/users/me', fe1), 200, S.User);
    assert.deepEqual([me.department, me.position], ['前端组', '软件工程师']);
    assert.deepEqual([ok(await get('/users/me', lead), 200).department, ok(await get('/users/me', fe2), 200).position], [tech, '']);
    const login = ok(await post('/auth/login', { email: lead.email, password: lead.password, deviceId: 'lead-desk' }), 200);
    assert.deepEqual([login.user.department, login.user.position], [tech, '技术总监']);

    const res = await get('/organization/departments', fe2);
    const top = ok(res, 200).departments.find((d: { name: string }) => d.name === tech);
    assert.ok(top, res.text);
    assert.deepEqual([top.parentId, top.level, top.memberCount], [null, 1, 3]);
    assert.deepEqual(top.members, [{ id: lead.id, name: '张三', position: '技术总监', avatar: '', status: 'offline' }]);
    assert.equal(top.children.length, 1);
    const fe = top.children[0];
    assert.deepEqual([fe.name, fe.parentId, fe.level, fe.memberCount, fe.children], ['前端组', top.id, 2, 2, []]);
    assert.deepEqual(fe.members.map((m: { id: string }) => m.id).sort(), [fe1.id, fe2.id].sort());
    assert.equal(typeof fe.id, 'string');

    const page = await get(`/organization/departments/${fe.id}/members?limit=1&offset=1`, lead);
    const d = ok(page, 200);
    assert.equal(d.members.length, 1);
    for (const m of d.members) assert.ok(fits(S.Member, m), JSON.stringify(m));
    assert.deepEqual(pagination(page), { page: 2, limit: 1, total: 2, hasNext: false });
    assert.equal(ok(await get(`/organization/departments/${fe.id}/members`, lead), 200).members.length, 2);
    assert.deepEqual(pagination(await get(`/organization/departments/${top.id}/members`, lead)), { page: 1, limit: 50, total: 1, hasNext: false });
    for (const id of ['999999', 'abc']) xxError(await get(`/organization/departments/${id}/members`, lead), 404, 'NOT_FOUND');
    xxInvalid(await get(`/organization/departments/${fe.id}/members?limit=0`, lead), 'limit');
    xxError(await get('/organization/departments'), 401, 'UNAUTHORIZED');
    // Search and sync show the department's own name.
    const found = ok(await get(`/users/search?q=${encodeURIComponent(fe1.email)}`, lead), 200).users[0];
    assert.deepEqual([found.department, found.position], ['前端组', '软件工程师']);
  });

  it('serves its OpenAPI document', async () => {
    const doc = await a().get('/openapi/xiaoxiang.json');
    assert.equal(doc.status, 200);
    // Every route of the profile, with its method, below the mount; and the socket.
    for (const r of xiaoxiang.routes) assert.ok(doc.body.paths[`/xiaoxiang${r.path}`]?.[r.method.toLowerCase()], `${r.method} ${r.path}`);
    assert.deepEqual(
      Object.keys(doc.body.paths).filter((p) => p.startsWith('/xiaoxiang/')).sort(),
      [...new Set(xiaoxiang.routes.map((r) => `/xiaoxiang${r.path}`))].sort(),
    );
    assert.ok(doc.body.paths['/xiaoxiang/ws'], 'the WebSocket');
    const login = doc.body.paths['/xiaoxiang/v1/auth/login'].post;
    assert.deepEqual(login.requestBody.content['application/json'].schema.required.sort(), ['deviceId', 'email', 'password']);
    assert.deepEqual(login.responses['4XX'].content['application/json'].schema.properties.error.required, ['code', 'message', 'requestId', 'timestamp']);
    assert.equal(doc.body.paths['/xiaoxiang/v1/health'].get.security, undefined, 'health needs no token');
    const logout = doc.body.paths['/xiaoxiang/v1/auth/logout'].post;
    assert.deepEqual([logout.requestBody.required, Object.keys(logout.requestBody.content['application/json'].schema.properties)], [false, ['deviceId']]);
    assert.ok(!Object.keys(logout).some((k) => k.startsWith('x-')), 'no marker of the kit left');
  });
});

describeEachStore(
  'xiaoxiang rate limits: auth 5 per minute per client address',
  (server) => {
    it('answers RATE_LIMITED 429 to the 6th auth call within a minute: login, refresh and logout alike', async () => {
      const api = server().api;
      const u = await xxUser(api);
      // Registering (primary API) and logging in were two auth calls of this address.
      for (let i = 0; i < 2; i++) assert.equal((await api.post('/xiaoxiang/v1/auth/login', { email: u.email, password: 'wrong-password', deviceId: 'd' })).status, 401);
      // Other classes are counted apart.
      assert.equal((await api.get('/xiaoxiang/v1/users/me', { token: u.token })).status, 200);
      assert.equal((await api.post('/xiaoxiang/v1/auth/logout', { deviceId: u.deviceId }, { token: u.token })).status, 200);
      const sixth = await api.post('/xiaoxiang/v1/auth/refresh', { refreshToken: u.refreshToken });
      xxError(sixth, 429, 'RATE_LIMITED');
      assert.ok(Number(sixth.headers.get('retry-after')) > 0);
      xxError(await api.post('/xiaoxiang/v1/auth/logout', {}, { token: u.token }), 429, 'RATE_LIMITED');
    });
  },
  { env: { RATE_LIMIT_AUTH: '5/min' } },
);

const clock = new TestClock();
describeEachStore(
  'xiaoxiang access tokens expire after an hour',
  (server) => {
    it('TOKEN_EXPIRED past expiresIn; the refresh token still works', async () => {
      const api = server().api;
      const u = await xxUser(api);
      assert.equal((await api.get('/xiaoxiang/v1/users/me', { token: u.token })).status, 200);
      clock.advance(3601_000);
      xxError(await api.get('/xiaoxiang/v1/users/me', { token: u.token }), 401, 'TOKEN_EXPIRED');
      const refused = await XxSocket.refused(XxSocket.url(server().url, u.token, u.deviceId));
      assert.equal(refused.status, 401);
      const fresh = await api.post('/xiaoxiang/v1/auth/refresh', { refreshToken: u.refreshToken });
      assert.equal(fresh.status, 200, fresh.text);
      assert.equal((await api.get('/xiaoxiang/v1/users/me', { token: fresh.body.data.accessToken })).status, 200);
    });
  },
  { env: { ACCESS_TOKEN_TTL: '7d' }, options: () => ({ clock }) },
);

describeEachStore(
  'xiaoxiang file links with PUBLIC_URL',
  (server) => {
    it('are absolute from PUBLIC_URL', async () => {
      const u = await xxUser(server().api);
      const up = await xxUpload(server().url, u.token, { file: { data: await png(8, 8), name: 'p.png', type: 'image/png' } });
      assert.equal(up.status, 201, up.text);
      assert.equal(up.body.data.url, `https://chat.example.com/xiaoxiang/v1/files/${up.body.data.id}/content`);
      assert.equal(up.body.data.thumbnailUrl, `https://chat.example.com/xiaoxiang/v1/files/${up.body.data.id}/thumbnail`);
    });
  },
  { env: { PUBLIC_URL: 'https://chat.example.com/' } },
);
