import assert from 'node:assert/strict';
import { it } from 'node:test';
import * as S from '../../src/profiles/xiaoxiang/schemas.ts';
import type { ApiResponse } from '../support/api.ts';
import { silentWav } from '../support/files.ts';
import { TestClock } from '../support/clock.ts';
import { describeEachStore } from '../support/server.ts';
import { XxSocket, xxError, xxFits as fits, xxFrameOk as frameOk, xxInvalid, xxOk as ok, xxUpload, xxUser, type XxFrame, type XxUser } from '../support/xiaoxiang.ts';

/**
 * Edges of the xiaoxiang profile's decisions (issue 16) that xiaoxiang.test.ts does not reach:
 * one answer per requestId (20), avatar changes and an expired cursor in sync (15), bodies that
 * are not JSON (5), search's default page (8), page numbers of offsets between pages (4), long
 * group names (12), no registration here (2), the directory read by someone in no department
 * (13), audio and video uploads (14). Real HTTP and WebSocket clients against a started server.
 */

const pagination = (res: ApiResponse) => res.body.meta.pagination as { page: number; limit: number; total: number; hasNext: boolean };
const ids = (items: { id: string }[]) => items.map((x) => x.id);

/** Every frame a socket receives, in order, beside the helper's own queue (which takes what it answers). */
function record(s: XxSocket): XxFrame[] {
  const seen: XxFrame[] = [];
  s.ws.on('message', (raw: Buffer) => seen.push(JSON.parse(raw.toString('utf8')) as XxFrame));
  return seen;
}

/** Resolves once `seen` holds `n` frames that `pick` selects (or after 5 s, for the assertions to tell what came). */
async function until(seen: XxFrame[], n: number, pick: (f: XxFrame) => boolean): Promise<XxFrame[]> {
  for (let waited = 0; seen.filter(pick).length < n && waited < 5000; waited += 10) await new Promise((r) => setTimeout(r, 10));
  return seen.filter(pick);
}

/** How many frames carried each requestId. */
function answersPer(seen: XxFrame[], requestIds: string[]): Record<string, number> {
  return Object.fromEntries(requestIds.map((id) => [id, seen.filter((f) => f.requestId === id).length]));
}

