import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Audience, EventType, SignalType } from '../../src/domain/events.ts';
import { chat8 } from '../../src/profiles/chat8/index.ts';
import { flutter } from '../../src/profiles/flutter/index.ts';
import { lite } from '../../src/profiles/lite/index.ts';
import { zhihang } from '../../src/profiles/zhihang/index.ts';
import type { SendResult } from '../../src/services/messages.ts';
import { echo } from '../support/echo.ts';
import { users } from '../support/messaging.ts';
import { describeEachStore } from '../support/server.ts';
import type { TestUser } from '../support/users.ts';
import { verifyAction, type RenderedFrame, type Verified } from '../support/verify.ts';
import { WsClient } from '../support/ws.ts';

/**
 * Core rules at the service level: what each action emits (event types and audiences, signals),
 * and that every mounted profile (zhihang and the echo test profile) renders each of them as
 * frames matching the schemas its socket declares. The last test checks that together they
 * covered every event type, every signal a profile renders and every zhihang frame.
 */

const profiles = [zhihang, echo, chat8, lite, flutter];
/** chat8 shares echo's paths (/api/v1, /ws/{user_id}), so it is mounted below /c8 here; lite and flutter below /lite and /flutter, as by default. */
const mounts: Record<string, string> = { chat8: '/c8', lite: '/lite', flutter: '/flutter' };
const mountOf = (name: string) => mounts[name] ?? '';
const toChat = (id: number): Audience => ({ kind: 'conversation', id });
const toUser = (u: TestUser): Audience => ({ kind: 'user', id: u.id });

/** Rendered by the connection itself, not by events or signals; checked in test/unit/zhihang-frame-schemas.test.ts. */
const connectionFrames = ['connect', 'pong', 'error', 'resumed', 'refetch', 'message.ack'];

/** Every event type, so the coverage check below fails to compile when one is added. */
const eventTypes = {
  'user.updated': true,
  'contact.added': true,
  'contact.updated': true,
  'contact.removed': true,
  'friend_request.created': true,
  'friend_request.handled': true,
  'conversation.created': true,
  'conversation.updated': true,
  'member.added': true,
  'member.removed': true,
  'member.updated': true,
  'message.created': true,
  'message.edited': true,
  'message.deleted': true,
  'message.hidden': true,
  'message.recalled': true,
  'message.read': true,
  'message.pinned': true,
  'message.unpinned': true,
  'message.scheduled': true,
  'message.unscheduled': true,
} satisfies Record<EventType, true>;

/** Signals a profile renders; session.revoked only closes sockets (the gateway's business). */
const signalTypes = { presence: true, typing: true, 'call.invite': true, 'call.offer': true, 'call.ringing': true, 'call.answer': true, 'call.ice': true, 'call.end': true } satisfies Record<
  Exclude<SignalType, 'session.revoked'>,
  true
>;

