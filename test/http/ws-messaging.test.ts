import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import WebSocket from 'ws';
import { TestClock } from '../support/clock.ts';
import { addMembers, removeMember, renameConversation } from '../support/conversations.ts';
import { file, kind, uploaded } from '../support/files.ts';
import { createGroup, listMessages, openPrivate, send, users } from '../support/messaging.ts';
import { describeEachStore, type TestServer } from '../support/server.ts';
import { assertError, assertKeys, isoSecondsRe, okData } from '../support/shapes.ts';
import type { TestUser } from '../support/users.ts';
import { WsClient, type Frame } from '../support/ws.ts';

/**
 * Messaging and the realtime gateway together, with real WebSocket clients on a started server:
 * REST changes arrive as the document's frames, sends go over the socket, removed members stop
 * receiving, resume covers message bursts, timers and calls reach the sockets.
 */

const clock = new TestClock();

const byNumber = (x: number, y: number) => x - y;
const durable = (f: Frame) => f.seq !== undefined;
const contentOf = (f: Frame) => f.data.content as string;

/** A REST message as frames show it: `is_read` is per viewer, so frames (encoded once) leave it out. */
function asFramed(message: Record<string, unknown>, ...alsoWithout: string[]): Record<string, unknown> {
  const copy = { ...message };
  for (const key of ['is_read', ...alsoWithout]) delete copy[key];
  return copy;
}

function assertIncreasing(values: number[]): void {
  for (let i = 1; i < values.length; i++) assert.ok(values[i]! > values[i - 1]!, `seq ${values[i]} after ${values[i - 1]}`);
}

/** Durable frames of chats and messages (presence frames may come and go with connections). */
const messagingFrames = ['chat.created', 'chat.updated', 'member.added', 'member.removed', 'member.updated', 'message.new', 'message.edit', 'message.delete', 'message.read', 'message.pinned', 'message.unpinned', 'message.recalled', 'message.hidden'];

const chatInfoKeys = ['id', 'name', 'description', 'avatar', 'type', 'is_active', 'created_at', 'updated_at', 'announcement', 'owner_id'];

function connect(s: TestServer, ...who: TestUser[]): Promise<WsClient[]> {
  return Promise.all(who.map((u) => WsClient.connect(s.url, u.token)));
}

function sendFrame(c: WsClient, chatId: number, clientId: string, fields: Record<string, unknown>): void {
  c.send({ type: 'message.send', data: { chat_id: chatId, client_id: clientId, ...fields } });
}

function offer(c: WsClient, to: TestUser, media: 'audio' | 'video' = 'audio'): void {
  c.send({ type: 'call.offer', data: { to_user_id: to.id, call_type: media, sdp: 'v=0 offer' } });
}

/** The call record message of one call, as it arrives on a socket. */
function callRecord(c: WsClient, callId: string): Promise<Frame> {
  return c.next((f) => f.type === 'message.new' && f.data.type === 'call' && f.data.call?.call_id === callId);
}

async function block(s: TestServer, blocker: TestUser, blocked: TestUser): Promise<void> {
  okData(await s.api.post('/api/contacts', { user_id: blocked.id }, { token: blocker.token }));
  okData(await s.api.put(`/api/contacts/${blocked.id}`, { is_blocked: true }, { token: blocker.token }));
}

