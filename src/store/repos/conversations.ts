import { sql, type Kysely, type Selectable, type Updateable } from 'kysely';
import type { Conversation, ConversationType, Member, MemberRole, PageRequest } from '../../domain/types.ts';
import type { MembershipSource } from '../../realtime/membership.ts';
import { guardUnique } from '../errors.ts';
import { precompiled } from '../precompiled.ts';
import type { ConversationMembersTable, ConversationsTable, Database } from '../schema.ts';

export function toConversation(row: Selectable<ConversationsTable>): Conversation {
  return {
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
    pairKey: row.pair_key,
  };
}

export function toMember(row: Selectable<ConversationMembersTable>): Member {
  return {
    conversationId: row.conversation_id,
    userId: row.user_id,
    role: row.role as MemberRole,
    joinedAt: row.joined_at,
    isPinned: row.is_pinned === 1,
    isMuted: row.is_muted === 1,
    lastReadMessageId: row.last_read_message_id,
  };
}

/** The key that makes a private conversation unique per pair of users. */
export function pairKey(a: number, b: number): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}

export interface NewConversation {
  type: ConversationType;
  name?: string;
  description?: string;
  avatar?: string;
  announcement?: string;
  ownerId: number | null;
  pairKey: string | null;
  createdBy: number;
  at: number;
}

export type ConversationPatch = Partial<{ name: string; description: string; avatar: string; announcement: string; ownerId: number }>;

export type MemberPatch = Partial<{ role: MemberRole; isPinned: boolean; isMuted: boolean }>;

/** One row of a user's conversation list, before messages and users are attached. */
export interface ListedConversation {
  conversation: Conversation;
  membership: Member;
  membersCount: number;
  unreadCount: number;
}

/** The membership columns selected beside a conversation, under `m_` names. */
const memberColumns = [
  'cm.role as m_role',
  'cm.joined_at as m_joined_at',
  'cm.is_pinned as m_is_pinned',
  'cm.is_muted as m_is_muted',
  'cm.last_read_message_id as m_last_read',
] as const;

interface MemberColumns {
  m_role: string;
  m_joined_at: number;
  m_is_pinned: number;
  m_is_muted: number;
  m_last_read: number;
}

function memberOf(r: MemberColumns, conversationId: number, userId: number): Member {
  return toMember({
    conversation_id: conversationId,
    user_id: userId,
    role: r.m_role,
    joined_at: r.m_joined_at,
    is_pinned: r.m_is_pinned,
    is_muted: r.m_is_muted,
    last_read_message_id: r.m_last_read,
  });
}

/**
 * A user's memberships with their conversations and counts. Counts come from correlated
 * subqueries over the (conversation_id, ...) indexes, so a page costs one query whatever its
 * size. Unread: messages from others after the read pointer that still exist.
 */