/** Body parts sent as-is with a content type that is not JSON. */
const rawBody = (data: string, type: string) => ({ raw: { data, type } });
const multipart = (fields: Record<string, string>) => {
  const parts = Object.entries(fields).map(([k, v]) => `--edge\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  return rawBody(`${parts.join('')}--edge--\r\n`, 'multipart/form-data; boundary=edge');
};


function box(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4);
  return Buffer.concat([head, body]);
}

/** An ISO base media (MP4) file: an `isom` ftyp box, then free and mdat boxes. */
function mp4(): Buffer {
  const ftyp = box('ftyp', Buffer.concat([Buffer.from('isom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2avc1mp41')]));
  return Buffer.concat([ftyp, box('free', Buffer.alloc(16)), box('mdat', Buffer.alloc(256, 7))]);
}

describeEachStore('xiaoxiang edges', (server) => {
  const base = () => server().url;
  const a = () => server().api;
  const get = (p: string, u?: { token: string }) => a().get(`/xiaoxiang/v1${p}`, { token: u?.token });
  const post = (p: string, body: unknown, u?: { token: string }) => a().post(`/xiaoxiang/v1${p}`, body, { token: u?.token });
  const put = (p: string, body: unknown, u?: { token: string }) => a().put(`/xiaoxiang/v1${p}`, body, { token: u?.token });
  const raw = (method: string, p: string, u: { token: string } | undefined, body: { raw: { data: string; type: string } }) =>
    a().request(method, `/xiaoxiang/v1${p}`, { token: u?.token, ...body });
  const user = (name = 'User', placed: { department?: string; position?: string } = {}) => xxUser(a(), name, placed);
  const privateChat = async (x: XxUser, y: XxUser) => ok(await post('/chats', { type: 'private', participantIds: [y.id] }, x), [200, 201], S.Chat).id as string;
  const group = async (owner: XxUser, members: XxUser[], name = '项目讨论组') =>
    ok(await post('/chats', { type: 'group', name, participantIds: members.map((m) => m.id) }, owner), [200, 201], S.Chat).id as string;
  const send = async (u: XxUser, chatId: string, content: string) => ok(await post('/messages', { chatId, type: 'text', content }, u), [200, 201], S.Message);

  // First in this server: no department exists yet.
  it('decision 13: someone in no department reads the directory: 200, nobody placed yet is [], then the tree without them', async () => {
    const loner = await user('无部门');
    const consultant = await user('顾问甲', { position: '外部顾问' });
    assert.deepEqual(ok(await get('/organization/departments', loner), 200), { departments: [] });

    const tag = `${process.pid}`;
    const sales = `销售部${tag}`;
    const [s1, s2, s3] = [await user('销售一', { department: sales, position: '经理' }), await user('销售二', { department: sales }), await user('销售三', { department: `${sales}/华东组` })];
    const me = ok(await get('/users/me', loner), 200, S.User);
    assert.deepEqual([me.department, me.position], ['', '']);
    // A position without a department: the position kept, the department "".
    const placedNowhere = ok(await get('/users/me', consultant), 200, S.User);
    assert.deepEqual([placedNowhere.department, placedNowhere.position], ['', '外部顾问']);

    const res = await get('/organization/departments', loner);
    const tree = ok(res, 200).departments as S.DepartmentShape[];
    assert.deepEqual(tree.map((d) => d.name), [sales], res.text);
    const top = tree[0]!;
    assert.ok(fits(S.Department, top), JSON.stringify(top));
    assert.deepEqual([top.parentId, top.level, top.memberCount], [null, 1, 3]);
    assert.deepEqual(ids(top.members).sort(), [s1.id, s2.id].sort());
    assert.deepEqual(top.children.map((d) => [d.name, d.level, d.memberCount, ids(d.members)]), [['华东组', 2, 1, [s3.id]]]);
    // Neither the loner nor the consultant sits anywhere in the tree.
    const everyone = (nodes: S.DepartmentShape[]): string[] => nodes.flatMap((n) => [...ids(n.members), ...everyone(n.children)]);
    assert.ok(!everyone(tree).includes(loner.id) && !everyone(tree).includes(consultant.id), res.text);
    // They may read a department's members too.
    const members = await get(`/organization/departments/${top.id}/members`, consultant);
    assert.deepEqual(ids(ok(members, 200).members).sort(), [s1.id, s2.id].sort());
    assert.deepEqual(pagination(members), { page: 1, limit: 50, total: 2, hasNext: false });
    // Search shows them with department "" as well.
    const found = ok(await get(`/users/search?q=${encodeURIComponent(consultant.email)}`, s1), 200).users;
    assert.deepEqual(found.map((u: { department: string; position: string }) => [u.department, u.position]), [['', '外部顾问']]);
  });

  it('decision 2: POST /auth/register does not exist here: NOT_FOUND 404 in the error envelope, no account made', async () => {
    const email = `reg${process.pid}@corp.example`;
    const body = { email, password: 'secret-pass-1', name: '注册者', deviceId: 'd', department: '技术部', position: '工程师' };
    xxError(await post('/auth/register', body), 404, 'NOT_FOUND');
    xxError(await get('/auth/register'), 404, 'NOT_FOUND');
    const u = await user('Anyone');
    xxError(await post('/auth/register', body, u), 404, 'NOT_FOUND');
    xxError(await post('/auth/login', { email, password: 'secret-pass-1', deviceId: 'd' }), 401, 'UNAUTHORIZED');
  });

  it('decision 12: a group name over 64 characters is VALIDATION_ERROR naming name; 64 (also CJK) is fine; nothing made', async () => {
    const [x, y] = [await user('Grouper'), await user('Member')];
    xxInvalid(await post('/chats', { type: 'group', name: 'g'.repeat(65), participantIds: [y.id] }, x), 'name');
    xxInvalid(await post('/chats', { type: 'group', name: '群'.repeat(65), participantIds: [y.id] }, x), 'name');
    assert.equal(pagination(await get('/chats', x)).total, 0, 'a refused group is not made');
    const made = ok(await post('/chats', { type: 'group', name: '群'.repeat(64), participantIds: [y.id] }, x), [200, 201], S.Chat);
    assert.equal(made.name, '群'.repeat(64));
    assert.equal(ok(await get(`/chats/${made.id}`, y), 200).name, '群'.repeat(64));
  });

  it('decision 5: a body that is not JSON (text/plain, form-urlencoded) is INVALID_REQUEST 400 and changes nothing', async () => {
    const [x, y] = [await user('Plain Sender'), await user('Plain Peer')];
    const chat = await privateChat(x, y);
    const m = await send(y, chat, 'unread');
    const asJson = JSON.stringify;
    const refused = [
      await raw('PUT', '/users/me', x, rawBody(asJson({ name: 'Changed', status: 'busy' }), 'text/plain')),
      await raw('PUT', '/users/me', x, rawBody('name=Changed&status=busy', 'application/x-www-form-urlencoded')),
      await raw('POST', '/messages', x, rawBody(asJson({ chatId: chat, type: 'text', content: 'as text' }), 'text/plain')),
      await raw('POST', '/messages', x, rawBody(`chatId=${chat}&type=text&content=as+form`, 'application/x-www-form-urlencoded')),
      await raw('POST', '/chats', x, rawBody(asJson({ type: 'group', name: 'G', participantIds: [y.id] }), 'text/plain;charset=UTF-8')),
      await raw('PUT', '/messages/read', x, rawBody(`messageIds=${m.id}`, 'application/x-www-form-urlencoded')),
      await raw('POST', '/sync/upload', x, rawBody(asJson({ changes: [{ type: 'message', action: 'create', clientId: 'c1', data: { chatId: chat, type: 'text', content: 'up' } }] }), 'text/plain')),
      await raw('POST', '/auth/logout', x, rawBody(asJson({ deviceId: x.deviceId }), 'text/plain')),
      await raw('POST', '/auth/logout', x, rawBody(`deviceId=${x.deviceId}`, 'application/x-www-form-urlencoded')),
      await raw('POST', '/auth/login', undefined, rawBody(asJson({ email: x.email, password: x.password, deviceId: 'other' }), 'text/plain')),
      await raw('POST', '/auth/refresh', undefined, rawBody(`refreshToken=${x.refreshToken}`, 'application/x-www-form-urlencoded')),
    ];
    for (const res of refused) xxError(res, 400, 'INVALID_REQUEST');

    const me = ok(await get('/users/me', x), 200, S.User);
    assert.deepEqual([me.name, me.status], ['Plain Sender', 'online'], 'the profile is unchanged; the session still works');
    assert.deepEqual(ids(ok(await get(`/messages?chatId=${chat}`, x), 200).messages), [m.id], 'no message stored');
    assert.deepEqual(ids(ok(await get('/chats', x), 200).chats), [chat], 'no chat made');
    assert.equal(ok(await get(`/chats/${chat}`, x), 200).unreadCount, 1, 'nothing marked read');
    // The refresh token was not used up by the refused call.
    ok(await post('/auth/refresh', { refreshToken: x.refreshToken }), 200, S.Tokens);
  });

  it('decision 5: a multipart/form-data body to a JSON endpoint is INVALID_REQUEST 400 too, and changes nothing', async () => {
    const x = await user('Form Poster');
    const answers = [
      await raw('PUT', '/users/me', x, multipart({ name: 'Changed' })),
      await raw('PUT', '/messages/read', x, multipart({ messageIds: '1' })),
      await raw('POST', '/auth/logout', x, multipart({ deviceId: x.deviceId })),
    ];
    const me = await get('/users/me', x);
    // All at once, so that a failure shows every answer.
    assert.deepEqual(
      [...answers.map((r) => [r.status, r.body?.error?.code]), [me.status, me.body?.data?.name]],
      [[400, 'INVALID_REQUEST'], [400, 'INVALID_REQUEST'], [400, 'INVALID_REQUEST'], [200, 'Form Poster']],
      answers.map((r) => r.text).join('\n'),
    );
    for (const res of answers) xxError(res, 400, 'INVALID_REQUEST');
  });

  it('decision 8: user search pages 20 by default; the next offset gives the rest; meta.pagination tells', async () => {
    const me = await user('Searcher');
    const prefix = `Dflt${process.pid}`;
    const made = ids(await Promise.all(Array.from({ length: 23 }, (_, i) => user(`${prefix}${String(i).padStart(2, '0')}`))));
    const first = await get(`/users/search?q=${prefix}`, me);
    const page1 = ok(first, 200).users as { id: string }[];
    assert.equal(page1.length, 20);
    for (const u of page1) assert.ok(fits(S.FoundUser, u), JSON.stringify(u));
    assert.deepEqual(pagination(first), { page: 1, limit: 20, total: 23, hasNext: true });
    const second = await get(`/users/search?q=${prefix}&offset=20`, me);
    const page2 = ok(second, 200).users as { id: string }[];
    assert.equal(page2.length, 3);
    assert.deepEqual(pagination(second), { page: 2, limit: 20, total: 23, hasNext: false });
    assert.deepEqual([...ids(page1), ...ids(page2)].sort(), [...made].sort(), 'every match once across the pages');
    const all = await get(`/users/search?q=${prefix}&limit=100`, me);
    assert.deepEqual([ok(all, 200).users.length, pagination(all)], [23, { page: 1, limit: 100, total: 23, hasNext: false }]);
  });

  it('decision 4: page = floor(offset / limit) + 1 when offset is between pages; hasNext whether more follow', async () => {
    const me = await user('Pager');
    const prefix = `Pg${process.pid}x`;
    await Promise.all(Array.from({ length: 7 }, (_, i) => user(`${prefix}${i}`)));
    const everyone = ids(ok(await get(`/users/search?q=${prefix}&limit=7`, me), 200).users);
    assert.equal(everyone.length, 7);
    const cases: [offset: number, limit: number, page: number, count: number, hasNext: boolean][] = [
      [3, 2, 2, 2, true],
      [1, 2, 1, 2, true],
      [5, 3, 2, 2, false],
      [6, 4, 2, 1, false],
      [4, 5, 1, 3, false],
      [9, 2, 5, 0, false],
    ];
    for (const [offset, limit, page, count, hasNext] of cases) {
      const res = await get(`/users/search?q=${prefix}&limit=${limit}&offset=${offset}`, me);
      assert.deepEqual(ids(ok(res, 200).users), everyone.slice(offset, offset + limit), `offset ${offset} limit ${limit}`);
      assert.deepEqual(pagination(res), { page, limit, total: 7, hasNext }, `offset ${offset} limit ${limit}: ${res.text}`);
      assert.equal(ok(res, 200).users.length, count);
    }

    // Chats and department members page the same way.
    const peers = [await user('P1'), await user('P2'), await user('P3')];
    for (const p of peers) await privateChat(me, p);
    const chats = ids(ok(await get('/chats', me), 200).chats);
    const mid = await get('/chats?limit=2&offset=1', me);
    assert.deepEqual([ids(ok(mid, 200).chats), pagination(mid)], [chats.slice(1, 3), { page: 1, limit: 2, total: 3, hasNext: false }]);
    const tail = await get('/chats?limit=2&offset=3', me);
    assert.deepEqual([ok(tail, 200).chats, pagination(tail)], [[], { page: 2, limit: 2, total: 3, hasNext: false }]);

    const dept = `分页部${process.pid}`;
    const staff = [await user('员工一', { department: dept }), await user('员工二', { department: dept }), await user('员工三', { department: dept })];
    const node = (ok(await get('/organization/departments', me), 200).departments as S.DepartmentShape[]).find((d) => d.name === dept)!;
    const allMembers = ids(ok(await get(`/organization/departments/${node.id}/members`, me), 200).members);
    assert.deepEqual([...allMembers].sort(), ids(staff).sort());
    const m = await get(`/organization/departments/${node.id}/members?limit=2&offset=1`, me);
    assert.deepEqual([ids(ok(m, 200).members), pagination(m)], [allMembers.slice(1, 3), { page: 1, limit: 2, total: 3, hasNext: false }]);
    const m2 = await get(`/organization/departments/${node.id}/members?limit=2&offset=2`, me);
    assert.deepEqual([ids(ok(m2, 200).members), pagination(m2)], [allMembers.slice(2), { page: 2, limit: 2, total: 3, hasNext: false }]);
  });

  it('decision 15: an avatar change is a users update in /sync/changes to those sharing a chat (and the user), not to others', async () => {
    const [me, friend, colleague, stranger] = [await user('Me'), await user('Friend'), await user('Colleague'), await user('Stranger')];
    await privateChat(me, friend);
    await group(colleague, [me]);
    const cursor = async (u: XxUser) => ok(await get(`/sync/changes?since=${encodeURIComponent(new Date().toISOString())}`, u), 200).nextToken as string;
    const [t0, tStranger] = [await cursor(me), await cursor(stranger)];

    const newAvatar = 'https://cdn.example.com/friend.jpg';
    assert.equal(ok(await put('/users/me', { avatar: newAvatar }, friend), 200, S.User).avatar, newAvatar);
    ok(await put('/users/me', { avatar: 'https://cdn.example.com/colleague.jpg' }, colleague), 200);
    ok(await put('/users/me', { avatar: 'https://cdn.example.com/stranger.jpg' }, stranger), 200);
    ok(await put('/users/me', { avatar: 'https://cdn.example.com/me.jpg' }, me), 200);
    ok(await put('/users/me', { avatar: '' }, friend), 200);

    const res = await get(`/sync/changes?since=${t0}&types=users`, me);
    const page = ok(res, 200, S.Changes);
    for (const c of page.changes) assert.ok(fits(S.Change, c) && fits(S.FoundUser, c.data), JSON.stringify(c));
    const seen = page.changes.map((c: { id: string; type: string; action: string; data: { id: string; avatar: string } }) => [c.type, c.action, c.id, c.data.id, c.data.avatar]);
    assert.deepEqual(
      seen,
      [
        ['users', 'update', friend.id, friend.id, newAvatar],
        ['users', 'update', colleague.id, colleague.id, 'https://cdn.example.com/colleague.jpg'],
        ['users', 'update', me.id, me.id, 'https://cdn.example.com/me.jpg'],
        ['users', 'update', friend.id, friend.id, ''],
      ],
      res.text,
    );
    assert.deepEqual(
      page.changes.find((c: { id: string }) => c.id === colleague.id).data,
      { id: colleague.id, name: 'Colleague', avatar: 'https://cdn.example.com/colleague.jpg', department: '', position: '', status: 'offline' },
    );
    // The stranger shares no chat: they see only their own change.
    const theirs = ok(await get(`/sync/changes?since=${tStranger}`, stranger), 200).changes;
    assert.deepEqual(theirs.map((c: { type: string; id: string; data: { avatar: string } }) => [c.type, c.id, c.data.avatar]), [['users', stranger.id, 'https://cdn.example.com/stranger.jpg']]);
  });

  it('decision 20: every client frame with a requestId gets exactly one answer with it (heartbeat, typing, new_message, user_status, errors)', async () => {
    const [x, y, outsider] = [await user('Answered'), await user('Peer'), await user('Outsider')];
    const chat = await privateChat(x, y);
    const theirs = await privateChat(y, outsider);
    const sx = await XxSocket.open(base(), x);
    const sy = await XxSocket.open(base(), y);
    const seen = record(sx);
    const asked: string[] = [];
    const ask = async (frame: Record<string, unknown>, requestId: string) => {
      asked.push(requestId);
      sx.send({ ...frame, requestId });
      return sx.next((f) => f.requestId === requestId);
    };

    const hb = await ask({ type: 'heartbeat', event: 'heartbeat', data: { timestamp: 7 } }, 'edge-hb');
    frameOk(hb, 'heartbeat', 'heartbeat');
    assert.equal(hb.data.timestamp, 7);
    // As the origin client sends it: a type and no event.
    frameOk(await ask({ type: 'heartbeat' }, 'edge-hb-origin'), 'heartbeat', 'heartbeat');
    const typing = await ask({ type: 'typing', event: 'typing', data: { chatId: chat, isTyping: true } }, 'edge-typing');
    frameOk(typing, 'typing', 'typing');
    assert.deepEqual(typing.data, { chatId: chat, userId: x.id, isTyping: true });
    const stopped = await ask({ type: 'typing', event: 'typing', data: { chatId: chat, isTyping: false } }, 'edge-typing-off');
    assert.equal(stopped.data.isTyping, false);
    const sent = await ask({ type: 'message', event: 'new_message', data: { chatId: chat, type: 'text', content: 'answered once', metadata: { clientId: 'edge-1' } } }, 'edge-send');
    frameOk(sent, 'new_message', 'message');
    assert.deepEqual([sent.data.content, sent.data.senderId, sent.data.metadata], ['answered once', x.id, { clientId: 'edge-1' }]);
    const resent = await ask({ type: 'message', event: 'new_message', data: { chatId: chat, type: 'text', content: 'answered once', metadata: { clientId: 'edge-1' } } }, 'edge-resend');
    assert.equal(resent.data.id, sent.data.id);
    const status = await ask({ type: 'status', event: 'user_status', data: { status: 'away' } }, 'edge-status');
    frameOk(status, 'user_status', 'status');
    assert.deepEqual([status.data.userId, status.data.status], [x.id, 'away']);

    const error = (f: XxFrame, codes: string[]) => {
      frameOk(f, 'error', 'error');
      assert.ok(codes.includes(f.data.code), JSON.stringify(f));
      assert.deepEqual(Object.keys(f).sort(), ['data', 'event', 'requestId', 'type']);
    };
    error(await ask({ type: 'x', event: 'dance', data: {} }, 'edge-unknown'), ['INVALID_REQUEST']);
    error(await ask({ type: 'typing', event: 'typing', data: { chatId: 5 } }, 'edge-invalid'), ['VALIDATION_ERROR']);
    error(await ask({ type: 'typing', event: 'typing', data: 'typing' }, 'edge-not-object'), ['VALIDATION_ERROR']);
    error(await ask({ type: 'typing', event: 'typing', data: { chatId: theirs, isTyping: true } }, 'edge-typing-foreign'), ['FORBIDDEN', 'NOT_FOUND']);
    error(await ask({ type: 'message', event: 'new_message', data: { chatId: theirs, type: 'text', content: 'let me in' } }, 'edge-send-foreign'), ['FORBIDDEN', 'NOT_FOUND']);
    error(await ask({ type: 'message', event: 'new_message', data: { chatId: chat, type: 'text', content: '' } }, 'edge-send-empty'), ['VALIDATION_ERROR']);
    error(await ask({ type: 'message', event: 'new_message', data: { chatId: '999999', type: 'text', content: 'nowhere' } }, 'edge-send-nowhere'), ['FORBIDDEN', 'NOT_FOUND']);
    error(await ask({ type: 'status', event: 'user_status', data: { status: 'sleeping' } }, 'edge-status-bad'), ['VALIDATION_ERROR']);
    error(await ask({ data: {} }, 'edge-nameless'), ['INVALID_REQUEST']);
    // A lone surrogate in a well-formed JSON frame.
    asked.push('edge-surrogate');
    sx.send(`{"type":"message","event":"new_message","data":{"chatId":"${chat}","type":"text","content":"\\ud800"},"requestId":"edge-surrogate"}`);
    error(await sx.next((f) => f.requestId === 'edge-surrogate'), ['INVALID_REQUEST', 'VALIDATION_ERROR']);

    // Sent back to back without waiting: still one answer each, each with its own requestId.
    const burst = [
      { type: 'heartbeat', event: 'heartbeat', data: {} },
      { type: 'typing', event: 'typing', data: { chatId: chat, isTyping: true } },
      { type: 'message', event: 'new_message', data: { chatId: chat, type: 'text', content: 'burst', metadata: { clientId: 'edge-burst' } } },
      { type: 'status', event: 'user_status', data: { status: 'busy' } },
      { type: 'x', event: 'dance', data: {} },
      { type: 'message', event: 'new_message', data: { chatId: chat, type: 'text', content: 'burst', metadata: { clientId: 'edge-burst' } } },
    ];
    const burstIds = burst.map((_, i) => `edge-burst-${i}`);
    burst.forEach((f, i) => sx.send({ ...f, requestId: burstIds[i] }));
    const answers = await Promise.all(burstIds.map((id) => sx.next((f) => f.requestId === id)));
    assert.deepEqual(answers.map((f) => f.event), ['heartbeat', 'typing', 'new_message', 'user_status', 'error', 'new_message']);
    assert.equal(answers[5]!.data.id, answers[2]!.data.id);
    asked.push(...burstIds);

    // Past a barrier (and a moment for anything in flight): no second answer to any of them.
    await sx.quiet();
    const counts = answersPer(seen, asked);
    assert.deepEqual(counts, Object.fromEntries(asked.map((id) => [id, 1])));
    // The peer hears the events, never an answer meant for x.
    await sy.quiet();
    await sx.close();
    await sy.close();
  });

  it('decision 14: audio and video uploads: type and mimeType from the bytes, the file info, no thumbnail, bytes served', async () => {
    const [x, y] = [await user('Recorder'), await user('Listener')];
    const sound = silentWav(0.1);
    const film = mp4();
    const cases = [
      { data: sound, name: 'voice-note.wav', claimed: 'video/mp4', declared: undefined, type: 'audio', mime: 'audio/wav' },
      { data: sound, name: '录音.wav', claimed: 'audio/wav', declared: 'audio', type: 'audio', mime: 'audio/wav' },
      { data: film, name: 'clip.mp4', claimed: 'audio/mpeg', declared: undefined, type: 'video', mime: 'video/mp4' },
      { data: film, name: 'meeting.mp4', claimed: 'video/mp4', declared: 'video', type: 'video', mime: 'video/mp4' },
    ];
    const chat = await privateChat(x, y);
    for (const c of cases) {
      const up = await xxUpload(base(), x.token, { file: { data: c.data, name: c.name, type: c.claimed }, ...(c.declared && { type: c.declared }) });
      const f = ok(up, 201, S.File);
      assert.deepEqual(Object.keys(f).sort(), ['id', 'mimeType', 'name', 'size', 'thumbnailUrl', 'type', 'uploadedAt', 'url']);
      assert.deepEqual([f.name, f.size, f.type, f.mimeType, f.thumbnailUrl], [c.name, c.data.length, c.type, c.mime, null], up.text);
      assert.equal(f.url, `/xiaoxiang/v1/files/${f.id}/content`);
      assert.match(f.uploadedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
      assert.deepEqual(ok(await get(`/files/${f.id}`, x), 200, S.File), f);
      const bytes = await fetch(new URL(f.url, base()), { headers: { authorization: `Bearer ${x.token}` } });
      assert.equal(bytes.status, 200);
      assert.equal(bytes.headers.get('content-type'), c.mime);
      assert.deepEqual(Buffer.from(await bytes.arrayBuffer()), c.data);
      xxError(await get(`/files/${f.id}/thumbnail`, x), 404, 'NOT_FOUND');
      // A message of the file's own type carries it; the peer may then read it.
      const m = ok(await post('/messages', { chatId: chat, type: c.type, content: f.url, metadata: { fileId: f.id } }, x), [200, 201], S.Message);
      assert.deepEqual([m.type, m.metadata.fileId], [c.type, f.id]);
      assert.deepEqual(ok(await get(`/files/${f.id}`, y), 200), f);
    }
    // A type the content contradicts.
    for (const [data, declared] of [[sound, 'video'], [sound, 'image'], [film, 'image']] as const) {
      const up = await xxUpload(base(), x.token, { file: { data, name: 'x.bin', type: 'application/octet-stream' }, type: declared });
      assert.equal(up.status, 400, up.text);
      xxInvalid(up as ApiResponse);
    }
  });
});

const clock = new TestClock();
describeEachStore(
  'xiaoxiang sync past the retained history (EVENT_RETENTION=1m)',
  (server) => {
    it('decision 15: a cursor or time older than what the log keeps is VALIDATION_ERROR naming its field; from now on works', async () => {
      const api = server().api;
      const get = (p: string, u: { token: string }) => api.get(`/xiaoxiang/v1${p}`, { token: u.token });
      const [me, x] = [await xxUser(api, 'Long Offline'), await xxUser(api, 'Talker')];
      const chat = (await api.post('/xiaoxiang/v1/chats', { type: 'private', participantIds: [me.id] }, { token: x.token })).body.data.id as string;
      const old = ok(await get(`/sync/changes?since=${encodeURIComponent(new Date(clock.now()).toISOString())}`, me), 200).nextToken as string;
      const oldTime = new Date(clock.now() - 1000).toISOString();
      assert.equal((await api.post('/xiaoxiang/v1/messages', { chatId: chat, type: 'text', content: 'soon forgotten' }, { token: x.token })).status, 201);
      // Before any pruning the old cursor still reads.
      assert.equal(ok(await get(`/sync/changes?since=${old}`, me), 200).changes.length, 1);

      clock.advance(3 * 60_000);
      const kept = ok(await api.post('/xiaoxiang/v1/messages', { chatId: chat, type: 'text', content: 'kept' }, { token: x.token }), 201).id as string;
      assert.ok((await server().core.eventLog.prune()) >= 1, 'the retention pass dropped the old events');

      xxInvalid(await get(`/sync/changes?since=${old}`, me), 'since');
      xxInvalid(await get(`/sync/changes?since=${encodeURIComponent(new Date(clock.now()).toISOString())}&nextToken=${old}`, me), 'nextToken');
      xxInvalid(await get(`/sync/changes?since=${encodeURIComponent(oldTime)}`, me), 'since');
      // Reloaded, the client syncs from a time within the kept history: the kept message, once.
      const recent = ok(await get(`/sync/changes?since=${encodeURIComponent(new Date(clock.now() - 30_000).toISOString())}`, me), 200, S.Changes);
      assert.deepEqual(recent.changes.map((c: { type: string; id: string }) => [c.type, c.id]), [['messages', kept]]);
      const after = ok(await get(`/sync/changes?since=${recent.nextToken}`, me), 200);
      assert.deepEqual([after.changes, after.hasMore], [[], false]);
    });
  },
  { env: { EVENT_RETENTION: '1m' }, options: () => ({ clock }) },
);

describeEachStore(
  'xiaoxiang frames over the socket rate limit (WS_RATE_LIMIT=4/1h)',
  (server) => {
    it('decision 20: a frame refused for its pace is still answered once, with its requestId (RATE_LIMITED)', async () => {
      const u = await xxUser(server().api, 'Too Fast');
      // Opening takes one frame (the helper's barrier); three more are admitted.
      const s = await XxSocket.open(server().url, u);
      const seen = record(s);
      const asked = Array.from({ length: 5 }, (_, i) => `fast-${i}`);
      for (const requestId of asked) s.send({ type: 'heartbeat', event: 'heartbeat', data: { timestamp: 1 }, requestId });
      const answers = await until(seen, asked.length, () => true);
      assert.equal(answers.length, asked.length, JSON.stringify(answers));
      assert.deepEqual(
        answers.filter((f) => f.event === 'heartbeat').map((f) => f.requestId),
        asked.slice(0, 3),
      );
      const limited = answers.filter((f) => f.event === 'error');
      assert.deepEqual(limited.map((f) => [f.type, f.data.code]), [['error', 'RATE_LIMITED'], ['error', 'RATE_LIMITED']]);
      assert.deepEqual(answersPer(seen, asked), Object.fromEntries(asked.map((id) => [id, 1])), JSON.stringify(answers));
      assert.equal(s.ws.readyState, s.ws.OPEN, 'the connection stays open');
      await s.close();
    });
  },
  { env: { WS_RATE_LIMIT: '4/1h' } },
);
