import { api, ApiError, upload } from './api.ts';
import { LiveSocket, type LiveState } from './live.ts';
import * as outbox from './outbox.ts';
import { loadSession, type Session } from './session.ts';
import { afterDeletion, applyNewMessage, mergeMessages, patchLastMessage, patchMessage, sortChats } from './timeline.ts';
import type { Chat, Frame, Message, PublicUser, SessionUser, UploadedFile } from './types.ts';

export interface Timeline {
  messages: Message[];
  hasMore: boolean;
  loading: boolean;
  loaded: boolean;
}

export interface Upload {
  key: string;
  chatId: number;
  name: string;
  progress: number;
  error?: string;
}

export interface Presence {
  online: boolean;
  lastSeen: string;
}

export interface ClientState {
  me: SessionUser;
  isAdmin: boolean;
  chats: Chat[];
  chatsLoaded: boolean;
  openChatId: number | null;
  timelines: Record<number, Timeline>;
  outbox: outbox.OutboxItem[];
  uploads: Upload[];
  live: LiveState;
  /** chat → user → until when (ms) they are typing. */
  typing: Record<number, Record<number, number>>;
  presence: Record<number, Presence>;
  names: Record<number, string>;
  /** My contacts' flags, by their user id. */
  contacts: Record<number, ContactFlags>;
}

export interface ContactFlags {
  is_blocked: boolean;
  is_muted: boolean;
}

interface ContactEntry extends ContactFlags {
  contact_id: number;
}

const flagsOf = (c: ContactEntry): ContactFlags => ({ is_blocked: c.is_blocked, is_muted: c.is_muted });

const OUTBOX_KEY = 'parley.outbox';
const PAGE = 50;
const emptyTimeline: Timeline = { messages: [], hasMore: true, loading: false, loaded: false };

function readOutbox(userId: number): outbox.OutboxItem[] {
  try {
    const stored = JSON.parse(localStorage.getItem(OUTBOX_KEY) ?? 'null') as { userId?: number; items?: unknown } | null;
    return stored?.userId === userId ? outbox.revive(stored.items) : [];
  } catch {
    return [];
  }
}

/**
 * The signed-in client: the state the views render, kept current by the socket, and the
 * actions they call. Views subscribe with useSyncExternalStore; every change makes a new state object.
 */
export class ChatClient {
  private state: ClientState;
  private readonly listeners = new Set<() => void>();
  private readonly socket: LiveSocket;
  private flushing = false;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** When I last said I was typing, by chat; a sent message clears it, so that the next keystroke is announced. */
  private readonly typingSent = new Map<number, number>();
  private readSent = new Map<number, number>();
  private reloading: Promise<void> | null = null;
  private reloadAgain = false;
  private reloadFresh = false;
  /** Numbers each reload, so that an answer overtaken by a newer reload is dropped. */
  private reloadSeq = 0;

  constructor(
    session: Session,
    /**
     * Ends this tab's session. `storageIsOurs` is false when another tab's change ended it: the
     * shared storage then holds what that tab wrote (perhaps another person's session), which
     * this tab must leave alone.
     */
    private readonly signedOut: (revoked: boolean, storageIsOurs?: boolean) => void,
  ) {
    this.state = {
      me: session.user,
      isAdmin: false,
      chats: [],
      chatsLoaded: false,
      openChatId: null,
      timelines: {},
      outbox: readOutbox(session.user.id),
      uploads: [],
      live: 'connecting',
      typing: {},
      presence: {},
      names: { [session.user.id]: session.user.nickname },
      contacts: {},
    };
    this.socket = new LiveSocket({
      token: () => loadSession()?.token,
      onFrame: (f) => this.receive(f),
      onState: (live) => this.set({ live }),
      onSynced: (complete) => this.synced(complete),
      onSessionEnded: () => this.signedOut(true),
      onRefused: async () => {
        try {
          await api('GET', '/api/users/me');
        } catch {
          // offline or signed out: api() has already dealt with a lost session
        }
      },
    });
  }

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly snapshot = () => this.state;

