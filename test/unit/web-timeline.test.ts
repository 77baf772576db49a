import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { afterDeletion, applyNewMessage, dayKey, groupByDay, mergeMessages, patchLastMessage, sortChats } from '../../web/src/lib/timeline.ts';
import type { Chat, Message } from '../../web/src/lib/types.ts';

function message(id: number, over: Partial<Message> = {}): Message {
  return {
    id,
    chat_id: 1,
    sender_id: 2,
    content: `m${id}`,
    type: 'text',
    file_name: '',
    file_size: 0,
    file_url: '',
    thumbnail: '',
    is_read: false,
    is_edited: false,
    is_deleted: false,
    is_pinned: false,
    reply_to_id: null,
    forward_from: null,
    created_at: '2026-11-30T12:00:00Z',
    updated_at: '2026-11-30T12:00:00Z',
    sender: { id: 2, username: 'b', nickname: 'Bob', avatar: '' },
    client_id: null,
    file_id: null,
    mime_type: '',
    width: null,
    height: null,
    is_recalled: false,
    ...over,
  };
}

function chat(id: number, over: Partial<Chat> = {}): Chat {
  return {
    id,
    name: `c${id}`,
    description: '',
    avatar: '',
    type: 'private',
    is_pinned: false,
    is_muted: false,
    members_count: 2,
    created_at: '2026-11-01T00:00:00Z',
    updated_at: '2026-11-01T00:00:00Z',
    last_message: null,
    unread_count: 0,
    announcement: '',
    owner_id: null,
    peer_id: 2,
    role: 'member',
    ...over,
  };
}

describe('web timeline', () => {
  test('merging keeps one entry per id, oldest first, whatever order pages and frames arrive in', () => {
    const page = [message(5), message(3)];
    const merged = mergeMessages(mergeMessages([], page), [message(4), message(5), message(6)]);
    assert.deepEqual(
      merged.map((m) => m.id),
      [3, 4, 5, 6],
    );
  });

  test('a later version replaces the earlier but keeps the sender the edit frame lacks', () => {
    const merged = mergeMessages([message(1)], [message(1, { content: 'edited', is_edited: true, sender: undefined })]);
    assert.equal(merged.length, 1);
    assert.equal(merged[0]!.content, 'edited');
    assert.equal(merged[0]!.sender?.nickname, 'Bob');
  });

  test('messages are grouped by local day for separators', () => {
    const noonOf = (d: number) => new Date(2026, 10, d, 12).toISOString();
    const groups = groupByDay([message(1, { created_at: noonOf(28) }), message(2, { created_at: noonOf(28) }), message(3, { created_at: noonOf(30) })]);
    assert.deepEqual(
      groups.map((g) => [g.day, g.items.map((m) => m.id)]),
      [
        ['2026-11-28', [1, 2]],
        ['2026-11-30', [3]],
      ],
    );
    assert.equal(dayKey(new Date(2026, 0, 5, 23, 59).toISOString()), '2026-01-05');
  });

  test('chats sort pinned first, then by latest activity', () => {
    const sorted = sortChats([
      chat(1, { last_message: { id: 1, content: '', type: 'text', sender_id: 2, created_at: '2026-11-30T09:00:00Z' } }),
      chat(2, { is_pinned: true, updated_at: '2026-10-01T00:00:00Z' }),
      chat(3, { last_message: { id: 2, content: '', type: 'text', sender_id: 2, created_at: '2026-11-30T11:00:00Z' } }),
    ]);
    assert.deepEqual(
      sorted.map((c) => c.id),
      [2, 3, 1],
    );
  });

  test('a new message moves its chat up and counts as unread unless mine, open, or already counted', () => {
    const chats = [chat(1), chat(2, { last_message: { id: 9, content: '', type: 'text', sender_id: 2, created_at: '2026-11-29T00:00:00Z' } })];
    const fresh = message(10, { chat_id: 1, created_at: '2026-11-30T12:00:00Z' });
    let next = applyNewMessage(chats, fresh, 7, null);
    assert.deepEqual(
      next.map((c) => [c.id, c.unread_count]),
      [
        [1, 1],
        [2, 0],
      ],
    );
    next = applyNewMessage(next, fresh, 7, null);
    assert.equal(next[0]!.unread_count, 1, 'a replayed message is not counted twice');
    assert.equal(applyNewMessage(chats, fresh, 2, null)[0]!.unread_count, 0, 'my own message');
    assert.equal(applyNewMessage(chats, fresh, 7, 1)[0]!.unread_count, 0, 'the open chat');
  });

  test("an edit or a recall of a chat's last message shows in the list; of an older one, it does not", () => {
    const last = { id: 12, content: 'typo', type: 'text', sender_id: 2, created_at: '2026-11-30T12:00:00Z' };
    const chats = [chat(1, { last_message: last, unread_count: 1 }), chat(2)];
    assert.equal(patchLastMessage(chats, 1, 12, { content: 'fixed' })[0]!.last_message?.content, 'fixed');
    assert.equal(patchLastMessage(chats, 1, 12, { is_recalled: true, content: '' })[0]!.last_message?.content, '');
    assert.equal(patchLastMessage(chats, 1, 11, { content: 'older' }), chats, 'an older message leaves the list as it is');
    const answered = applyNewMessage(chats, message(12, { chat_id: 1, content: 'fixed in full' }), 7, null);
    assert.deepEqual([answered[0]!.last_message?.content, answered[0]!.unread_count], ['fixed in full', 1], 'replaced, not counted again');
  });

  test("deleting a chat's last message previews the one before it, or asks the server when the page cannot tell", () => {
    const last = { id: 12, content: 'oops', type: 'text', sender_id: 2, created_at: '2026-11-30T12:00:00Z' };
    const chats = [chat(1, { last_message: last }), chat(2)];
    const previous = message(11, { content: 'kept' });
    assert.equal(afterDeletion(chats, 1, 12, [previous])?.find((c) => c.id === 1)?.last_message?.content, 'kept');
    assert.deepEqual(afterDeletion(chats, 1, 5, [previous]), chats, 'an older message leaves the preview alone');
    assert.equal(afterDeletion(chats, 1, 12, undefined), null, 'no timeline loaded');
    assert.equal(afterDeletion(chats, 1, 12, []), null, 'nothing left in the loaded page');
  });
});
