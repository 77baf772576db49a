import { AppError, UniqueConflict } from '../domain/errors.ts';
import type {
  Attachment,
  Call,
  Conversation,
  ForwardOrigin,
  Member,
  Message,
  MessageDraft,
  MessageEdit,
  MessageType,
  MessageView,
  Page,
  PageRequest,
  ScheduledMessage,
  UserSummary,
} from '../domain/types.ts';
import { Checker, limits } from '../domain/validation.ts';
import type { MessageFilter } from '../store/repos/messages.ts';
import type { Store } from '../store/store.ts';
import { isForeignKeyViolation } from '../store/errors.ts';
import type { Clock } from './clock.ts';
import type { ConversationService } from './conversations.ts';
import { isAuthor, mayDeleteForEveryone, mayPin } from './policies.ts';
import { appendMessage, callDraft, receiverOf } from './posting.ts';
import type { SendFacts, SendTarget } from './send-facts.ts';
import type { Emit, Transactor } from './transactor.ts';

/** Types a client may send; system and call messages are written by the server. */
export const sendableTypes: readonly MessageType[] = ['text', 'image', 'video', 'audio', 'file'];

export interface SendInput {
  type: MessageType;
  content: string;
  /** An uploaded file of the sender (required for image, video, audio and file). */
  fileId?: string;
  /** Shown instead of the file's own name. */
  fileName?: string;
  /** Text shown with a media message. */
  caption?: string;
  replyToId?: number | null;
  /** Id of a message the sender can read: its content and file are copied, its origin kept. */
  forwardFrom?: number | null;
  /** Self-destruct delay in seconds, counted from delivery. */
  ttl?: number;
  /** Epoch ms; a time in the future schedules the message. */
  sendAt?: number | null;
  isSilent?: boolean;
  isEncrypted?: boolean;
  /** Idempotency key per sender: the same key returns the first message instead of a second. */
  clientId?: string | null;
  /**
   * A media message whose file is named by a link in `content` (possibly encrypted) rather than
   * attached: no `fileId` is needed, and the content is kept as it is.
   */
  linkInContent?: boolean;
  /**
   * The file may be any the sender can read (theirs, or one carried by a message of a chat they
   * are in), not only their own upload; documents that name files by id in a message's metadata.
   */
  readableFile?: boolean;
  /** The client's own data kept with the message and shown back as sent (`metadata.client`). */
  metadata?: Record<string, unknown>;
}

export type SendResult = { kind: 'sent'; view: MessageView } | { kind: 'scheduled'; scheduled: ScheduledMessage; sender: UserSummary | null };

export type DeleteScope = 'auto' | 'everyone' | 'me';

/** Who read a message and when. */
export interface Receipt {
  userId: number;
  readAt: number;
}

/** A message as one viewer sees it, with everyone else's receipts for it. */
/** A message with whether a member other than its sender has read it. */
export interface SeenView extends MessageView {
  seen: boolean;
}

export interface ReceiptedView extends MessageView {
  readBy: Receipt[];
}

/** The other side of a conversation: a user (the pair's private chat) or a group by its id. */
export type Counterpart = { userId: number } | { groupId: number };

export interface MessageServiceOptions {
  /** How long after sending a sender may recall, in ms. */
  recallWindow: number;
}

/** Told of each new due time (scheduled send, self-destruct), so the due work runs then (Timers). */
export interface DueListener {
  wake(at: number): void;
}

interface Visible {
  message: Message;
  conversation: Conversation;
  member: Member;
}

const blockedError = () => new AppError('BLOCKED', 'you cannot send messages to this chat: the other member has blocked you');

/** No conversation has this id (ids start at 1): a draft checked before its chat exists. */
const noConversation = 0;

const mediaKinds: Partial<Record<MessageType, string>> = { image: 'image', video: 'video', audio: 'audio' };

/**
 * Messages: sending (now, scheduled, idempotent), reading, editing with history, deleting for
 * everyone or for oneself, recalling, pinning, read pointers and receipts, and the two timers'
 * work (due scheduled sends, self-destruct). A message someone may not see is "not found" (20003)
 * so ids reveal nothing; acting on a visible message without the right is 20004.
 */
export class MessageService {
  constructor(
    private readonly store: Store,
    private readonly tx: Transactor,
    private readonly conversations: ConversationService,
    private readonly clock: Clock,
    private readonly options: MessageServiceOptions,
    private readonly due: DueListener,
    /** Kept current by the events of every node: the caller wires it to the transactor and the bus. */
    private readonly facts: SendFacts,
  ) {}

  // Reading

  async list(userId: number, conversationId: number, filter: MessageFilter, page: PageRequest): Promise<Page<MessageView>> {
    new Checker().length('search', filter.search, 0, limits.messageSearch.maxLength).done();
    const { member } = await this.conversations.requireMember(conversationId, userId);
    const found = await this.store.messages.list(conversationId, userId, filter, page, this.clock.now());
    return { items: await this.views(userId, found.items, new Map([[conversationId, member.lastReadMessageId]])), total: found.total };
  }

