import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Type } from 'typebox';
import { chat8 } from '../../src/profiles/chat8/index.ts';
import * as S from '../../src/profiles/chat8/schemas.ts';
import { compileStrict } from '../../src/http/validation.ts';
import { befriend, Chat8Socket, register, type C8Frame } from '../support/chat8.ts';
import { envelopeOf } from '../support/kit.ts';
import { describeEachStore } from '../support/server.ts';
import { stateOf } from '../support/state.ts';

/** The chat8 document (001) through real HTTP and WebSocket clients, with the decisions. */

const env = envelopeOf(chat8);
const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const Empty = Type.Object({});
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

function frameOk(f: C8Frame, type: string): void {
  assert.equal(f.type, type);
  assert.match(f.timestamp ?? '', iso);
  const schema = chat8.socket!.frames[type]!;
  const check = compileStrict(schema);
  assert.ok(check(f.data ?? {}), `${type}: ${JSON.stringify(check.errors)} in ${JSON.stringify(f)}`);
}

function form(parts: Record<string, string | { data: Buffer; name: string; type: string }>): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(parts)) {
    if (typeof v === 'string') fd.append(k, v);
    else fd.append(k, new Blob([v.data], { type: v.type }), v.name);
  }
  return fd;
}

describeEachStore(
  'chat8 profile',
  (server) => {
    const api = () => server().api;
    async function upload(path: string, token: string | undefined, fd: FormData) {
      const res = await fetch(server().url + path, { method: 'POST', body: fd, headers: token ? { authorization: `Bearer ${token}` } : {} });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    }

    it('register, login, refresh, logout: shapes, statuses and the token rules', async () => {
      const a = await register(api());
      const me = await api().get('/api/v1/user/profile', { token: a.token });
      env.ok(me, S.ProfileData);
      assert.equal(me.body.data.avatar, null);
      assert.match(me.body.data.created_at, iso);
      assert.match(me.body.timestamp, iso);

      // confirm_password mismatch creates nothing; the same names register right after.
      const name = `c8mis${process.pid}`;
      const before = await stateOf(server());
      const bad = await api().post('/api/v1/auth/register', { username: name, email: `${name}@x.io`, password: 'password-1', confirm_password: 'password-2' });
      assert.ok(bad.status === 400 || bad.status === 422);
      assert.equal(bad.body.success, false);
      assert.deepEqual(typeof bad.body.error.details, 'object');
      assert.equal(await stateOf(server()), before);
      const good = await api().post('/api/v1/auth/register', { username: name, email: `${name}@x.io`, password: 'password-1', confirm_password: 'password-1' });
      env.ok(good, S.RegisterData);
      assert.equal(good.body.data.token_type, 'bearer');
      env.error(await api().post('/api/v1/auth/register', { username: name, email: `o${name}@x.io`, password: 'password-1', confirm_password: 'password-1' }), 409, 'USER_002');
      env.error(await api().post('/api/v1/auth/register', { username: `o${name}`, email: `${name}@x.io`, password: 'password-1', confirm_password: 'password-1' }), 409, 'USER_003');
      const badEmail = await api().post('/api/v1/auth/register', { username: `e${name}`, email: 'not-an-email', password: 'password-1', confirm_password: 'password-1' });
      assert.ok(badEmail.status === 400 || badEmail.status === 422);

      const login = await api().post('/api/v1/auth/login', { username: a.username, password: a.password });
      env.ok(login, S.LoginData);
      assert.ok(Number.isInteger(login.body.data.expires_in) && login.body.data.expires_in > 0);
      assert.deepEqual(login.body.data.user, { id: a.id, username: a.username, email: a.email, avatar: null });
      const profile = await api().get('/api/v1/user/profile', { token: login.body.data.access_token });
      assert.match(profile.body.data.last_login, iso);
      env.error(await api().post('/api/v1/auth/login', { username: a.username, password: 'wrong-pass' }), 401, 'AUTH_003');
      env.error(await api().post('/api/v1/auth/login', { username: 'nobody-here', password: 'wrong-pass' }), 401, 'AUTH_003');
      // The email stands in for the username; an unknown one is the same AUTH_003.
      const byEmail = await api().post('/api/v1/auth/login', { username: a.email, password: a.password });
      env.ok(byEmail, S.LoginData);
      assert.equal(byEmail.body.data.user.id, a.id);
      env.error(await api().post('/api/v1/auth/login', { username: `nobody-${name}@x.io`, password: a.password }), 401, 'AUTH_003');
      env.error(await api().post('/api/v1/auth/login', { username: a.email, password: 'wrong-pass' }), 401, 'AUTH_003');

      // One account, every profile.
      const primary = await api().post('/api/auth/login', { username: a.username, password: a.password });
      assert.equal(primary.status, 200, primary.text);

      const refreshed = await api().post('/api/v1/auth/refresh', undefined, { token: a.token });
      env.ok(refreshed, S.TokenData);
      assert.equal((await api().get('/api/v1/user/profile', { token: refreshed.body.data.access_token })).body.data.id, a.id);
      env.error(await api().post('/api/v1/auth/refresh', undefined, { token: 'garbage' }), 401, 'AUTH_001');
      env.error(await api().get('/api/v1/user/profile'), 401, 'AUTH_001');
      env.error(await api().get('/api/v1/user/profile', { token: `${a.token}x` }), 401, 'AUTH_001');

      const other = login.body.data.access_token as string;
      env.ok(await api().post('/api/v1/auth/logout', undefined, { token: a.token }), Empty);
      env.error(await api().get('/api/v1/user/profile', { token: a.token }), 401, 'AUTH_001');
      env.error(await api().post('/api/v1/auth/refresh', undefined, { token: a.token }), 401, 'AUTH_001');
      const refused = await Chat8Socket.refused(Chat8Socket.url(server().url, a.id, a.token));
      assert.ok(refused === 401 || refused >= 1000, String(refused));
      assert.equal((await api().get('/api/v1/user/profile', { token: other })).status, 200);
    });

    it('profile, password and validation: only what is present changes; refused input changes nothing', async () => {
      const a = await register(api());
      const b = await register(api());
      const newName = `${a.username}n`;
      const upd = await api().put('/api/v1/user/profile', { username: newName }, { token: a.token });
      env.ok(upd, S.UpdatedProfileData);
      assert.deepEqual(upd.body.data, { id: a.id, username: newName, email: a.email, avatar: null });
      assert.equal((await api().get('/api/v1/user/profile', { token: a.token })).status, 200);
      assert.equal((await api().post('/api/v1/auth/login', { username: newName, password: a.password })).status, 200);
      env.error(await api().post('/api/v1/auth/login', { username: a.username, password: a.password }), 401, 'AUTH_003');

      const before = await stateOf(server());
      env.error(await api().put('/api/v1/user/profile', { username: b.username }, { token: a.token }), 409, 'USER_002');
      env.error(await api().put('/api/v1/user/profile', { email: b.email }, { token: a.token }), 409, 'USER_003');
      for (const body of [{ email: 'nope' }, { username: 5 }]) {
        const r = await api().put('/api/v1/user/profile', body, { token: a.token });
        assert.ok(r.status === 400 || r.status === 422, r.text);
        assert.equal(r.body.success, false);
      }
      env.error(await api().put('/api/v1/user/password', { current_password: 'wrong-one', new_password: 'new-pass-123', confirm_password: 'new-pass-123' }, { token: a.token }), 400, 'AUTH_003');
      const mismatch = await api().put('/api/v1/user/password', { current_password: a.password, new_password: 'new-pass-123', confirm_password: 'new-pass-124' }, { token: a.token });
      assert.ok(mismatch.status === 400 || mismatch.status === 422);
      const malformed = await api().request('POST', '/api/v1/friends/request', { token: a.token, raw: { data: '{"user_id":', type: 'application/json' } });
      assert.ok(malformed.status === 400 || malformed.status === 422);
      assert.equal(malformed.body.success, false);
      const stat = await api().put('/api/v1/user/status', { status: 'sleeping' }, { token: a.token });
      assert.ok(stat.status === 400 || stat.status === 422);
      assert.equal(await stateOf(server()), before);

      const second = await api().post('/api/v1/auth/login', { username: newName, password: a.password });
      env.ok(await api().put('/api/v1/user/password', { current_password: a.password, new_password: 'new-pass-123', confirm_password: 'new-pass-123' }, { token: a.token }), Empty);
      env.error(await api().post('/api/v1/auth/login', { username: newName, password: a.password }), 401, 'AUTH_003');
      assert.equal((await api().post('/api/v1/auth/login', { username: newName, password: 'new-pass-123' })).status, 200);
      assert.equal((await api().get('/api/v1/user/profile', { token: a.token })).status, 200, 'this session goes on');
      env.error(await api().get('/api/v1/user/profile', { token: second.body.data.access_token }), 401, 'AUTH_001');

      env.error(await api().get('/api/v1/nope', { token: a.token }), 404, 'NOT_FOUND');
      env.error(await api().get('/api/v1/nope'), 404, 'NOT_FOUND');
      const badId = await api().get('/api/v1/encryption/public-key/abc', { token: a.token });
      assert.ok(badId.status >= 400 && badId.status < 500 && badId.body.success === false);
    });

    it('friends: requests, the received list, accept/reject, search, delete, and the friend_request frame', async () => {
      const a = await register(api());
      const b = await register(api());
      const c = await register(api());
      const wb = await Chat8Socket.open(server().url, b);
      env.error(await api().post('/api/v1/friends/request', { user_id: a.id }, { token: a.token }), 400, 'FRIEND_002');
      env.error(await api().post('/api/v1/friends/request', { user_id: 999999 }, { token: a.token }), 404, 'USER_001');
      env.ok(await api().post('/api/v1/friends/request', { user_id: b.id, message: '你好' }, { token: a.token }), Empty);
      const frame = await wb.next('friend_request');
      frameOk(frame, 'friend_request');
      env.error(await api().post('/api/v1/friends/request', { user_id: b.id }, { token: a.token }), 409, 'FRIEND_003');
      env.error(await api().post('/api/v1/friends/request', { user_id: a.id }, { token: b.token }), 409, 'FRIEND_003');

      const received = await api().get('/api/v1/friends/requests', { token: b.token });
      env.ok(received, Type.Array(S.ReceivedRequest));
      assert.deepEqual(received.body.data.map((r: any) => [r.request_id, r.from_user_id, r.from_username, r.message]), [[frame.data.request_id, a.id, a.username, '你好']]);
      assert.deepEqual((await api().get('/api/v1/friends/requests', { token: a.token })).body.data, []);
      const id = frame.data.request_id as number;
      for (const who of [a, c]) env.error(await api().put(`/api/v1/friends/request/${id}`, { action: 'accept' }, { token: who.token }), 404, 'FRIEND_001');
      env.error(await api().put('/api/v1/friends/request/999999', { action: 'accept' }, { token: b.token }), 404, 'FRIEND_001');
      const badAction = await api().put(`/api/v1/friends/request/${id}`, { action: 'maybe' }, { token: b.token });
      assert.ok(badAction.status === 400 || badAction.status === 422);
      assert.equal((await api().get('/api/v1/friends/requests', { token: b.token })).body.data.length, 1, 'still pending');

      env.ok(await api().put(`/api/v1/friends/request/${id}`, { action: 'accept' }, { token: b.token }), Empty);
      env.error(await api().put(`/api/v1/friends/request/${id}`, { action: 'reject' }, { token: b.token }), 404, 'FRIEND_001');
      assert.deepEqual((await api().get('/api/v1/friends/requests', { token: b.token })).body.data, []);
      const fa = await api().get('/api/v1/friends', { token: a.token });
      env.ok(fa, Type.Array(S.Friend));
      assert.deepEqual(fa.body.data.map((f: any) => f.id), [b.id]);
      assert.deepEqual((await api().get('/api/v1/friends', { token: b.token })).body.data.map((f: any) => f.id), [a.id]);
      // The same relationship as the primary API's contacts.
      const contacts = await api().get('/api/contacts', { token: a.token });
      assert.deepEqual(contacts.body.data.contacts.map((x: any) => x.contact_id), [b.id]);

      const byName = await api().get(`/api/v1/friends/search?q=${b.username}`, { token: a.token });
      env.ok(byName, Type.Array(S.FoundUser));
      assert.deepEqual(byName.body.data.map((u: any) => [u.id, u.is_friend]), [[b.id, true]]);
      const byEmail = await api().get(`/api/v1/friends/search?q=${encodeURIComponent(c.email)}`, { token: a.token });
      assert.deepEqual(byEmail.body.data.map((u: any) => [u.id, u.is_friend]), [[c.id, false]]);
      assert.deepEqual((await api().get('/api/v1/friends/search?q=zzzznobody', { token: a.token })).body.data, []);
      assert.ok(!JSON.stringify(byName.body).includes('private_key'));

      // Reject: nothing made, and the sender may ask again.
      env.ok(await api().post('/api/v1/friends/request', { user_id: c.id }, { token: a.token }), Empty);
      const rid = (await api().get('/api/v1/friends/requests', { token: c.token })).body.data[0].request_id;
      env.ok(await api().put(`/api/v1/friends/request/${rid}`, { action: 'reject' }, { token: c.token }), Empty);
      assert.deepEqual((await api().get('/api/v1/friends', { token: c.token })).body.data, []);
      env.ok(await api().post('/api/v1/friends/request', { user_id: c.id }, { token: a.token }), Empty);

      env.error(await api().delete(`/api/v1/friends/${c.id}`, { token: a.token }), 404, 'FRIEND_001');
      env.ok(await api().delete(`/api/v1/friends/${b.id}`, { token: a.token }), Empty);
      assert.deepEqual((await api().get('/api/v1/friends', { token: b.token })).body.data, []);
      assert.equal((await api().get(`/api/v1/friends/search?q=${b.username}`, { token: a.token })).body.data[0].is_friend, false);
      await wb.close();
    });

    it('messages: send, new_message to the receiver only, history order and paging, read, delete', async () => {
      const a = await register(api());
      const b = await register(api());
      const c = await register(api());
      const [wa, wb, wc] = (await Promise.all([a, b, c].map((u) => Chat8Socket.open(server().url, u)))) as [Chat8Socket, Chat8Socket, Chat8Socket];
      const sent = await api().post('/api/v1/messages', { receiver_id: b.id, content: 'hello' }, { token: a.token });
      env.ok(sent, S.SentMessage);
      assert.deepEqual([sent.body.data.sender_id, sent.body.data.receiver_id, sent.body.data.message_type, sent.body.data.is_encrypted], [a.id, b.id, 'text', false]);
      const nm = await wb.next('new_message');
      frameOk(nm, 'new_message');
      assert.deepEqual([nm.data.id, nm.data.sender_id, nm.data.sender_username, nm.data.content], [sent.body.data.id, a.id, a.username, 'hello']);
      await wa.quiet('new_message');
      await wc.quiet('new_message');

      env.error(await api().post('/api/v1/messages', { receiver_id: 999999, content: 'x' }, { token: a.token }), 404, 'USER_001');
      const cipher = 'U2FsdGVkX1+abc==';
      const types = ['image', 'file', 'audio', 'video'] as const;
      const ids = [sent.body.data.id as number];
      for (const t of types) {
        const r = await api().post('/api/v1/messages', { receiver_id: a.id, content: `/x/${t}`, message_type: t }, { token: b.token });
        env.ok(r, S.SentMessage);
        ids.push(r.body.data.id);
      }
      const enc = await api().post('/api/v1/messages', { receiver_id: b.id, content: cipher, is_encrypted: true }, { token: a.token });
      assert.deepEqual([enc.body.data.content, enc.body.data.is_encrypted], [cipher, true]);
      ids.push(enc.body.data.id);
      const badType = await api().post('/api/v1/messages', { receiver_id: b.id, content: 'x', message_type: 'sticker' }, { token: a.token });
      assert.ok(badType.status === 400 || badType.status === 422);

      const page1 = await api().get(`/api/v1/messages/${b.id}?page=1&limit=4`, { token: a.token });
      env.ok(page1, Type.Object({ messages: Type.Array(S.Message), pagination: Type.Object({ page: Type.Integer(), limit: Type.Integer(), total: Type.Integer(), pages: Type.Integer() }) }));
      assert.deepEqual(page1.body.data.messages.map((m: any) => m.id), [...ids].reverse().slice(0, 4));
      assert.deepEqual(page1.body.data.pagination, { page: 1, limit: 4, total: 6, pages: 2 });
      const fromB = await api().get(`/api/v1/messages/${a.id}?page=1&limit=4`, { token: b.token });
      assert.deepEqual(fromB.body.data.messages.map((m: any) => m.id), page1.body.data.messages.map((m: any) => m.id));
      const past = await api().get(`/api/v1/messages/${b.id}?page=9&limit=4`, { token: a.token });
      assert.deepEqual([past.body.data.messages, past.body.data.pagination.total, past.body.data.pagination.page], [[], 6, 9]);
      const dflt = await api().get(`/api/v1/messages/${b.id}`, { token: a.token });
      assert.deepEqual([dflt.body.data.pagination.page, dflt.body.data.pagination.limit], [1, 50]);
      assert.deepEqual((await api().get(`/api/v1/messages/${a.id}`, { token: c.token })).body.data.messages, []);
      for (const q of ['page=0', 'page=x', 'limit=1.5', 'limit=101']) {
        const r = await api().get(`/api/v1/messages/${b.id}?${q}`, { token: a.token });
        assert.ok(r.status === 400 || r.status === 422, q);
      }

      const first = sent.body.data.id as number;
      assert.equal(page1.body.data.messages.find((m: any) => m.id === enc.body.data.id).is_read, false);
      const before = await stateOf(server());
      env.error(await api().put(`/api/v1/messages/${first}/read`, undefined, { token: a.token }), 403, 'MESSAGE_002');
      env.error(await api().put(`/api/v1/messages/${first}/read`, undefined, { token: c.token }), 403, 'MESSAGE_002');
      env.error(await api().delete(`/api/v1/messages/${first}`, { token: c.token }), 403, 'MESSAGE_002');
      assert.equal(await stateOf(server()), before);
      env.error(await api().put('/api/v1/messages/999999/read', undefined, { token: b.token }), 404, 'MESSAGE_001');
      env.ok(await api().put(`/api/v1/messages/${first}/read`, undefined, { token: b.token }), Empty);
      for (const u of [a, b]) {
        const h = await api().get(`/api/v1/messages/${u === a ? b.id : a.id}`, { token: u.token });
        assert.equal(h.body.data.messages.find((m: any) => m.id === first).is_read, true);
      }

      env.ok(await api().delete(`/api/v1/messages/${first}`, { token: a.token }), Empty);
      for (const u of [a, b]) {
        const h = await api().get(`/api/v1/messages/${u === a ? b.id : a.id}`, { token: u.token });
        assert.ok(!h.body.data.messages.some((m: any) => m.id === first));
        assert.equal(h.body.data.pagination.total, 5);
      }
      env.error(await api().delete(`/api/v1/messages/${first}`, { token: a.token }), 404, 'MESSAGE_001');
      env.error(await api().put(`/api/v1/messages/${first}/read`, undefined, { token: b.token }), 404, 'MESSAGE_001');
      // The receiver's delete: gone at least from the receiver's history.
      env.ok(await api().delete(`/api/v1/messages/${enc.body.data.id}`, { token: b.token }), Empty);
      assert.ok(!(await api().get(`/api/v1/messages/${a.id}`, { token: b.token })).body.data.messages.some((m: any) => m.id === enc.body.data.id));
      env.error(await api().delete(`/api/v1/messages/${enc.body.data.id}`, { token: b.token }), 404, 'MESSAGE_001');
      await Promise.all([wa, wb, wc].map((w) => w.close()));
    });

    it('status and presence: user_status to connected friends only; connecting and leaving', async () => {
      const a = await register(api());
      const b = await register(api());
      const stranger = await register(api());
      await befriend(api(), a, b);
      // The stranger shares a chat with a, but is no friend.
      await api().post('/api/v1/messages', { receiver_id: a.id, content: 'hi' }, { token: stranger.token });
      const wb = await Chat8Socket.open(server().url, b);
      const ws = await Chat8Socket.open(server().url, stranger);
      const wa = await Chat8Socket.open(server().url, a);
      const online = await wb.next((f) => f.type === 'user_status' && f.data.user_id === a.id);
      frameOk(online, 'user_status');
      assert.deepEqual(online.data, { user_id: a.id, username: a.username, status: 'online' });
      assert.equal((await api().get('/api/v1/user/profile', { token: a.token })).body.data.status, 'online');

      const set = await api().put('/api/v1/user/status', { status: 'away' }, { token: a.token });
      env.ok(set, S.StatusData);
      assert.equal(set.body.data.status, 'away');
      assert.equal((await wb.next((f) => f.type === 'user_status' && f.data.user_id === a.id)).data.status, 'away');
      assert.equal((await api().get('/api/v1/user/profile', { token: a.token })).body.data.status, 'away');
      assert.equal((await api().get('/api/v1/friends', { token: b.token })).body.data[0].status, 'away');
      await ws.quiet('user_status');

      await wa.close();
      assert.equal((await wb.next((f) => f.type === 'user_status' && f.data.user_id === a.id)).data.status, 'offline');
      assert.equal((await api().get('/api/v1/user/profile', { token: a.token })).body.data.status, 'offline');
      const friends = await api().get('/api/v1/friends', { token: b.token });
      assert.equal(friends.body.data[0].status, 'offline');
      assert.match(friends.body.data[0].last_seen, iso);

      // Not connected, a status set still shows and still reaches friends.
      await api().put('/api/v1/user/status', { status: 'away' }, { token: a.token });
      assert.equal((await wb.next((f) => f.type === 'user_status' && f.data.user_id === a.id)).data.status, 'away');
      assert.equal((await api().get('/api/v1/user/profile', { token: a.token })).body.data.status, 'away');
      await ws.quiet('user_status');
      await Promise.all([wb.close(), ws.close()]);
    });

    it('socket: path user id, tokens, ping/pong, call invites to the callee only, error frames', async () => {
      const a = await register(api());
      const b = await register(api());
      const c = await register(api());
      for (const url of [
        Chat8Socket.url(server().url, b.id, a.token),
        Chat8Socket.url(server().url, 'abc', a.token),
        Chat8Socket.url(server().url, a.id),
        Chat8Socket.url(server().url, a.id, 'bad'),
      ]) {
        const refused = await Chat8Socket.refused(url);
        assert.ok([401, 403].includes(refused) || refused >= 1000, String(refused));
      }
      const [wa, wb, wc] = (await Promise.all([a, b, c].map((u) => Chat8Socket.open(server().url, u)))) as [Chat8Socket, Chat8Socket, Chat8Socket];
      wa.send({ type: 'ping' });
      const pong = await wa.next('pong');
      assert.match(pong.timestamp ?? '', iso);
      assert.equal(pong.data, undefined);

      wa.send({ type: 'voice_call_invite', data: { to_user_id: b.id, call_id: 'call-1' } });
      const voice = await wb.next('voice_call_invite');
      frameOk(voice, 'voice_call_invite');
      assert.deepEqual(voice.data, { call_id: 'call-1', from_user_id: a.id, from_username: a.username });
      wa.send({ type: 'video_call_invite', data: { to_user_id: b.id } });
      const video = await wb.next('video_call_invite');
      frameOk(video, 'video_call_invite');
      assert.ok(video.data.call_id.length > 0);
      await wc.quiet('voice_call_invite', 'video_call_invite');
      await wa.quiet('voice_call_invite', 'video_call_invite');

      wa.send('{nope');
      frameOk(await wa.next('error'), 'error');
      wa.send({ type: 'voice_call_invite', data: { to_user_id: 'x' } });
      const err = await wa.next('error');
      frameOk(err, 'error');
      assert.equal(err.data.success, false);
      await Promise.all([wa, wb, wc].map((w) => w.close()));
    });

    it('uploads: avatars public by their link, chat files for the uploader and receiver only', async () => {
      const a = await register(api());
      const b = await register(api());
      const c = await register(api());
      const before = await stateOf(server());
      const notImage = await upload('/api/v1/upload/avatar', a.token, form({ file: { data: Buffer.from('just text, honestly'), name: 'a.png', type: 'image/png' } }));
      assert.equal(notImage.status, 400, JSON.stringify(notImage.body));
      assert.equal(notImage.body.error.code, 'FILE_001');
      const noFile = await upload('/api/v1/upload/avatar', a.token, form({ other: 'x' }));
      assert.ok(noFile.status === 400 || noFile.status === 422);
      assert.equal(await stateOf(server()), before);

      const av = await upload('/api/v1/upload/avatar', a.token, form({ file: { data: png, name: 'me.png', type: 'image/png' } }));
      env.ok(av, S.AvatarData);
      const url = av.body.data.avatar_url as string;
      assert.equal((await api().get('/api/v1/user/profile', { token: a.token })).body.data.avatar, url);
      const img = await fetch(new URL(url, server().url));
      assert.equal(img.status, 200);
      assert.match(img.headers.get('content-type') ?? '', /^image\//);

      const keptBefore = await stateOf(server());
      const noReceiver = await upload('/api/v1/upload/file', a.token, form({ file: { data: pdf, name: 'doc.pdf', type: 'application/pdf' } }));
      assert.ok(noReceiver.status === 400 || noReceiver.status === 422, JSON.stringify(noReceiver.body));
      const unknown = await upload('/api/v1/upload/file', a.token, form({ receiver_id: '999999', file: { data: pdf, name: 'doc.pdf', type: 'application/pdf' } }));
      assert.equal(unknown.body.error.code, 'USER_001');
      assert.equal(unknown.status, 404);
      assert.equal(await stateOf(server()), keptBefore, 'a refused chat file is not kept');
      const f = await upload('/api/v1/upload/file', a.token, form({ receiver_id: String(b.id), file: { data: pdf, name: 'doc.pdf', type: 'application/pdf' } }));
      env.ok(f, S.FileData);
      assert.deepEqual([f.body.data.file_name, f.body.data.file_size, f.body.data.file_type], ['doc.pdf', pdf.length, 'application/pdf']);
      const link = new URL(f.body.data.file_url, server().url).toString();
      for (const u of [a, b]) {
        const r = await fetch(link, { headers: { authorization: `Bearer ${u.token}` } });
        assert.equal(r.status, 200);
        assert.deepEqual(Buffer.from(await r.arrayBuffer()), pdf);
      }
      const third = await fetch(link, { headers: { authorization: `Bearer ${c.token}` } });
      assert.ok(third.status === 403 || third.status === 404);
      assert.equal((await fetch(link)).status, 401);
    });

    it('keys: post, read public, own pair, replace, never leaked', async () => {
      const a = await register(api());
      const b = await register(api());
      env.error(await api().get(`/api/v1/encryption/public-key/${a.id}`, { token: b.token }), 404, 'ENCRYPT_001');
      env.error(await api().get('/api/v1/encryption/public-key/999999', { token: b.token }), 404, 'USER_001');
      env.error(await api().get('/api/v1/encryption/keys', { token: a.token }), 404, 'ENCRYPT_001');
      const missing = await api().post('/api/v1/encryption/keys', { private_key_encrypted: 'x' }, { token: a.token });
      assert.ok(missing.status === 400 || missing.status === 422);
      env.ok(await api().post('/api/v1/encryption/keys', { public_key: 'PUB1', private_key_encrypted: 'SECRET1' }, { token: a.token }), Empty);
      env.ok(await api().post('/api/v1/encryption/keys', { public_key: 'PUB2', private_key_encrypted: 'SECRET2' }, { token: a.token }), Empty);
      const pub = await api().get(`/api/v1/encryption/public-key/${a.id}`, { token: b.token });
      env.ok(pub, S.PublicKeyData);
      assert.deepEqual(pub.body.data, { user_id: a.id, public_key: 'PUB2' });
      assert.ok(!pub.text.includes('SECRET') && !pub.text.includes('private_key'));
      const own = await api().get('/api/v1/encryption/keys', { token: a.token });
      env.ok(own, S.OwnKeysData);
      assert.deepEqual(own.body.data, { user_id: a.id, public_key: 'PUB2', private_key_encrypted: 'SECRET2' });
    });
  },
  { env: { PROFILES: 'zhihang@/,chat8@/' } },
);
