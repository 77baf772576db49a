import { AppError, UniqueConflict } from '../domain/errors.ts';
import type {
  Conversation,
  ConversationDetail,
  ConversationSummary,
  ConversationType,
  Member,
  MemberRole,
  MemberWithUser,
  Page,
  PageRequest,
  UserSummary,
} from '../domain/types.ts';
import { Checker, limits } from '../domain/validation.ts';
import type { Bus } from '../realtime/bus.ts';
import { pairKey, type ConversationPatch, type ListedConversation } from '../store/repos/conversations.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from './clock.ts';
import { isManager, mayChangeRoles, mayRemove } from './policies.ts';
import { appendMessage, systemDraft, type SystemNotice } from './posting.ts';
import type { Emit, Transactor } from './transactor.ts';

export interface CreateConversationInput {
  /** Defaults to private for exactly one other member and no name, else group. */
  type?: ConversationType;
  name?: string;
  description?: string;
  avatar?: string;
  announcement?: string;
  /** The other users; the creator is always a member (the owner of a group). */
  members: number[];
}

export interface Membership {
  conversation: Conversation;
  member: Member;
}

const roleOrder: Record<MemberRole, number> = { owner: 0, admin: 1, member: 2 };

/**
 * Conversations and their membership. Private conversations are unique per pair and have no
 * administration; groups have one owner, admins and members. Every change is one transaction
 * that logs its event, and membership changes also post a system message.
 */
export class ConversationService {
  constructor(
    private readonly store: Store,
    private readonly tx: Transactor,
    private readonly clock: Clock,
    private readonly signals: Pick<Bus, 'signal'>,
  ) {}

  /** The conversation and the caller's membership; 20001 when it does not exist, 20002 for outsiders. */
  async requireMember(conversationId: number, userId: number, store: Store = this.store): Promise<Membership> {
    const found = await store.conversations.withMembership(conversationId, userId);
    if (!found) throw new AppError('CHAT_NOT_FOUND', `chat ${conversationId} does not exist`);
    if (!found.member) throw new AppError('NOT_A_MEMBER', `you are not a member of chat ${conversationId}`);
    return { conversation: found.conversation, member: found.member };
  }

  /**
   * A group and the caller's membership, for documents that name groups apart from private chats:
   * a private chat's id names no group (CHAT_NOT_FOUND, as for an unknown id); outsiders get NOT_A_MEMBER.
   */
  async requireGroup(conversationId: number, userId: number, store: Store = this.store): Promise<Membership> {
    const found = await store.conversations.withMembership(conversationId, userId);
    if (!found || found.conversation.type !== 'group') throw new AppError('CHAT_NOT_FOUND', `group ${conversationId} does not exist`);
    if (!found.member) throw new AppError('NOT_A_MEMBER', `you are not a member of group ${conversationId}`);
    return { conversation: found.conversation, member: found.member };
  }

  /** Tells the other members the user started or stopped typing (a signal: never logged). */
  async typing(userId: number, conversationId: number, isTyping: boolean): Promise<void> {
    await this.requireMember(conversationId, userId);
    this.signals.signal({
      type: 'typing',
      audience: { kind: 'conversation', id: conversationId, exceptUser: userId },
      data: { conversationId, userId, isTyping, at: this.clock.now() },
    });
  }

  /**
   * The user's conversations, pinned first, then by latest activity. `type`: of that type only;
   * `byUsers`: unread counts and last messages leave out system notices and call records.
   */
  async list(userId: number, page: PageRequest, opts: { type?: ConversationType; byUsers?: boolean } = {}): Promise<Page<ConversationSummary>> {
    const listed = await this.store.conversations.listFor(userId, page, this.clock.now(), opts);
    return { items: await this.complete(userId, listed.items), total: listed.total };
  }

  /** `byUsers`: as in `list`. */
  async detail(userId: number, conversationId: number, opts: { byUsers?: boolean } = {}): Promise<ConversationDetail> {
    await this.requireMember(conversationId, userId);
    const listed = await this.store.conversations.summaryFor(conversationId, userId, this.clock.now(), opts.byUsers ?? false);
    if (!listed) throw new AppError('NOT_A_MEMBER', `you are not a member of chat ${conversationId}`);
    const [[summary], members] = await Promise.all([this.complete(userId, [listed]), this.store.conversations.members(conversationId)]);
    const users = await this.store.users.summaries(members.map((m) => m.userId));
    const withUsers = members
      .filter((m) => users.has(m.userId))
      .map((m) => ({ ...m, user: users.get(m.userId)! }))
      .sort((a, b) => roleOrder[a.role] - roleOrder[b.role] || a.joinedAt - b.joinedAt || a.userId - b.userId);
    return { ...summary!, members: withUsers };
  }