  /**
   * A page of a conversation's messages written by users (no notices or call records), newest
   * first, each with whether a member other than its sender has read up to it (`seen`). With only
   * `after`, the page holds the messages right after it (still newest first), so a client pages
   * forward without gaps. Cursors must be messages of this conversation the caller can see
   * (MESSAGE_NOT_FOUND otherwise). Reading a page moves no read pointer.
   */
  async listSeen(userId: number, conversationId: number, cursors: { before?: number; after?: number }, page: PageRequest): Promise<Page<SeenView>> {
    const { member } = await this.conversations.requireMember(conversationId, userId);
    for (const id of [cursors.before, cursors.after]) {
      if (id === undefined) continue;
      const m = await this.store.messages.byId(id);
      if (!m || m.conversationId !== conversationId || m.deletedAt !== null) throw new AppError('MESSAGE_NOT_FOUND', `message ${id} is not a message of this chat`);
    }
    const filter: MessageFilter = { byUsers: true, ...cursors, adjacent: cursors.after !== undefined && cursors.before === undefined };
    const [found, readers] = await Promise.all([
      this.store.messages.list(conversationId, userId, filter, page, this.clock.now()),
      this.store.conversations.readPointersOfAll(conversationId),
    ]);
    const views = await this.views(userId, found.items, new Map([[conversationId, member.lastReadMessageId]]));
    return { items: views.map((v) => ({ ...v, seen: seenBy(readers, v.message) })), total: found.total };
  }

  /**
   * Moves the member's read pointer forward to a message of the conversation (never back) and
   * keeps a receipt; `message.read` names the message's sender so documents can tell them alone.
   * Outsiders get NOT_A_MEMBER, a message of another chat MESSAGE_NOT_FOUND.
   */
  async readUpTo(userId: number, conversationId: number, messageId: number): Promise<void> {
    await this.tx.run(async (tx, emit) => {
      await this.conversations.requireMember(conversationId, userId, tx);
      const { message } = await this.visible(userId, messageId, tx);
      if (message.conversationId !== conversationId) throw new AppError('MESSAGE_NOT_FOUND', `message ${messageId} is not a message of this chat`);
      await this.read(tx, emit, userId, message);
    });
  }

  async search(userId: number, query: string, page: PageRequest): Promise<Page<MessageView>> {
    const q = query.trim();
    new Checker().length('q', q, limits.messageSearch.minLength, limits.messageSearch.maxLength).done();
    const found = await this.store.messages.search(userId, q, page, this.clock.now());
    return { items: await this.views(userId, found.items), total: found.total };
  }

  /** Every message the user can read, in all their chats, newest first. */
  async listAll(userId: number, page: PageRequest): Promise<Page<MessageView>> {
    const found = await this.store.messages.inConversationsOf(userId, {}, page, this.clock.now());
    return { items: await this.views(userId, found.items), total: found.total };
  }

  /** The messages of the user's private chat with another user, newest first; none before they first wrote. */
  async listWith(userId: number, otherId: number, page: PageRequest): Promise<Page<MessageView>> {
    const conversation = await this.conversations.existingPrivateWith(userId, otherId);
    return conversation ? this.list(userId, conversation.id, {}, page) : { items: [], total: 0 };
  }

  /**
   * A page of the caller's conversation with a user or of a group, newest first, which the caller
   * has now read: each message in it that someone else sent gets the caller's receipt (once; a
   * later read keeps the first time) and the caller's read pointer moves up to it (never back).
   * Each message comes with its receipts, its sender's own never among them. A user with whom
   * nothing was exchanged gives an empty page; a private chat's id names no group.
   */
  async readPage(userId: number, other: Counterpart, filter: MessageFilter, page: PageRequest): Promise<Page<ReceiptedView>> {
    const conversationId =
      'groupId' in other
        ? (await this.conversations.requireGroup(other.groupId, userId)).conversation.id
        : (await this.conversations.existingPrivateWith(userId, other.userId))?.id;
    if (conversationId === undefined) return { items: [], total: 0 };
    const listed = await this.list(userId, conversationId, filter, page);
    const received = listed.items.map((v) => v.message).filter((m) => m.senderId !== null && m.senderId !== userId);
    if (received.length > 0) {
      await this.tx.run(async (tx, emit) => {
        const at = this.clock.now();
        const last = Math.max(...received.map((m) => m.id));
        const advanced = await tx.conversations.advanceRead(conversationId, userId, last);
        const added = await tx.messages.addReceipts(
          received.map((m) => m.id),
          userId,
          at,
        );
        if (advanced || added > 0) emit({ type: 'message.read', audience: { kind: 'conversation', id: conversationId }, data: { conversationId, userId, messageId: last, readAt: at } });
      });
    }
    const receipts = await this.store.messages.receipts(listed.items.map((v) => v.message.id));
    return {
      items: listed.items.map((v) => ({ ...v, readBy: (receipts.get(v.message.id) ?? []).filter((r) => r.userId !== v.message.senderId) })),
      total: listed.total,
    };
  }

