import { randomBytes } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import type { Conversation, Member, Message, Page, PageRequest, User, UserSummary } from '../domain/types.ts';
import { Checker, limits } from '../domain/validation.ts';
import type { UserListFilter } from '../store/repos/admin.ts';
import type { Store } from '../store/store.ts';
import { version } from '../version.ts';
import type { AuthService } from './auth.ts';
import type { Clock } from './clock.ts';
import { ConnectionHistory, type ConnectionSample } from './connection-history.ts';
import type { ConversationService } from './conversations.ts';
import type { FileService } from './files.ts';
import type { Emit, Transactor } from './transactor.ts';

export type { UserListFilter };

/**
 * Who acts: an administrator (their user id) through the admin API, or null for the operator at
 * the command line. Events name the administrator as `by`, the operator as nobody (null).
 */
export type Actor = number | null;

export interface AdminUser {
  user: User;
  isAdmin: boolean;
}

export interface AdminUserDetail extends AdminUser {
  /** Sessions not logged out, revoked or expired. */
  liveSessions: number;
  conversations: number;
}

export interface ConversationReport {
  conversation: Conversation;
  members: { member: Member; user: UserSummary | null }[];
  /** Messages not deleted for everyone. */
  messageCount: number;
}

export interface ServerStats {
  users: { total: number; disabled: number; admins: number };
  conversations: { private: number; group: number };
  messages: { total: number; last24h: number };
  liveSessions: number;
  /** Open WebSocket connections on this node; null where no gateway runs (the CLI). */
  socketsOnThisNode: number | null;
  files: { count: number; bytes: number };
  database: 'sqlite' | 'postgres';
  nodeId: string;
  uptimeSeconds: number;
  version: string;
}

/** Activity hour by hour, oldest first, each hour present (zero where nothing happened). */
export interface ActivitySeries {
  hours: { at: number; messages: number; signIns: number }[];
  /** This node's open connections, minute by minute since it started (at most the same span). */
  connections: ConnectionSample[];
}

/** A message as a moderator reads it, with who sent it. */
export interface MessageReport {
  message: Message;
  sender: UserSummary | null;
}

export interface UserDeletion {
  userId: number;
  sessionsEnded: number;
  messagesDeleted: number;
  /** Private chats, and groups no one was left in. */
  conversationsDeleted: number;
  groupsLeft: number;
  filesDeleted: number;
}