describeEachStore(
  'messaging over the socket',
  (server) => {
    it('two users chat over REST and each receives the document’s message events and the extension frames', async () => {
      const s = server();
      const [a, b] = await users(s, 2);
      const [ca, cb] = await connect(s, a!, b!);

      const chat = await openPrivate(s, a!, b!);
      for (const c of [ca!, cb!]) {
        const f = await c.next('chat.created');
        assertKeys(f, ['type', 'seq', 'data']);
        assertKeys(f.data, [...chatInfoKeys, 'members_count', 'members']);
        assert.deepEqual([f.data.id, f.data.type, f.data.members_count], [chat.id, 'private', 2]);
        assert.deepEqual(f.data.members.map((m: any) => m.user_id).sort(byNumber), [a!.id, b!.id].sort(byNumber));
        for (const m of f.data.members) assertKeys(m, ['chat_id', 'user_id', 'role', 'joined_at']);
      }

      const sent = await send(s, a!, chat.id, '你好');
      for (const c of [ca!, cb!]) {
        const f = await c.next('message.new');
        // The document's fields and values ...
        for (const key of ['id', 'chat_id', 'sender_id', 'content', 'type', 'created_at', 'sender']) assert.ok(key in f.data, key);
        assert.deepEqual([f.data.id, f.data.chat_id, f.data.sender_id, f.data.content, f.data.type], [sent.id, chat.id, a!.id, '你好', 'text']);
        assert.match(f.data.created_at, isoSecondsRe);
        assertKeys(f.data.sender, ['id', 'username', 'nickname', 'avatar']);
        assert.equal(f.data.sender.id, a!.id);
        // ... inside the REST message shape, less the per-viewer is_read.
        assert.deepEqual(f.data, asFramed(sent));
      }

      const edited = okData(await s.api.put(`/api/messages/${sent.id}`, { content: '你好！' }, { token: a!.token }), '消息编辑成功');
      for (const c of [ca!, cb!]) {
        const f = await c.next('message.edit');
        for (const key of ['id', 'chat_id', 'content', 'updated_at']) assert.ok(key in f.data, key);
        assert.deepEqual([f.data.id, f.data.chat_id, f.data.content, f.data.is_edited], [sent.id, chat.id, '你好！', true]);
        assert.match(f.data.updated_at, isoSecondsRe);
        assert.deepEqual(f.data, asFramed(edited, 'sender'));
      }

      okData(await s.api.post(`/api/messages/${sent.id}/read`, undefined, { token: b!.token }));
      okData(await s.api.post(`/api/messages/${sent.id}/pin`, undefined, { token: b!.token }));
      okData(await s.api.delete(`/api/messages/${sent.id}/pin`, { token: a!.token }));
      for (const c of [ca!, cb!]) {
        const read = await c.next('message.read');
        assertKeys(read.data, ['id', 'chat_id', 'user_id', 'read_at']);
        assert.deepEqual([read.data.id, read.data.chat_id, read.data.user_id], [sent.id, chat.id, b!.id]);
        const pinned = await c.next('message.pinned');
        assertKeys(pinned.data, ['id', 'chat_id', 'pinned_by', 'pinned_at']);
        assert.deepEqual([pinned.data.id, pinned.data.pinned_by], [sent.id, b!.id]);
        const unpinned = await c.next('message.unpinned');
        assertKeys(unpinned.data, ['id', 'chat_id', 'unpinned_by', 'unpinned_at']);
        assert.deepEqual([unpinned.data.id, unpinned.data.unpinned_by], [sent.id, a!.id]);
      }

      const oops = await send(s, a!, chat.id, 'oops');
      okData(await s.api.post(`/api/messages/${oops.id}/recall`, undefined, { token: a!.token }), '消息已撤回');
      okData(await s.api.delete(`/api/messages/${sent.id}`, { token: a!.token }), '消息删除成功');
      for (const c of [ca!, cb!]) {
        assert.equal((await c.next('message.new')).data.id, oops.id);
        const recalled = await c.next('message.recalled');
        assertKeys(recalled.data, ['id', 'chat_id', 'recalled_by', 'recalled_at']);
        assert.deepEqual([recalled.data.id, recalled.data.chat_id, recalled.data.recalled_by], [oops.id, chat.id, a!.id]);
        const deleted = await c.next('message.delete');
        assertKeys(deleted.data, ['id', 'chat_id', 'deleted_at', 'deleted_by', 'reason']);
        assert.deepEqual([deleted.data.id, deleted.data.chat_id, deleted.data.deleted_by, deleted.data.reason], [sent.id, chat.id, a!.id, 'deleted']);
        assert.match(deleted.data.deleted_at, isoSecondsRe);
      }

      // A document: frames link to it under the host the socket connected to (no PUBLIC_URL
      // here), exactly as the REST answer does, and the link works.
      const doc = await uploaded(s, a!, [kind('document'), file(randomBytes(64), 'notes.bin')]);
      const withFile = await send(s, a!, chat.id, { type: 'document', content: '', file_id: doc.id, is_silent: true });
      let link = '';
      for (const c of [ca!, cb!]) {
        const f = await c.next('message.new');
        link = f.data.file_url;
        assert.equal(link, `${s.url}/api/files/${doc.id}`);
        assert.equal(link, withFile.file_url);
        assert.equal(f.data.is_silent, true, 'silent messages are delivered; the flag tells clients not to notify');
        assert.deepEqual(f.data, asFramed(withFile));
      }
      const download = await fetch(link, { headers: { authorization: `Bearer ${b!.token}` } });
      assert.equal(download.status, 200);
      assert.equal((await download.arrayBuffer()).byteLength, 64);

      // b deletes a's message: hidden for b only.
      okData(await s.api.delete(`/api/messages/${withFile.id}`, { token: b!.token }));
      const hidden = await cb!.next('message.hidden');
      assertKeys(hidden.data, ['id', 'chat_id', 'hidden_at']);
      assert.deepEqual([hidden.data.id, hidden.data.chat_id], [withFile.id, chat.id]);

      await ca!.quiet(...messagingFrames);
      await cb!.quiet(...messagingFrames);
      const seenA = ca!.received.filter(durable);
      assert.deepEqual(cb!.received.filter(durable).filter((f) => f.type !== 'message.hidden'), seenA, 'both receive the same frames');
      assertIncreasing(seenA.map((f) => f.seq!));
      assert.doesNotMatch(JSON.stringify([...ca!.received, ...cb!.received]), /"(phone|email)"/, 'frames for many never show phone or email');
      for (const c of [ca, cb]) await c!.close();
    });

    it('sends chat and member changes as chat.* and member.* frames; a member’s own settings reach only them', async () => {
      const s = server();
      const [a, b, c] = await users(s, 3);
      const [ca, cb, cc] = await connect(s, a!, b!, c!);

      const g = await createGroup(s, a!, [b!]);
      for (const x of [ca!, cb!]) {
        const created = await x.next('chat.created');
        assert.deepEqual([created.data.id, created.data.type, created.data.name, created.data.owner_id, created.data.members_count], [g.id, 'group', '测试群', a!.id, 2]);
        assert.deepEqual(Object.fromEntries(created.data.members.map((m: any) => [m.user_id, m.role])), { [a!.id]: 'owner', [b!.id]: 'member' });
        const notice = await x.next('message.new');
        assert.deepEqual([notice.data.type, notice.data.is_silent], ['system', true]);
        assert.match(notice.data.content, /创建了群聊/);
      }
      await cc!.quiet('chat.created', 'message.new');

      await addMembers(s, g.id, a!, [c!]);
      for (const x of [ca!, cb!, cc!]) {
        const added = await x.next('member.added');
        assertKeys(added.data, ['chat_id', 'members', 'added_by']);
        assert.deepEqual([added.data.chat_id, added.data.added_by], [g.id, a!.id]);
        assert.deepEqual(added.data.members.map((m: any) => [m.user_id, m.role]), [[c!.id, 'member']]);
        assert.match((await x.next('message.new')).data.content, /邀请/);
      }

      const name = await renameConversation(s, g.id, a!);
      for (const x of [ca!, cb!, cc!]) {
        const updated = await x.next('chat.updated');
        assertKeys(updated.data, [...chatInfoKeys, 'changes', 'updated_by']);
        assert.deepEqual([updated.data.id, updated.data.name, updated.data.changes, updated.data.updated_by], [g.id, name, ['name'], a!.id]);
      }

      okData(await s.api.put(`/api/chats/${g.id}/members/${b!.id}`, { role: 'admin' }, { token: a!.token }));
      for (const x of [ca!, cb!, cc!]) {
        const role = await x.next('member.updated');
        assertKeys(role.data, ['chat_id', 'user_id', 'role', 'joined_at', 'updated_by']);
        assert.deepEqual([role.data.chat_id, role.data.user_id, role.data.role, role.data.updated_by], [g.id, b!.id, 'admin', a!.id]);
      }

      okData(await s.api.put(`/api/chats/${g.id}/settings`, { is_muted: true }, { token: c!.token }));
      const own = await cc!.next('member.updated');
      assertKeys(own.data, ['chat_id', 'user_id', 'role', 'joined_at', 'is_pinned', 'is_muted', 'updated_by']);
      assert.deepEqual([own.data.user_id, own.data.is_muted, own.data.is_pinned], [c!.id, true, false]);
      await ca!.quiet('member.updated');
      await cb!.quiet('member.updated');
      for (const x of [ca, cb, cc]) await x!.close();
    });

    it('stops delivering to a removed member at once; they get their own member.removed', async () => {
      const s = server();
      const [a, b, c] = await users(s, 3);
      const g = await createGroup(s, a!, [b!, c!]);
      const [ca, cb, cc] = await connect(s, a!, b!, c!);

      await removeMember(s, g.id, a!, c!);
      for (const x of [ca!, cb!, cc!]) {
        const removed = await x.next('member.removed');
        assertKeys(removed.data, ['chat_id', 'user_id', 'reason', 'removed_by', 'removed_at']);
        assert.deepEqual([removed.data.chat_id, removed.data.user_id, removed.data.reason, removed.data.removed_by], [g.id, c!.id, 'removed', a!.id]);
      }
      const next = await send(s, a!, g.id, 'c has gone');
      for (const x of [ca!, cb!]) await x.next((f) => f.type === 'message.new' && f.data.id === next.id);
      sendFrame(cc!, g.id, 'late-1', { content: 'wait for me' });
      const refused = await cc!.next('error');
      assert.deepEqual([refused.data.code, refused.data.ref, refused.data.client_id], [20002, 'message.send', 'late-1']);
      assert.ok(!cc!.drain().some((f) => f.data?.id === next.id), 'nothing of the chat after the removal');

      await removeMember(s, g.id, b!, b!);
      for (const x of [ca!, cb!]) {
        const left = await x.next('member.removed');
        assert.deepEqual([left.data.user_id, left.data.reason, left.data.removed_by], [b!.id, 'left', b!.id]);
      }
      const last = await send(s, a!, g.id, 'alone');
      await ca!.next((f) => f.type === 'message.new' && f.data.id === last.id);
      await cb!.barrier();
      assert.ok(!cb!.drain().some((f) => f.data?.id === last.id));
      await cc!.quiet('member.removed', 'message.new');
      for (const x of [ca, cb, cc]) await x!.close();
    });

    it('sends over the socket: ack with the stored message, message.new to every member, one message per client_id', async () => {
      const s = server();
      const [a, b] = await users(s, 2);
      const chat = await openPrivate(s, a!, b!);
      const [a1, a2, cb] = await connect(s, a!, a!, b!);

      sendFrame(a1!, chat.id, 'k-1', { content: 'over the socket', type: 'text' });
      const ack = await a1!.next('message.ack');
      assertKeys(ack, ['type', 'data']);
      assertKeys(ack.data, ['client_id', 'message']);
      const m = ack.data.message;
      assert.deepEqual([ack.data.client_id, m.client_id, m.content, m.sender_id, m.chat_id, m.is_read], ['k-1', 'k-1', 'over the socket', a!.id, chat.id, false]);
      const stored = (await listMessages(s, b!, chat.id)).messages[0];
      assert.deepEqual(asFramed(m), asFramed(stored), 'the ack carries the stored message in the REST shape');
      for (const x of [cb!, a1!, a2!]) assert.deepEqual((await x.next('message.new')).data, asFramed(m));

      sendFrame(a1!, chat.id, 'k-1', { content: 'over the socket', type: 'text' });
      assert.equal((await a1!.next('message.ack')).data.message.id, m.id, 'the same client_id is the same message');
      await cb!.quiet('message.new');

      // Two frames with one client id at once, from two connections: one message.
      sendFrame(a1!, chat.id, 'k-2', { content: 'twice' });
      sendFrame(a2!, chat.id, 'k-2', { content: 'twice' });
      const [x, y] = await Promise.all([a1!.next('message.ack'), a2!.next('message.ack')]);
      assert.equal(x.data.message.id, y.data.message.id);
      assert.equal((await cb!.next('message.new')).data.id, x.data.message.id);
      await cb!.quiet('message.new');
      assert.equal((await listMessages(s, b!, chat.id, 'search=twice')).total, 1);

      // A reply and a scheduled send take the REST fields too.
      sendFrame(a2!, chat.id, 'k-3', { content: 'later', reply_to_id: m.id, send_at: new Date(clock.now() + 3_600_000).toISOString() });
      const later = (await a2!.next('message.ack')).data.message;
      assert.deepEqual([later.is_scheduled, later.reply_to_id, later.client_id], [true, m.id, 'k-3']);
      await cb!.quiet('message.new');
      for (const c of [a1, a2, cb]) await c!.close();
    });

    it('answers invalid fields, outsiders and blocked senders with error frames; the socket stays up', async () => {
      const s = server();
      const [a, b, outsider] = await users(s, 3);
      const chat = await openPrivate(s, a!, b!);
      const [ca, co] = await connect(s, a!, outsider!);

      sendFrame(ca!, chat.id, 'bad-1', { content: 42 });
      const wrongType = await ca!.next('error');
      assert.deepEqual([wrongType.data.code, wrongType.data.ref, wrongType.data.client_id], [422, 'message.send', 'bad-1']);
      assert.deepEqual(wrongType.data.details, [{ field: 'content', message: 'must be string' }]);
      sendFrame(ca!, chat.id, 'bad-2', { content: 'x', type: 'sticker' });
      assert.equal((await ca!.next('error')).data.details[0].field, 'type');
      sendFrame(ca!, chat.id, 'bad-3', { content: '   ' });
      const empty = await ca!.next('error');
      assert.deepEqual([empty.data.code, empty.data.details[0].field], [422, 'content']);
      sendFrame(ca!, chat.id, 'bad-4', { type: 'image', content: '', file_id: 'file_doesnotexist' });
      assert.equal((await ca!.next('error')).data.code, 30001);

      sendFrame(co!, chat.id, 'nosy-1', { content: 'let me in' });
      assert.equal((await co!.next('error')).data.code, 20002);

      await block(s, b!, a!);
      sendFrame(ca!, chat.id, 'blocked-1', { content: 'hello?' });
      const blocked = await ca!.next('error');
      assert.deepEqual([blocked.data.code, blocked.data.client_id], [403, 'blocked-1']);
      assert.match(blocked.data.error, /blocked/);

      await ca!.quiet('error', 'message.ack', ...messagingFrames);
      assert.equal(ca!.ws.readyState, WebSocket.OPEN);
      assert.equal((await listMessages(s, b!, chat.id)).total, 0, 'nothing was sent');
      for (const c of [ca, co]) await c!.close();
    });

    it('resumes after a disconnect during a burst of REST sends: exactly the missed message.new frames, in order, once', async () => {
      const s = server();
      const [a, b] = await users(s, 2);
      const chat = await openPrivate(s, a!, b!);
      const [witness, first] = await connect(s, b!, b!);
      const total = 80;
      const expected = Array.from({ length: total }, (_, i) => `m${i}`);
      const burst = (async () => {
        for (const content of expected) await send(s, a!, chat.id, content);
      })();
      await first!.take('message.new', 10);
      first!.ws.terminate();
      await first!.closed;
      const before = first!.received.filter((f) => f.type === 'message.new');
      const since = before.at(-1)!.seq!;

      const second = await WsClient.connect(s.url, b!.token, { since });
      await burst;
      const all = await witness!.take('message.new', total);
      assert.deepEqual(all.map(contentOf), expected);
      const missed = all.filter((f) => f.seq! > since);
      assert.ok(missed.length > 0 && missed.length < total);
      const after = await second.take('message.new', missed.length);
      assert.deepEqual(after, missed, 'the missed frames, in order, each once');
      assert.deepEqual([...before, ...after].map(contentOf), expected);
      await second.next('resumed');
      await second.quiet('message.new');
      for (const c of [witness, second]) await c!.close();
    });

    it('delivers a scheduled message over the socket when due; a TTL expiry deletes it for everyone', async () => {
      const s = server();
      const [a, b] = await users(s, 2);
      const chat = await openPrivate(s, a!, b!);
      const [ca, cb] = await connect(s, a!, b!);

      const scheduled = await send(s, a!, chat.id, { content: 'later', send_at: new Date(clock.now() + 60_000).toISOString() });
      const queued = await ca!.next('message.scheduled');
      assert.deepEqual(queued.data, asFramed(scheduled, 'sender'));
      assert.equal(queued.data.is_scheduled, true);
      await cb!.quiet('message.new', 'message.scheduled');

      clock.advance(61_000);
      await s.core.timers.runNow();
      let delivered: any;
      for (const x of [ca!, cb!]) {
        delivered = (await x.next('message.new')).data;
        assert.deepEqual([delivered.content, delivered.is_scheduled, delivered.send_at, delivered.sender_id], ['later', false, scheduled.send_at, a!.id]);
        assert.notEqual(delivered.id, scheduled.id);
      }
      const done = await ca!.next('message.unscheduled');
      assertKeys(done.data, ['id', 'chat_id', 'reason', 'message_id', 'unscheduled_at']);
      assert.deepEqual([done.data.id, done.data.chat_id, done.data.reason, done.data.message_id], [scheduled.id, chat.id, 'sent', delivered.id]);
      await cb!.quiet('message.unscheduled');

      const brief = await send(s, a!, chat.id, { content: 'burn after reading', ttl: 30 });
      for (const x of [ca!, cb!]) {
        const f = await x.next('message.new');
        assert.deepEqual([f.data.id, f.data.ttl, f.data.expires_at], [brief.id, 30, brief.expires_at]);
      }
      clock.advance(31_000);
      await s.core.timers.runNow();
      for (const x of [ca!, cb!]) {
        const gone = await x.next('message.delete');
        assert.deepEqual([gone.data.id, gone.data.chat_id, gone.data.deleted_by, gone.data.reason], [brief.id, chat.id, null, 'expired']);
      }
      for (const x of [ca, cb]) await x!.close();
    });

    it('leaves a call record in the private chat of a hung-up, busy or cancelled call: message.new for both, and in REST', async () => {
      const s = server();
      const [a, b, c] = await users(s, 3);
      const [ca, cb, cc] = await connect(s, a!, b!, c!);

      offer(ca!, b!);
      const callId = (await ca!.next('call.ringing')).data.call_id as string;
      await cb!.next('call.offer');
      cb!.send({ type: 'call.answer', data: { call_id: callId, sdp: 'v=0 answer' } });
      await ca!.next('call.answer');
      offer(cc!, b!, 'video');
      const busy = await cc!.next('call.end');
      assert.equal(busy.data.reason, 'busy');
      clock.advance(65_000);
      ca!.send({ type: 'call.end', data: { call_id: callId } });
      let talked = 0;
      for (const x of [ca!, cb!]) {
        const end = await x.next('call.end');
        assert.deepEqual([end.data.call_id, end.data.reason], [callId, 'user_hangup']);
        talked = end.data.duration;
        // 65 s on the test clock, plus the real time the signalling took (rounded).
        assert.ok(talked === 65 || talked === 66, `duration ${talked}`);
      }
      const talkedText = `语音通话 通话时长 1:0${talked - 60}`;
      await s.core.calls.idle();

      // The first call between two users opens their private chat.
      const between = (u: TestUser) => (f: Frame) => f.type === 'chat.created' && f.data.members.some((m: any) => m.user_id === u.id);
      const created = await ca!.next('chat.created');
      assert.equal(created.data.type, 'private');
      assert.equal((await cb!.next(between(a!))).data.id, created.data.id);
      let record: any;
      for (const x of [ca!, cb!]) {
        record = (await callRecord(x, callId)).data;
        assert.deepEqual([record.chat_id, record.sender_id, record.type, record.content, record.is_silent], [created.data.id, a!.id, 'call', talkedText, true]);
        assert.deepEqual(record.call, { call_id: callId, call_type: 'audio', reason: 'user_hangup', duration: talked, caller_id: a!.id, callee_id: b!.id, answered: true });
      }
      for (const u of [a!, b!]) {
        const listed = (await listMessages(s, u, created.data.id)).messages;
        assert.equal(listed.length, 1);
        assert.deepEqual(asFramed(listed[0]), record);
      }
      const chats = okData(await s.api.get('/api/chats', { token: b!.token })).chats;
      assert.deepEqual(
        chats.filter((x: any) => x.id === created.data.id).map((x: any) => [x.last_message.type, x.last_message.content, x.unread_count]),
        [['call', talkedText, 1]],
      );
      const ended = await s.core.store.calls.byId(callId);
      assert.equal(await s.core.messages.recordCall(ended!), null, 'a call is recorded once');

      const busyCall = busy.data.call_id as string;
      for (const x of [cb!, cc!]) {
        assert.equal((await x.next(between(c!))).data.type, 'private');
        const f = (await callRecord(x, busyCall)).data;
        assert.deepEqual([f.sender_id, f.content, f.is_silent, f.call.reason, f.call.answered], [c!.id, '视频通话 忙线未接通', false, 'busy', false]);
      }

      // A cancelled call goes into the existing chat; a blocked caller leaves no record.
      offer(ca!, b!);
      const again = (await ca!.next('call.ringing')).data.call_id as string;
      await cb!.next('call.offer');
      ca!.send({ type: 'call.end', data: { call_id: again } });
      for (const x of [ca!, cb!]) {
        const f = (await callRecord(x, again)).data;
        assert.deepEqual([f.chat_id, f.content, f.call.reason], [created.data.id, '语音通话 已取消', 'cancelled']);
      }
      await block(s, b!, c!);
      offer(cc!, b!);
      assert.equal((await cc!.next('call.end')).data.reason, 'unavailable');
      await s.core.calls.idle();
      await cb!.quiet('chat.created', 'message.new');
      await ca!.quiet('chat.created', 'message.new');
      const bc = okData(await s.api.get('/api/chats', { token: c!.token })).chats;
      assert.deepEqual(bc.map((x: any) => x.last_message.content), ['视频通话 忙线未接通']);
      for (const x of [ca, cb, cc]) await x!.close();
    });
  },
  { options: () => ({ clock }) },
);