  /** The member ids of each of these conversations, in joining order; NOT_A_MEMBER for one the caller is not in. */
  async memberIds(userId: number, conversationIds: readonly number[]): Promise<Map<number, number[]>> {
    const out = new Map<number, number[]>();
    for (const id of new Set(conversationIds)) {
      const members = await this.store.conversations.members(id);
      if (!members.some((m) => m.userId === userId)) throw new AppError('NOT_A_MEMBER', `you are not a member of chat ${id}`);
      out.set(id, members.sort((a, b) => a.joinedAt - b.joinedAt || a.userId - b.userId).map((m) => m.userId));
    }
    return out;
  }

  /** A group's members, a page of them in detail order (owner, admins, members, each by joining), for a member. */
  async groupMembers(userId: number, groupId: number, page: PageRequest): Promise<Page<MemberWithUser>> {
    await this.requireGroup(groupId, userId);
    const { members } = await this.detail(userId, groupId);
    return { items: members.slice(page.offset, page.offset + page.limit), total: members.length };
  }

  /** Attaches last messages and private peers to listed rows: two or three queries for any page. */
  private async complete(userId: number, rows: readonly ListedConversation[]): Promise<ConversationSummary[]> {
    const lastIds = rows.flatMap((r) => (r.conversation.lastMessageId === null ? [] : [r.conversation.lastMessageId]));
    const privateIds = rows.filter((r) => r.conversation.type === 'private').map((r) => r.conversation.id);
    const [lastMessages, peerIds] = await Promise.all([this.store.messages.byIds(lastIds), this.store.conversations.peers(privateIds, userId)]);
    const senderIds = [...lastMessages.values()].flatMap((m) => (m.senderId === null ? [] : [m.senderId]));
    const peers = await this.store.users.summaries([...new Set([...peerIds.values(), ...senderIds])]);
    return rows.map((r) => {
      const peerId = peerIds.get(r.conversation.id);
      const last = r.conversation.lastMessageId === null ? undefined : lastMessages.get(r.conversation.lastMessageId);
      const lastMessage = last && last.deletedAt === null ? last : null;
      return {
        ...r,
        lastMessage,
        lastSender: lastMessage?.senderId == null ? null : (peers.get(lastMessage.senderId) ?? null),
        peer: peerId === undefined ? null : (peers.get(peerId) ?? null),
      };
    });
  }

  async create(userId: number, input: CreateConversationInput): Promise<ConversationDetail> {
    const others = [...new Set(input.members)].filter((id) => id !== userId);
    const type = input.type ?? (input.members.length === 1 && !input.name ? 'private' : 'group');
    const check = new Checker()
      .check(input.members.length <= limits.membersPerRequest.maxItems, 'members', `must name at most ${limits.membersPerRequest.maxItems} users`)
      .length('description', input.description, 0, limits.chatDescription.maxLength)
      .link('avatar', input.avatar)
      .length('announcement', input.announcement, 0, limits.announcement.maxLength);
    if (type === 'private') {
      check.check(input.members.length === 1 && others.length === 1, 'members', 'a private chat needs exactly one other user');
    } else {
      check.length('name', input.name ?? '', limits.chatName.minLength, limits.chatName.maxLength);
    }
    check.done();
    const users = await this.existingUsers([userId, ...others]);
    const me = users.get(userId)!;
    return type === 'private' ? this.openPrivate(me, others[0]!) : this.createGroup(me, input, others, users);
  }

  private async existingUsers(ids: readonly number[]): Promise<Map<number, UserSummary>> {
    const users = await this.store.users.summaries(ids);
    const missing = ids.filter((id) => !users.has(id));
    if (missing.length > 0) throw new AppError('USER_NOT_FOUND', `no such user: ${missing.join(', ')}`);
    return users;
  }

  /** The pair's private chat: the existing one, else a new one (a racing twin is caught by pair_key). */
  private async openPrivate(me: UserSummary, otherId: number): Promise<ConversationDetail> {
    return this.detail(me.id, await this.privateChatId(me.id, otherId));
  }

  private async privateChatId(userId: number, otherId: number, beforeCreating?: () => Promise<void>): Promise<number> {
    const existing = await this.store.conversations.byPairKey(pairKey(userId, otherId));
    if (existing) return existing.id;
    await beforeCreating?.();
    return (await this.withPrivateRetry(() => this.tx.run((tx, emit) => this.privateConversation(tx, emit, userId, otherId)))).id;
  }

