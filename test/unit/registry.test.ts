import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DomainEvent } from '../../src/domain/events.ts';
import type { Member } from '../../src/domain/types.ts';
import type { Connection } from '../../src/realtime/connection.ts';
import type { MembershipSource } from '../../src/realtime/membership.ts';
import { Registry } from '../../src/realtime/registry.ts';

let seq = 0;
const member = (conversationId: number, userId: number): Member => ({
  conversationId,
  userId,
  role: 'member',
  joinedAt: 0,
  isPinned: false,
  isMuted: false,
  lastReadMessageId: 0,
});
const touch = (conversationId: number): DomainEvent =>
  ({ seq: ++seq, at: 0, type: 'conversation.updated', audience: { kind: 'conversation', id: conversationId }, data: {} }) as DomainEvent;
const added = (conversationId: number, userId: number): DomainEvent =>
  ({ seq: ++seq, at: 0, type: 'member.added', audience: { kind: 'conversation', id: conversationId }, data: { conversationId, members: [member(conversationId, userId)], by: null } });
const removed = (conversationId: number, userId: number, to: 'conversation' | 'user'): DomainEvent =>
  ({
    seq: ++seq,
    at: 0,
    type: 'member.removed',
    audience: to === 'user' ? { kind: 'user', id: userId } : { kind: 'conversation', id: conversationId },
    data: { conversationId, userId, by: null, reason: 'removed' },
  });

/** A membership source whose answer the test releases when it wants. */
function slowSource(): MembershipSource & { release(ids: number[]): void } {
  let release!: (ids: number[]) => void;
  const answer = new Promise<number[]>((r) => (release = r));
  return {
    conversationIdsOf: () => answer,
    release: (ids) => release(ids),
  };
}

function setup(source: MembershipSource) {
  const delivered: [number, number][] = [];
  const registry = new Registry(source, (link, event) => delivered.push([link.userId, event.seq]));
  return { registry, delivered, conn: (userId: number) => ({ userId, open: true }) as unknown as Connection };
}

describe('registry', () => {
  it('replays what arrived while a user’s conversations loaded, with the membership changes in order', async () => {
    const source = slowSource();
    const { registry, delivered, conn } = setup(source);
    const link = registry.add(conn(1));
    // The load read "member of 7 only" before these events committed.
    const e1 = added(5, 1);
    const e2 = touch(5);
    const e3 = touch(6);
    const e4 = removed(7, 1, 'conversation');
    const e5 = removed(7, 1, 'user');
    const e6 = touch(7);
    for (const e of [e1, e2, e3, e4, e5, e6]) registry.route(e);
    assert.deepEqual(delivered, []);
    source.release([7]);
    await link.ready;
    assert.deepEqual(delivered, [
      [1, e1.seq],
      [1, e2.seq],
      [1, e5.seq],
    ]);
    const membersOf = (id: number) => [...registry.signalTargets({ kind: 'conversation', id })].map((c) => c.userId);
    assert.deepEqual(membersOf(5), [1]);
    assert.deepEqual(membersOf(7), []);
    registry.route(touch(5));
    assert.equal(delivered.length, 4);
  });

  it('indexes conversations per user and forgets a user with their last connection', async () => {
    const { registry, delivered, conn } = setup({ conversationIdsOf: async () => [3] });
    const c1 = conn(2);
    const c2 = conn(2);
    await registry.add(c1).ready;
    registry.add(c2);
    registry.route(touch(3));
    assert.equal(delivered.length, 1, 'one delivery per user (the link hands it to each connection)');
    assert.deepEqual([...registry.signalTargets({ kind: 'conversation', id: 3 })], [c1, c2]);
    assert.deepEqual([...registry.signalTargets({ kind: 'conversation', id: 3, exceptUser: 2 })], []);
    registry.remove(c1);
    registry.remove(c2);
    assert.equal(registry.userCount, 0);
    registry.route(touch(3));
    assert.equal(delivered.length, 1);
    assert.deepEqual([...registry.signalTargets({ kind: 'conversation', id: 3 })], []);
  });
});
