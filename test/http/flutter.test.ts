import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as S from '../../src/profiles/flutter/schemas.ts';
import { Api, type ApiResponse } from '../support/api.ts';
import { Chat8Socket } from '../support/chat8.ts';
import { fits, flutterClient, flutterError, flutterSocket, flutterUpload, flutterUser, flutterWsUrl, frameOk, iso, patch, pngBase64, shaped, silentWav, type FlutterUser } from '../support/flutter.ts';
import { until } from '../support/cluster.ts';
import { describeEachStore, startTestServer, type TestServer } from '../support/server.ts';

/** The flutter document (002) through real HTTP and WebSocket clients, mounted below /flutter (the default PROFILES). */

describeEachStore('flutter profile below /flutter', (server) => {
  const base = () => `${server().url}/flutter`;
  const api = () => flutterClient(server().api);
  const user = (extra: { nickname?: string; email?: string } = {}) => flutterUser({ ...server().api, post: (p: string, b: unknown) => server().api.post(`/flutter${p}`, b) } as never, extra);
  const send = (u: FlutterUser, conv: string, body: unknown) => api().post(`/v1/conversations/${conv}/messages`, body, u.token);
  const privateWith = async (a: FlutterUser, b: FlutterUser) => {
    const res = await api().post('/v1/conversations', { type: 'private', target_id: b.id }, a.token);
    shaped(res, 201, S.CreatedConversation);
    return res.body.conversation_id as string;
  };
  const newGroup = async (owner: FlutterUser, members: FlutterUser[], name = 'Project Team') => {
    const res = await api().post('/v1/conversations', { type: 'group', name, members: members.map((m) => m.id) }, owner.token);
    shaped(res, 201, S.CreatedConversation);
    return res.body as { conversation_id: string; target_id: string };
  };

  it('accounts: register 201 with a working token, login, refresh rotation, one account everywhere (C6–C8, C10)', async () => {
    const name = `freg${process.pid}`;
    const reg = await api().post('/v1/auth/register', { username: name, password: 'password-12', email: `${name}@x.io`, nickname: 'Reg' });
    shaped(reg, 201, S.RegisterData);
    assert.deepEqual(Object.keys(reg.body).sort(), ['token', 'user_id', 'username']);
    assert.equal(typeof reg.body.user_id, 'string');
    shaped(await api().get('/v1/user/me', reg.body.token), 200, S.MeData);

    flutterError(await api().post('/v1/auth/register', { username: name, password: 'password-12' }), 409);
    flutterError(await api().post('/v1/auth/register', { username: `${name}b`, password: 'password-12', email: `${name}@x.io` }), 409);
    const short = await api().post('/v1/auth/register', { username: 'ab', password: 'password-12' });
    flutterError(short, 400);
    assert.match(short.body.details, /username/);
    flutterError(await api().post('/v1/auth/register', { username: `${name}c`, password: 'short' }), 400);
    flutterError(await api().post('/v1/auth/register', { username: `${name}d`, password: 'password-12', email: 'nope' }), 400);
    flutterError(await api().raw.request('POST', '/flutter/v1/auth/register', { raw: { data: '{"username":', type: 'application/json' } }), 400);

    flutterError(await api().post('/v1/auth/login', { username: name, password: 'wrong-password' }), 401);
    flutterError(await api().post('/v1/auth/login', { username: `${name}zz`, password: 'password-12' }), 401);
    const login = await api().post('/v1/auth/login', { username: name, password: 'password-12' });
    shaped(login, 200, S.LoginData);

    const r1 = await api().post('/v1/auth/refresh', { refresh_token: login.body.refresh_token });
    shaped(r1, 200, S.TokenData);
    assert.notEqual(r1.body.refresh_token, login.body.refresh_token);
    shaped(await api().get('/v1/user/me', r1.body.token), 200, S.MeData);
    flutterError(await api().post('/v1/auth/refresh', { refresh_token: login.body.refresh_token }), 401);
    flutterError(await api().post('/v1/auth/refresh', { refresh_token: 'garbage' }), 401);
    flutterError(await api().post('/v1/auth/refresh', {}), 400);

    // C10: the primary API logs the same account in.
    const primary = await server().api.post('/api/auth/login', { username: name, password: 'password-12' });
    assert.equal(primary.status, 200, primary.text);

    flutterError(await api().get('/v1/user/me'), 401);
    flutterError(await api().get('/v1/user/me', 'not-a-token'), 401);
    flutterError(await api().get('/v1/nowhere', reg.body.token), 404);
  });

  it('users: me with status, PATCH with base64 and URL avatars, search by prefix and email (C11–C13)', async () => {
    const a = await user({ nickname: 'Alice' });
    const me = await api().get('/v1/user/me', a.token);
    shaped(me, 200, S.MeData);
    assert.equal(me.body.status, 'offline');
    assert.equal(me.body.avatar, null);
    assert.equal(me.body.status_message, null);
    assert.match(me.body.created_at, iso);

    const up = await api().patch('/v1/user/me', { nickname: 'Alice D', avatar: `base64:${pngBase64}`, status_message: 'Working from home' }, a.token);
    shaped(up, 200, S.UpdatedMeData);
    assert.match(up.body.avatar, /^http:\/\/127\.0\.0\.1:\d+\/flutter\/v1\/avatars\/file_/);
    const img = await fetch(up.body.avatar);
    assert.equal(img.status, 200);
    assert.deepEqual(Buffer.from(await img.arrayBuffer()), Buffer.from(pngBase64, 'base64'));

    for (const bad of ['base64:!!notbase64!!', `base64:${Buffer.from('just some text').toString('base64')}`]) {
      flutterError(await api().patch('/v1/user/me', { nickname: 'Changed', avatar: bad }, a.token), 400);
    }
    const after = await api().get('/v1/user/me', a.token);
    assert.equal(after.body.nickname, 'Alice D');
    assert.equal(after.body.avatar, up.body.avatar);
    assert.equal(after.body.status_message, 'Working from home');

    const url = await api().patch('/v1/user/me', { avatar: 'https://example.com/a.jpg' }, a.token);
    assert.equal(url.body.avatar, 'https://example.com/a.jpg');

    const prefix = `srch${process.pid}`;
    for (let i = 0; i < 3; i++) await api().post('/v1/auth/register', { username: `${prefix}_${i}`, password: 'password-12', email: `${prefix}${i}@x.io` });
    const page = await api().get(`/v1/users/search?query=${prefix}&limit=2&offset=0`, a.token);
    assert.equal(page.status, 200, page.text);
    assert.equal(page.body.total, 3);
    assert.equal(page.body.users.length, 2);
    for (const u of page.body.users) assert.ok(fits(S.FoundUser, u));
    const byEmail = await api().get(`/v1/users/search?query=${prefix}1@x.io`, a.token);
    assert.equal(byEmail.body.total, 1);
    flutterError(await api().get('/v1/users/search', a.token), 400);
    flutterError(await api().get('/v1/users/search?query=', a.token), 400);
    const blank = await api().get('/v1/users/search?query=%20%20', a.token);
    flutterError(blank, 400);
    assert.match(blank.body.details, /^query/);
    flutterError(await api().get(`/v1/users/search?query=${prefix}&limit=abc`, a.token), 400);
  });

  it('contacts: one-directional, 201/204, the refusals, and presence (C14, C15, C33)', async () => {
    const a = await user();
    const b = await user({ nickname: 'Bee' });
    const c = await user();
    const add = await api().post('/v1/contacts', { user_id: b.id, remark: 'Colleague' }, a.token);
    shaped(add, 201, S.AddedContact);
    assert.equal(add.body.remark, 'Colleague');
    assert.equal(add.body.status, 'offline');
    flutterError(await api().post('/v1/contacts', { user_id: a.id }, a.token), 400);
    flutterError(await api().post('/v1/contacts', { user_id: '999999999' }, a.token), 404);
    flutterError(await api().post('/v1/contacts', { user_id: 'nobody' }, a.token), 404);
    flutterError(await api().post('/v1/contacts', { user_id: b.id }, a.token), 409);
    assert.equal((await api().get('/v1/contacts', b.token)).body.total, 0);
    // Never connected: last_online is null, though b has logged in (registered).
    assert.equal((await api().get('/v1/contacts', a.token)).body.contacts[0].last_online, null);

    // b comes online: a (who has b as a contact) is told, c is not.
    const wa = await flutterSocket(base(), a.token);
    const wc = await flutterSocket(base(), c.token);
    const wb = await flutterSocket(base(), b.token);
    const online = await wa.next('contact_status');
    frameOk(online, 'contact_status');
    assert.equal(online.data.user_id, b.id);
    assert.equal(online.data.status, 'online');
    const list = await api().get('/v1/contacts', a.token);
    assert.equal(list.body.total, 1);
    assert.ok(fits(S.Contact, list.body.contacts[0]));
    assert.equal(list.body.contacts[0].status, 'online');
    assert.match(list.body.contacts[0].last_online, iso);
    assert.equal((await api().get('/v1/user/me', b.token)).body.status, 'online');
    // A second socket of b's is not news; only the first announces (C33).
    const wb2 = await flutterSocket(base(), b.token);
    await wb2.barrier();
    await wa.quiet('contact_status');

    wb.send({ type: 'status_update', data: { status: 'away', custom_message: 'In a meeting' } });
    const away = await wa.next('contact_status');
    frameOk(away, 'contact_status');
    assert.equal(away.data.status, 'away');
    assert.equal(away.data.custom_message, 'In a meeting');
    assert.match(away.data.last_online, iso);
    const bMe = (await api().get('/v1/user/me', b.token)).body;
    assert.deepEqual([bMe.status, bMe.status_message], ['away', 'In a meeting']);
    assert.equal((await api().get('/v1/contacts', a.token)).body.contacts[0].status, 'away');
    wb.send({ type: 'status_update', data: { status: 'sleeping' } });
    const err = await wb.next('error');
    frameOk(err, 'error');
    assert.equal(err.data.code, 400);
    await wb.barrier();
    await wa.quiet('contact_status');
    // One way (C33): b has not added a, so a's changes are not b's news (nor c's).
    wa.send({ type: 'status_update', data: { status: 'busy', custom_message: 'Heads down' } });
    // Applied once the REST answer shows it (the socket acknowledges no status_update).
    await until(async () => (await api().get('/v1/user/me', a.token)).body.status === 'busy', "a's status to be busy");
    await wb.quiet('contact_status');
    await wc.quiet('contact_status');
    // Closing one of two sockets is not news either; the last one is.
    await wb2.close();
    await wb.barrier();
    await wa.quiet('contact_status');
    await wb.close();
    assert.equal((await wa.next('contact_status')).data.status, 'offline');
    const gone = (await api().get('/v1/contacts', a.token)).body.contacts[0];
    assert.equal(gone.status, 'offline');
    assert.match(gone.last_online, iso);
    await wc.quiet('contact_status');

    // remark is optional: null until one is given.
    const d = await user();
    const plain = await api().post('/v1/contacts', { user_id: d.id }, a.token);
    shaped(plain, 201, S.AddedContact);
    assert.equal(plain.body.remark, null);

    const pr = await api().patch(`/v1/contacts/${b.id}`, { remark: 'Team Lead' }, a.token);
    shaped(pr, 200, S.UpdatedContact);
    assert.deepEqual(pr.body, { user_id: b.id, remark: 'Team Lead' });
    flutterError(await api().patch(`/v1/contacts/${c.id}`, { remark: 'x' }, a.token), 404);
    const del = await api().delete(`/v1/contacts/${b.id}`, a.token);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    flutterError(await api().delete(`/v1/contacts/${b.id}`, a.token), 404);
    await wa.close();
    await wc.close();
  });

  it('conversations: one private per pair, groups by group_id, the list with type, order, unread and last messages (C16–C18)', async () => {
    const a = await user({ nickname: 'Ann' });
    const b = await user({ nickname: 'Bob' });
    const c = await user();
    const first = await api().post('/v1/conversations', { type: 'private', target_id: b.id }, a.token);
    shaped(first, 201, S.CreatedConversation);
    assert.equal(first.body.target_id, b.id);
    assert.equal(first.body.target_name, 'Bob');
    const again = await api().post('/v1/conversations', { type: 'private', target_id: a.id }, b.token);
    assert.equal(again.status, 201);
    assert.equal(again.body.conversation_id, first.body.conversation_id);
    assert.equal(again.body.created_at, first.body.created_at);
    flutterError(await api().post('/v1/conversations', { type: 'private', target_id: a.id }, a.token), 400);
    flutterError(await api().post('/v1/conversations', { type: 'private', target_id: '987654321' }, a.token), 404);
    flutterError(await api().post('/v1/conversations', { type: 'private' }, a.token), 400);
    flutterError(await api().post('/v1/conversations', { type: 'group', members: [b.id] }, a.token), 400);
    flutterError(await api().post('/v1/conversations', { type: 'group', name: 'x', members: ['nobody'] }, a.token), 404);
    flutterError(await api().post('/v1/conversations', { type: 'channel', name: 'x' }, a.token), 400);

    const g = await newGroup(a, [b, c]);
    assert.equal((await api().get(`/v1/groups/${g.target_id}`, b.token)).status, 200);

    const empty = await api().get('/v1/conversations', a.token);
    assert.equal(empty.body.total, 2);
    for (const conv of empty.body.conversations as { last_message: unknown; unread_count: number }[]) {
      assert.ok(fits(S.Conversation, conv), JSON.stringify(conv));
      assert.equal(conv.last_message, null);
      assert.equal(conv.unread_count, 0);
    }
    // Latest activity first: a message in the private chat puts it on top.
    await send(b, first.body.conversation_id, { type: 'text', content: 'one' });
    await send(c, g.conversation_id, { type: 'text', content: 'group hello' });
    await send(b, first.body.conversation_id, { type: 'text', content: 'two' });
    const list = await api().get('/v1/conversations', a.token);
    assert.deepEqual(
      list.body.conversations.map((x: { conversation_id: string }) => x.conversation_id),
      [first.body.conversation_id, g.conversation_id],
    );
    const [priv, grp] = list.body.conversations as [C, C];
    type C = { unread_count: number; last_message: { content: string; sender_name: string }; type: string; target_id: string; target_name: string };
    assert.equal(priv.unread_count, 2);
    assert.equal(priv.last_message.content, 'two');
    assert.equal(grp.type, 'group');
    assert.equal(grp.target_id, g.target_id);
    assert.equal(grp.target_name, 'Project Team');
    assert.equal(grp.unread_count, 1);
    assert.equal(grp.last_message.sender_name, c.username);
    const groups = await api().get('/v1/conversations?type=group', a.token);
    assert.equal(groups.body.total, 1);
    assert.equal((await api().get('/v1/conversations?type=private', a.token)).body.conversations[0].type, 'private');
    flutterError(await api().get('/v1/conversations?type=channel', a.token), 400);
    flutterError(await api().get('/v1/conversations?limit=abc', a.token), 400);
  });

  it('messages: history newest first with cursors, status from read positions, temp_id, message_read and message_status (C19–C23, C31, C32)', async () => {
    const a = await user({ nickname: 'Ann' });
    const b = await user();
    const outsider = await user();
    const conv = await privateWith(a, b);
    const wa = await flutterSocket(base(), a.token);
    const wb = await flutterSocket(base(), b.token);
    const wb2 = await flutterSocket(base(), b.token);
    const wo = await flutterSocket(base(), outsider.token);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const res = await send(a, conv, { type: 'text', content: `m${i}`, temp_id: `t-${i}` });
      shaped(res, 201, S.SentMessage);
      assert.equal(res.body.status, 'sent');
      assert.equal(res.body.temp_id, `t-${i}`);
      ids.push(res.body.message_id);
    }
    const nm = await wb.next('new_message');
    frameOk(nm, 'new_message');
    assert.equal(nm.data.sender_name, 'Ann');
    // Every connection of every member, and nobody else (C31).
    for (let i = 0; i < 5; i++) assert.equal((await wb2.next('new_message')).data.message_id, ids[i]);
    await wo.quiet('new_message');

    const again = await send(a, conv, { type: 'text', content: 'different', temp_id: 't-1' });
    assert.equal(again.status, 201);
    assert.equal(again.body.message_id, ids[0]);
    assert.equal(again.body.temp_id, 't-1');
    const other = await send(b, conv, { type: 'text', content: 'mine', temp_id: 't-1' });
    assert.notEqual(other.body.message_id, ids[0]);
    ids.push(other.body.message_id);

    flutterError(await send(a, conv, { type: 'sticker', content: 'x' }), 400);
    flutterError(await send(a, conv, { type: 'text', content: '' }), 400);
    flutterError(await send(a, conv, { type: 'text' }), 400);
    flutterError(await send(outsider, conv, { type: 'text', content: 'hi' }), [403, 404]);
    flutterError(await api().get(`/v1/conversations/${conv}/messages`, outsider.token), [403, 404]);
    flutterError(await api().get('/v1/conversations/nope/messages', a.token), 404);

    const history = await api().get(`/v1/conversations/${conv}/messages`, a.token);
    assert.equal(history.status, 200, history.text);
    assert.equal(history.body.conversation_id, conv);
    assert.deepEqual(history.body.messages.map((m: { message_id: string }) => m.message_id), [...ids].reverse());
    for (const m of history.body.messages) assert.ok(fits(S.Message, m), JSON.stringify(m));
    assert.ok(history.body.messages.every((m: { status: string }) => m.status === 'sent'));
    const before = await api().get(`/v1/conversations/${conv}/messages?before=${ids[3]}&limit=2`, a.token);
    assert.deepEqual(before.body.messages.map((m: { message_id: string }) => m.message_id), [ids[2], ids[1]]);
    const after = await api().get(`/v1/conversations/${conv}/messages?after=${ids[0]}&limit=2`, a.token);
    assert.deepEqual(after.body.messages.map((m: { message_id: string }) => m.message_id), [ids[2], ids[1]]);
    // Without a cursor: the newest `limit`.
    const newest = await api().get(`/v1/conversations/${conv}/messages?limit=2`, a.token);
    assert.deepEqual(newest.body.messages.map((m: { message_id: string }) => m.message_id), [ids[5], ids[4]]);
    // History does not move the read position (C19).
    assert.equal((await api().get('/v1/conversations', b.token)).body.conversations[0].unread_count, 5);

    // b reads up to the third message: a hears message_status, a's history says read up to there.
    wb.send({ type: 'message_read', data: { conversation_id: conv, message_id: ids[2] } });
    const status = await wa.next('message_status');
    frameOk(status, 'message_status');
    assert.equal(status.data.message_id, ids[2]);
    assert.equal(status.data.status, 'read');
    // In everyone's history: the reader's and the sender's.
    for (const viewer of [b, a]) {
      const seen = await api().get(`/v1/conversations/${conv}/messages`, viewer.token);
      const statusOf = new Map<string, string>(seen.body.messages.map((m: { message_id: string; status: string }) => [m.message_id, m.status]));
      assert.deepEqual([0, 1, 2, 3, 4].map((i) => statusOf.get(ids[i]!)), ['read', 'read', 'read', 'sent', 'sent']);
    }
    // A repeated temp_id answers the message as it now stands: read, never back to sent.
    const replayed = await send(a, conv, { type: 'text', content: 'm1', temp_id: 't-1' });
    assert.deepEqual([replayed.status, replayed.body.message_id, replayed.body.status], [201, ids[0], 'read']);
    assert.equal((await api().get('/v1/conversations', b.token)).body.conversations[0].unread_count, 2);
    // Never back.
    wb.send({ type: 'message_read', data: { conversation_id: conv, message_id: ids[0] } });
    await wb.barrier();
    assert.equal((await api().get('/v1/conversations', b.token)).body.conversations[0].unread_count, 2);

    wo.send({ type: 'message_read', data: { conversation_id: conv, message_id: ids[4] } });
    const refused = await wo.next('error');
    frameOk(refused, 'error');
    assert.ok([403, 404].includes(refused.data.code));
    wb.send({ type: 'message_read', data: { conversation_id: conv, message_id: '987654321' } });
    assert.equal((await wb.next('error')).data.code, 404);
    // Unread counts messages from others only: a's own five are not unread to a.
    assert.equal((await api().get('/v1/conversations', a.token)).body.conversations[0].unread_count, 1);
    wo.send('not json');
    assert.equal((await wo.next('error')).data.code, 400);
    wo.send({ type: 'dance', data: {} });
    assert.equal((await wo.next('error')).data.code, 400);
    wo.send({ type: 'ping', data: { timestamp: 1623331800000 } });
    const pong = await wo.next('pong');
    frameOk(pong, 'pong');
    assert.equal(pong.data.timestamp, 1623331800000);
    wo.send({ type: 'ping', data: {} });
    assert.ok(Math.abs((await wo.next('pong')).data.timestamp - Date.now()) < 60_000);
    for (const s of [wa, wb, wb2, wo]) await s.close();

    assert.equal(await Chat8Socket.refused(flutterWsUrl(base())), 401);
    assert.equal(await Chat8Socket.refused(flutterWsUrl(base(), 'bad')), 401);
  });

  it('media: upload with sniffing and sizes, media messages with caption and media, downloads for members only (C24, C25)', async () => {
    const a = await user();
    const b = await user();
    const outsider = await user();
    const conv = await privateWith(a, b);
    const png = Buffer.from(pngBase64, 'base64');
    const up = await flutterUpload(base(), a.token, { type: 'image', file: { data: png, name: 'photo.png', type: 'image/png' } });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.ok(fits(S.Media, up.body), JSON.stringify(up.body));
    assert.deepEqual({ ...up.body, media_id: 'x', url: 'x' }, { media_id: 'x', url: 'x', type: 'image', size: png.length, width: 1, height: 1, duration: null, filename: 'photo.png' });
    assert.match(up.body.url, /^http:\/\//);

    const notImage = await flutterUpload(base(), a.token, { type: 'image', file: { data: Buffer.from('plain text'), name: 'a.png', type: 'image/png' } });
    assert.equal(notImage.status, 400);
    assert.equal((await flutterUpload(base(), a.token, { file: { data: png, name: 'a.png', type: 'image/png' } })).status, 400);
    assert.equal((await flutterUpload(base(), a.token, { type: 'sticker', file: { data: png, name: 'a.png', type: 'image/png' } })).status, 400);
    assert.equal((await flutterUpload(base(), a.token, { type: 'file' })).status, 400);
    const twoFiles = new FormData();
    twoFiles.append('type', 'image');
    for (const name of ['a.png', 'b.png']) twoFiles.append('file', new Blob([png], { type: 'image/png' }), name);
    const two = await fetch(`${base()}/v1/media/upload`, { method: 'POST', body: twoFiles, headers: { authorization: `Bearer ${a.token}` } });
    const twoText = await two.text();
    flutterError({ status: two.status, text: twoText, body: JSON.parse(twoText) } as ApiResponse, 400);
    assert.match(twoText, /only one file/, 'a second file is a bad form, not a large one');
    const wav = await flutterUpload(base(), a.token, { type: 'audio', file: { data: silentWav(2), name: 'voice.wav', type: 'audio/wav' } });
    assert.equal(wav.status, 201, JSON.stringify(wav.body));
    assert.deepEqual([wav.body.type, wav.body.duration, wav.body.width, wav.body.height], ['audio', 2, null, null]);
    const doc = await flutterUpload(base(), a.token, { type: 'file', file: { data: Buffer.from('notes'), name: 'notes.txt', type: 'text/plain' } });
    assert.equal(doc.status, 201);
    assert.equal(doc.body.width, null);
    assert.equal(doc.body.duration, null);

    // Before it is sent, only the uploader may download it.
    const get = (token: string) => fetch(up.body.url, { headers: { authorization: `Bearer ${token}` } });
    const own = await get(a.token);
    assert.equal(own.status, 200);
    assert.deepEqual(Buffer.from(await own.arrayBuffer()), png);
    assert.ok([403, 404].includes((await get(b.token)).status));
    const wb = await flutterSocket(base(), b.token);
    const sent = await send(a, conv, { type: 'image', content: up.body.media_id, caption: 'Check out this photo!' });
    shaped(sent, 201, S.SentMessage);
    assert.equal(sent.body.caption, 'Check out this photo!');
    // The media object is the upload's own answer.
    assert.deepEqual(sent.body.media, up.body);
    const frame = await wb.next('new_message');
    frameOk(frame, 'new_message');
    assert.equal(frame.data.media.media_id, up.body.media_id);
    // The frame links the media exactly as the REST answers do: absolute, under the host the
    // client used (no PUBLIC_URL here).
    assert.deepEqual(frame.data.media, sent.body.media);
    assert.equal(frame.data.media.url, up.body.url);
    assert.equal(frame.data.caption, 'Check out this photo!');
    const hist = await api().get(`/v1/conversations/${conv}/messages`, b.token);
    assert.equal(hist.body.messages[0].media.width, 1);
    const got = await get(b.token);
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), png);
    assert.ok([403, 404].includes((await get(outsider.token)).status));
    flutterError(await api().get('/v1/media/file_nothing', a.token), 404);
    // A member who may download it may send it on (a forward): the new conversation's members may then download it.
    const onward = await send(b, await privateWith(b, outsider), { type: 'image', content: up.body.media_id });
    assert.equal(onward.status, 201, onward.text);
    assert.deepEqual(onward.body.media, up.body);
    assert.equal((await get(outsider.token)).status, 200);
    await wb.close();

    // An image sent as a file message is still the upload it was (type image, with its size in pixels);
    // a media message without a caption has caption null.
    const asFile = await send(a, conv, { type: 'file', content: up.body.media_id });
    shaped(asFile, 201, S.SentMessage);
    assert.equal(asFile.body.caption, null);
    assert.deepEqual(asFile.body.media, up.body);
    const voice = await send(a, conv, { type: 'audio', content: wav.body.media_id });
    assert.deepEqual([voice.status, voice.body.media.duration, voice.body.media.type], [201, 2, 'audio']);
    flutterError(await send(a, conv, { type: 'video', content: up.body.media_id }), 400);

    const theirs = await flutterUpload(base(), outsider.token, { type: 'image', file: { data: png, name: 'p.png', type: 'image/png' } });
    flutterError(await send(a, conv, { type: 'image', content: theirs.body.media_id }), 404);
    flutterError(await send(a, conv, { type: 'image', content: 'media_nothing' }), 404);
  });

  it('groups: info, members in role order, PATCH by role with base64 avatars, invite, and group_update (C26–C28, C34)', async () => {
    const owner = await user({ nickname: 'Olive' });
    const m1 = await user();
    const m2 = await user();
    const outsider = await user({ nickname: 'Newbie' });
    const g = await newGroup(owner, [m1, m2]);
    const gid = g.target_id;
    const info = await api().get(`/v1/groups/${gid}`, m1.token);
    shaped(info, 200, S.Group);
    assert.equal(info.body.owner_id, owner.id);
    assert.equal(info.body.member_count, 3);
    flutterError(await api().get(`/v1/groups/${gid}`, outsider.token), [403, 404]);
    flutterError(await api().get(`/v1/groups/${gid}/members`, outsider.token), [403, 404]);
    flutterError(await api().patch(`/v1/groups/${gid}`, { name: 'Taken over' }, outsider.token), [403, 404]);
    flutterError(await api().post(`/v1/groups/${gid}/members`, { user_ids: [outsider.id] }, outsider.token), [403, 404]);
    // Inviting takes the owner or an admin, as PATCH does.
    flutterError(await api().post(`/v1/groups/${gid}/members`, { user_ids: [outsider.id] }, m1.token), 403);
    flutterError(await api().get('/v1/groups/424242', owner.token), 404);

    const members = await api().get(`/v1/groups/${gid}/members?limit=2`, m2.token);
    assert.equal(members.body.total, 3);
    assert.deepEqual(members.body.members.map((m: { user_id: string; role: string }) => [m.user_id, m.role]), [[owner.id, 'owner'], [m1.id, 'member']]);
    for (const m of members.body.members) assert.ok(fits(S.GroupMember, m));

    const w1 = await flutterSocket(base(), m1.token);
    const wo = await flutterSocket(base(), outsider.token);
    flutterError(await api().patch(`/v1/groups/${gid}`, { name: 'Mine' }, m1.token), 403);
    flutterError(await api().patch(`/v1/groups/${gid}`, { name: '' }, owner.token), 400);
    flutterError(await api().patch(`/v1/groups/${gid}`, { name: 'Kept?', avatar: 'base64:@@@' }, owner.token), 400);
    assert.equal((await api().get(`/v1/groups/${gid}`, owner.token)).body.name, 'Project Team');
    const up = await api().patch(`/v1/groups/${gid}`, { name: 'Project Alpha Team', announcement: 'Friday', avatar: `base64:${pngBase64}` }, owner.token);
    shaped(up, 200, S.UpdatedGroup);
    assert.match(up.body.avatar, /\/flutter\/v1\/avatars\//);
    assert.equal((await fetch(up.body.avatar)).status, 200);
    const changed = await w1.next('group_update');
    frameOk(changed, 'group_update');
    assert.equal(changed.data.update_type, 'info_updated');
    assert.equal(changed.data.user_id, owner.id);
    assert.equal(changed.data.user_name, 'Olive');
    assert.equal(changed.data.name, 'Project Alpha Team');
    assert.equal(changed.data.avatar, up.body.avatar, 'the same absolute link as the REST answer');

    flutterError(await api().post(`/v1/groups/${gid}/members`, { user_ids: [] }, owner.token), 400);
    // A plain member lacks the role (C5), whoever they name: an unknown id tells them nothing.
    flutterError(await api().post(`/v1/groups/${gid}/members`, { user_ids: [outsider.id] }, m1.token), 403);
    flutterError(await api().post(`/v1/groups/${gid}/members`, { user_ids: ['999999999'] }, m1.token), 403);
    flutterError(await api().post(`/v1/groups/${gid}/members`, { user_ids: [outsider.id, '999999999'] }, owner.token), 404);
    assert.equal((await api().get(`/v1/groups/${gid}`, owner.token)).body.member_count, 3);
    const inv = await api().post(`/v1/groups/${gid}/members`, { user_ids: [outsider.id, m1.id] }, owner.token);
    shaped(inv, 200, S.Invited);
    assert.deepEqual(inv.body, { success: true, invited_users: [outsider.id] });
    const joined = await w1.next('group_update');
    assert.equal(joined.data.update_type, 'new_member');
    assert.equal(joined.data.user_id, outsider.id);
    assert.equal(joined.data.user_name, 'Newbie');
    assert.equal((await wo.next('group_update')).data.update_type, 'new_member');
    const again = await api().post(`/v1/groups/${gid}/members`, { user_ids: [outsider.id] }, owner.token);
    assert.deepEqual(again.body.invited_users, []);

    // Role order (C26): the newest member made admin (through the primary API) comes before the members.
    const ownerPrimary = (await server().api.post('/api/auth/login', { username: owner.username, password: owner.password })).body.data.access_token as string;
    assert.equal((await server().api.put(`/api/chats/${gid}/members/${outsider.id}`, { role: 'admin' }, { token: ownerPrimary })).status, 200);
    const ordered = await api().get(`/v1/groups/${gid}/members`, m2.token);
    assert.deepEqual(
      ordered.body.members.map((m: { user_id: string; role: string }) => [m.user_id, m.role]),
      [[owner.id, 'owner'], [outsider.id, 'admin'], [m1.id, 'member'], [m2.id, 'member']],
    );
    const joinedAt = ordered.body.members.map((m: { joined_at: string }) => m.joined_at);
    assert.ok(joinedAt[2] <= joinedAt[3] && joinedAt[0] <= joinedAt[1], JSON.stringify(joinedAt));
    await w1.close();
    await wo.close();
  });

  it('group changes made through another profile: member_left, member_removed and role_changed (C34)', async () => {
    const owner = await user({ nickname: 'Olga' });
    const m1 = await user({ nickname: 'Max' });
    const m2 = await user({ nickname: 'Mia' });
    const outsider = await user();
    const g = await newGroup(owner, [m1, m2]);
    const gid = g.target_id;
    const ws = await Promise.all([owner, m1, m2, outsider].map((u) => flutterSocket(base(), u.token)));
    const [wOwner, w1, w2, wOut] = ws as [Chat8Socket, Chat8Socket, Chat8Socket, Chat8Socket];
    // The primary API, as the same accounts (C10).
    const primary = async (u: FlutterUser) => (await server().api.post('/api/auth/login', { username: u.username, password: u.password })).body.data.access_token as string;
    const ownerPrimary = await primary(owner);
    const m2Primary = await primary(m2);

    const promoted = await server().api.put(`/api/chats/${gid}/members/${m1.id}`, { role: 'admin' }, { token: ownerPrimary });
    assert.equal(promoted.status, 200, promoted.text);
    for (const w of [wOwner, w1, w2]) {
      const f = await w.next('group_update');
      frameOk(f, 'group_update');
      assert.deepEqual([f.data.group_id, f.data.update_type, f.data.user_id, f.data.user_name, f.data.role], [gid, 'role_changed', m1.id, 'Max', 'admin']);
    }
    assert.equal((await api().get(`/v1/groups/${gid}/members`, owner.token)).body.members[1].role, 'admin');
    // An admin may PATCH; fields left out stay as they were (C27).
    const byAdmin = await api().patch(`/v1/groups/${gid}`, { announcement: 'from the admin' }, m1.token);
    shaped(byAdmin, 200, S.UpdatedGroup);
    assert.deepEqual([byAdmin.body.name, byAdmin.body.announcement, byAdmin.body.avatar], ['Project Team', 'from the admin', null]);
    for (const w of [wOwner, w1, w2]) {
      const f = await w.next('group_update');
      assert.deepEqual([f.data.update_type, f.data.user_id, f.data.user_name, f.data.announcement], ['info_updated', m1.id, 'Max', 'from the admin']);
    }

    // Notices go to the members after the change: whoever left or was removed is not told.
    assert.equal((await server().api.delete(`/api/chats/${gid}/members/${m2.id}`, { token: m2Primary })).status, 200);
    for (const w of [wOwner, w1]) {
      const f = await w.next('group_update');
      frameOk(f, 'group_update');
      assert.deepEqual([f.data.update_type, f.data.user_id, f.data.user_name], ['member_left', m2.id, 'Mia']);
    }

    assert.equal((await server().api.delete(`/api/chats/${gid}/members/${m1.id}`, { token: ownerPrimary })).status, 200);
    const removed = await wOwner.next('group_update');
    frameOk(removed, 'group_update');
    assert.deepEqual([removed.data.update_type, removed.data.user_id, removed.data.user_name], ['member_removed', m1.id, 'Max']);
    await w1.quiet('group_update');
    await w2.quiet('group_update');
    await wOut.quiet('group_update');
    assert.equal((await api().get(`/v1/groups/${gid}`, owner.token)).body.member_count, 1);
    flutterError(await api().get(`/v1/groups/${gid}`, m1.token), [403, 404]);
    for (const w of ws) await w.close();
  });

  it('a message read by a member stays read after that member leaves the group (C21)', async () => {
    const owner = await user();
    const reader = await user();
    const g = await newGroup(owner, [reader]);
    const conv = g.target_id;
    const wOwner = await flutterSocket(base(), owner.token);
    const wReader = await flutterSocket(base(), reader.token);
    const read = await send(owner, conv, { type: 'text', content: 'read before leaving' });
    assert.equal(read.status, 201, read.text);
    wReader.send({ type: 'message_read', data: { conversation_id: conv, message_id: read.body.message_id } });
    assert.equal((await wOwner.next('message_status')).data.message_id, read.body.message_id);
    const statuses = async () =>
      Object.fromEntries((await api().get(`/v1/conversations/${conv}/messages`, owner.token)).body.messages.map((m: { content: string; status: string }) => [m.content, m.status]));
    assert.deepEqual(await statuses(), { 'read before leaving': 'read' });

    const primary = (await server().api.post('/api/auth/login', { username: reader.username, password: reader.password })).body.data.access_token as string;
    assert.equal((await server().api.delete(`/api/chats/${conv}/members/${reader.id}`, { token: primary })).status, 200);
    assert.equal((await send(owner, conv, { type: 'text', content: 'after leaving' })).status, 201);
    assert.deepEqual(await statuses(), { 'read before leaving': 'read', 'after leaving': 'sent' });
    await wOwner.close();
    await wReader.close();
  });

  it('a body over the limit is 413, a sign-out ends the socket and refuses its token, concurrent temp_id sends store one message (C1, C4, C22)', async () => {
    const a = await user();
    const b = await user();
    const conv = await privateWith(a, b);

    const huge = await api().raw.request('POST', `/flutter/v1/conversations/${conv}/messages`, {
      token: a.token,
      raw: { data: JSON.stringify({ type: 'text', content: 'x'.repeat(2 * 1024 * 1024) }), type: 'application/json' },
    });
    flutterError(huge, 413);
    assert.equal((await api().get(`/v1/conversations/${conv}/messages`, a.token)).body.messages.length, 0);

    // Ten sends of one temp_id at once: one message, ten answers naming it, one frame.
    const wb = await flutterSocket(base(), b.token);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => send(a, conv, { type: 'text', content: `race ${i}`, temp_id: 'same-temp' })));
    for (const r of answers) assert.equal(r.status, 201, r.text);
    const ids = new Set(answers.map((r) => r.body.message_id));
    assert.equal(ids.size, 1);
    assert.ok(answers.every((r) => r.body.temp_id === 'same-temp'));
    const history = await api().get(`/v1/conversations/${conv}/messages`, b.token);
    assert.deepEqual(history.body.messages.map((m: { message_id: string }) => m.message_id), [...ids]);
    assert.equal((await wb.next('new_message')).data.message_id, [...ids][0]);
    await wb.quiet('new_message');
    await wb.close();

    // Without limit, a page holds the newest 50 (C20).
    const more: string[] = [];
    for (let i = 0; i < 50; i++) more.push((await send(a, conv, { type: 'text', content: `more ${i}` })).body.message_id);
    const page = await api().get(`/v1/conversations/${conv}/messages`, a.token);
    assert.deepEqual(page.body.messages.map((m: { message_id: string }) => m.message_id), [...more].reverse());

    // b signs out (through the primary API: the document has no logout): b's open socket is
    // closed at once and the token is refused, on the socket and over REST.
    const login = await api().post('/v1/auth/login', { username: b.username, password: b.password });
    const token = login.body.token as string;
    const open = await flutterSocket(base(), token);
    assert.equal((await server().api.post('/api/auth/logout', {}, { token })).status, 200);
    assert.notEqual((await open.closed).code, 1000);
    assert.equal(await Chat8Socket.refused(flutterWsUrl(base(), token)), 401);
    flutterError(await api().get('/v1/user/me', token), 401);
    shaped(await api().get('/v1/user/me', b.token), 200, S.MeData);
  });

  it('calls: REST offer, accept and end with ICE over the socket, between two users (C35, C36)', async () => {
    const a = await user({ nickname: 'Caller' });
    const b = await user();
    const outsider = await user();
    const [wa, wb, wo] = (await Promise.all([a, b, outsider].map((u) => flutterSocket(base(), u.token)))) as [Chat8Socket, Chat8Socket, Chat8Socket];
    const self = await api().post('/v1/calls', { target_id: a.id, type: 'video', offer_sdp: 'v=0' }, a.token);
    flutterError(self, 400);
    assert.match(self.body.details, /^target_id/);
    flutterError(await api().post('/v1/calls', { target_id: b.id, type: 'hologram', offer_sdp: 'v=0' }, a.token), 400);
    flutterError(await api().post('/v1/calls', { target_id: b.id, type: 'video' }, a.token), 400);
    flutterError(await api().post('/v1/calls', { target_id: '999999999', type: 'video', offer_sdp: 'v=0' }, a.token), 404);

    const offer = await api().post('/v1/calls', { target_id: b.id, type: 'video', offer_sdp: 'v=0 offer' }, a.token);
    assert.equal(offer.status, 201, offer.text);
    assert.deepEqual(Object.keys(offer.body).sort(), ['call_id', 'created_at', 'status', 'target_id', 'type']);
    assert.equal(offer.body.status, 'ringing');
    const callId = offer.body.call_id as string;
    const rung = await wb.next('call_offer');
    frameOk(rung, 'call_offer');
    assert.deepEqual([rung.data.call_id, rung.data.caller_id, rung.data.caller_name, rung.data.offer_sdp, rung.data.type], [callId, a.id, 'Caller', 'v=0 offer', 'video']);

    flutterError(await api().post(`/v1/calls/${callId}/accept`, { answer_sdp: 'x' }, a.token), 403);
    flutterError(await api().post(`/v1/calls/${callId}/accept`, { answer_sdp: 'x' }, outsider.token), [403, 404]);
    flutterError(await api().post(`/v1/calls/${callId}/end`, {}, outsider.token), [403, 404]);
    flutterError(await api().post('/v1/calls/call_nothing/accept', { answer_sdp: 'x' }, b.token), 404);
    flutterError(await api().post('/v1/calls/42/end', {}, b.token), 404);
    const accepted = await api().post(`/v1/calls/${callId}/accept`, { answer_sdp: 'v=0 answer' }, b.token);
    assert.equal(accepted.status, 200, accepted.text);
    assert.equal(accepted.body.status, 'connected');
    const answer = await wa.next('call_answer');
    frameOk(answer, 'call_answer');
    assert.equal(answer.data.answer_sdp, 'v=0 answer');
    flutterError(await api().post(`/v1/calls/${callId}/accept`, { answer_sdp: 'again' }, b.token), 409);

    // ICE: to the other party only, not echoed, not to others; outsiders get an error frame.
    wa.send({ type: 'ice_candidate', data: { call_id: callId, candidate: 'candidate:1 1 UDP 2013266431 192.168.1.100 54572 typ host', sdp_mid: '0', sdp_mline_index: 0 } });
    const ice = await wb.next('ice_candidate');
    frameOk(ice, 'ice_candidate');
    assert.deepEqual(ice.data, { call_id: callId, candidate: 'candidate:1 1 UDP 2013266431 192.168.1.100 54572 typ host', sdp_mid: '0', sdp_mline_index: 0 });
    // Relayed as given: without sdp_mid and sdp_mline_index when the sender gave none.
    wb.send({ type: 'ice_candidate', data: { call_id: callId, candidate: 'candidate:2' } });
    assert.deepEqual((await wa.next('ice_candidate')).data, { call_id: callId, candidate: 'candidate:2' });
    wo.send({ type: 'ice_candidate', data: { call_id: callId, candidate: 'candidate:3' } });
    assert.ok([403, 404].includes((await wo.next('error')).data.code));
    wa.send({ type: 'ice_candidate', data: { call_id: `call_${'x'.repeat(300)}`, candidate: 'candidate:4' } });
    assert.equal((await wa.next('error')).data.code, 404);
    await wa.quiet('ice_candidate');
    await wb.quiet('ice_candidate');
    await wo.quiet('ice_candidate');

    // duration: whole seconds from accept to end.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const end = await api().post(`/v1/calls/${callId}/end`, {}, a.token);
    assert.equal(end.status, 200, end.text);
    assert.deepEqual(Object.keys(end.body).sort(), ['call_id', 'duration', 'status', 'updated_at']);
    assert.equal(end.body.status, 'ended');
    assert.ok(Number.isInteger(end.body.duration) && end.body.duration >= 1 && end.body.duration <= 3, String(end.body.duration));
    const over = await wb.next('call_end');
    frameOk(over, 'call_end');
    assert.deepEqual([over.data.call_id, over.data.duration], [callId, end.body.duration]);
    await wa.quiet('call_end');
    flutterError(await api().post(`/v1/calls/${callId}/accept`, { answer_sdp: 'late' }, b.token), 409);

    // Ending a ringing call declines it, with duration 0.
    const second = await api().post('/v1/calls', { target_id: b.id, type: 'audio', offer_sdp: 'v=0' }, a.token);
    await wb.next('call_offer');
    const declined = await api().post(`/v1/calls/${second.body.call_id}/end`, {}, b.token);
    assert.equal(declined.body.duration, 0);
    assert.equal((await wa.next('call_end')).data.duration, 0);
    await wb.quiet('call_end');
    for (const w of [wa, wb, wo]) await w.close();
  });
});