  /**
   * The id of the private chat of the caller and another user, created (and announced) on first
   * use. `field` names the other user in the error when it is the caller. `beforeCreating` runs
   * only when the chat is about to be created: what it throws leaves no chat behind.
   */
  async privateWith(userId: number, otherId: number, field = 'userId', beforeCreating?: () => Promise<void>): Promise<number> {
    new Checker().check(otherId !== userId, field, 'must be another user').done();
    await this.existingUsers([userId, otherId]);
    return this.privateChatId(userId, otherId, beforeCreating);
  }

  /** The private chat of the caller and another user if they have one; 10001 when there is no such user. */
  async existingPrivateWith(userId: number, otherId: number): Promise<Conversation | undefined> {
    const existing = otherId === userId ? undefined : await this.store.conversations.byPairKey(pairKey(userId, otherId));
    if (!existing) await this.existingUsers([otherId]);
    return existing;
  }

  /** Unread messages over all the user's chats: the sum of each chat's `unreadCount`. */
  unreadTotal(userId: number): Promise<number> {
    return this.store.conversations.unreadTotal(userId, this.clock.now());
  }

  /**
   * The private conversation of two users inside the caller's transaction, created and announced
   * (`conversation.created`) when they have none yet. `firstId` is its creator.
   */
  async privateConversation(tx: Store, emit: Emit, firstId: number, otherId: number): Promise<Conversation> {
    const key = pairKey(firstId, otherId);
    const existing = await tx.conversations.byPairKey(key);
    if (existing) return existing;
    const at = this.clock.now();
    const conversation = await tx.conversations.insert({ type: 'private', ownerId: null, pairKey: key, createdBy: firstId, at });
    const members = await tx.conversations.addMembers(
      conversation.id,
      [
        { userId: firstId, role: 'member' },
        { userId: otherId, role: 'member' },
      ],
      at,
      0,
    );
    // Once per pair, so one more read here costs nothing that matters.
    const users = await tx.users.summaries([firstId, otherId]);
    emit({
      type: 'conversation.created',
      audience: { kind: 'conversation', id: conversation.id },
      data: { conversation, members, users: members.map((m) => users.get(m.userId)!) },
    });
    return conversation;
  }