  start(): void {
    // The list is shown at once; the socket's first connect loads it again, so that nothing
    // sent between this answer and the connection is missed.
    void this.reload();
    window.addEventListener('storage', this.sessionChanged);
    this.socket.start();
    api('GET', '/api/admin/stats').then(
      () => this.set({ isAdmin: true }),
      () => {},
    );
  }

  stop(): void {
    window.removeEventListener('storage', this.sessionChanged);
    this.socket.stop();
    // A reload still on its way answers for a client no longer shown.
    this.reloadSeq++;
    clearTimeout(this.flushTimer);
  }

  /** Still the session this client was started for: not signed out, nor someone else signed in. */
  private ownSession(): boolean {
    return loadSession()?.user.id === this.state.me.id;
  }

  /**
   * Another tab signed out, or signed in as someone else (the session key is shared): this tab
   * signs out too, so that it never acts, nor sends its outbox, with another user's token.
   */
  private readonly sessionChanged = (e: StorageEvent): void => {
    // A null key is localStorage.clear(), which drops the session as well.
    if (e.key !== null && e.key !== 'parley.session') return;
    if (this.ownSession()) return;
    this.stop();
    this.signedOut(false, false);
  };

  private set(patch: Partial<ClientState> | ((s: ClientState) => Partial<ClientState>)): void {
    const change = typeof patch === 'function' ? patch(this.state) : patch;
    const before = this.state.outbox;
    this.state = { ...this.state, ...change };
    if (this.state.outbox !== before) localStorage.setItem(OUTBOX_KEY, JSON.stringify({ userId: this.state.me.id, items: this.state.outbox }));
    for (const l of this.listeners) l();
  }

  private setTimeline(chatId: number, update: (t: Timeline) => Partial<Timeline>): void {
    this.set((s) => {
      const t = s.timelines[chatId] ?? emptyTimeline;
      return { timelines: { ...s.timelines, [chatId]: { ...t, ...update(t) } } };
    });
  }

  // ---- synchronisation

  private synced(complete: boolean): void {
    // Incomplete: a first connect, or a gap the server could not replay (refetch), where the
    // loaded pages may miss messages and deletions, so they are loaded afresh, not merged into.
    if (!complete) void this.reload(true);
    this.set((s) => ({ outbox: outbox.wakeAll(s.outbox) }));
    void this.flush();
  }