describe('flutter profile with PUBLIC_URL and tight limits', () => {
  const publicUrl = 'https://chat.example.com';
  let s: TestServer;
  before(async () => {
    s = await startTestServer('sqlite', { PUBLIC_URL: publicUrl, UPLOAD_MAX_SIZE: '1kb', RATE_LIMIT_QUERY: '20/min' });
  });
  after(async () => {
    await s?.close();
  });
  const api = () => new Api(`${s.url}/flutter`);
  const local = (url: string) => url.replace(publicUrl, s.url);

  it('links are absolute under PUBLIC_URL, the same in REST answers and frames, and serve the bytes (C12, C24, C25)', async () => {
    const a = await flutterUser(api(), { nickname: 'Pia' });
    const b = await flutterUser(api());
    const conv = (await api().post('/v1/conversations', { type: 'private', target_id: b.id }, { token: a.token })).body.conversation_id as string;
    const png = Buffer.from(pngBase64, 'base64');
    const up = await flutterUpload(`${s.url}/flutter`, a.token, { type: 'image', file: { data: png, name: 'photo.png', type: 'image/png' } });
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.url, `${publicUrl}/flutter/v1/media/${up.body.media_id}`);

    const wb = await flutterSocket(`${s.url}/flutter`, b.token);
    const sent = await api().post(`/v1/conversations/${conv}/messages`, { type: 'image', content: up.body.media_id, caption: 'here' }, { token: a.token });
    assert.equal(sent.status, 201, sent.text);
    assert.deepEqual(sent.body.media, up.body);
    const frame = await wb.next('new_message');
    assert.deepEqual(frame.data.media, up.body);
    const history = await api().get(`/v1/conversations/${conv}/messages`, { token: b.token });
    assert.deepEqual(history.body.messages[0].media, up.body);
    const got = await fetch(local(up.body.url), { headers: { authorization: `Bearer ${b.token}` } });
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), png);

    const me = await patch(api(), '/v1/user/me', { avatar: `base64:${pngBase64}` }, { token: a.token });
    assert.equal(me.status, 200, me.text);
    assert.match(me.body.avatar, new RegExp(`^${publicUrl}/flutter/v1/avatars/file_`));
    assert.equal((await api().get('/v1/user/me', { token: a.token })).body.avatar, me.body.avatar);
    const avatar = await fetch(local(me.body.avatar));
    assert.equal(avatar.status, 200);
    assert.deepEqual(Buffer.from(await avatar.arrayBuffer()), png);
    await wb.close();
  });

  it('an upload over UPLOAD_MAX_SIZE is 413 and too many requests 429, both {code, message, details} (C4)', async () => {
    const a = await flutterUser(api());
    const big = await flutterUpload(`${s.url}/flutter`, a.token, { type: 'file', file: { data: Buffer.alloc(4096, 7), name: 'big.bin', type: 'application/octet-stream' } });
    assert.equal(big.status, 413);
    assert.deepEqual(Object.keys(big.body).sort(), ['code', 'details', 'message']);
    assert.equal(big.body.code, 413);

    let last: ApiResponse | undefined;
    for (let i = 0; i < 25 && last?.status !== 429; i++) last = await api().get('/v1/user/me', { token: a.token });
    flutterError(last!, 429);
  });

  it('publishes its OpenAPI document with every path, method and success status of the document', async () => {
    const doc = (await s.api.get('/openapi/flutter.json')).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const expected: [string, string, string][] = [
      ['post', '/auth/register', '201'],
      ['post', '/auth/login', '200'],
      ['post', '/auth/refresh', '200'],
      ['post', '/auth/oauth/{provider}', '200'],
      ['get', '/user/me', '200'],
      ['patch', '/user/me', '200'],
      ['get', '/users/search', '200'],
      ['get', '/contacts', '200'],
      ['post', '/contacts', '201'],
      ['patch', '/contacts/{user_id}', '200'],
      ['delete', '/contacts/{user_id}', '204'],
      ['get', '/conversations', '200'],
      ['post', '/conversations', '201'],
      ['get', '/conversations/{conversation_id}/messages', '200'],
      ['post', '/conversations/{conversation_id}/messages', '201'],
      ['get', '/groups/{group_id}', '200'],
      ['patch', '/groups/{group_id}', '200'],
      ['get', '/groups/{group_id}/members', '200'],
      ['post', '/groups/{group_id}/members', '200'],
      ['post', '/media/upload', '201'],
      ['post', '/calls', '201'],
      ['post', '/calls/{call_id}/accept', '200'],
      ['post', '/calls/{call_id}/end', '200'],
    ];
    for (const [method, path, status] of expected) {
      const op = doc.paths[`/flutter/v1${path}`]?.[method];
      assert.ok(op, `${method} ${path}`);
      assert.ok(status in op.responses, `${method} ${path} answers ${status}`);
    }
    assert.ok(doc.paths['/flutter/ws']?.get, 'the socket');
  });
});
