import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileStrict } from '../../src/http/validation.ts';
import { lite } from '../../src/profiles/lite/index.ts';
import { ListData } from '../../src/profiles/lite/routes/chat.ts';
import * as S from '../../src/profiles/lite/schemas.ts';
import { Api } from '../support/api.ts';
import type { C8Frame } from '../support/chat8.ts';
import { Chat8Socket, register as chat8User } from '../support/chat8.ts';
import { envelopeOf } from '../support/kit.ts';
import { liteError, liteSocket, liteUser, liteWsUrl, type LiteUser } from '../support/lite.ts';
import { freePort } from '../support/process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { stateOf } from '../support/state.ts';
import { storeKinds } from '../support/stores.ts';

/**
 * The lite document (004) through real HTTP and WebSocket clients, with the decisions:
 * mounted by default below /lite, and alone at the root of a port of its own.
 */

const env = envelopeOf(lite);
const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;
const digits = /^[0-9]+$/;

function frameOk(f: C8Frame, type: string): void {
  assert.equal(f.type, type);
  assert.deepEqual(Object.keys(f).sort(), ['data', 'type']);
  const check = compileStrict(lite.socket!.frames[type]!);
  assert.ok(check(f.data), `${type}: ${JSON.stringify(check.errors)} in ${JSON.stringify(f)}`);
}

const mounts = [
  { name: 'below /lite (the default PROFILES)', start: async (kind: (typeof storeKinds)[number]) => ({ s: await startTestServer(kind), base: (s: TestServer) => `${s.url}/lite` }) },
  {
    name: 'alone at the root of its own port',
    start: async (kind: (typeof storeKinds)[number]) => {
      const port = await freePort();
      return { s: await startTestServer(kind, { PROFILES: `lite@:${port}` }), base: () => `http://127.0.0.1:${port}` };
    },
  },
];

