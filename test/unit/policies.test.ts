import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Conversation, Member, MemberRole, Message, MessageType } from '../../src/domain/types.ts';
import { isAuthor, isManager, mayChangeRoles, mayDeleteForEveryone, mayPin, mayRemove } from '../../src/services/policies.ts';

const member = (userId: number, role: MemberRole): Member => ({ conversationId: 1, userId, role, joinedAt: 0, isPinned: false, isMuted: false, lastReadMessageId: 0 });
const chat = (type: Conversation['type']) => ({ id: 1, type }) as Conversation;
const message = (senderId: number | null, type: MessageType = 'text') => ({ id: 9, conversationId: 1, senderId, type }) as Message;
const roles: MemberRole[] = ['owner', 'admin', 'member'];

describe('policies', () => {
  it('owners and admins manage; only the owner changes roles', () => {
    assert.deepEqual(roles.map((r) => isManager(member(1, r))), [true, true, false]);
    assert.deepEqual(roles.map((r) => mayChangeRoles(member(1, r))), [true, false, false]);
  });

  it('anyone leaves; the owner removes anyone, an admin plain members only', () => {
    for (const r of roles) assert.equal(mayRemove(member(1, r), member(1, r)), true, `${r} leaves`);
    const removes = roles.map((actor) => roles.map((target) => mayRemove(member(1, actor), member(2, target))));
    assert.deepEqual(removes, [
      [true, true, true],
      [false, false, true],
      [false, false, false],
    ]);
  });

  it('the author of a user message edits and recalls it; system and call records have no author', () => {
    assert.equal(isAuthor(1, message(1)), true);
    assert.equal(isAuthor(2, message(1)), false);
    assert.equal(isAuthor(1, message(1, 'system')), false);
    assert.equal(isAuthor(1, message(1, 'call')), false);
  });

  it('deletes for everyone: the sender anywhere, managers in a group', () => {
    assert.equal(mayDeleteForEveryone(1, message(1), chat('private'), member(1, 'member')), true);
    assert.equal(mayDeleteForEveryone(2, message(1), chat('private'), member(2, 'member')), false);
    assert.deepEqual(roles.map((r) => mayDeleteForEveryone(2, message(1), chat('group'), member(2, r))), [true, true, false]);
    assert.equal(mayDeleteForEveryone(2, message(null, 'system'), chat('group'), member(2, 'admin')), true);
  });

  it('pins: either member of a private chat, managers in a group', () => {
    assert.equal(mayPin(chat('private'), member(1, 'member')), true);
    assert.deepEqual(roles.map((r) => mayPin(chat('group'), member(1, r))), [true, true, false]);
  });
});
