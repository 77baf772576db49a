import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AppError, type CoreErrorCode } from '../../src/domain/errors.ts';
import { ConversationRepo } from '../../src/store/repos/conversations.ts';
import { describeEachCore } from '../support/core.ts';

const code = (expected: CoreErrorCode) => (err: unknown) => err instanceof AppError && err.code === expected;

/**
 * Makes a pre-check answer "nothing there" for its next `times` calls, so the write after it
 * really loses the unique key: the path a concurrent request takes when it wins the race.
 */
function blindfold<T extends object, K extends keyof T>(target: T, method: K, answer: unknown, times = 1): void {
  const real = target[method] as (...args: unknown[]) => unknown;
  let left = times;
  target[method] = function (this: unknown, ...args: unknown[]) {
    if (left === 0) return real.apply(this, args);
    left--;
    if (left === 0) target[method] = real as T[K];
    return Promise.resolve(answer);
  } as T[K];
}

const free = { phone: false, email: false, username: false };

/** Lost unique races become the errors (or results) the pre-checks give. */
describeEachCore('unique races at the service level', (t) => {
  it('a phone, username or email taken meanwhile is PHONE_TAKEN, USERNAME_TAKEN, EMAIL_TAKEN', async () => {
    const { core, user } = t();
    const a = await user({ username: 'Racer' });
    await core.users.updateMe(a.id, { email: 'racer@example.com' });
    const b = await user();
    const attempts: [Parameters<typeof core.users.updateMe>[1], CoreErrorCode][] = [
      [{ phone: a.phone! }, 'PHONE_TAKEN'],
      [{ username: 'racer' }, 'USERNAME_TAKEN'],
      [{ email: 'racer@example.com' }, 'EMAIL_TAKEN'],
    ];
    for (const [patch, expected] of attempts) {
      blindfold(core.store.users, 'taken', free);
      await assert.rejects(core.users.updateMe(b.id, patch), code(expected));
      blindfold(core.store.users, 'taken', free);
      await assert.rejects(core.auth.createUser({ ...patch, password: 'password123' }), code(expected));
    }
    assert.equal((await core.store.users.byId(b.id))?.username, null);
  });

  it('a contact added meanwhile is CONTACT_EXISTS', async () => {
    const { core, user } = t();
    const [a, b] = [await user(), await user()];
    await core.contacts.add(a.id, { userId: b.id });
    blindfold(core.store.contacts, 'get', undefined);
    await assert.rejects(core.contacts.add(a.id, { userId: b.id }), code('CONTACT_EXISTS'));
  });

  it('a private chat created meanwhile is the one both get', async () => {
    const { core, user, events, clear } = t();
    const [a, b] = [await user(), await user()];
    const first = await core.conversations.create(a.id, { members: [b.id] });
    clear();
    // Blind both lookups (before and inside the transaction), so the insert hits the pair index.
    blindfold(ConversationRepo.prototype, 'byPairKey', undefined, 2);
    const second = await core.conversations.create(b.id, { members: [a.id] });
    assert.equal(second.conversation.id, first.conversation.id);
    assert.deepEqual(events, [], 'the losing transaction left nothing');
  });

  it('a client id used meanwhile answers with the stored message or schedule', async () => {
    const { core, user, events, clear, clock } = t();
    const [a, b] = [await user(), await user()];
    const chat = await core.conversations.create(a.id, { members: [b.id] });
    const sent = await core.messages.send(a.id, chat.conversation.id, { type: 'text', content: 'once', clientId: 'race-1' });
    assert.equal(sent.kind, 'sent');
    const scheduled = await core.messages.send(a.id, chat.conversation.id, { type: 'text', content: 'later', clientId: 'race-2', sendAt: clock.now() + 60_000 });
    assert.equal(scheduled.kind, 'scheduled');
    clear();
    blindfold(core.store.messages, 'clientIdUses', []);
    assert.deepEqual(await core.messages.send(a.id, chat.conversation.id, { type: 'text', content: 'once', clientId: 'race-1' }), sent);
    blindfold(core.store.messages, 'clientIdUses', []);
    const again = await core.messages.send(a.id, chat.conversation.id, { type: 'text', content: 'later', clientId: 'race-2', sendAt: clock.now() + 60_000 });
    assert.deepEqual(again.kind === 'scheduled' && again.scheduled, scheduled.kind === 'scheduled' && scheduled.scheduled);
    assert.deepEqual(events, []);
  });

  it('a due schedule whose client id was used by a message meanwhile is dropped', async () => {
    const { core, user, events, clear, clock } = t();
    const [a, b] = [await user(), await user()];
    const chat = await core.conversations.create(a.id, { members: [b.id] });
    const later = await core.messages.send(a.id, chat.conversation.id, { type: 'text', content: 'later', clientId: 'race-3', sendAt: clock.now() + 1000 });
    blindfold(core.store.messages, 'clientIdUses', []);
    await core.messages.send(a.id, chat.conversation.id, { type: 'text', content: 'now', clientId: 'race-3' });
    clear();
    clock.advance(2000);
    assert.equal(await core.messages.deliverDue(10, 60_000), 1);
    assert.deepEqual(
      events.map((e) => [e.type, e.audience, e.data]),
      [['message.unscheduled', { kind: 'user', id: a.id }, { scheduledId: later.kind === 'scheduled' && later.scheduled.id, conversationId: chat.conversation.id, reason: 'dropped', messageId: null }]],
    );
  });
});
