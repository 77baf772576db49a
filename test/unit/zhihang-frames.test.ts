import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyEvent, Audience } from '../../src/domain/events.ts';
import type { Member, Message } from '../../src/domain/types.ts';
import { photoFixture } from '../support/fixtures.ts';
import { zhihang } from '../../src/profiles/zhihang/index.ts';
import { codecOf, only } from '../support/kit.ts';
import { callDraft } from '../../src/services/posting.ts';

/**
 * The zhihang codec's message and member frames, encoded once for every receiver: links that do
 * not depend on the receiver, no per-viewer field, a member's own settings only for them.
 */

const at = Date.UTC(2024, 11, 19, 10, 30, 0);

function codec(publicUrl: string | undefined, mount: string) {
  return codecOf(zhihang, { publicUrl, mount });
}

function encode(c: ReturnType<typeof codec>, event: Omit<AnyEvent, 'seq' | 'at'>): any {
  return only(c.event({ ...event, seq: 42, at }));
}

const photo = photoFixture(at);
const sender = { id: 2, username: 'otheruser', nickname: '其他用户', avatar: 'https://example.com/avatar.jpg' };
const toChat: Audience = { kind: 'conversation', id: 1 };

describe('zhihang frames', () => {
  it('links files root-relative below the mount, or absolute from PUBLIC_URL', () => {
    const relative = encode(codec(undefined, '/zh'), { type: 'message.created', audience: toChat, data: { message: photo, sender } });
    assert.equal(relative.type, 'message.new');
    assert.equal(relative.seq, 42);
    assert.equal(relative.data.file_url, '/zh/api/files/file_abcdefgh1234');
    assert.equal(relative.data.thumbnail, '/zh/api/files/thumb_file_abcdefgh1234');
    const absolute = encode(codec('https://chat.example.org', ''), { type: 'message.created', audience: toChat, data: { message: photo, sender } });
    assert.equal(absolute.data.file_url, 'https://chat.example.org/api/files/file_abcdefgh1234');
  });

  it('keeps the document’s message.new fields, the silent flag, and no per-viewer is_read', () => {
    const f = encode(codec(undefined, ''), { type: 'message.created', audience: toChat, data: { message: photo, sender } });
    assert.deepEqual(
      [f.data.id, f.data.chat_id, f.data.sender_id, f.data.content, f.data.type, f.data.created_at, f.data.sender],
      [101, 1, 2, '', 'image', '2024-12-19T10:30:00Z', sender],
    );
    assert.equal(f.data.is_silent, true);
    assert.equal('is_read' in f.data, false);
    const edit = encode(codec(undefined, ''), { type: 'message.edited', audience: toChat, data: { message: { ...photo, content: '编辑后', isEdited: true }, previousContent: '' } });
    assert.equal(edit.type, 'message.edit');
    assert.deepEqual([edit.data.id, edit.data.chat_id, edit.data.content, edit.data.updated_at], [101, 1, '编辑后', '2024-12-19T10:30:00Z']);
    assert.equal('is_read' in edit.data || 'sender' in edit.data, false);
  });

  it('shows a member’s pin and mute only in frames for that member alone', () => {
    const member: Member = { conversationId: 1, userId: 3, role: 'admin', joinedAt: at, isPinned: true, isMuted: true, lastReadMessageId: 100 };
    const c = codec(undefined, '');
    const toAll = encode(c, { type: 'member.updated', audience: toChat, data: { member, by: 2 } });
    assert.deepEqual(toAll.data, { chat_id: 1, user_id: 3, role: 'admin', joined_at: '2024-12-19T10:30:00Z', updated_by: 2 });
    const toSelf = encode(c, { type: 'member.updated', audience: { kind: 'user', id: 3 }, data: { member, by: 3 } });
    assert.deepEqual([toSelf.data.is_pinned, toSelf.data.is_muted], [true, true]);
    assert.equal('last_read_message_id' in toSelf.data, false);
  });

  it('renders a call record in the document’s language, with its call details', () => {
    const base = { id: 'call_x', conversationId: null, callerId: 2, calleeId: 1, media: 'audio' as const, state: 'ended' as const, callerConnection: null, calleeConnection: null, createdAt: at };
    const cases = [
      [{ endReason: 'user_hangup', answeredAt: at, endedAt: at + 3_725_000, duration: 3725 }, 'Audio call, 1:02:05', '语音通话 通话时长 1:02:05', true],
      [{ endReason: 'timeout', answeredAt: null, endedAt: at, duration: 0 }, 'Audio call, missed', '语音通话 无人接听', false],
      [{ endReason: 'rejected', answeredAt: null, endedAt: at, duration: 0 }, 'Audio call, declined', '语音通话 已拒绝', false],
      [{ endReason: 'unavailable', answeredAt: null, endedAt: at, duration: 0 }, 'Audio call, missed', '语音通话 未接通', false],
    ] as const;
    for (const [outcome, english, chinese, silent] of cases) {
      const draft = callDraft({ ...base, ...outcome });
      assert.deepEqual([draft.type, draft.content, draft.isSilent], ['call', english, silent]);
      const message: Message = { ...photo, ...draft, attachment: null, clientId: null };
      const f = encode(codec(undefined, ''), { type: 'message.created', audience: toChat, data: { message, sender } });
      assert.deepEqual([f.data.type, f.data.content, f.data.call.reason], ['call', chinese, outcome.endReason]);
    }
  });
});
