import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AppError } from '../../src/domain/errors.ts';
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
}, ice);