export interface AdminOptions {
  nodeId: string;
  startedAt: number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** How often the open connections are read for the history (the console's chart). */
const SAMPLE_MS = 15_000;

/** A generated password: 144 random bits, in characters any keyboard and shell take as they are. */
function generatedPassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Server administration and moderation: finding and inspecting accounts, the admin flag,
 * disabling, password resets, ending sessions, and real deletions of users, messages and
 * conversations. A deletion removes the rows (one transaction, with the events that make every
 * client drop what was deleted) and then the stored bytes; what the event log still holds of it
 * is pruned with the log (EVENT_RETENTION).
 *
 * Callers are trusted: the admin API checks `requireAdmin` first, the CLI is the operator.
 */
export class AdminService {
  private sockets: (() => number) | undefined;
  private readonly connectionHistory = new ConnectionHistory();
  private sampler: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly tx: Transactor,
    private readonly auth: AuthService,
    private readonly conversations: ConversationService,
    private readonly files: FileService,
    private readonly clock: Clock,
    private readonly options: AdminOptions,
  ) {}

  /** The gateway reports its open connections (a CLI command has none); they are sampled until it detaches. */
  attachGateway(connections: () => number): void {
    this.sockets = connections;
    this.sampleConnections();
    clearInterval(this.sampler);
    this.sampler = setInterval(() => this.sampleConnections(), SAMPLE_MS);
    this.sampler.unref();
  }

  detachGateway(): void {
    clearInterval(this.sampler);
    this.sampler = undefined;
  }

  private sampleConnections(): void {
    if (this.sockets) this.connectionHistory.record(this.sockets(), this.clock.now());
  }

  /** Read from the database at each call, so a revoked flag takes effect at the next request. */
  async requireAdmin(userId: number): Promise<void> {
    if (!(await this.store.admin.isAdmin(userId))) throw new AppError('FORBIDDEN', 'this requires a server administrator');
  }

  // Reading

  async listUsers(filter: UserListFilter, page: PageRequest): Promise<Page<AdminUser>> {
    new Checker().length('query', filter.query, 0, limits.searchQuery.maxLength).done();
    return this.store.admin.users({ ...filter, query: filter.query?.trim() || undefined }, page);
  }

  async showUser(userId: number): Promise<AdminUserDetail> {
    const found = await this.requireUser(userId);
    const [liveSessions, conversations] = await Promise.all([this.store.admin.liveSessionCount(userId, this.clock.now()), this.store.admin.conversationCount(userId)]);
    return { ...found, liveSessions, conversations };
  }

  async showConversation(conversationId: number): Promise<ConversationReport> {
    const conversation = await this.requireConversation(conversationId);
    const [members, messageCount] = await Promise.all([this.store.conversations.members(conversationId), this.store.admin.messageCount(conversationId)]);
    const users = await this.store.users.summaries(members.map((m) => m.userId));
    return { conversation, members: members.map((member) => ({ member, user: users.get(member.userId) ?? null })), messageCount };
  }

  /** Any message, deleted or not, with its sender: what a report names is checked before it goes. */
  async showMessage(messageId: number): Promise<MessageReport> {
    const message = await this.store.messages.byId(messageId);
    if (!message) throw new AppError('MESSAGE_NOT_FOUND', `message ${messageId} does not exist`);
    const sender = message.senderId === null ? null : ((await this.store.users.summaries([message.senderId])).get(message.senderId) ?? null);
    return { message, sender };
  }

  async stats(): Promise<ServerStats> {
    const now = this.clock.now();
    const c = await this.store.admin.counts(now - DAY_MS, now);
    return {
      users: { total: c.users, disabled: c.disabledUsers, admins: c.admins },
      conversations: { private: c.privateConversations, group: c.groupConversations },
      messages: { total: c.messages, last24h: c.messagesSince },
      liveSessions: c.liveSessions,
      socketsOnThisNode: this.sockets?.() ?? null,
      files: { count: c.files, bytes: c.fileBytes },
      database: this.store.dialect,
      nodeId: this.options.nodeId,
      uptimeSeconds: Math.max(0, Math.round((now - this.options.startedAt) / 1000)),
      version,
    };
  }

  /** The last `hours` hours (the current one included; a day unless asked): messages sent and sign-ins, and this node's connections. */
  async activity(hours = 24): Promise<ActivitySeries> {
    new Checker().check(Number.isInteger(hours) && hours >= 1 && hours <= 168, 'hours', 'must be a whole number from 1 to 168').done();
    const now = this.clock.now();
    const first = Math.floor(now / HOUR_MS) * HOUR_MS - (hours - 1) * HOUR_MS;
    const counts = await this.store.admin.hourlyActivity(first);
    const byHour = new Map(counts.map((c) => [c.hour * HOUR_MS, c]));
    this.sampleConnections();
    return {
      hours: Array.from({ length: hours }, (_, i) => {
        const at = first + i * HOUR_MS;
        const c = byHour.get(at);
        return { at, messages: c?.messages ?? 0, signIns: c?.signIns ?? 0 };
      }),
      connections: this.connectionHistory.since(first),
    };
  }

  // Accounts

  async setAdmin(actor: Actor, userId: number, admin: boolean): Promise<AdminUser> {
    if (!admin) this.notSelf(actor, userId, 'revoke your own administrator role');
    if (!(await this.store.admin.setAdmin(userId, admin, this.clock.now()))) throw new AppError('USER_NOT_FOUND', 'user not found');
    return this.requireUser(userId);
  }

  async disable(actor: Actor, userId: number): Promise<{ user: AdminUser; sessionsEnded: number }> {
    this.notSelf(actor, userId, 'disable your own account');
    const { sessionsEnded } = await this.auth.disable(userId);
    return { user: await this.requireUser(userId), sessionsEnded };
  }

  async enable(userId: number): Promise<AdminUser> {
    await this.auth.enable(userId);
    return this.requireUser(userId);
  }

  /** Sets the given password, or a generated one returned here once; every session of the user ends. */
  async resetPassword(userId: number, password?: string): Promise<{ password: string | null; sessionsEnded: number }> {
    const chosen = password ?? generatedPassword();
    const { sessionsEnded } = await this.auth.resetPassword(userId, chosen);
    return { password: password === undefined ? chosen : null, sessionsEnded };
  }

  async revokeSessions(userId: number): Promise<{ sessionsEnded: number }> {
    return this.auth.revokeSessions(userId);
  }

  /**
   * Deletes an account and what is theirs, all or nothing: their private chats (the other member
   * is told the chat is gone), every message they sent (each announced deleted), their places in
   * groups (announced as removals; an owner's group passes on as when an owner leaves), contacts
   * both ways (owners are told), friend requests, keys, identities, scheduled sends, calls,
   * sessions (sockets close on every node) and uploads (the bytes after the commit). How far they
   * had read in their groups stays (departed_reads), so messages they read stay read.
   */
  async deleteUser(actor: Actor, userId: number): Promise<UserDeletion> {
    this.notSelf(actor, userId, 'delete your own account');
    const { result, ended, keys } = await this.tx.run(async (tx, emit) => {
      const now = this.clock.now();
      if (!(await tx.admin.lockUser(userId))) throw new AppError('USER_NOT_FOUND', 'user not found');
      const summary = (await tx.users.summaries([userId])).get(userId)!;
      const ended = await this.auth.endAllSessions(tx, userId, 'user_deleted', now);
      const memberships = await this.membershipsOf(tx, userId);
      const sent = await tx.admin.sentBy(userId);
      // A private chat goes whole (its messages with it): the other member is told it is gone.
      const privates = memberships.filter((m) => m.conversation.type === 'private');
      for (const { conversation } of privates) await this.removeConversation(tx, emit, actor, conversation.id);
      const gone = new Set(privates.map((m) => m.conversation.id));
      await this.removeMessages(tx, emit, actor, sent.filter((m) => !gone.has(m.conversationId)), now);
      const groups = memberships.filter((m) => m.conversation.type === 'group');
      let emptied = 0;
      for (const { conversation, member } of groups) {
        // Gone already (a concurrent leave): nothing to announce, and the group's owner is settled.
        if (!(await tx.conversations.removeMember(conversation.id, userId))) continue;
        const data = { conversationId: conversation.id, userId, user: summary, by: actor, reason: 'removed' as const };
        emit({ type: 'member.removed', audience: { kind: 'conversation', id: conversation.id }, data });
        // A group nobody is left in would only be an orphan row.
        if ((await tx.conversations.members(conversation.id)).length === 0) emptied += Number(await tx.admin.deleteConversation(conversation.id));
        else if (member.role === 'owner') await this.conversations.handOver(tx, emit, conversation.id, now);
      }
      for (const ownerId of await tx.admin.contactOwnersOf(userId)) {
        emit({ type: 'contact.removed', audience: { kind: 'user', id: ownerId }, data: { ownerId, contactUserId: userId } });
      }
      const keys = await tx.admin.storageKeysOf(userId);
      await tx.admin.deleteUser(userId);
      const result: UserDeletion = {
        userId,
        sessionsEnded: ended.length,
        messagesDeleted: sent.length,
        conversationsDeleted: privates.length + emptied,
        groupsLeft: groups.length,
        filesDeleted: keys.length,
      };
      return { result, ended, keys };
    });
    this.auth.announceEnded(userId, ended);
    await this.files.eraseStored(keys);
    return result;
  }

  // Content

  /** Removes any message; its conversation's members are told it was deleted (when they could still see it). */
  async deleteMessage(actor: Actor, messageId: number): Promise<void> {
    await this.tx.run(async (tx, emit) => {
      const message = await tx.messages.byId(messageId);
      if (!message) throw new AppError('MESSAGE_NOT_FOUND', `message ${messageId} does not exist`);
      const now = this.clock.now();
      // Past its expiry but not yet swept, it is still on clients' screens: they are told too.
      const live = message.deletedAt === null;
      await this.removeMessages(tx, emit, actor, [{ id: message.id, conversationId: message.conversationId, live }], now);
    });
  }

  /** Removes a conversation with its messages; each member is told they are out of it. */
  async deleteConversation(actor: Actor, conversationId: number): Promise<{ members: number }> {
    return this.tx.run(async (tx, emit) => {
      await this.requireConversation(conversationId, tx);
      return { members: await this.removeConversation(tx, emit, actor, conversationId) };
    });
  }

  // Inside transactions

  private async removeConversation(tx: Store, emit: Emit, actor: Actor, conversationId: number): Promise<number> {
    const members = await tx.conversations.members(conversationId);
    const users = await tx.users.summaries(members.map((m) => m.userId));
    // Addressed to each member: the event also ends the membership in every gateway's registry.
    for (const m of members) {
      emit({
        type: 'member.removed',
        audience: { kind: 'user', id: m.userId },
        data: { conversationId, userId: m.userId, user: users.get(m.userId), by: actor, reason: 'removed' },
      });
    }
    await tx.admin.deleteConversation(conversationId);
    return members.length;
  }

  private async removeMessages(tx: Store, emit: Emit, actor: Actor, messages: readonly { id: number; conversationId: number; live: boolean }[], now: number): Promise<void> {
    if (messages.length === 0) return;
    await tx.admin.deleteMessages(messages.map((m) => m.id));
    await tx.conversations.refreshLastMessage(messages.map((m) => m.conversationId));
    for (const m of messages) {
      if (!m.live) continue;
      emit({
        type: 'message.deleted',
        audience: { kind: 'conversation', id: m.conversationId },
        data: { conversationId: m.conversationId, messageId: m.id, deletedAt: now, by: actor, reason: 'deleted' },
      });
    }
  }

  private async membershipsOf(tx: Store, userId: number): Promise<{ conversation: Conversation; member: Member }[]> {
    const out: { conversation: Conversation; member: Member }[] = [];
    for (const id of await tx.conversations.conversationIdsOf(userId)) {
      const found = await tx.conversations.withMembership(id, userId);
      if (found?.member) out.push({ conversation: found.conversation, member: found.member });
    }
    return out;
  }

  private async requireUser(userId: number): Promise<AdminUser> {
    const found = await this.store.admin.user(userId);
    if (!found) throw new AppError('USER_NOT_FOUND', 'user not found');
    return found;
  }

  private async requireConversation(conversationId: number, store: Store = this.store): Promise<Conversation> {
    const conversation = await store.conversations.byId(conversationId);
    if (!conversation) throw new AppError('CHAT_NOT_FOUND', `conversation ${conversationId} does not exist`);
    return conversation;
  }

  /** An administrator cannot lock themselves out through the API; the operator at the CLI can do anything. */
  private notSelf(actor: Actor, userId: number, what: string): void {
    if (actor !== null && actor === userId) throw new AppError('FORBIDDEN', `you cannot ${what}; ask another administrator or use the parley CLI`);
  }
}
