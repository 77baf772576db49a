import type { Chat, LastMessage, Message } from './types.ts';

/**
 * Merges messages into a chat's timeline, oldest first. The same message may come from a page,
 * a send's answer and the socket (live or replayed after a resume): one id is one entry, and a
 * later version (an edit, a read receipt) replaces the earlier without losing what only the
 * earlier carried (the socket's edit frame has no sender).
 */
export function mergeMessages(existing: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return existing as Message[];
  const byId = new Map(existing.map((m) => [m.id, m]));
  for (const m of incoming) {
    const known = byId.get(m.id);
    byId.set(m.id, known ? { ...known, ...m, sender: m.sender ?? known.sender } : m);
  }
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

export function patchMessage(list: readonly Message[], id: number, patch: Partial<Message>): Message[] {
  return list.map((m) => (m.id === id ? { ...m, ...patch } : m));
}

/** A calendar day in local time, as YYYY-MM-DD. */
export function dayKey(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export interface DayGroup<T> {
  day: string;
  items: T[];
}

/** Consecutive items of the same local day, for day separators. */
export function groupByDay<T extends { created_at: string }>(items: readonly T[]): DayGroup<T>[] {
  const groups: DayGroup<T>[] = [];
  for (const item of items) {
    const day = dayKey(item.created_at);
    const last = groups.at(-1);
    if (last && last.day === day) last.items.push(item);
    else groups.push({ day, items: [item] });
  }
  return groups;
}

/** When a chat last saw activity, for ordering. */
function activity(chat: Chat): string {
  return chat.last_message?.created_at ?? chat.updated_at ?? chat.created_at;
}

/** Pinned chats first, then the most recently active. */
export function sortChats(chats: readonly Chat[]): Chat[] {
  return [...chats].sort((a, b) => {
    if (a.is_pinned !== b.is_pinned) return a.is_pinned ? -1 : 1;
    const byTime = activity(b).localeCompare(activity(a));
    return byTime !== 0 ? byTime : b.id - a.id;
  });
}

export function lastMessageOf(m: Message): LastMessage {
  return { id: m.id, content: m.content, type: m.type, sender_id: m.sender_id, created_at: m.created_at };
}

/**
 * A new message in the chat list: it becomes the last message, and counts as unread unless it
 * is mine or the chat is open. The last message again (an edit or a recall answered in full)
 * replaces it without counting; older messages (a replay) change nothing.
 */
export function applyNewMessage(chats: readonly Chat[], m: Message, myId: number, openChatId: number | null): Chat[] {
  return sortChats(
    chats.map((c) => {
      if (c.id !== m.chat_id) return c;
      if (c.last_message?.id === m.id) return { ...c, last_message: lastMessageOf(m) };
      if (c.last_message && c.last_message.id > m.id) return c;
      const unread = m.sender_id !== myId && c.id !== openChatId ? c.unread_count + 1 : c.unread_count;
      return { ...c, last_message: lastMessageOf(m), unread_count: unread };
    }),
  );
}

/** A change to a message (an edit frame, a recall) reaches the chat list when it is the chat's last message. */
export function patchLastMessage(chats: readonly Chat[], chatId: number, id: number, patch: Partial<Message>): Chat[] {
  const chat = chats.find((c) => c.id === chatId);
  if (chat?.last_message?.id !== id) return chats as Chat[];
  const { content, type } = patch;
  return chats.map((c) => (c === chat ? { ...c, last_message: { ...chat.last_message!, ...(content !== undefined && { content }), ...(type !== undefined && { type }) } } : c));
}

/**
 * A message deleted from a chat: when it was the chat's last, the newest message still in the
 * loaded timeline takes its place in the list. Null when the list cannot tell without the server
 * (no timeline loaded, or nothing left in the page that was).
 */
export function afterDeletion(chats: readonly Chat[], chatId: number, deletedId: number, remaining: readonly Message[] | undefined): Chat[] | null {
  const chat = chats.find((c) => c.id === chatId);
  if (!chat || chat.last_message?.id !== deletedId) return [...chats];
  const newest = remaining?.at(-1);
  if (!newest) return null;
  return sortChats(chats.map((c) => (c.id === chatId ? { ...c, last_message: lastMessageOf(newest) } : c)));
}