  async get(userId: number, messageId: number): Promise<MessageView> {
    const { message, member } = await this.visible(userId, messageId);
    const [view] = await this.views(userId, [message], new Map([[message.conversationId, member.lastReadMessageId]]));
    return view!;
  }

  /** The edit history, oldest first: each entry holds the content before that edit. */
  async history(userId: number, messageId: number): Promise<{ view: MessageView; edits: MessageEdit[] }> {
    const view = await this.get(userId, messageId);
    return { view, edits: await this.store.messages.edits(messageId) };
  }

  /**
   * Views for one viewer with three queries whatever the count: senders, the viewer's read
   * pointers and the furthest pointer of the other members.
   */
  async views(userId: number, messages: readonly Message[], myPointers?: Map<number, number>, store: Store = this.store): Promise<MessageView[]> {
    if (messages.length === 0) return [];
    const conversationIds = [...new Set(messages.map((m) => m.conversationId))];
    const [senders, mine, others] = await Promise.all([
      store.users.summaries(messages.flatMap((m) => (m.senderId === null ? [] : [m.senderId]))),
      myPointers ?? store.conversations.readPointers(conversationIds, userId),
      store.conversations.othersReadUpTo(conversationIds, userId),
    ]);
    return messages.map((message) => ({
      message,
      sender: message.senderId === null ? null : (senders.get(message.senderId) ?? null),
      isRead:
        message.senderId === userId
          ? (others.get(message.conversationId) ?? 0) >= message.id
          : (mine.get(message.conversationId) ?? 0) >= message.id,
    }));
  }

  /** A message the user may see: live and in a conversation they belong to; 20003 otherwise. */
  private async visible(userId: number, messageId: number, store: Store = this.store): Promise<Visible> {
    const message = await store.messages.byId(messageId);
    const now = this.clock.now();
    const gone = !message || message.deletedAt !== null || (message.expiresAt !== null && message.expiresAt <= now);
    const found = gone ? undefined : await store.conversations.withMembership(message.conversationId, userId);
    if (gone || !found?.member) throw new AppError('MESSAGE_NOT_FOUND', `message ${messageId} does not exist`);
    return { message, conversation: found.conversation, member: found.member };
  }

  // Sending

  async send(userId: number, conversationId: number, input: SendInput): Promise<SendResult> {
    this.checkInput(input);
    const clientId = input.clientId ?? null;
    // A repeated client id answers with what the first request made, before any check (the sender
    // may have left since). The messages' unique index tells of a repeat at no cost, so the store
    // is asked first only where the index cannot see the first: a scheduled send.
    if (clientId !== null && ((input.sendAt != null && input.sendAt > this.clock.now()) || (await this.facts.schedulesClientIds(userId)))) {
      const replay = await this.replay(userId, clientId);
      if (replay) return replay;
    }
    let checked: { draft: MessageDraft; sender: UserSummary | null; conversation: SendTarget };
    try {
      checked = await this.checkSend(userId, conversationId, input);
    } catch (err) {
      const replay = clientId !== null && err instanceof AppError ? await this.replay(userId, clientId) : undefined;
      if (replay) return replay;
      throw err;
    }
    const { draft, sender, conversation } = checked;
    const now = this.clock.now();
    if (input.sendAt != null && input.sendAt > now) {
      return this.schedule(userId, conversationId, draft, clientId, input.sendAt, now, sender).catch((err: unknown) => this.recheckAfter(err, userId, conversationId, input));
    }
    try {
      // Stamped inside the transaction so creation times follow id order as closely as possible.
      const message = await this.tx.run((tx, emit) =>
        appendMessage(tx, emit, { conversationId, senderId: userId, draft, clientId, sendAt: null, at: this.clock.now() }, sender, conversation),
      );
      if (message.expiresAt !== null) this.due.wake(message.expiresAt);
      return { kind: 'sent', view: { message, sender, isRead: false } };
    } catch (err) {
      if (clientId !== null && err instanceof UniqueConflict && err.target === 'messages.client_id') {
        const replay = await this.replay(userId, clientId);
        if (replay) return replay;
      }
      return this.recheckAfter(err, userId, conversationId, input);
    }
  }

  /**
   * A write that named a row deleted since its checks (the chat deleted, the replied-to message or
   * the file removed in the same instant) fails on a foreign key: the checks, run again from the
   * database, refuse it the way they would have a moment later. Anything else is rethrown.
   */
  private async recheckAfter(err: unknown, userId: number, conversationId: number, input: SendInput): Promise<never> {
    if (isForeignKeyViolation(err)) {
      await this.conversations.requireMember(conversationId, userId);
      await this.draft(userId, conversationId, input);
    }
    throw err;
  }