for (const kind of storeKinds) {
  for (const mount of mounts) {
    describe(`lite profile, ${mount.name} [${kind}]`, () => {
      let server: TestServer;
      let api: Api;
      let base: string;
      before(async () => {
        const started = await mount.start(kind);
        server = started.s;
        base = started.base(server);
        api = new Api(base);
      });
      after(async () => {
        await server?.close();
      });

      const send = (u: LiteUser, body: unknown) => api.post('/api/v1/chat/message', body, { token: u.token });
      const list = (u: LiteUser, query: string) => api.get(`/api/v1/chat/messages?${query}`, { token: u.token });
      const group = async (u: LiteUser, name = 'team') => {
        const res = await api.post('/api/v1/group', { name }, { token: u.token });
        env.ok(res, S.GroupData);
        return res.body.data.group_id as string;
      };
      const addMembers = (u: LiteUser, groupId: string, body: unknown) => api.post(`/api/v1/group/${groupId}/members`, body, { token: u.token });

      it('registers without a token, logs in by email, and refuses bad input with 400', async () => {
        const name = `lreg${process.pid}${mount.name.length}`;
        const reg = await api.post('/api/v1/register', { username: name, email: `${name}@x.io`, password: 'password-1', phone: '+8613800138000' });
        env.ok(reg, S.RegisterData);
        assert.equal(reg.body.code, 200);
        assert.equal(reg.body.message, 'success');
        assert.deepEqual(Object.keys(reg.body.data).sort(), ['created_at', 'email', 'phone', 'user_id', 'username']);
        assert.match(reg.body.data.user_id, digits);
        assert.equal(reg.body.data.phone, '+8613800138000');
        assert.match(reg.body.data.created_at, iso);
        // Without a phone, or with "", the phone is "".
        const noPhone = await api.post('/api/v1/register', { username: `${name}b`, email: `${name}b@x.io`, password: 'password-1' });
        assert.equal(noPhone.body.data.phone, '');
        assert.equal((await api.post('/api/v1/register', { username: `${name}c`, email: `${name}c@x.io`, password: 'password-1', phone: '' })).body.data.phone, '');

        const login = await api.post('/api/v1/login', { email: `${name}@x.io`, password: 'password-1' });
        env.ok(login, S.LoginData);
        assert.deepEqual(login.body.data.user, { user_id: reg.body.data.user_id, username: name, email: `${name}@x.io` });
        assert.ok(login.body.data.token.length > 10);

        const failed = { code: 401, message: '登录失败', error: '邮箱或密码错误' };
        const wrong = await api.post('/api/v1/login', { email: `${name}@x.io`, password: 'password-2' });
        assert.equal(wrong.status, 401);
        assert.deepEqual(wrong.body, failed);
        const unknown = await api.post('/api/v1/login', { email: `nobody${name}@x.io`, password: 'password-1' });
        assert.equal(unknown.status, 401);
        assert.deepEqual(unknown.body, failed);
        liteError(await api.post('/api/v1/login', { password: 'password-1' }), 400);
        liteError(await api.post('/api/v1/login', { email: `${name}@x.io` }), 400);
        liteError(await api.post('/api/v1/login', { email: 5, password: 'password-1' }), 400);

        const before = await stateOf(server);
        const ok = { username: `${name}z`, email: `${name}z@x.io`, password: 'password-1' };
        for (const bad of [
          { ...ok, username: 'ab' },
          { ...ok, username: 'a'.repeat(33) },
          { ...ok, username: 'has space' },
          { ...ok, email: 'not-an-email' },
          { ...ok, password: 'short' },
          { ...ok, password: 'p'.repeat(129) },
          { ...ok, phone: '123' },
          { ...ok, phone: '12345678901234567890123' },
          { ...ok, username: 12345 },
          { ...ok, phone: 13800138000 },
          { email: ok.email, password: ok.password },
          { username: ok.username, password: ok.password },
          { username: ok.username, email: ok.email },
          // Already used, by any account.
          { ...ok, username: name },
          { ...ok, email: `${name}@x.io` },
        ]) {
          liteError(await api.post('/api/v1/register', bad), 400);
        }
        assert.equal(await stateOf(server), before);
        // The same names register right after.
        env.ok(await api.post('/api/v1/register', ok), S.RegisterData);
      });

      it('needs a valid bearer token everywhere but register and login', async () => {
        for (const [method, path] of [
          ['GET', '/api/v1/user/profile'],
          ['PUT', '/api/v1/user/profile'],
          ['POST', '/api/v1/chat/message'],
          ['GET', '/api/v1/chat/messages?receiver_id=1'],
          ['POST', '/api/v1/group'],
          ['POST', '/api/v1/group/1/members'],
        ] as const) {
          liteError(await api.request(method, path, { body: method === 'GET' ? undefined : {} }), 401);
          liteError(await api.request(method, path, { body: method === 'GET' ? undefined : {}, token: 'not-a-token' }), 401);
        }
      });

      it('answers unknown routes with 404 and malformed JSON with 400, in the error shape', async () => {
        const u = await liteUser(api);
        liteError(await api.get('/api/v1/nope'), 404);
        liteError(await api.get('/api/v1/nope', { token: u.token }), 404);
        liteError(await api.post('/api/v1/login', undefined, { raw: { data: '{"email": ', type: 'application/json' } }), 400);
        liteError(await api.post('/api/v1/chat/message', undefined, { token: u.token, raw: { data: '{nope', type: 'application/json' } }), 400);
      });

      it('shows and updates the profile: only the fields given, updated_at moving forward, email and created_at kept', async () => {
        const u = await liteUser(api);
        const me = await api.get('/api/v1/user/profile', { token: u.token });
        env.ok(me, S.ProfileData);
        assert.deepEqual(Object.keys(me.body.data).sort(), ['avatar', 'created_at', 'email', 'phone', 'updated_at', 'user_id', 'username']);
        assert.equal(me.body.data.user_id, u.id);
        assert.equal(me.body.data.email, u.email);
        assert.equal(me.body.data.phone, '');
        assert.equal(me.body.data.avatar, '');
        assert.match(me.body.data.updated_at, iso);

        const put = await api.put('/api/v1/user/profile', { avatar: 'https://cdn.example.com/a.png', email: 'ignored@x.io' }, { token: u.token });
        env.ok(put, S.UpdatedProfileData);
        assert.deepEqual(Object.keys(put.body.data).sort(), ['avatar', 'phone', 'updated_at', 'user_id', 'username']);
        assert.equal(put.body.data.avatar, 'https://cdn.example.com/a.png');
        assert.equal(put.body.data.username, u.username);
        assert.ok(Date.parse(put.body.data.updated_at) > Date.parse(me.body.data.updated_at));

        const renamed = `${u.username}x`;
        const put2 = await api.put('/api/v1/user/profile', { username: renamed, phone: '13900139000' }, { token: u.token });
        assert.equal(put2.body.data.username, renamed);
        assert.equal(put2.body.data.phone, '13900139000');
        assert.equal(put2.body.data.avatar, 'https://cdn.example.com/a.png');
        const after = (await api.get('/api/v1/user/profile', { token: u.token })).body.data;
        assert.equal(after.updated_at, put2.body.data.updated_at);
        assert.equal(after.email, u.email);
        assert.equal(after.created_at, me.body.data.created_at);
        assert.equal(after.username, renamed);

        const other = await liteUser(api);
        const before = await stateOf(server);
        for (const bad of [{ username: other.username }, { username: 7 }, { avatar: 5 }, { phone: 13900139000 }, { phone: 'abc' }, { username: 'x' }, { avatar: 'javascript:alert(1)' }]) {
          liteError(await api.put('/api/v1/user/profile', bad, { token: u.token }), 400);
        }
        assert.equal(await stateOf(server), before);
        // A refused update changed nothing: a login with the old email still works.
        assert.equal((await api.post('/api/v1/login', { email: u.email, password: u.password })).status, 200);
      });

      it('sends private messages of every type, lists both directions newest first with total, offset and limit', async () => {
        const a = await liteUser(api);
        const b = await liteUser(api);
        const empty = await list(a, `receiver_id=${b.id}`);
        env.ok(empty, ListData);
        assert.deepEqual(empty.body.data, { messages: [], total: 0 });

        const sent = await send(a, { type: 'text', content: 'hello', receiver_id: b.id });
        env.ok(sent, S.MessageData);
        assert.deepEqual(Object.keys(sent.body.data).sort(), ['content', 'created_at', 'group_id', 'message_id', 'receiver_id', 'sender_id', 'type']);
        assert.deepEqual({ ...sent.body.data, message_id: '', created_at: '' }, { message_id: '', type: 'text', content: 'hello', sender_id: a.id, receiver_id: b.id, group_id: '', created_at: '' });
        assert.match(sent.body.data.created_at, iso);
        const image = await send(b, { type: 'image', content: 'https://cdn.example.com/p.png', receiver_id: a.id });
        assert.equal(image.body.data.type, 'image');
        assert.equal(image.body.data.content, 'https://cdn.example.com/p.png');
        assert.equal(image.body.data.receiver_id, a.id);
        // Sent with an empty group_id beside it: "" counts as absent.
        const file = await send(a, { type: 'file', content: 'https://cdn.example.com/f.pdf', receiver_id: b.id, group_id: '' });
        assert.equal(file.body.data.type, 'file');

        const all = await list(a, `receiver_id=${b.id}`);
        env.ok(all, ListData);
        assert.equal(all.body.data.total, 3);
        assert.deepEqual(
          all.body.data.messages.map((m: { message_id: string }) => m.message_id),
          [file.body.data.message_id, image.body.data.message_id, sent.body.data.message_id],
        );
        assert.deepEqual(all.body.data.messages[1].receiver_id, a.id);
        assert.deepEqual(all.body.data.messages[1].sender_id, b.id);
        const page = await list(b, `receiver_id=${a.id}&limit=1&offset=1`);
        assert.equal(page.body.data.total, 3);
        assert.deepEqual(page.body.data.messages.map((m: { message_id: string }) => m.message_id), [image.body.data.message_id]);
        assert.equal((await list(b, `receiver_id=${a.id}&limit=5&offset=10`)).body.data.messages.length, 0);
        // Defaults: limit 20, offset 0.
        for (let i = 0; i < 20; i++) await send(b, { type: 'text', content: `m${i}`, receiver_id: a.id });
        const first = await list(b, `receiver_id=${a.id}`);
        assert.equal(first.body.data.messages.length, 20);
        assert.equal(first.body.data.total, 23);
        assert.equal(first.body.data.messages[0].content, 'm19');
      });

      it('refuses bad sends and bad lists with 400, unknown receivers and groups with 404, changing nothing', async () => {
        const a = await liteUser(api);
        const b = await liteUser(api);
        const g = await group(a);
        const before = await stateOf(server);
        const ok = { type: 'text', content: 'x', receiver_id: b.id };
        for (const bad of [
          { type: 'text', content: 'x' },
          { type: 'text', content: 'x', receiver_id: b.id, group_id: g },
          { type: 'text', content: 'x', receiver_id: '', group_id: '' },
          { ...ok, type: 'video' },
          { ...ok, type: undefined },
          { ...ok, content: '' },
          { ...ok, content: '   ' },
          { ...ok, content: 'c'.repeat(10_001) },
          { ...ok, content: 5 },
          { ...ok, receiver_id: Number(b.id) },
          { type: 'text', content: 'x', group_id: Number(g) },
        ]) {
          liteError(await send(a, bad), 400);
        }
        for (const receiver of ['999999999', 'abc', '0x10', '012', '-1', '1e3', '99999999999999999999']) {
          liteError(await send(a, { ...ok, receiver_id: receiver }), 404);
          liteError(await list(a, `receiver_id=${encodeURIComponent(receiver)}`), 404);
        }
        for (const groupId of ['999999999', 'abc', ' 1']) {
          liteError(await send(a, { type: 'text', content: 'x', group_id: groupId }), 404);
          liteError(await list(a, `group_id=${encodeURIComponent(groupId)}`), 404);
        }
        assert.equal(await stateOf(server), before);
        // A private chat's id names no group.
        const sent = await send(a, ok);
        const chatOfPair = String((await server.core.store.messages.byId(Number(sent.body.data.message_id)))!.conversationId);
        liteError(await send(a, { type: 'text', content: 'x', group_id: chatOfPair }), 404);
        liteError(await list(a, `group_id=${chatOfPair}`), 404);

        for (const query of ['', `receiver_id=${b.id}&group_id=${g}`, `receiver_id=${b.id}&limit=0`, `receiver_id=${b.id}&limit=101`, `receiver_id=${b.id}&limit=abc`, `receiver_id=${b.id}&limit=1.5`, `receiver_id=${b.id}&offset=-1`, `receiver_id=${b.id}&offset=x`]) {
          liteError(await list(a, query), 400);
        }
        assert.equal((await list(a, `receiver_id=${b.id}&limit=100`)).status, 200);
      });

      it('marks listed messages read by the caller once (read_by with read_at), never the sender', async () => {
        const a = await liteUser(api);
        const b = await liteUser(api);
        const m1 = (await send(a, { type: 'text', content: 'one', receiver_id: b.id })).body.data.message_id;
        const m2 = (await send(a, { type: 'text', content: 'two', receiver_id: b.id })).body.data.message_id;
        const readByOf = (res: { body: any }, id: string) => res.body.data.messages.find((m: { message_id: string }) => m.message_id === id).read_by;

        // The sender lists first: nobody has read yet, and the sender is never a reader.
        assert.deepEqual(readByOf(await list(a, `receiver_id=${b.id}`), m1), []);
        // b lists only the newest: only it is read.
        const bPage = await list(b, `receiver_id=${a.id}&limit=1`);
        assert.deepEqual(bPage.body.data.messages.map((m: { message_id: string }) => m.message_id), [m2]);
        const seen = await list(a, `receiver_id=${b.id}`);
        assert.deepEqual(readByOf(seen, m1), []);
        const [receipt] = readByOf(seen, m2);
        assert.deepEqual(Object.keys(receipt).sort(), ['read_at', 'user_id']);
        assert.equal(receipt.user_id, b.id);
        assert.match(receipt.read_at, iso);
        // Listing again neither moves read_at nor adds a second receipt.
        await list(b, `receiver_id=${a.id}`);
        const again = await list(a, `receiver_id=${b.id}`);
        assert.deepEqual(readByOf(again, m2), [receipt]);
        assert.equal(readByOf(again, m1).length, 1);
        // b's own message: a reads it by listing; b is never in its read_by.
        const m3 = (await send(b, { type: 'text', content: 'three', receiver_id: a.id })).body.data.message_id;
        assert.deepEqual(readByOf(await list(b, `receiver_id=${a.id}`), m3), []);
        await list(a, `receiver_id=${b.id}`);
        assert.deepEqual(readByOf(await list(b, `receiver_id=${a.id}`), m3).map((r: { user_id: string }) => r.user_id), [a.id]);
      });

      it('creates groups: the creator is the first member and can send and list at once', async () => {
        const a = await liteUser(api);
        const res = await api.post('/api/v1/group', { name: 'Team', description: 'about', avatar: 'https://cdn.example.com/g.png' }, { token: a.token });
        env.ok(res, S.GroupData);
        const g = res.body.data;
        assert.deepEqual({ ...g, group_id: '', created_at: '' }, { group_id: '', name: 'Team', description: 'about', avatar: 'https://cdn.example.com/g.png', creator_id: a.id, created_at: '' });
        assert.match(g.group_id, digits);
        assert.match(g.created_at, iso);
        const bare = await api.post('/api/v1/group', { name: 'n' }, { token: a.token });
        assert.equal(bare.body.data.description, '');
        assert.equal(bare.body.data.avatar, '');

        // No notice of the creation is listed: total counts the members' messages.
        assert.deepEqual((await list(a, `group_id=${g.group_id}`)).body.data, { messages: [], total: 0 });
        const sent = await send(a, { type: 'text', content: 'first', group_id: g.group_id });
        env.ok(sent, S.MessageData);
        assert.equal(sent.body.data.group_id, g.group_id);
        assert.equal(sent.body.data.receiver_id, '');
        const listed = await list(a, `group_id=${g.group_id}`);
        assert.equal(listed.body.data.total, 1);
        assert.deepEqual({ ...listed.body.data.messages[0], read_by: undefined }, { ...sent.body.data, read_by: undefined });

        const before = await stateOf(server);
        for (const bad of [{}, { name: '' }, { name: 'n'.repeat(65) }, { name: 5 }, { name: 'ok', description: 5 }, { name: 'ok', avatar: 5 }]) {
          liteError(await api.post('/api/v1/group', bad, { token: a.token }), 400);
        }
        assert.equal(await stateOf(server), before);
        env.ok(await api.post('/api/v1/group', { name: 'n'.repeat(64) }, { token: a.token }), S.GroupData);
      });

      it('adds members by the creator only; added members send, list and read', async () => {
        const a = await liteUser(api);
        const b = await liteUser(api);
        const c = await liteUser(api);
        const d = await liteUser(api);
        const g = await group(a);

        // Outsiders may neither send nor list.
        liteError(await send(b, { type: 'text', content: 'x', group_id: g }), 403);
        liteError(await list(b, `group_id=${g}`), 403);

        const before = await stateOf(server);
        liteError(await addMembers(b, g, { user_ids: [b.id] }), 403);
        liteError(await addMembers(a, '999999999', { user_ids: [b.id] }), 404);
        liteError(await addMembers(a, 'abc', { user_ids: [b.id] }), 404);
        liteError(await addMembers(a, g, { user_ids: [b.id, '999999999'] }), 404);
        liteError(await addMembers(a, g, { user_ids: [b.id, 'nobody'] }), 404);
        for (const bad of [{}, { user_ids: [] }, { user_ids: 'x' }, { user_ids: [Number(b.id)] }, { user_ids: [b.id, null] }]) {
          liteError(await addMembers(a, g, bad), 400);
        }
        assert.equal(await stateOf(server), before);

        const added = await addMembers(a, g, { user_ids: [b.id] });
        env.ok(added, S.MembersData);
        assert.deepEqual(added.body.data, { group_id: g, members: [a.id, b.id] });
        // A member who is not the creator is refused too.
        liteError(await addMembers(b, g, { user_ids: [c.id] }), 403);
        // Adding someone already in is no error.
        const again = await addMembers(a, g, { user_ids: [b.id, c.id] });
        assert.deepEqual([...again.body.data.members].sort(), [a.id, b.id, c.id].sort());

        const fromB = await send(b, { type: 'text', content: 'hi all', group_id: g });
        env.ok(fromB, S.MessageData);
        const fromA = await send(a, { type: 'file', content: 'https://cdn.example.com/x.zip', group_id: g });
        const bList = await list(b, `group_id=${g}`);
        assert.equal(bList.body.data.total, 2);
        assert.deepEqual(bList.body.data.messages.map((m: { message_id: string }) => m.message_id), [fromA.body.data.message_id, fromB.body.data.message_id]);
        await list(c, `group_id=${g}`);
        const aList = await list(a, `group_id=${g}`);
        const readers = (id: string) => aList.body.data.messages.find((m: { message_id: string }) => m.message_id === id).read_by.map((r: { user_id: string }) => r.user_id).sort();
        assert.deepEqual(readers(fromA.body.data.message_id), [b.id, c.id].sort());
        assert.deepEqual(readers(fromB.body.data.message_id), [a.id, c.id].sort());
        liteError(await list(d, `group_id=${g}`), 403);
      });

      it('refuses socket upgrades without a valid bearer token with 401, and tells a plain GET to upgrade', async () => {
        assert.equal(await Chat8Socket.refused(liteWsUrl(base)), 401);
        assert.equal(await Chat8Socket.refused(liteWsUrl(base), { headers: { authorization: 'Bearer nope' } }), 401);
        liteError(await api.get('/api/v1/ws'), 426);
      });

      it('sends a message frame, exactly the send answer, to the private receiver and every group member only', async () => {
        const a = await liteUser(api);
        const b = await liteUser(api);
        const c = await liteUser(api);
        const outsider = await liteUser(api);
        const [sa, sb, sc, so] = await Promise.all([a, b, c, outsider].map((u) => liteSocket(base, u.token)));

        const dm = await send(a, { type: 'text', content: 'private', receiver_id: b.id });
        const atB = await sb!.next('message');
        frameOk(atB, 'message');
        assert.deepEqual(atB.data, dm.body.data);

        const g = await group(a);
        await addMembers(a, g, { user_ids: [b.id, c.id] });
        const gm = await send(c, { type: 'image', content: 'https://cdn.example.com/i.png', group_id: g });
        for (const s of [sa!, sb!]) {
          const f = await s.next((x) => x.type === 'message' && x.data.message_id === gm.body.data.message_id);
          frameOk(f, 'message');
          assert.deepEqual(f.data, gm.body.data);
        }
        // Neither c's nor anyone's notice of the group's making or adding is a frame; the outsider gets nothing.
        await so!.quiet();
        await sc!.barrier();
        await sb!.quiet('message');

        // A ping is answered; an unknown frame gets an error frame in the error shape.
        sa!.send({ type: 'ping' });
        frameOk(await sa!.next('pong'), 'pong');
        sa!.send({ type: 'nope', data: {} });
        const err = await sa!.next('error');
        frameOk(err, 'error');
        assert.equal(err.data.code, 400);
        await Promise.all([sa, sb, sc, so].map((s) => s!.close()));
      });
    });
  }
}