  /** Everything shown, fetched afresh (first connect, or a gap the server could not replay). */
  reload(fresh = false): Promise<void> {
    // Start and the socket's first connect both ask at once: one reload runs at a time, and a
    // request made meanwhile runs once after it (what it asked for may have changed since).
    this.reloadFresh ||= fresh;
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        const asked = this.reloadFresh;
        this.reloadFresh = false;
        await this.reloadOnce(asked);
      } while (this.reloadAgain);
    })().finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  private async reloadOnce(fresh: boolean): Promise<void> {
    const seq = ++this.reloadSeq;
    try {
      const [page, contacts] = await Promise.all([
        api<{ chats: Chat[] }>('GET', '/api/chats?limit=200'),
        api<{ contacts: ContactEntry[] }>('GET', '/api/contacts?limit=200'),
      ]);
      // A later reload has started since: this answer is older than what it will show.
      if (seq !== this.reloadSeq) return;
      this.set({ chats: sortChats(page.chats), chatsLoaded: true, contacts: Object.fromEntries(contacts.contacts.map((c) => [c.contact_id, flagsOf(c)])) });
      const open = this.state.openChatId;
      // Every other chat reloads when opened; the open one keeps showing until its page arrives.
      if (fresh) this.set((s) => ({ timelines: open !== null && s.timelines[open] ? { [open]: s.timelines[open] } : {} }));
      if (open !== null) await this.loadNewest(open, fresh);
    } catch (err) {
      // Offline: the next connect reloads. A lost session has signed out already.
      if (!(err instanceof ApiError)) console.error('reload failed', err);
    }
  }

  /** The newest page of a chat, merged into what is loaded, or replacing it (`fresh`). */
  private async loadNewest(chatId: number, fresh = false): Promise<void> {
    const page = await api<{ messages: Message[]; has_more: boolean }>('GET', `/api/chats/${chatId}/messages?limit=${PAGE}`);
    this.setTimeline(chatId, (t) => ({
      messages: mergeMessages(fresh ? [] : t.messages, page.messages),
      hasMore: t.loaded && !fresh ? t.hasMore : page.has_more,
      loaded: true,
    }));
    this.learnNames(page.messages);
    this.markRead(chatId);
  }

  async loadOlder(chatId: number): Promise<void> {
    const t = this.state.timelines[chatId];
    if (!t || t.loading || !t.hasMore || !t.loaded) return;
    const oldest = t.messages[0];
    if (!oldest) return this.setTimeline(chatId, () => ({ hasMore: false }));
    this.setTimeline(chatId, () => ({ loading: true }));
    try {
      const page = await api<{ messages: Message[]; has_more: boolean }>('GET', `/api/chats/${chatId}/messages?limit=${PAGE}&before=${oldest.id}`);
      this.learnNames(page.messages);
      this.setTimeline(chatId, (cur) => ({ messages: mergeMessages(cur.messages, page.messages), hasMore: page.has_more, loading: false }));
    } catch {
      this.setTimeline(chatId, () => ({ loading: false }));
    }
  }

  private learnNames(messages: readonly Message[]): void {
    const names: Record<number, string> = {};
    for (const m of messages) if (m.sender) names[m.sender.id] = m.sender.nickname || m.sender.username;
    if (Object.keys(names).length > 0) this.set((s) => ({ names: { ...s.names, ...names } }));
  }

  // ---- chats

  openChat(chatId: number | null): void {
    this.set({ openChatId: chatId });
    if (chatId === null) return;
    const t = this.state.timelines[chatId];
    if (!t?.loaded) void this.loadNewest(chatId).catch(() => {});
    else this.markRead(chatId);
    const chat = this.state.chats.find((c) => c.id === chatId);
    if (chat?.peer_id) void this.loadPresence(chat.peer_id);
  }

  private async loadPresence(userId: number): Promise<void> {
    try {
      const u = await api<PublicUser>('GET', `/api/users/${userId}`);
      this.set((s) => ({ presence: { ...s.presence, [userId]: { online: u.online, lastSeen: u.last_seen } }, names: { ...s.names, [userId]: u.nickname } }));
    } catch {
      // presence is a nicety
    }
  }

  /** Tells the server I have seen the chat's newest message from someone else. */
  markRead(chatId: number): void {
    const t = this.state.timelines[chatId];
    const newest = t?.messages.findLast((m) => m.sender_id !== this.state.me.id);
    if (this.state.chats.some((c) => c.id === chatId && c.unread_count > 0)) {
      this.set((s) => ({ chats: s.chats.map((c) => (c.id === chatId && c.unread_count > 0 ? { ...c, unread_count: 0 } : c)) }));
    }
    if (!newest || newest.is_read || document.visibilityState === 'hidden') return;
    if ((this.readSent.get(chatId) ?? 0) >= newest.id) return;
    this.readSent.set(chatId, newest.id);
    void api('POST', `/api/messages/${newest.id}/read`).catch(() => this.readSent.delete(chatId));
  }

  /** People by username, name or phone. */
  async searchUsers(query: string): Promise<PublicUser[]> {
    return (await api<{ users: PublicUser[] }>('GET', `/api/users/search?q=${encodeURIComponent(query)}`)).users;
  }

  async startChatWith(userId: number): Promise<number> {
    const chat = await api<Chat>('POST', '/api/chats', { members: [userId] });
    this.upsertChat(chat);
    return chat.id;
  }

  async createGroup(name: string, members: number[]): Promise<number> {
    const chat = await api<Chat>('POST', '/api/chats', { name, type: 'group', members });
    this.upsertChat(chat);
    return chat.id;
  }

  async setChatFlags(chatId: number, flags: { is_pinned?: boolean; is_muted?: boolean }): Promise<void> {
    const chat = await api<Chat>('PUT', `/api/chats/${chatId}/settings`, flags);
    this.upsertChat(chat);
  }

  /** Adds someone to my contacts (the socket's `contact.added` brings the entry). */
  async addContact(userId: number): Promise<void> {
    await api('POST', '/api/contacts', { user_id: userId });
  }

  /** Blocking needs the person in my contacts: they are added first when they are not. */
  async setContactFlags(userId: number, flags: Partial<ContactFlags>): Promise<void> {
    if (!this.state.contacts[userId]) await this.addContact(userId);
    const entry = await api<ContactEntry>('PUT', `/api/contacts/${userId}`, flags);
    this.set((s) => ({ contacts: { ...s.contacts, [userId]: flagsOf(entry) } }));
  }

  async removeContact(userId: number): Promise<void> {
    await api('DELETE', `/api/contacts/${userId}`);
    this.set((s) => {
      const { [userId]: _gone, ...rest } = s.contacts;
      return { contacts: rest };
    });
  }

  async setMessagePinned(messageId: number, pinned: boolean): Promise<void> {
    await api(pinned ? 'POST' : 'DELETE', `/api/messages/${messageId}/pin`);
  }

  forward(message: Message, toChatId: number): void {
    // The server copies the original; its text only shows while the copy is pending.
    this.enqueue({ chatId: toChatId, content: message.content, type: 'text', forwardFrom: message.id });
  }

  /** A change to a group (rename, members, roles, leaving): the answer's detail, and the list refreshed. */
  async changeGroup(method: string, path: string, body?: unknown): Promise<void> {
    await api(method, path, body);
    await this.reload();
  }

  private upsertChat(chat: Chat): void {
    this.set((s) => {
      const known = s.chats.find((c) => c.id === chat.id);
      const merged = known ? { ...known, ...chat } : chat;
      return { chats: sortChats([...s.chats.filter((c) => c.id !== chat.id), merged]) };
    });
  }

  // ---- sending

  sendText(chatId: number, content: string, replyToId?: number): void {
    this.enqueue({ chatId, content, type: 'text', replyToId: replyToId ?? null });
  }

  private enqueue(item: outbox.NewItem): void {
    this.typingSent.delete(item.chatId);
    this.set((s) => ({ outbox: outbox.enqueue(s.outbox, item, crypto.randomUUID(), new Date()) }));
    void this.flush();
  }

  retry(clientId: string): void {
    this.set((s) => ({ outbox: outbox.retry(s.outbox, clientId) }));
    void this.flush();
  }

  discard(clientId: string): void {
    this.set((s) => ({ outbox: outbox.discard(s.outbox, clientId) }));
  }

  /** Sends what is due, one at a time so that each chat's messages keep their order. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    clearTimeout(this.flushTimer);
    try {
      for (let item = outbox.nextDue(this.state.outbox, Date.now()); item; item = outbox.nextDue(this.state.outbox, Date.now())) {
        // The storage event may not have arrived yet: never send this user's outbox as another.
        if (!this.ownSession()) break;
        const clientId = item.clientId;
        this.set((s) => ({ outbox: outbox.markSending(s.outbox, clientId) }));
        try {
          const message = await api<Message>('POST', `/api/chats/${item.chatId}/messages`, {
            content: item.content,
            type: item.type,
            file_id: item.fileId,
            file_name: item.fileName,
            reply_to_id: item.replyToId ?? null,
            forward_from: item.forwardFrom ?? null,
            client_id: clientId,
          });
          this.acceptMessage(message);
          this.set((s) => ({ outbox: outbox.settle(s.outbox, clientId) }));
        } catch (err) {
          const e = err instanceof ApiError ? err : new ApiError(0, 0, String(err));
          this.set((s) => ({ outbox: outbox.fail(s.outbox, clientId, e.transient, e.message, Date.now()) }));
        }
      }
    } finally {
      this.flushing = false;
    }
    const waiting = this.state.outbox.filter((i) => i.state === 'pending').map((i) => i.notBefore);
    if (waiting.length > 0) this.flushTimer = setTimeout(() => void this.flush(), Math.max(0, Math.min(...waiting) - Date.now()));
  }

  async sendFile(chatId: number, file: File): Promise<void> {
    const key = crypto.randomUUID();
    const kind = file.type.startsWith('image/') ? 'image' : file.type.startsWith('video/') ? 'video' : file.type.startsWith('audio/') ? 'audio' : 'document';
    this.set((s) => ({ uploads: [...s.uploads, { key, chatId, name: file.name, progress: 0 }] }));
    const form = new FormData();
    form.append('type', kind);
    form.append('file', file);
    try {
      const uploaded = await upload<UploadedFile>('/api/files/upload', form, (progress) =>
        this.set((s) => ({ uploads: s.uploads.map((u) => (u.key === key ? { ...u, progress } : u)) })),
      );
      this.set((s) => ({ uploads: s.uploads.filter((u) => u.key !== key) }));
      const type = uploaded.type === 'image' || uploaded.type === 'video' || uploaded.type === 'audio' ? uploaded.type : 'document';
      this.enqueue({ chatId, content: '', type, fileId: uploaded.id, fileName: uploaded.name });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.set((s) => ({ uploads: s.uploads.map((u) => (u.key === key ? { ...u, error: message } : u)) }));
    }
  }

  dismissUpload(key: string): void {
    this.set((s) => ({ uploads: s.uploads.filter((u) => u.key !== key) }));
  }

  async edit(messageId: number, content: string): Promise<void> {
    this.acceptMessage(await api<Message>('PUT', `/api/messages/${messageId}`, { content }));
  }

  async remove(message: Message): Promise<void> {
    await api('DELETE', `/api/messages/${message.id}`);
    this.dropMessage(message.chat_id, message.id);
  }

  /** A message gone from my view: out of its timeline, and out of the chat list's preview if it was the last. */
  private dropMessage(chatId: number, id: number): void {
    this.setTimeline(chatId, (t) => ({ messages: t.messages.filter((m) => m.id !== id) }));
    const chats = afterDeletion(this.state.chats, chatId, id, this.state.timelines[chatId]?.messages);
    if (chats) this.set({ chats });
    else void this.reload();
  }

  async recall(messageId: number): Promise<void> {
    this.acceptMessage(await api<Message>('POST', `/api/messages/${messageId}/recall`));
  }

  /** Tells the chat I am typing, at most every 3 s (the server forwards it to the other members). */
  typing(chatId: number): void {
    const now = Date.now();
    if (now - (this.typingSent.get(chatId) ?? 0) < 3000) return;
    if (this.socket.send('typing', { chat_id: chatId, is_typing: true })) this.typingSent.set(chatId, now);
  }

  async logout(): Promise<void> {
    try {
      await api('POST', '/api/auth/logout');
    } catch {
      // signing out locally is what matters
    }
    localStorage.removeItem(OUTBOX_KEY);
    this.signedOut(false);
  }

  // ---- live events

  /** A stored message, from an answer or the socket: into its timeline, the chat list, and out of the outbox. */
  private acceptMessage(m: Message): void {
    if (!this.state.chats.some((c) => c.id === m.chat_id)) void this.reload();
    this.set((s) => {
      const t = s.timelines[m.chat_id];
      const timelines = t ? { ...s.timelines, [m.chat_id]: { ...t, messages: mergeMessages(t.messages, [m]) } } : s.timelines;
      const typingInChat = m.sender_id !== null && s.typing[m.chat_id]?.[m.sender_id] ? { ...s.typing, [m.chat_id]: { ...s.typing[m.chat_id], [m.sender_id]: 0 } } : s.typing;
      return {
        timelines,
        chats: applyNewMessage(s.chats, m, s.me.id, s.openChatId),
        ...(m.client_id && { outbox: outbox.settle(s.outbox, m.client_id) }),
        typing: typingInChat,
        ...(m.sender && { names: { ...s.names, [m.sender.id]: m.sender.nickname || m.sender.username } }),
      };
    });
    if (m.chat_id === this.state.openChatId && m.sender_id !== this.state.me.id) this.markRead(m.chat_id);
  }

  /** A change to a stored message: in its timeline, and in the chat list when it is the chat's last. */
  private patch(chatId: number, id: number, patch: Partial<Message>): void {
    this.set((s) => {
      const t = s.timelines[chatId];
      return {
        ...(t && { timelines: { ...s.timelines, [chatId]: { ...t, messages: patchMessage(t.messages, id, patch) } } }),
        chats: patchLastMessage(s.chats, chatId, id, patch),
      };
    });
  }

  private receive(frame: Frame): void {
    const d = frame.data;
    const chatId = Number(d.chat_id);
    switch (frame.type) {
      case 'message.new':
      case 'message.ack':
        return this.acceptMessage((frame.type === 'message.ack' ? d.message : d) as Message);
      case 'message.edit':
        return this.patch(chatId, Number(d.id), d);
      case 'message.delete':
      case 'message.hidden':
        return this.dropMessage(chatId, Number(d.id));
      case 'message.recalled':
        return this.patch(chatId, Number(d.id), { is_recalled: true, content: '', file_url: '', thumbnail: '' });
      case 'message.pinned':
      case 'message.unpinned':
        return this.patch(chatId, Number(d.id), { is_pinned: frame.type === 'message.pinned' });
      case 'message.read': {
        if (d.user_id === this.state.me.id) {
          this.set((s) => ({ chats: s.chats.map((c) => (c.id === chatId ? { ...c, unread_count: 0 } : c)) }));
          return;
        }
        const upTo = Number(d.id);
        const t = this.state.timelines[chatId];
        if (t) this.setTimeline(chatId, () => ({ messages: t.messages.map((m) => (m.sender_id === this.state.me.id && m.id <= upTo && !m.is_read ? { ...m, is_read: true } : m)) }));
        return;
      }
      case 'typing': {
        const userId = Number(d.user_id);
        if (userId === this.state.me.id) return;
        const until = d.is_typing ? Date.now() + 6000 : 0;
        this.set((s) => ({ typing: { ...s.typing, [chatId]: { ...s.typing[chatId], [userId]: until } } }));
        return;
      }
      case 'presence': {
        const userId = Number(d.user_id);
        this.set((s) => ({ presence: { ...s.presence, [userId]: { online: Boolean(d.is_online), lastSeen: String(d.last_seen ?? d.timestamp) } } }));
        return;
      }
      case 'chat.created':
      case 'chat.updated':
      case 'member.added':
      case 'member.removed':
      case 'member.updated':
        if (frame.type === 'member.removed' && d.user_id === this.state.me.id) {
          this.set((s) => ({ chats: s.chats.filter((c) => c.id !== chatId), openChatId: s.openChatId === chatId ? null : s.openChatId }));
          return;
        }
        void this.reload();
        return;
      case 'contact.added':
      case 'contact.updated': {
        const entry = d as unknown as ContactEntry;
        this.set((s) => ({ contacts: { ...s.contacts, [entry.contact_id]: flagsOf(entry) } }));
        return;
      }
      case 'contact.removed':
        this.set((s) => {
          const { [Number(d.contact_id)]: _gone, ...rest } = s.contacts;
          return { contacts: rest };
        });
        return;
      case 'user.updated':
        this.set((s) => ({ me: { ...s.me, ...(d as Partial<SessionUser>) } }));
        return;
      default:
    }
  }
}