  /** Whether the user may send this into the conversation, and what the message will hold. */
  private async checkSend(userId: number, conversationId: number, input: SendInput): Promise<{ draft: MessageDraft; sender: UserSummary | null; conversation: SendTarget }> {
    const conversation = await this.facts.membership(conversationId, userId, () => this.conversations.requireMember(conversationId, userId));
    if (conversation.type === 'private' && (await this.facts.blocked(receiverOf(conversation, userId)!, userId, conversationId))) throw blockedError();
    const draft = await this.draft(userId, conversationId, input);
    return { draft, sender: await this.facts.summary(userId), conversation };
  }

  /** A send to another user: into the pair's private chat, which the first send creates. */
  async sendTo(userId: number, receiverId: number, input: SendInput): Promise<SendResult> {
    this.checkInput(input);
    // A send the chat's first message would refuse (a file that is not the sender's, a reply to
    // nothing) must not leave an empty new chat behind, so it is checked before the chat is made.
    const beforeCreating = async () => {
      if (input.clientId != null && (await this.replay(userId, input.clientId))) return;
      await this.draft(userId, noConversation, input);
    };
    return this.send(userId, await this.conversations.privateWith(userId, receiverId, 'receiverId', beforeCreating), input);
  }

  /** A send to a group by its id: a private chat's id names no group (CHAT_NOT_FOUND). */
  async sendToGroup(userId: number, groupId: number, input: SendInput): Promise<SendResult> {
    this.checkInput(input);
    const group: SendTarget = await this.facts.membership(groupId, userId, () => this.conversations.requireGroup(groupId, userId));
    // A private chat's membership kept by an earlier send by id: it still names no group.
    if (group.type !== 'group') throw new AppError('CHAT_NOT_FOUND', `group ${groupId} does not exist`);
    return this.send(userId, groupId, input);
  }

  private checkInput(input: SendInput): void {
    const forwarding = input.forwardFrom != null;
    const check = new Checker()
      .oneOf('type', input.type, sendableTypes)
      .length('content', input.content, 0, limits.messageContent.maxLength)
      .length('fileName', input.fileName, 0, limits.fileName.maxLength)
      .length('caption', input.caption, 0, limits.messageContent.maxLength)
      .length('clientId', input.clientId, limits.clientId.minLength, limits.clientId.maxLength)
      .check(
        input.metadata === undefined || JSON.stringify(input.metadata).length <= limits.clientMetadata.maxLength,
        'metadata',
        `must be at most ${limits.clientMetadata.maxLength} characters as JSON`,
      )
      .check(input.ttl === undefined || (Number.isInteger(input.ttl) && input.ttl >= 0 && input.ttl <= limits.ttl.max), 'ttl', `must be 0 to ${limits.ttl.max} seconds`)
      .check(
        input.sendAt == null || input.sendAt <= this.clock.now() + limits.scheduleHorizonMs,
        'sendAt',
        `must be within ${Math.round(limits.scheduleHorizonMs / 86_400_000)} days`,
      );
    if (!forwarding && input.type === 'text') {
      check.check(input.content.trim().length > 0, 'content', 'must not be empty').check(input.fileId === undefined, 'fileId', 'a text message carries no file');
    }
    if (!forwarding && input.type !== 'text' && !input.linkInContent) {
      check.check(input.fileId !== undefined, 'fileId', `a ${input.type} message needs an uploaded file`);
    }
    check.done();
  }

  /** The message (or pending schedule) an earlier request with this client id produced. */
  private async replay(userId: number, clientId: string): Promise<SendResult | undefined> {
    const uses = await this.store.messages.clientIdUses(userId, clientId);
    if (uses.length === 0) return undefined;
    const message = await this.store.messages.byClientId(userId, clientId);
    if (message) {
      const [view] = await this.views(userId, [message]);
      return { kind: 'sent', view: view! };
    }
    const scheduled = await this.store.scheduled.byClientId(userId, clientId);
    if (scheduled) return { kind: 'scheduled', scheduled, sender: (await this.store.users.summaries([userId])).get(userId) ?? null };
    return undefined;
  }

  /** In a private chat, the other member may have blocked the sender. */
  private async isBlocked(conversation: Conversation, userId: number, store: Store = this.store): Promise<boolean> {
    return conversation.type === 'private' && (await store.conversations.blockedByOther(conversation.id, userId));
  }