describe('lite beside chat8 on the main port', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer('sqlite');
  });
  after(async () => {
    await s?.close();
  });

  it('shares accounts across profiles: names taken through chat8 are refused, and chat8 sends reach lite sockets', async () => {
    const lapi = new Api(`${s.url}/lite`);
    const c8 = await chat8User(s.api);
    liteError(await lapi.post('/api/v1/register', { username: c8.username, email: `other${c8.email}`, password: 'password-1' }), 400);
    liteError(await lapi.post('/api/v1/register', { username: `other${c8.username}`, email: c8.email, password: 'password-1' }), 400);
    const u = await liteUser(lapi);
    const socket = await liteSocket(`${s.url}/lite`, u.token);
    const sent = await s.api.post('/api/v1/messages', { receiver_id: Number(u.id), content: 'from chat8' }, { token: c8.token });
    assert.equal(sent.status, 200, sent.text);
    const f = await socket.next('message');
    frameOk(f, 'message');
    assert.deepEqual(f.data, { message_id: String(sent.body.data.id), type: 'text', content: 'from chat8', sender_id: String(c8.id), receiver_id: u.id, group_id: '', created_at: f.data.created_at });
    // chat8 keeps /api/v1 at the root; lite's is below /lite.
    assert.equal((await s.api.post('/api/v1/login', { email: u.email, password: u.password })).status, 404);
    await socket.close();
  });

  it('publishes its OpenAPI document with the document’s paths', async () => {
    const doc = (await s.api.get('/openapi/lite.json')).body;
    const paths = Object.keys(doc.paths).sort();
    for (const p of ['/lite/api/v1/register', '/lite/api/v1/login', '/lite/api/v1/user/profile', '/lite/api/v1/chat/message', '/lite/api/v1/chat/messages', '/lite/api/v1/group', '/lite/api/v1/ws']) {
      assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
    }
  });
});