  /**
   * Runs a transaction that may create a private conversation once more if a concurrent one
   * created the same pair first (the unique pair_key refused ours; the retry finds theirs).
   */
  async withPrivateRetry<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof UniqueConflict && err.target === 'conversations.pair')) throw err;
      return run();
    }
  }

  private async createGroup(me: UserSummary, input: CreateConversationInput, others: number[], users: Map<number, UserSummary>): Promise<ConversationDetail> {
    const at = this.clock.now();
    const id = await this.tx.run(async (tx, emit) => {
      const conversation = await tx.conversations.insert({
        type: 'group',
        name: input.name,
        description: input.description,
        avatar: input.avatar,
        announcement: input.announcement,
        ownerId: me.id,
        pairKey: null,
        createdBy: me.id,
        at,
      });
      const members = await tx.conversations.addMembers(
        conversation.id,
        [{ userId: me.id, role: 'owner' as const }, ...others.map((userId) => ({ userId, role: 'member' as const }))],
        at,
        0,
      );
      emit({
        type: 'conversation.created',
        audience: { kind: 'conversation', id: conversation.id },
        data: { conversation, members, users: members.map((m) => users.get(m.userId)!) },
      });
      await this.notice(tx, emit, conversation.id, { action: 'created', actor: me, users: others.map((u) => users.get(u)!) }, at);
      return conversation.id;
    });
    return this.detail(me.id, id);
  }

  private notice(tx: Store, emit: Emit, conversationId: number, notice: SystemNotice, at: number) {
    // Notices are posted in groups only.
    return appendMessage(tx, emit, { conversationId, senderId: notice.actor.id, draft: systemDraft(notice), clientId: null, sendAt: null, at }, notice.actor, { pairKey: null });
  }

  /** A group member who may administer it (owner or admin), else 403. */
  async requireManager(conversationId: number, userId: number, store: Store = this.store): Promise<Membership> {
    const m = await this.requireMember(conversationId, userId, store);
    if (m.conversation.type !== 'group') throw new AppError('FORBIDDEN', 'a private chat has no administration');
    if (!isManager(m.member)) throw new AppError('FORBIDDEN', 'only the owner or an admin may do this');
    return m;
  }

  async update(userId: number, conversationId: number, patch: ConversationPatch): Promise<ConversationDetail> {
    new Checker()
      .length('name', patch.name, limits.chatName.minLength, limits.chatName.maxLength)
      .length('description', patch.description, 0, limits.chatDescription.maxLength)
      .link('avatar', patch.avatar)
      .length('announcement', patch.announcement, 0, limits.announcement.maxLength)
      .done();
    await this.tx.run(async (tx, emit) => {
      const { conversation } = await this.requireManager(conversationId, userId, tx);
      const fields = ['name', 'description', 'avatar', 'announcement'] as const;
      const changes = fields.filter((f) => patch[f] !== undefined && patch[f] !== conversation[f]);
      if (changes.length === 0) return;
      const updated = await tx.conversations.update(conversationId, Object.fromEntries(changes.map((f) => [f, patch[f]])), this.clock.now());
      const byUser = (await tx.users.summaries([userId])).get(userId);
      emit({
        type: 'conversation.updated',
        audience: { kind: 'conversation', id: conversationId },
        data: { conversation: updated!, changes: [...changes], by: userId, ...(byUser && { byUser }) },
      });
    });
    return this.detail(userId, conversationId);
  }

  /** A group member who created the group, else 403; only groups count (CHAT_NOT_FOUND otherwise). */
  private async requireCreator(conversationId: number, userId: number, store: Store): Promise<Membership> {
    const m = await this.requireGroup(conversationId, userId, store);
    if (m.conversation.createdBy !== userId) throw new AppError('FORBIDDEN', 'only the creator of the group may do this');
    return m;
  }

  /**
   * Adds users to a group; members already in it are left as they are. `by: 'managers'` (the
   * default) lets the owner and admins add; `by: 'creator'` only the group's creator. The caller's
   * right is checked before the users are, so someone without it learns nothing of user ids (a
   * plain member naming an unknown user is refused as a plain member, not told the user is unknown).
   */
  async addMembers(userId: number, conversationId: number, userIds: number[], opts: { by?: 'managers' | 'creator' } = {}): Promise<ConversationDetail & { added: number[] }> {
    new Checker()
      .check(userIds.length >= 1 && userIds.length <= limits.membersPerRequest.maxItems, 'members', `must name 1 to ${limits.membersPerRequest.maxItems} users`)
      .done();
    const allowed = opts.by === 'creator' ? this.requireCreator.bind(this) : this.requireManager.bind(this);
    await allowed(conversationId, userId, this.store);
    const users = await this.existingUsers([userId, ...new Set(userIds)]);
    const newcomers = await this.tx.run(async (tx, emit) => {
      const { conversation } = await allowed(conversationId, userId, tx);
      const at = this.clock.now();
      const added = await tx.conversations.addMembers(
        conversationId,
        [...new Set(userIds)].map((id) => ({ userId: id, role: 'member' as const })),
        at,
        conversation.lastMessageId ?? 0,
      );
      if (added.length === 0) return [];
      const addedUsers = added.map((m) => users.get(m.userId)!);
      emit({ type: 'member.added', audience: { kind: 'conversation', id: conversationId }, data: { conversationId, members: added, users: addedUsers, by: userId } });
      await this.notice(tx, emit, conversationId, { action: 'added', actor: users.get(userId)!, users: addedUsers }, at);
      return added.map((m) => m.userId);
    });
    return { ...(await this.detail(userId, conversationId)), added: newcomers };
  }

  /**
   * Removing oneself is leaving; removing another takes the owner, or an admin for plain members.
   * An owner who leaves hands the group to the longest-standing admin, else member.
   */
  async removeMember(userId: number, conversationId: number, targetId: number): Promise<void> {
    await this.tx.run(async (tx, emit) => {
      const { conversation, member: me } = await this.requireMember(conversationId, userId, tx);
      if (conversation.type !== 'group') throw new AppError('FORBIDDEN', 'nobody can leave or be removed from a private chat');
      const leaving = targetId === userId;
      const target = leaving ? me : await tx.conversations.member(conversationId, targetId);
      if (!target) throw new AppError('NOT_A_MEMBER', `user ${targetId} is not a member of chat ${conversationId}`);
      if (!mayRemove(me, target)) {
        throw new AppError('FORBIDDEN', 'only the owner, or an admin for plain members, may remove members');
      }
      const at = this.clock.now();
      const users = await tx.users.summaries([userId, targetId]);
      // The notice is posted while the removed user is still a member: their open sockets get it
      // too (a resume later does not replay it: replay covers current memberships only); after
      // it, member.removed addressed to them is the last thing of this chat they receive.
      await this.notice(tx, emit, conversationId, leaving ? { action: 'left', actor: users.get(userId)!, users: [] } : { action: 'removed', actor: users.get(userId)!, users: [users.get(targetId)!] }, at);
      await tx.conversations.removeMember(conversationId, targetId);
      const removed = { conversationId, userId: targetId, user: users.get(targetId), by: userId, reason: leaving ? ('left' as const) : ('removed' as const) };
      emit({ type: 'member.removed', audience: { kind: 'conversation', id: conversationId }, data: removed });
      emit({ type: 'member.removed', audience: { kind: 'user', id: targetId }, data: removed });
      if (target.role === 'owner') await this.handOver(tx, emit, conversationId, at);
    });
  }

  /** After the owner left (or was deleted): the longest-standing admin, else member, owns the group. */
  async handOver(tx: Store, emit: Emit, conversationId: number, at: number): Promise<void> {
    const remaining = await tx.conversations.members(conversationId);
    const heir = remaining.filter((m) => m.role === 'admin')[0] ?? remaining[0];
    if (!heir) return;
    const member = await tx.conversations.updateMember(conversationId, heir.userId, { role: 'owner' });
    const conversation = await tx.conversations.update(conversationId, { ownerId: heir.userId }, at);
    const user = (await tx.users.summaries([heir.userId])).get(heir.userId);
    emit({ type: 'member.updated', audience: { kind: 'conversation', id: conversationId }, data: { member: member!, user, by: null } });
    emit({ type: 'conversation.updated', audience: { kind: 'conversation', id: conversationId }, data: { conversation: conversation!, changes: ['ownerId'], by: null } });
  }

  /** Owner only. Making someone the owner transfers ownership; the previous owner becomes an admin. */
  async setRole(userId: number, conversationId: number, targetId: number, role: MemberRole): Promise<ConversationDetail> {
    await this.tx.run(async (tx, emit) => {
      const { conversation, member: me } = await this.requireMember(conversationId, userId, tx);
      if (conversation.type !== 'group') throw new AppError('FORBIDDEN', 'a private chat has no roles');
      if (!mayChangeRoles(me)) throw new AppError('FORBIDDEN', 'only the owner may change roles');
      if (targetId === userId) throw new AppError('FORBIDDEN', 'the owner changes their role by making someone else the owner');
      const target = await tx.conversations.member(conversationId, targetId);
      if (!target) throw new AppError('NOT_A_MEMBER', `user ${targetId} is not a member of chat ${conversationId}`);
      if (target.role === role) return;
      const at = this.clock.now();
      const users = await tx.users.summaries([userId, targetId]);
      const updated = await tx.conversations.updateMember(conversationId, targetId, { role });
      emit({ type: 'member.updated', audience: { kind: 'conversation', id: conversationId }, data: { member: updated!, user: users.get(targetId), by: userId } });
      if (role === 'owner') {
        const demoted = await tx.conversations.updateMember(conversationId, userId, { role: 'admin' });
        const changed = await tx.conversations.update(conversationId, { ownerId: targetId }, at);
        emit({ type: 'member.updated', audience: { kind: 'conversation', id: conversationId }, data: { member: demoted!, user: users.get(userId), by: userId } });
        emit({ type: 'conversation.updated', audience: { kind: 'conversation', id: conversationId }, data: { conversation: changed!, changes: ['ownerId'], by: userId } });
      }
      const notice: SystemNotice =
        role === 'owner'
          ? { action: 'owner', actor: users.get(userId)!, users: [users.get(targetId)!] }
          : { action: 'role', actor: users.get(userId)!, users: [users.get(targetId)!], role };
      await this.notice(tx, emit, conversationId, notice, at);
    });
    return this.detail(userId, conversationId);
  }

  /** The caller's own pin and mute flags for a conversation (only their devices hear of it). */
  async updateSettings(userId: number, conversationId: number, settings: { isPinned?: boolean; isMuted?: boolean }): Promise<ConversationDetail> {
    await this.tx.run(async (tx, emit) => {
      const { member } = await this.requireMember(conversationId, userId, tx);
      const changed = (settings.isPinned !== undefined && settings.isPinned !== member.isPinned) || (settings.isMuted !== undefined && settings.isMuted !== member.isMuted);
      if (!changed) return;
      const updated = await tx.conversations.updateMember(conversationId, userId, settings);
      const user = (await tx.users.summaries([userId])).get(userId);
      emit({ type: 'member.updated', audience: { kind: 'user', id: userId }, data: { member: updated!, user, by: userId } });
    });
    return this.detail(userId, conversationId);
  }
}