describeEachStore(
  'core rules, rendered by every profile',
  (server) => {
    let a: TestUser, b: TestUser, c: TestUser, d: TestUser;
    let chat: number;
    const seen = { events: new Set<string>(), signals: new Set<string>(), zhihang: new Set<string>(), chat8: new Set<string>(), lite: new Set<string>(), flutter: new Set<string>() };

    async function verify<T>(action: () => Promise<T>): Promise<Verified<T>> {
      const v = await verifyAction(server(), action, { profiles });
      for (const e of v.events) seen.events.add(e.type);
      for (const s of v.signals) seen.signals.add(s.type);
      return v;
    }

    /** Renders and validates everything; the zhihang, echo and chat8 frame types, in order. */
    function framesOf(v: Verified<unknown>): { zhihang: RenderedFrame[]; echo: RenderedFrame[]; chat8: RenderedFrame[]; lite: RenderedFrame[] } {
      const all = v.renderAll();
      for (const f of all) if (f.profile === 'zhihang') seen.zhihang.add(f.type);
      for (const f of all) if (f.profile === 'chat8') seen.chat8.add(f.type);
      for (const f of all) if (f.profile === 'lite') seen.lite.add(f.type);
      for (const f of all) if (f.profile === 'flutter') seen.flutter.add(f.type);
      const of = (name: string) => all.filter((f) => f.profile === name);
      return { zhihang: of('zhihang'), echo: of('echo'), chat8: of('chat8'), lite: of('lite') };
    }
    const types = (frames: RenderedFrame[]) => frames.map((f) => f.type);

    async function sendText(from: TestUser, content: string): Promise<number> {
      const r = await server().core.messages.send(from.id, chat, { type: 'text', content });
      assert.equal(r.kind, 'sent');
      return r.kind === 'sent' ? r.view.message.id : 0;
    }

    before(async () => {
      [a, b, c, d] = (await users(server(), 4)) as [TestUser, TestUser, TestUser, TestUser];
    });

    it('creating a group: conversation.created, then its notice, to the new conversation', async () => {
      const v = await verify(() => server().core.conversations.create(a.id, { type: 'group', name: '测试群', members: [b.id, c.id] }));
      chat = v.result.conversation.id;
      v.assertEvents([
        { type: 'conversation.created', audience: toChat(chat) },
        { type: 'message.created', audience: toChat(chat) },
      ]);
      const frames = framesOf(v);
      assert.deepEqual(types(frames.zhihang), ['chat.created', 'message.new']);
      assert.equal((frames.zhihang[0]!.data as { members: unknown[] }).members.length, 3);
      assert.deepEqual(types(frames.echo), ['echo.message'], 'echo renders the notice, and nothing for the chat');
      assert.deepEqual(types(frames.lite), [], 'lite renders no notice');
    });

    it('a message sent in a group: message.created to the conversation, rendered as each document says', async () => {
      const v = await verify(() => server().core.messages.send(a.id, chat, { type: 'text', content: '你好', clientId: 'k-1' }));
      v.assertEvents([{ type: 'message.created', audience: toChat(chat) }]);
      const id = (v.result as SendResult & { kind: 'sent' }).view.message.id;
      const frames = framesOf(v);
      assert.deepEqual(types(frames.zhihang), ['message.new']);
      const data = frames.zhihang[0]!.data as Record<string, any>;
      assert.deepEqual([data.id, data.chat_id, data.sender_id, data.content, data.client_id, data.sender.id], [id, chat, a.id, '你好', 'k-1', a.id]);
      assert.deepEqual(frames.echo.map((f) => f.data), [{ id, chat, from: a.id, text: '你好' }]);
      const [lone] = frames.lite;
      assert.deepEqual(types(frames.lite), ['message']);
      assert.deepEqual({ ...(lone!.data as object), created_at: '' }, { message_id: String(id), type: 'text', content: '你好', sender_id: String(a.id), receiver_id: '', group_id: String(chat), created_at: '' });
    });

    it('a message sent to a user: message.created names its receiver, which lite renders', async () => {
      const v = await verify(() => server().core.messages.sendTo(c.id, d.id, { type: 'text', content: 'hi d' }));
      const created = v.event('message.created');
      assert.equal(created.data.receiverId, d.id);
      const id = created.data.message.id;
      const frames = framesOf(v).lite;
      assert.deepEqual(types(frames), ['message']);
      assert.deepEqual({ ...(frames[0]!.data as object), created_at: '' }, { message_id: String(id), type: 'text', content: 'hi d', sender_id: String(c.id), receiver_id: String(d.id), group_id: '', created_at: '' });
    });

    it('an edit: message.edited to the conversation, without a sender', async () => {
      const id = await sendText(a, 'draft');
      const v = await verify(() => server().core.messages.edit(a.id, id, 'final'));
      v.assertEvents([{ type: 'message.edited', audience: toChat(chat) }]);
      const [frame] = framesOf(v).zhihang;
      assert.equal(frame!.type, 'message.edit');
      assert.deepEqual([(frame!.data as any).content, (frame!.data as any).is_edited], ['final', true]);
    });

    it('read, pin, unpin and recall: one event each to the conversation', async () => {
      const id = await sendText(a, 'pin me');
      const { messages } = server().core;
      const steps: [() => Promise<unknown>, EventType, string][] = [
        [() => messages.markRead(b.id, id), 'message.read', 'message.read'],
        [() => messages.setPinned(a.id, id, true), 'message.pinned', 'message.pinned'],
        [() => messages.setPinned(a.id, id, false), 'message.unpinned', 'message.unpinned'],
        [() => messages.recall(a.id, id), 'message.recalled', 'message.recalled'],
      ];
      for (const [action, type, frame] of steps) {
        const v = await verify(action);
        v.assertEvents([{ type, audience: toChat(chat) }]);
        assert.deepEqual(types(framesOf(v).zhihang), [frame]);
      }
      // Pinning what is already unpinned changes nothing, and says nothing.
      (await verify(() => messages.setPinned(a.id, id, false))).assertEvents([]);
    });

    it('delete for everyone goes to the conversation; delete for me only to that user', async () => {
      const id = await sendText(a, 'oops');
      const gone = await verify(() => server().core.messages.delete(a.id, id, 'everyone'));
      gone.assertEvents([{ type: 'message.deleted', audience: toChat(chat) }]);
      const [frame] = framesOf(gone).zhihang;
      assert.deepEqual([frame!.type, (frame!.data as any).reason, (frame!.data as any).deleted_by], ['message.delete', 'deleted', a.id]);

      const other = await sendText(a, 'hide it');
      const hidden = await verify(() => server().core.messages.delete(b.id, other, 'me'));
      hidden.assertEvents([{ type: 'message.hidden', audience: toUser(b) }]);
      assert.deepEqual(types(framesOf(hidden).zhihang), ['message.hidden']);
    });

    it('a scheduled send and its cancellation go to the sender alone', async () => {
      const v = await verify(() => server().core.messages.send(a.id, chat, { type: 'text', content: 'later', sendAt: Date.now() + 3_600_000 }));
      v.assertEvents([{ type: 'message.scheduled', audience: toUser(a) }]);
      const frame = framesOf(v).zhihang[0]!;
      assert.deepEqual([frame.type, (frame.data as any).is_scheduled], ['message.scheduled', true]);
      const scheduledId = (v.result as SendResult & { kind: 'scheduled' }).scheduled.id;
      const cancelled = await verify(() => server().core.messages.cancelScheduled(a.id, chat, scheduledId));
      cancelled.assertEvents([{ type: 'message.unscheduled', audience: toUser(a) }]);
      assert.deepEqual((framesOf(cancelled).zhihang[0]!.data as any).reason, 'cancelled');
    });

    it('members: added, promoted, their own settings, the chat renamed, removed', async () => {
      const { conversations } = server().core;
      const added = await verify(() => conversations.addMembers(a.id, chat, [d.id]));
      added.assertEvents([
        { type: 'member.added', audience: toChat(chat) },
        { type: 'message.created', audience: toChat(chat) },
      ]);
      assert.deepEqual(types(framesOf(added).zhihang), ['member.added', 'message.new']);

      const promoted = await verify(() => conversations.setRole(a.id, chat, d.id, 'admin'));
      promoted.assertEvents([
        { type: 'member.updated', audience: toChat(chat) },
        { type: 'message.created', audience: toChat(chat) },
      ]);
      const role = framesOf(promoted).zhihang[0]!.data as any;
      assert.deepEqual([role.user_id, role.role, 'is_pinned' in role], [d.id, 'admin', false], 'no one’s own settings in a frame to the whole chat');

      const own = await verify(() => conversations.updateSettings(b.id, chat, { isPinned: true, isMuted: true }));
      own.assertEvents([{ type: 'member.updated', audience: toUser(b) }]);
      const settings = framesOf(own).zhihang[0]!.data as any;
      assert.deepEqual([settings.is_pinned, settings.is_muted], [true, true]);

      const renamed = await verify(() => conversations.update(a.id, chat, { name: '新群名' }));
      renamed.assertEvents([{ type: 'conversation.updated', audience: toChat(chat) }]);
      const update = framesOf(renamed).zhihang[0]!;
      assert.deepEqual([update.type, (update.data as any).name, (update.data as any).changes], ['chat.updated', '新群名', ['name']]);

      const removed = await verify(() => conversations.removeMember(a.id, chat, d.id));
      removed.assertEvents([
        { type: 'message.created', audience: toChat(chat) },
        { type: 'member.removed', audience: toChat(chat) },
        { type: 'member.removed', audience: toUser(d) },
      ]);
      assert.deepEqual(types(framesOf(removed).zhihang), ['message.new', 'member.removed', 'member.removed']);
    });

    it('contacts: added, updated and removed, each to the owner’s devices only', async () => {
      const { contacts } = server().core;
      const steps: [() => Promise<unknown>, EventType][] = [
        [() => contacts.add(a.id, { userId: c.id }, '同事'), 'contact.added'],
        [() => contacts.update(a.id, c.id, { isMuted: true }), 'contact.updated'],
        [() => contacts.remove(a.id, c.id), 'contact.removed'],
      ];
      for (const [action, type] of steps) {
        const v = await verify(action);
        v.assertEvents([{ type, audience: toUser(a) }]);
        const [frame] = framesOf(v).zhihang;
        assert.equal(frame!.type, type);
        const data = frame!.data as any;
        assert.deepEqual([data.user_id, data.contact_id ?? data.contact?.id], [a.id, c.id]);
      }
    });

    it('a profile update: user.updated to the user, which both profiles render', async () => {
      const v = await verify(() => server().core.users.updateMe(a.id, { nickname: '阿安', bio: 'hi' }));
      v.assertEvents([{ type: 'user.updated', audience: toUser(a) }]);
      const frames = framesOf(v);
      assert.deepEqual([types(frames.zhihang), (frames.zhihang[0]!.data as any).nickname], [['user.updated'], '阿安']);
      assert.deepEqual(frames.echo.map((f) => f.data), [{ id: a.id, name: '阿安' }]);
    });

    it('presence: coming online and going offline are told to co-members, as signals only', async () => {
      const { presence } = server().core;
      const online = await verify(async () => presence.connected(b.id));
      online.assertEvents([]);
      const [came] = online.signalsOf('presence');
      assert.equal(came?.audience.kind, 'users');
      assert.ok(came.audience.kind === 'users' && came.audience.ids.includes(a.id) && !came.audience.ids.includes(b.id), JSON.stringify(came.audience));
      assert.deepEqual((framesOf(online).zhihang[0]!.data as any).is_online, true);
      const offline = await verify(async () => presence.disconnected(b.id));
      assert.deepEqual((framesOf(offline).zhihang[0]!.data as any).is_online, false);
    });

    it('typing on a socket: a signal to the conversation but the typist', async () => {
      const v = await verify(async () => {
        const ws = await WsClient.connect(server().url, a.token);
        ws.send({ type: 'typing', data: { chat_id: chat, is_typing: true } });
        await ws.barrier();
        await ws.close();
      });
      v.assertEvents([]);
      assert.deepEqual(
        v.signalsOf('typing').map((s) => s.audience),
        [{ kind: 'conversation', id: chat, exceptUser: a.id }],
      );
      const frames = framesOf(v);
      assert.ok(types(frames.zhihang).includes('typing'));
      assert.deepEqual(frames.echo.map((f) => f.data), [{ chat, user: a.id, typing: true }]);
    });

    it('a call: offer, ringing, answer, ICE and hang-up signals, then its record in the private chat', async () => {
      const { calls, presence } = server().core;
      presence.connected(b.id);
      await presence.idle();
      try {
        const caller = { userId: a.id, connectionId: 'conn-a' };
        const callee = { userId: b.id, connectionId: 'conn-b' };
        const offer = await verify(() => calls.offer(caller, { toUserId: b.id, media: 'video', sdp: 'v=0 offer', clientId: 'call-1' }));
        offer.assertEvents([]);
        assert.deepEqual(
          offer.signals.map((s) => [s.type, s.audience]),
          [
            ['call.offer', { kind: 'user', id: b.id }],
            ['call.ringing', { kind: 'connection', userId: a.id, connectionId: 'conn-a' }],
          ],
        );
        assert.deepEqual(types(framesOf(offer).zhihang), ['call.offer', 'call.ringing']);
        const callId = offer.result.id;

        const answer = await verify(() => calls.answer(callee, callId, 'v=0 answer'));
        assert.deepEqual(
          answer.signals.map((s) => [s.type, s.audience]),
          [
            ['call.answer', { kind: 'connection', userId: a.id, connectionId: 'conn-a' }],
            ['call.end', { kind: 'user', id: b.id, exceptConnection: 'conn-b' }],
          ],
        );
        assert.deepEqual((framesOf(answer).zhihang[1]!.data as any).reason, 'answered_elsewhere');

        const ice = await verify(() => calls.ice(caller, callId, { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 }));
        assert.deepEqual(
          ice.signals.map((s) => [s.type, s.audience]),
          [['call.ice', { kind: 'connection', userId: b.id, connectionId: 'conn-b' }]],
        );
        assert.deepEqual(types(framesOf(ice).zhihang), ['call.ice']);

        const end = await verify(() => calls.hangUp(caller, callId));
        assert.deepEqual(
          end.signalsOf('call.end').map((s) => s.audience),
          [
            { kind: 'connection', userId: a.id, connectionId: 'conn-a' },
            { kind: 'connection', userId: b.id, connectionId: 'conn-b' },
          ],
        );
        const record = end.event('message.created');
        assert.equal(record.data.message.type, 'call');
        assert.equal(record.audience.kind, 'conversation');
        assert.deepEqual(types(framesOf(end).zhihang).filter((t) => t !== 'chat.created'), ['message.new', 'call.end', 'call.end']);
      } finally {
        presence.disconnected(b.id);
        await presence.idle();
      }
    });

    it('friend requests: created to the recipient, handled to both; accepting makes both contacts', async () => {
      const { friends } = server().core;
      const asked = await verify(() => friends.request(c.id, d.id, '交个朋友'));
      asked.assertEvents([{ type: 'friend_request.created', audience: toUser(d) }]);
      const [frame] = framesOf(asked).chat8;
      assert.deepEqual([frame?.type, (frame?.data as any).from_user_id, (frame?.data as any).message], ['friend_request', c.id, '交个朋友']);
      assert.deepEqual(framesOf(asked).zhihang, []);
      const accepted = await verify(() => friends.handle(d.id, asked.result.id, true));
      accepted.assertEvents([
        { type: 'contact.added', audience: toUser(d) },
        { type: 'contact.added', audience: toUser(c) },
        { type: 'friend_request.handled', audience: toUser(c) },
        { type: 'friend_request.handled', audience: toUser(d) },
      ]);
      assert.deepEqual(types(framesOf(accepted).zhihang), ['contact.added', 'contact.added']);
      assert.equal(await friends.areFriends(c.id, d.id), true);
      const removed = await verify(() => friends.remove(c.id, d.id));
      removed.assertEvents([
        { type: 'contact.removed', audience: toUser(c) },
        { type: 'contact.removed', audience: toUser(d) },
      ]);
    });

    it('presence to friends apart from the other watchers; chat8 renders the friends’ one alone', async () => {
      const { friends, presence } = server().core;
      const req = await friends.request(a.id, d.id);
      await friends.handle(d.id, req.id, true);
      try {
        const online = await verify(async () => presence.connected(d.id));
        const signals = online.signalsOf('presence');
        assert.deepEqual(signals.map((s) => s.data.friends), [true, ...signals.slice(1).map(() => false)]);
        assert.ok(signals[0]!.audience.kind === 'users' && signals[0]!.audience.ids.includes(a.id));
        const rendered = framesOf(online);
        assert.deepEqual(types(rendered.chat8), ['user_status']);
        assert.deepEqual(types(rendered.zhihang), signals.map(() => 'presence'));
      } finally {
        presence.disconnected(d.id);
        await presence.idle();
        await friends.remove(a.id, d.id);
      }
    });

    it('call invites: a signal to the callee only, kept nowhere', async () => {
      const v = await verify(() => server().core.calls.invite(a.id, { toUserId: b.id, media: 'video', callId: null }));
      v.assertEvents([]);
      assert.deepEqual(v.signalsOf('call.invite').map((s) => s.audience), [{ kind: 'user', id: b.id }]);
      assert.deepEqual(types(framesOf(v).chat8), ['video_call_invite']);
      assert.deepEqual(framesOf(v).zhihang, []);
      const voice = await verify(() => server().core.calls.invite(a.id, { toUserId: b.id, media: 'audio', callId: 'c-1' }));
      assert.deepEqual(types(framesOf(voice).chat8), ['voice_call_invite']);
    });

    it('covered every event type, every rendered signal and every zhihang frame', () => {
      const flutterFrames = Object.keys(flutter.socket!.frames).filter((t) => !['pong', 'error'].includes(t));
      assert.deepEqual([...seen.flutter].sort(), flutterFrames.sort());
      const liteFrames = Object.keys(lite.socket!.frames).filter((t) => !['pong', 'error'].includes(t));
      assert.deepEqual([...seen.lite].sort(), liteFrames.sort());
      const chat8Frames = Object.keys(chat8.socket!.frames).filter((t) => !['pong', 'error'].includes(t));
      assert.deepEqual([...seen.chat8].sort(), chat8Frames.sort());
      assert.deepEqual([...seen.events].sort(), Object.keys(eventTypes).sort());
      assert.deepEqual([...seen.signals].sort(), Object.keys(signalTypes).sort());
      const declared = Object.keys(zhihang.socket!.frames).filter((t) => !connectionFrames.includes(t));
      assert.deepEqual([...seen.zhihang].sort(), declared.sort());
    });
  },
  { options: () => ({ mounts: profiles.map((profile) => ({ profile, mount: mountOf(profile.name) })) }) },
);
