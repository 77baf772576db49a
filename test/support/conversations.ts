import type { Conversation, ConversationType, Member } from '../../src/domain/types.ts';
import type { TestServer } from './server.ts';

/**
 * Conversations for realtime tests, made through the store and the transactor with the contract's
 * events (`conversation.created`, `member.added`, `member.removed`), since the chat endpoints live
 * on another branch. After the merge these helpers can call the REST endpoints instead.
 */

function member(conversationId: number, userId: number, role: Member['role'], at: number): Member {
  return { conversationId, userId, role, joinedAt: at, isPinned: false, isMuted: false, lastReadMessageId: 0 };
}

export async function createConversation(
  s: TestServer,
  ownerId: number,
  otherIds: number[],
  type: ConversationType = 'group',
): Promise<number> {
  const { core } = s;
  return core.transactor.run(async (tx, emit) => {
    const at = core.clock.now();
    const pairKey = type === 'private' ? [ownerId, ...otherIds].sort((a, b) => a - b).join(':') : null;
    const row = await tx.db
      .insertInto('conversations')
      .values({
        type,
        name: type === 'group' ? 'test group' : '',
        owner_id: type === 'group' ? ownerId : null,
        pair_key: pairKey,
        last_activity_at: at,
        created_by: ownerId,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const members = [member(row.id, ownerId, type === 'group' ? 'owner' : 'member', at), ...otherIds.map((id) => member(row.id, id, 'member', at))];
    await tx.db
      .insertInto('conversation_members')
      .values(members.map((m) => ({ conversation_id: m.conversationId, user_id: m.userId, role: m.role, joined_at: m.joinedAt })))
      .execute();
    const conversation: Conversation = {
      id: row.id,
      type,
      name: type === 'group' ? 'test group' : '',
      description: '',
      avatar: '',
      announcement: '',
      ownerId: type === 'group' ? ownerId : null,
      isActive: true,
      lastMessageId: null,
      lastActivityAt: at,
      createdBy: ownerId,
      createdAt: at,
      updatedAt: at,
    };
    emit({ type: 'conversation.created', audience: { kind: 'conversation', id: row.id }, data: { conversation, members } });
    return row.id;
  });
}

export async function addMembers(s: TestServer, conversationId: number, userIds: number[], by: number | null = null): Promise<void> {
  const { core } = s;
  await core.transactor.run(async (tx, emit) => {
    const at = core.clock.now();
    const members = userIds.map((id) => member(conversationId, id, 'member', at));
    await tx.db
      .insertInto('conversation_members')
      .values(members.map((m) => ({ conversation_id: m.conversationId, user_id: m.userId, role: m.role, joined_at: m.joinedAt })))
      .execute();
    emit({ type: 'member.added', audience: { kind: 'conversation', id: conversationId }, data: { conversationId, members, by } });
  });
}

/** Removes a member; like the service will, it tells the members and, separately, the removed user. */
export async function removeMember(s: TestServer, conversationId: number, userId: number, by: number | null = null): Promise<void> {
  const { core } = s;
  await core.transactor.run(async (tx, emit) => {
    await tx.db.deleteFrom('conversation_members').where('conversation_id', '=', conversationId).where('user_id', '=', userId).execute();
    const data = { conversationId, userId, by, reason: 'removed' as const };
    emit({ type: 'member.removed', audience: { kind: 'conversation', id: conversationId }, data });
    emit({ type: 'member.removed', audience: { kind: 'user', id: userId }, data });
  });
}

/** A durable conversation-audience event standing in for a message (updates the name). */
export async function touchConversation(s: TestServer, conversationId: number, by: number): Promise<number> {
  const { core } = s;
  return core.transactor.run(async (tx, emit) => {
    const at = core.clock.now();
    const row = await tx.db
      .updateTable('conversations')
      .set({ name: `renamed ${at}`, updated_at: at })
      .where('id', '=', conversationId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const conversation: Conversation = {
      id: row.id,
      type: row.type as ConversationType,
      name: row.name,
      description: row.description,
      avatar: row.avatar,
      announcement: row.announcement,
      ownerId: row.owner_id,
      isActive: row.is_active === 1,
      lastMessageId: row.last_message_id,
      lastActivityAt: row.last_activity_at,
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
    emit({ type: 'conversation.updated', audience: { kind: 'conversation', id: conversationId }, data: { conversation, changes: ['name'], by } });
    return row.id;
  });
}