  /** Resolves references (reply, forward, file) into what the message will hold. */
  private async draft(userId: number, conversationId: number, input: SendInput): Promise<MessageDraft> {
    let replyToId: number | null = null;
    if (input.replyToId != null) {
      const target = await this.store.messages.byId(input.replyToId);
      if (!target || target.conversationId !== conversationId || target.deletedAt !== null) {
        throw new AppError('MESSAGE_NOT_FOUND', `replyToId ${input.replyToId} is not a message of this chat`);
      }
      replyToId = target.id;
    }
    const metadata = input.metadata === undefined ? {} : { client: input.metadata };
    const base = { caption: input.caption ?? '', replyToId, ttl: input.ttl ?? 0, isSilent: input.isSilent ?? false, isEncrypted: input.isEncrypted ?? false, metadata };
    if (input.forwardFrom != null) {
      const { message: original } = await this.visible(userId, input.forwardFrom);
      if (original.type === 'system' || original.type === 'call' || original.recalledAt !== null) {
        throw new AppError('VALIDATION', 'system, call and recalled messages cannot be forwarded', { details: [{ field: 'forwardFrom', message: 'cannot be forwarded' }] });
      }
      const origin: ForwardOrigin = original.forwardFrom ?? { messageId: original.id, senderId: original.senderId, conversationId: original.conversationId };
      return { ...base, type: original.type, content: original.content, caption: original.caption, attachment: original.attachment, forwardFrom: origin, isEncrypted: original.isEncrypted };
    }
    // Without a file nothing is awaited: most sends are plain text.
    const attachment = input.fileId === undefined ? null : await this.attachment(userId, input);
    return { type: input.type, content: input.content, caption: base.caption, attachment, replyToId, forwardFrom: null, ttl: base.ttl, isSilent: base.isSilent, isEncrypted: base.isEncrypted, metadata };
  }