function summaries(db: Kysely<Database>, userId: number, now: number, byUsers = false) {
  return db
    .selectFrom('conversation_members as cm')
    .innerJoin('conversations as c', 'c.id', 'cm.conversation_id')
    .where('cm.user_id', '=', userId)
    .selectAll('c')
    .select(memberColumns)
    .select((eb) => [
      eb
        .selectFrom('conversation_members as all_members')
        .select((s) => s.fn.countAll<number>().as('n'))
        .whereRef('all_members.conversation_id', '=', 'c.id')
        .as('members_count'),
      eb
        .selectFrom('messages as m')
        .select((s) => s.fn.countAll<number>().as('n'))
        .whereRef('m.conversation_id', '=', 'c.id')
        .whereRef('m.id', '>', 'cm.last_read_message_id')
        .where('m.deleted_at', 'is', null)
        .where((w) => w.or([w('m.sender_id', 'is', null), w('m.sender_id', '!=', userId)]))
        .where((w) => w.or([w('m.expires_at', 'is', null), w('m.expires_at', '>', now)]))
        .$if(byUsers, (q) => q.where('m.type', 'not in', ['system', 'call']))
        .as('unread_count'),
    ])
    .$if(byUsers, (q) =>
      q.select((eb) =>
        eb
          .selectFrom('messages as lm')
          .select((s) => s.fn.max('lm.id').as('n'))
          .whereRef('lm.conversation_id', '=', 'c.id')
          .where('lm.deleted_at', 'is', null)
          .where('lm.type', 'not in', ['system', 'call'])
          .where((w) => w.or([w('lm.expires_at', 'is', null), w('lm.expires_at', '>', now)]))
          .as('last_user_message_id'),
      ),
    );
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaries>['executeTakeFirstOrThrow']>>;

function listed(userId: number, r: SummaryRow): ListedConversation {
  const conversation = toConversation(r);
  // Listed for messages users wrote: the last of those stands for the last message.
  if (r.last_user_message_id !== undefined) conversation.lastMessageId = r.last_user_message_id === null ? null : Number(r.last_user_message_id);
  return {
    conversation,
    membership: memberOf(r, r.id, userId),
    membersCount: Number(r.members_count ?? 0),
    unreadCount: Number(r.unread_count ?? 0),
  };
}

// Statements every send runs (see precompiled).
const touchConversation = precompiled((db, v: { id: number; messageId: number; at: number }) =>
  db
    .updateTable('conversations')
    .set({
      last_message_id: sql<number>`case when last_message_id is null or last_message_id < ${v.messageId} then ${v.messageId} else last_message_id end`,
      last_activity_at: sql<number>`case when last_activity_at < ${v.at} then ${v.at} else last_activity_at end`,
    })
    .where('id', '=', v.id),
);
const conversationWithMember = precompiled((db, v: { conversationId: number; userId: number }) =>
  db
    .selectFrom('conversations as c')
    .leftJoin('conversation_members as cm', (j) => j.onRef('cm.conversation_id', '=', 'c.id').on('cm.user_id', '=', v.userId))
    .selectAll('c')
    .select('cm.user_id as m_user_id')
    .select(memberColumns)
    .where('c.id', '=', v.conversationId),
);
const blockedByOther = precompiled((db, v: { conversationId: number; userId: number }) =>
  db
    .selectFrom('conversation_members as cm')
    .innerJoin('contacts as c', (j) => j.onRef('c.owner_id', '=', 'cm.user_id').on('c.contact_user_id', '=', v.userId).on('c.is_blocked', '=', 1))
    .select('cm.user_id')
    .where('cm.conversation_id', '=', v.conversationId)
    .where('cm.user_id', '!=', v.userId)
    .limit(1),
);

/**
 * Conversations and their members. It is also the realtime gateway's membership source: the one
 * place that reads `conversation_members` for both the services and the gateway.
 */
export class ConversationRepo implements MembershipSource {
  constructor(private readonly db: Kysely<Database>) {}

  async byId(id: number): Promise<Conversation | undefined> {
    const row = await this.db.selectFrom('conversations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toConversation(row);
  }

  async byPairKey(key: string): Promise<Conversation | undefined> {
    const row = await this.db.selectFrom('conversations').selectAll().where('pair_key', '=', key).executeTakeFirst();
    return row && toConversation(row);
  }

  /** Throws UniqueConflict ('conversations.pair') when the pair has a private conversation already. */
  async insert(c: NewConversation): Promise<Conversation> {
    const row = await guardUnique(
      this.db
        .insertInto('conversations')
        .values({
          type: c.type,
          name: c.name ?? '',
          description: c.description ?? '',
          avatar: c.avatar ?? '',
          announcement: c.announcement ?? '',
          owner_id: c.ownerId,
          pair_key: c.pairKey,
          last_activity_at: c.at,
          created_by: c.createdBy,
          created_at: c.at,
          updated_at: c.at,
        })
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    return toConversation(row);
  }

  async update(id: number, patch: ConversationPatch, at: number): Promise<Conversation | undefined> {
    const values: Updateable<ConversationsTable> = { updated_at: at };
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.description !== undefined) values.description = patch.description;
    if (patch.avatar !== undefined) values.avatar = patch.avatar;
    if (patch.announcement !== undefined) values.announcement = patch.announcement;
    if (patch.ownerId !== undefined) values.owner_id = patch.ownerId;
    const row = await this.db.updateTable('conversations').set(values).where('id', '=', id).returningAll().executeTakeFirst();
    return row && toConversation(row);
  }

  /**
   * Records a new message as the latest. Concurrent senders may commit out of id order, so the
   * pointer only ever moves forward.
   */
  async touch(id: number, messageId: number, at: number): Promise<void> {
    await touchConversation(this.db, { id, messageId, at });
  }

  /** After messages were deleted: points each conversation at its newest remaining message. */
  async refreshLastMessage(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('conversations')
      .set((eb) => ({
        last_message_id: eb
          .selectFrom('messages')
          .select((m) => m.fn.max('messages.id').as('id'))
          .whereRef('messages.conversation_id', '=', 'conversations.id')
          .where('messages.deleted_at', 'is', null),
      }))
      .where('id', 'in', [...new Set(ids)])
      .execute();
  }

  async member(conversationId: number, userId: number): Promise<Member | undefined> {
    const row = await this.db
      .selectFrom('conversation_members')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && toMember(row);
  }

  /** The conversation and the user's membership in one query; membership undefined for outsiders. */
  async withMembership(conversationId: number, userId: number): Promise<{ conversation: Conversation; member: Member | undefined } | undefined> {
    const [row] = await conversationWithMember(this.db, { conversationId, userId });
    if (!row) return undefined;
    const member = row.m_user_id === null ? undefined : memberOf(row as MemberColumns & typeof row, row.id, row.m_user_id);
    return { conversation: toConversation(row), member };
  }

  async members(conversationId: number): Promise<Member[]> {
    const rows = await this.db
      .selectFrom('conversation_members')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('joined_at')
      .orderBy('user_id')
      .execute();
    return rows.map(toMember);
  }

  /** The conversations a user is a member of (the gateway loads these when they connect). */
  async conversationIdsOf(userId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('conversation_members').select('conversation_id').where('user_id', '=', userId).execute();
    return rows.map((r) => r.conversation_id);
  }

  /** Everyone who shares at least one conversation with the user, without the user (presence). */
  async peersOf(userId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('conversation_members as mine')
      .innerJoin('conversation_members as other', 'other.conversation_id', 'mine.conversation_id')
      .select('other.user_id')
      .distinct()
      .where('mine.user_id', '=', userId)
      .where('other.user_id', '!=', userId)
      .execute();
    return rows.map((r) => r.user_id);
  }

  /**
   * Adds members, skipping users who already are; returns only those added. New members start
   * with everything before `lastReadMessageId` read, so joining a busy group shows no backlog.
   */
  async addMembers(
    conversationId: number,
    entries: readonly { userId: number; role: MemberRole }[],
    at: number,
    lastReadMessageId: number,
  ): Promise<Member[]> {
    if (entries.length === 0) return [];
    const rows = await this.db
      .insertInto('conversation_members')
      .values(
        entries.map((e) => ({
          conversation_id: conversationId,
          user_id: e.userId,
          role: e.role,
          joined_at: at,
          last_read_message_id: lastReadMessageId,
        })),
      )
      .onConflict((oc) => oc.columns(['conversation_id', 'user_id']).doNothing())
      .returningAll()
      .execute();
    return rows.map(toMember).sort((a, b) => a.userId - b.userId);
  }

  /** Removes a member, keeping how far they had read (departed_reads): what they read stays read. */
  async removeMember(conversationId: number, userId: number): Promise<boolean> {
    await this.db
      .insertInto('departed_reads')
      .columns(['conversation_id', 'user_id', 'last_read_message_id'])
      .expression((eb) =>
        eb
          .selectFrom('conversation_members')
          .select(['conversation_id', 'user_id', 'last_read_message_id'])
          .where('conversation_id', '=', conversationId)
          .where('user_id', '=', userId)
          .where('last_read_message_id', '>', 0),
      )
      .onConflict((oc) =>
        oc
          .columns(['conversation_id', 'user_id'])
          .doUpdateSet({ last_read_message_id: (eb) => eb.ref('excluded.last_read_message_id') })
          .where('departed_reads.last_read_message_id', '<', (eb) => eb.ref('excluded.last_read_message_id')),
      )
      .execute();
    const r = await this.db
      .deleteFrom('conversation_members')
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async updateMember(conversationId: number, userId: number, patch: MemberPatch): Promise<Member | undefined> {
    const values: Updateable<ConversationMembersTable> = {};
    if (patch.role !== undefined) values.role = patch.role;
    if (patch.isPinned !== undefined) values.is_pinned = patch.isPinned ? 1 : 0;
    if (patch.isMuted !== undefined) values.is_muted = patch.isMuted ? 1 : 0;
    const row = await this.db
      .updateTable('conversation_members')
      .set(values)
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst();
    return row && toMember(row);
  }

  /** Moves a member's read pointer forward (never back); true when it moved. */
  async advanceRead(conversationId: number, userId: number, messageId: number): Promise<boolean> {
    const r = await this.db
      .updateTable('conversation_members')
      .set({ last_read_message_id: messageId })
      .where('conversation_id', '=', conversationId)
      .where('user_id', '=', userId)
      .where('last_read_message_id', '<', messageId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Per conversation, the furthest read pointer of anyone but `userId`, members who left included. */
  async othersReadUpTo(conversationIds: readonly number[], userId: number): Promise<Map<number, number>> {
    const ids = [...new Set(conversationIds)];
    if (ids.length === 0) return new Map();
    const out = new Map<number, number>();
    const found = await Promise.all(
      (['conversation_members', 'departed_reads'] as const).map((table) =>
        this.db
          .selectFrom(table)
          .select(['conversation_id', (eb) => eb.fn.max('last_read_message_id').as('up_to')])
          .where('conversation_id', 'in', ids)
          .where('user_id', '!=', userId)
          .groupBy('conversation_id')
          .execute(),
      ),
    );
    for (const r of found.flat()) out.set(r.conversation_id, Math.max(out.get(r.conversation_id) ?? 0, Number(r.up_to ?? 0)));
    return out;
  }

  /** Everyone's read pointer in the conversation: its members', and those of members who left. */
  async readPointersOfAll(conversationId: number): Promise<{ userId: number; lastReadMessageId: number }[]> {
    const [members, departed] = await Promise.all(
      (['conversation_members', 'departed_reads'] as const).map((table) =>
        this.db.selectFrom(table).select(['user_id', 'last_read_message_id']).where('conversation_id', '=', conversationId).execute(),
      ),
    );
    return [...members!, ...departed!].map((r) => ({ userId: r.user_id, lastReadMessageId: Number(r.last_read_message_id) }));
  }

  /** The user's own read pointer in each of the given conversations. */
  async readPointers(conversationIds: readonly number[], userId: number): Promise<Map<number, number>> {
    const ids = [...new Set(conversationIds)];
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('conversation_members')
      .select(['conversation_id', 'last_read_message_id'])
      .where('conversation_id', 'in', ids)
      .where('user_id', '=', userId)
      .execute();
    return new Map(rows.map((r) => [r.conversation_id, r.last_read_message_id]));
  }

  /** True when another member of the conversation has `userId` blocked in their contacts. */
  async blockedByOther(conversationId: number, userId: number): Promise<boolean> {
    return (await blockedByOther(this.db, { conversationId, userId })).length > 0;
  }

  /** The other member of each private conversation among `conversationIds`. */
  async peers(conversationIds: readonly number[], userId: number): Promise<Map<number, number>> {
    const ids = [...new Set(conversationIds)];
    if (ids.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('conversation_members as cm')
      .innerJoin('conversations as c', 'c.id', 'cm.conversation_id')
      .select(['cm.conversation_id', 'cm.user_id'])
      .where('cm.conversation_id', 'in', ids)
      .where('c.type', '=', 'private')
      .where('cm.user_id', '!=', userId)
      .execute();
    return new Map(rows.map((r) => [r.conversation_id, r.user_id]));
  }

  /**
   * The user's conversations, pinned first, then by last activity. `type`: of that type only;
   * `byUsers`: unread counts and last messages count messages users wrote (no notices, no call records).
   */
  async listFor(userId: number, page: PageRequest, now: number, opts: { type?: ConversationType; byUsers?: boolean } = {}): Promise<{ items: ListedConversation[]; total: number }> {
    const { type } = opts;
    const [rows, count] = await Promise.all([
      summaries(this.db, userId, now, opts.byUsers)
        .$if(type !== undefined, (q) => q.where('c.type', '=', type!))
        .orderBy('cm.is_pinned', 'desc')
        .orderBy('c.last_activity_at', 'desc')
        .orderBy('c.id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      this.db
        .selectFrom('conversation_members as cm')
        .innerJoin('conversations as c', 'c.id', 'cm.conversation_id')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('cm.user_id', '=', userId)
        .$if(type !== undefined, (q) => q.where('c.type', '=', type!))
        .executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map((r) => listed(userId, r)), total: Number(count.n) };
  }

  /** Unread messages over all the user's conversations: the sum of the `unreadCount`s `listFor` shows. */
  async unreadTotal(userId: number, now: number): Promise<number> {
    const row = await this.db
      .selectFrom(summaries(this.db, userId, now).as('s'))
      .select((eb) => eb.fn.sum<number | string | null>('s.unread_count').as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n ?? 0);
  }

  /** One conversation as listed for a member; undefined when not a member. */
  async summaryFor(conversationId: number, userId: number, now: number, byUsers = false): Promise<ListedConversation | undefined> {
    const row = await summaries(this.db, userId, now, byUsers).where('c.id', '=', conversationId).executeTakeFirst();
    return row && listed(userId, row);
  }
}