describeEachStore(
  'call records of calls nobody answers',
  (server) => {
    it('records a call that rang out (timeout) for both parties', async () => {
      const s = server();
      const [a, b] = await users(s, 2);
      const [ca, cb] = await connect(s, a!, b!);
      offer(ca!, b!, 'video');
      const callId = (await ca!.next('call.ringing')).data.call_id as string;
      await cb!.next('call.offer');
      for (const x of [ca!, cb!]) assert.equal((await x.next('call.end')).data.reason, 'timeout');
      for (const x of [ca!, cb!]) {
        const f = (await callRecord(x, callId)).data;
        assert.deepEqual([f.sender_id, f.content, f.is_silent], [a!.id, '视频通话 无人接听', false]);
        assert.deepEqual(f.call, { call_id: callId, call_type: 'video', reason: 'timeout', duration: 0, caller_id: a!.id, callee_id: b!.id, answered: false });
      }
      const chats = okData(await s.api.get('/api/chats', { token: b!.token })).chats;
      assert.deepEqual(chats.map((x: any) => [x.type, x.last_message.content, x.unread_count]), [['private', '视频通话 无人接听', 1]]);
      for (const x of [ca, cb]) await x!.close();
    });
  },
  { env: { CALL_RING_TIMEOUT: '300ms' } },
);

describeEachStore(
  'socket sends and the send rate limit',
  (server) => {
    it('counts socket sends against the same per-user budget as REST sends', async () => {
      const s = server();
      const [a, b] = await users(s, 2);
      const chat = await openPrivate(s, a!, b!);
      const [ca] = await connect(s, a!);
      await send(s, a!, chat.id, 'one');
      await send(s, a!, chat.id, 'two');
      sendFrame(ca!, chat.id, 'k-3', { content: 'three' });
      assert.equal((await ca!.next('message.ack')).data.message.content, 'three');
      sendFrame(ca!, chat.id, 'k-4', { content: 'four' });
      const limited = await ca!.next('error');
      assert.deepEqual([limited.data.code, limited.data.ref, limited.data.client_id], [40001, 'message.send', 'k-4']);
      assertError(await s.api.post(`/api/chats/${chat.id}/messages`, { content: 'five' }, { token: a!.token }), 429, 40001);
      assert.equal((await listMessages(s, b!, chat.id)).total, 3);
      await ca!.close();
    });
  },
  { env: { RATE_LIMIT_SEND: '3/1m' } },
);