  private async attachment(userId: number, input: SendInput): Promise<Attachment | null> {
    if (input.fileId === undefined) return null;
    const record = await this.store.files.byId(input.fileId);
    const mayUse = record && (record.file.ownerId === userId || (input.readableFile && (record.recipientId === userId || (await this.store.files.sharedWith(input.fileId, userId, this.clock.now())))));
    if (!record || !mayUse) throw new AppError('FILE_NOT_FOUND', `file ${input.fileId} does not exist or is not yours`);
    const f = record.file;
    const wanted = mediaKinds[input.type];
    if (wanted !== undefined && f.kind !== wanted) {
      const a = (word: string) => (/^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`);
      throw new AppError('FILE_TYPE_UNSUPPORTED', `${a(input.type)} message needs ${a(wanted)} file; this one is ${f.kind} (${f.mime})`);
    }
    return {
      fileId: f.id,
      name: input.fileName || f.name,
      size: f.size,
      mime: f.mime,
      width: f.width,
      height: f.height,
      duration: f.duration,
      hasThumbnail: f.hasThumbnail,
      kind: f.kind,
    };
  }

  private async schedule(
    userId: number,
    conversationId: number,
    draft: MessageDraft,
    clientId: string | null,
    sendAt: number,
    now: number,
    sender: UserSummary | null,
  ): Promise<SendResult> {
    try {
      const scheduled = await this.tx.run(async (tx, emit) => {
        const s = await tx.scheduled.insert({ conversationId, senderId: userId, draft, clientId, sendAt, at: now });
        emit({ type: 'message.scheduled', audience: { kind: 'user', id: userId }, data: { scheduled: s } });
        return s;
      });
      this.due.wake(sendAt);
      return { kind: 'scheduled', scheduled, sender };
    } catch (err) {
      if (clientId !== null && err instanceof UniqueConflict && err.target === 'scheduled_messages.client_id') {
        const replay = await this.replay(userId, clientId);
        if (replay) return replay;
      }
      throw err;
    }
  }

  /** My pending scheduled messages in a conversation, with me as their sender (as a send answers). */
  async pendingScheduled(userId: number, conversationId: number): Promise<{ scheduled: ScheduledMessage[]; sender: UserSummary | null }> {
    await this.conversations.requireMember(conversationId, userId);
    const [scheduled, senders] = await Promise.all([this.store.scheduled.pending(conversationId, userId), this.store.users.summaries([userId])]);
    return { scheduled, sender: senders.get(userId) ?? null };
  }

  async cancelScheduled(userId: number, conversationId: number, scheduledId: number): Promise<void> {
    await this.tx.run(async (tx, emit) => {
      const cancelled = await tx.scheduled.cancel(scheduledId, userId, this.clock.now());
      if (!cancelled || cancelled.conversationId !== conversationId) {
        throw new AppError('MESSAGE_NOT_FOUND', `no pending scheduled message ${scheduledId} of yours in chat ${conversationId}`);
      }
      emit({ type: 'message.unscheduled', audience: { kind: 'user', id: userId }, data: { scheduledId, conversationId, reason: 'cancelled', messageId: null } });
    });
  }

  /**
   * Leaves the record of an ended call in the private chat of its two parties (opened on first
   * use): a `call` message from the caller, announced as `message.created` like any other. The
   * call row remembers where it was recorded, so a call is recorded once. Nothing is recorded when
   * the callee has blocked the caller: the caller could not post into that chat either.
   */
  async recordCall(call: Call): Promise<Message | null> {
    if (call.state !== 'ended') return null;
    const sender = (await this.store.users.summaries([call.callerId])).get(call.callerId) ?? null;
    return this.conversations.withPrivateRetry(() =>
      this.tx.run(async (tx, emit) => {
        if (await tx.contacts.isBlocked(call.calleeId, call.callerId)) return null;
        const conversation = await this.conversations.privateConversation(tx, emit, call.callerId, call.calleeId);
        if (!(await tx.calls.recordIn(call.id, conversation.id))) return null;
        const draft = callDraft(call);
        return appendMessage(tx, emit, { conversationId: conversation.id, senderId: call.callerId, draft, clientId: null, sendAt: null, at: this.clock.now() }, sender, conversation);
      }),
    );
  }

  // Changing

  async edit(userId: number, messageId: number, content: string): Promise<MessageView> {
    const message = await this.tx.run(async (tx, emit) => {
      const { message: m } = await this.visible(userId, messageId, tx);
      if (m.recalledAt !== null) throw new AppError('MESSAGE_NOT_FOUND', `message ${messageId} was recalled`);
      if (!isAuthor(userId, m)) throw new AppError('MESSAGE_FORBIDDEN', 'only the sender may edit a message');
      new Checker()
        .length('content', content, m.type === 'text' ? 1 : 0, limits.messageContent.maxLength)
        .check(m.type !== 'text' || content.trim().length > 0, 'content', 'must not be empty')
        .done();
      if (content === m.content) return m;
      const at = this.clock.now();
      await tx.messages.addEdit({ messageId, previousContent: m.content, by: userId, at });
      const edited = (await tx.messages.edit(messageId, content, at))!;
      emit({ type: 'message.edited', audience: { kind: 'conversation', id: m.conversationId }, data: { message: edited, previousContent: m.content } });
      return edited;
    });
    const [view] = await this.views(userId, [message]);
    return view!;
  }

  /**
   * `auto`: the sender, or an owner/admin in a group, deletes for everyone; anyone else hides the
   * message from their own view. `everyone` demands the right (20004); `me` always only hides.
   */
  async delete(userId: number, messageId: number, scope: DeleteScope = 'auto'): Promise<'deleted' | 'hidden'> {
    return this.tx.run(async (tx, emit) => this.remove(tx, emit, userId, await this.visible(userId, messageId, tx), scope));
  }

  /**
   * As delete (`auto`), for documents where message ids are no secret: a user outside the
   * message's conversation gets MESSAGE_FORBIDDEN, a message already deleted or hidden from the
   * user MESSAGE_NOT_FOUND.
   */
  async deleteAsParty(userId: number, messageId: number): Promise<'deleted' | 'hidden'> {
    return this.tx.run(async (tx, emit) => this.remove(tx, emit, userId, await this.ofPair(userId, messageId, tx), 'auto'));
  }

  private async remove(tx: Store, emit: Emit, userId: number, { message: m, conversation, member }: Visible, scope: DeleteScope): Promise<'deleted' | 'hidden'> {
    const messageId = m.id;
    const mayDelete = mayDeleteForEveryone(userId, m, conversation, member);
    if (scope === 'everyone' && !mayDelete) throw new AppError('MESSAGE_FORBIDDEN', 'only the sender or a group owner/admin may delete this message for everyone');
    const at = this.clock.now();
    if (scope === 'me' || !mayDelete) {
      if (await tx.messages.hide(messageId, userId, at)) {
        emit({ type: 'message.hidden', audience: { kind: 'user', id: userId }, data: { conversationId: m.conversationId, messageId, userId } });
      }
      return 'hidden';
    }
    await tx.messages.deleteForEveryone(messageId, userId, at);
    if (conversation.lastMessageId === messageId) await tx.conversations.refreshLastMessage([conversation.id]);
    emit({
      type: 'message.deleted',
      audience: { kind: 'conversation', id: m.conversationId },
      data: { conversationId: m.conversationId, messageId, deletedAt: at, by: userId, reason: 'deleted' },
    });
    return 'deleted';
  }

  /** The sender takes a message back within the recall window; a placeholder remains. */
  async recall(userId: number, messageId: number): Promise<MessageView> {
    const message = await this.tx.run(async (tx, emit) => {
      const { message: m } = await this.visible(userId, messageId, tx);
      if (!isAuthor(userId, m)) throw new AppError('MESSAGE_FORBIDDEN', 'only the sender may recall a message');
      if (m.recalledAt !== null) return m;
      const at = this.clock.now();
      if (at - m.createdAt > this.options.recallWindow) {
        throw new AppError('RECALL_EXPIRED', `messages can be recalled within ${Math.round(this.options.recallWindow / 1000)}s of sending`);
      }
      const recalled = (await tx.messages.recall(messageId, at))!;
      emit({ type: 'message.recalled', audience: { kind: 'conversation', id: m.conversationId }, data: { conversationId: m.conversationId, messageId, recalledAt: at, by: userId } });
      return recalled;
    });
    const [view] = await this.views(userId, [message]);
    return view!;
  }

  /** Moves the reader's pointer up to this message (never back) and keeps a receipt for it. */
  async markRead(userId: number, messageId: number): Promise<void> {
    await this.tx.run(async (tx, emit) => this.read(tx, emit, userId, (await this.visible(userId, messageId, tx)).message));
  }

  /**
   * Marks every listed message read, all or nothing: one that does not exist (or is gone) is
   * MESSAGE_NOT_FOUND, one of a chat the user is not in MESSAGE_FORBIDDEN, and then none is
   * marked. Each message newly read gets its receipt and its own `message.read`.
   */
  async markReadMany(userId: number, messageIds: readonly number[]): Promise<void> {
    new Checker().check(messageIds.length > 0, 'messageIds', 'must list at least one message').done();
    await this.tx.run(async (tx, emit) => {
      const messages: Message[] = [];
      for (const id of [...new Set(messageIds)].sort((a, b) => a - b)) messages.push((await this.ofParty(userId, id, tx)).message);
      for (const m of messages) await this.read(tx, emit, userId, m);
    });
  }

  /**
   * Who has read each message: the members other than its sender whose read position is at or
   * past it, each with when they read it (their earliest receipt for it or a later message of
   * the chat; reading a later message reads the earlier ones).
   */
  async readers(messages: readonly Message[]): Promise<Map<number, Receipt[]>> {
    const out = new Map<number, Receipt[]>();
    const byChat = new Map<number, Message[]>();
    for (const m of messages) byChat.set(m.conversationId, [...(byChat.get(m.conversationId) ?? []), m]);
    for (const [conversationId, inChat] of byChat) {
      const from = Math.min(...inChat.map((m) => m.id));
      const [members, receipts] = await Promise.all([this.store.conversations.members(conversationId), this.store.messages.receiptsFrom(conversationId, from)]);
      for (const m of inChat) {
        const readBy: Receipt[] = [];
        for (const member of members) {
          if (member.userId === m.senderId || member.lastReadMessageId < m.id) continue;
          const times = receipts.filter((r) => r.userId === member.userId && r.messageId >= m.id).map((r) => r.readAt);
          readBy.push({ userId: member.userId, readAt: times.length > 0 ? Math.min(...times) : m.createdAt });
        }
        out.set(m.id, readBy.sort((a, b) => a.readAt - b.readAt || a.userId - b.userId));
      }
    }
    return out;
  }

  /**
   * As markRead, for a message the user received: its sender, and anyone not in its conversation,
   * are refused with MESSAGE_FORBIDDEN (documents where message ids are no secret).
   */
  async markReceivedRead(userId: number, messageId: number): Promise<void> {
    await this.tx.run(async (tx, emit) => {
      const { message: m } = await this.ofPair(userId, messageId, tx);
      if (m.senderId === userId) throw new AppError('MESSAGE_FORBIDDEN', 'only the receiver may mark a message read');
      await this.read(tx, emit, userId, m);
    });
  }

  private async read(tx: Store, emit: Emit, userId: number, m: Message): Promise<void> {
    const at = this.clock.now();
    const advanced = await tx.conversations.advanceRead(m.conversationId, userId, m.id);
    const receipted = await tx.messages.addReceipt(m.id, userId, at);
    if (advanced || receipted) {
      emit({
        type: 'message.read',
        audience: { kind: 'conversation', id: m.conversationId },
        data: { conversationId: m.conversationId, userId, messageId: m.id, readAt: at, ...(m.senderId !== null && { senderId: m.senderId }) },
      });
    }
  }

  /**
   * A message the user may act on as one of its parties: gone or hidden from them is
   * MESSAGE_NOT_FOUND; a live message of a conversation they are not in is MESSAGE_FORBIDDEN.
   */
  private async ofParty(userId: number, messageId: number, store: Store): Promise<Visible> {
    const message = await store.messages.byId(messageId);
    const gone = !message || message.deletedAt !== null || (message.expiresAt !== null && message.expiresAt <= this.clock.now());
    if (gone || (await store.messages.isHiddenFrom(messageId, userId))) throw new AppError('MESSAGE_NOT_FOUND', `message ${messageId} does not exist`);
    const found = await store.conversations.withMembership(message.conversationId, userId);
    if (!found?.member) throw new AppError('MESSAGE_FORBIDDEN', 'this message is not yours');
    return { message, conversation: found.conversation, member: found.member };
  }

  /**
   * A message between two users, for the APIs that know only senders and receivers (chat8): a
   * group's message is not one, and is not found there even by its members.
   */
  private async ofPair(userId: number, messageId: number, store: Store): Promise<Visible> {
    const found = await this.ofParty(userId, messageId, store);
    if (found.conversation.type !== 'private') throw new AppError('MESSAGE_NOT_FOUND', `message ${messageId} is not between two users`);
    return found;
  }

  /** Any member pins in a private chat; in a group, the owner and admins. */
  async setPinned(userId: number, messageId: number, pinned: boolean): Promise<void> {
    await this.tx.run(async (tx, emit) => {
      const { message: m, conversation, member } = await this.visible(userId, messageId, tx);
      if (!mayPin(conversation, member)) throw new AppError('MESSAGE_FORBIDDEN', 'only the owner or an admin may pin messages in a group');
      const at = this.clock.now();
      if (!(await tx.messages.setPinned(messageId, pinned, userId, at))) return;
      const data = { conversationId: m.conversationId, messageId, by: userId, at };
      emit(
        pinned
          ? { type: 'message.pinned', audience: { kind: 'conversation', id: m.conversationId }, data }
          : { type: 'message.unpinned', audience: { kind: 'conversation', id: m.conversationId }, data },
      );
    });
  }

  // Timers' work

  /**
   * Turns due scheduled sends into messages: claims a batch (lease `leaseMs`), then delivers each
   * in its own transaction that also removes the row, so a crash in between repeats nothing.
   */
  async deliverDue(limit: number, leaseMs: number): Promise<number> {
    const now = this.clock.now();
    const claimed = await this.store.scheduled.claimDue(now, now + leaseMs, limit);
    for (const { scheduled: s, claimedUntil } of claimed) {
      await this.deliver(s, claimedUntil).catch(async (err: unknown) => {
        // A message with the same client id exists already: the send happened, drop the copy.
        if (!(err instanceof UniqueConflict && err.target === 'messages.client_id')) throw err;
        await this.tx.run(async (tx, emit) => {
          if (await tx.scheduled.completeClaim(s.id, claimedUntil)) this.unscheduled(emit, s, 'dropped', null);
        });
      });
    }
    return claimed.length;
  }

  private async deliver(s: ScheduledMessage, claimedUntil: number): Promise<void> {
    const message = await this.tx.run(async (tx, emit) => {
      if (!(await tx.scheduled.completeClaim(s.id, claimedUntil))) return null;
      const found = await tx.conversations.withMembership(s.conversationId, s.senderId);
      if (!found?.member || (await this.isBlocked(found.conversation, s.senderId, tx))) {
        this.unscheduled(emit, s, 'dropped', null);
        return null;
      }
      const sender = (await tx.users.summaries([s.senderId])).get(s.senderId) ?? null;
      const at = this.clock.now();
      const m = await appendMessage(tx, emit, { conversationId: s.conversationId, senderId: s.senderId, draft: s.draft, clientId: s.clientId, sendAt: s.sendAt, at }, sender, found.conversation);
      this.unscheduled(emit, s, 'sent', m.id);
      return m;
    });
    if (message?.expiresAt != null) this.due.wake(message.expiresAt);
  }

  private unscheduled(emit: Emit, s: ScheduledMessage, reason: 'sent' | 'dropped', messageId: number | null): void {
    emit({ type: 'message.unscheduled', audience: { kind: 'user', id: s.senderId }, data: { scheduledId: s.id, conversationId: s.conversationId, reason, messageId } });
  }

  /** Deletes for everyone a batch of messages whose self-destruct time has come. */
  async expireDue(limit: number): Promise<number> {
    return this.tx.run(async (tx, emit) => {
      const now = this.clock.now();
      const expired = await tx.messages.expireDue(now, limit);
      if (expired.length === 0) return 0;
      await tx.conversations.refreshLastMessage(expired.map((e) => e.conversationId));
      for (const e of expired) {
        emit({
          type: 'message.deleted',
          audience: { kind: 'conversation', id: e.conversationId },
          data: { conversationId: e.conversationId, messageId: e.id, deletedAt: now, by: null, reason: 'expired' },
        });
      }
      return expired.length;
    });
  }

  /** The earliest time either timer has work. */
  async nextDue(): Promise<number | null> {
    const [scheduled, expiry] = await Promise.all([this.store.scheduled.nextDue(this.clock.now()), this.store.messages.nextExpiry()]);
    if (scheduled === null) return expiry;
    return expiry === null ? scheduled : Math.min(scheduled, expiry);
  }
}

/**
 * Whether someone other than the sender has read up to the message. Pointers of members who
 * left count too, so a message never goes back from read.
 */
function seenBy(pointers: readonly { userId: number; lastReadMessageId: number }[], m: Message): boolean {
  return pointers.some((x) => x.userId !== m.senderId && x.lastReadMessageId >= m.id);
}
