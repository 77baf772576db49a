import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AppError } from '../../src/domain/errors.ts';
import type { AnyEvent } from '../../src/domain/events.ts';
import { userSummary, type User } from '../../src/domain/types.ts';
import { limits } from '../../src/domain/validation.ts';
import { iceServersFor } from '../../src/services/ice-servers.ts';
import { describeEachCore } from '../support/core.ts';

/** The fields a VALIDATION error names (empty when it is another error). */
async function invalidFields(action: Promise<unknown>): Promise<string[]> {
  try {
    await action;
  } catch (err) {
    if (err instanceof AppError && err.code === 'VALIDATION') return (err.details as { field: string }[]).map((d) => d.field);
    throw err;
  }
  assert.fail('expected a VALIDATION error');
}

const code = (expected: string) => (err: unknown) => err instanceof AppError && err.code === expected;

const ice = { ICE_SERVERS: 'stun:stun.example:3478', TURN_URLS: 'turn:turn.example:3478', TURN_SECRET: 'a-shared-secret-for-tests' };

describeEachCore('services', (t) => {
  it('name invalid fields by the service inputs, never by one API document', async () => {
    const { core, user, clock } = t();
    const [a, b] = [await user(), await user()];
    const chat = (await core.conversations.create(a.id, { members: [b.id] })).conversation.id;
    const send = (input: Partial<Parameters<typeof core.messages.send>[2]>) => invalidFields(core.messages.send(a.id, chat, { type: 'text', content: 'x', ...input }));
    assert.deepEqual(await send({ fileName: 'n'.repeat(limits.fileName.maxLength + 1) }), ['fileName']);
    assert.deepEqual(await send({ clientId: '' }), ['clientId']);
    assert.deepEqual(await send({ sendAt: clock.now() + limits.scheduleHorizonMs + 60_000 }), ['sendAt']);
    assert.deepEqual(await send({ fileId: 'file_x' }), ['fileId']);
    assert.deepEqual(await send({ type: 'image', content: '' }), ['fileId']);
    const group = await core.conversations.create(a.id, { type: 'group', name: 'g', members: [b.id] });
    const [created] = (await core.messages.list(a.id, group.conversation.id, {}, { limit: 1, offset: 0 })).items;
    assert.equal(created?.message.type, 'system');
    assert.deepEqual(await send({ forwardFrom: created.message.id }), ['forwardFrom']);
    await assert.rejects(send({ replyToId: 99_999_999 }), (err) => err instanceof AppError && err.code === 'MESSAGE_NOT_FOUND' && err.message.startsWith('replyToId '));

    const from = { userId: a.id, connectionId: 'c1' };
    assert.deepEqual(await invalidFields(core.calls.offer(from, { toUserId: a.id, media: 'audio', sdp: 'v=0' })), ['toUserId']);
    assert.deepEqual(await invalidFields(core.calls.offer(from, { toUserId: b.id, media: 'hologram' as 'audio', sdp: 'v=0' })), ['media']);
    assert.deepEqual(await invalidFields(core.calls.ice(from, 'call_x', { candidate: '', sdpMid: 'm'.repeat(300), sdpMLineIndex: 0 })), ['sdpMid']);
    assert.deepEqual(await invalidFields(core.users.updateMe(a.id, { statusMessage: 's'.repeat(limits.statusMessage.maxLength + 1) })), ['statusMessage']);
  });

  it('typing: reaches the other members as a signal; outsiders are refused', async () => {
    const { core, user, signals, clear } = t();
    const [a, b, outsider] = [await user(), await user(), await user()];
    const chat = (await core.conversations.create(a.id, { type: 'group', name: 'typists', members: [b.id] })).conversation.id;
    clear();
    await core.conversations.typing(a.id, chat, true);
    await core.conversations.typing(a.id, chat, false);
    assert.deepEqual(
      signals.map((s) => [s.type, s.audience, s.type === 'typing' && [s.data.conversationId, s.data.userId, s.data.isTyping, typeof s.data.at]]),
      [
        ['typing', { kind: 'conversation', id: chat, exceptUser: a.id }, [chat, a.id, true, 'number']],
        ['typing', { kind: 'conversation', id: chat, exceptUser: a.id }, [chat, a.id, false, 'number']],
      ],
    );
    clear();
    await assert.rejects(core.conversations.typing(outsider.id, chat, true), code('NOT_A_MEMBER'));
    await assert.rejects(core.conversations.typing(a.id, 99_999_999, true), code('CHAT_NOT_FOUND'));
    assert.deepEqual(signals, []);
  });

  it('iceServers: what the configuration gives this user, TURN credentials minted for them', async () => {
    const { core, user, clock } = t();
    const a = await user();
    const before = clock.now();
    const list = core.calls.iceServers(a.id);
    const after = clock.now();
    assert.ok([before, after].some((now) => JSON.stringify(iceServersFor(core.config.ice, a.id, now)) === JSON.stringify(list)));
    assert.deepEqual(list.servers.map((s) => s.urls), [['stun:stun.example:3478'], ['turn:turn.example:3478']]);
    assert.match(list.servers[1]!.username!, new RegExp(`^\\d+:${a.id}$`));
  });

  it('presence: each announcement carries the summary of whose presence it is', async () => {
    const { core, user, signals, clear } = t();
    const [a, b] = [await user({ nickname: 'Ann' }), await user()];
    await core.conversations.create(a.id, { members: [b.id] });
    clear();
    core.presence.connected(a.id);
    await core.presence.idle();
    const renamed = await core.users.updateMe(a.id, { status: 'busy', nickname: 'Busy Ann' });
    await core.presence.idle();
    core.presence.disconnected(a.id);
    await core.presence.idle();
    assert.deepEqual(
      signals.map((s) => [s.type, s.audience, s.type === 'presence' && [s.data.userId, s.data.online, s.data.status, s.data.user]]),
      [
        ['presence', { kind: 'users', ids: [b.id] }, [a.id, true, 'online', userSummary(a)]],
        ['presence', { kind: 'users', ids: [b.id] }, [a.id, true, 'busy', userSummary(renamed.user)]],
        ['presence', { kind: 'users', ids: [b.id] }, [a.id, false, 'offline', userSummary(renamed.user)]],
      ],
    );
  });

  it('member events carry the summary of each member they concern', async () => {
    const { core, user, events, clear } = t();
    const [a, b, c, d] = [await user(), await user(), await user(), await user()];
    const who = (...users: User[]) => users.map(userSummary);
    const created = () => (events as AnyEvent[]).flatMap((e) => (e.type === 'conversation.created' ? [[e.data.members.map((m) => m.userId), e.data.users]] : []));
    clear();
    const chat = (await core.conversations.create(a.id, { type: 'group', name: 'members', members: [b.id] })).conversation.id;
    await core.conversations.create(c.id, { type: 'private', members: [d.id] });
    assert.deepEqual(created(), [
      [[a.id, b.id], who(a, b)],
      [[c.id, d.id], who(c, d)],
    ]);
    const toChat = { kind: 'conversation', id: chat };
    const memberEvents = () => {
      const seen = (events as AnyEvent[]).flatMap((e): unknown[][] => {
        if (e.type === 'member.added') return [[e.type, e.audience, e.data.members.map((m) => m.userId), e.data.users]];
        if (e.type === 'member.removed') return [[e.type, e.audience, [e.data.userId], e.data.user && [e.data.user]]];
        if (e.type === 'member.updated') return [[e.type, e.audience, [e.data.member.userId], e.data.user && [e.data.user]]];
        return [];
      });
      clear();
      return seen;
    };
    clear();
    await core.conversations.addMembers(a.id, chat, [c.id, d.id]);
    assert.deepEqual(memberEvents(), [['member.added', toChat, [c.id, d.id], who(c, d)]]);
    await core.conversations.setRole(a.id, chat, c.id, 'admin');
    assert.deepEqual(memberEvents(), [['member.updated', toChat, [c.id], who(c)]]);
    await core.conversations.setRole(a.id, chat, b.id, 'owner');
    assert.deepEqual(memberEvents(), [
      ['member.updated', toChat, [b.id], who(b)],
      ['member.updated', toChat, [a.id], who(a)],
    ]);
    await core.conversations.removeMember(b.id, chat, d.id);
    assert.deepEqual(memberEvents(), [
      ['member.removed', toChat, [d.id], who(d)],
      ['member.removed', { kind: 'user', id: d.id }, [d.id], who(d)],
    ]);
    // The owner leaves: the longest-standing admin inherits the group.
    await core.conversations.removeMember(b.id, chat, b.id);
    assert.deepEqual(memberEvents(), [
      ['member.removed', toChat, [b.id], who(b)],
      ['member.removed', { kind: 'user', id: b.id }, [b.id], who(b)],
      ['member.updated', toChat, [a.id], who(a)],
    ]);
    await core.conversations.updateSettings(c.id, chat, { isPinned: true });
    assert.deepEqual(memberEvents(), [['member.updated', { kind: 'user', id: c.id }, [c.id], who(c)]]);
  });

  it('replays member events logged before they carried summaries', async () => {
    const { core, user } = t();
    const [a, b] = [await user(), await user()];
    const chat = (await core.conversations.create(a.id, { type: 'group', name: 'old', members: [b.id] })).conversation.id;
    const member = (await core.store.conversations.member(chat, b.id))!;
    const [old] = await core.store.events.append([{ type: 'member.updated', audience: { kind: 'conversation', id: chat }, data: { member, by: null } }], core.clock.now());
    const replayed = (await core.eventLog.forUser(b.id, old!.seq - 1, 10)).find((e) => e.seq === old!.seq);
    assert.deepEqual(replayed?.data, { member, by: null });
  });
}, ice);
