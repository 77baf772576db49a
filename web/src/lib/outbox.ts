/**
 * Messages typed but not yet confirmed by the server. Each carries a client id the server
 * treats as an idempotency key, so a send retried after a lost answer is stored once. Items of
 * one chat go out in the order they were typed: only the oldest unsent item of a chat is due.
 * Pure functions over an array, so the queue survives reloads as JSON and is tested without a browser.
 */

export interface OutboxItem {
  clientId: string;
  chatId: number;
  content: string;
  type: 'text' | 'image' | 'video' | 'audio' | 'document';
  fileId?: string;
  fileName?: string;
  replyToId?: number | null;
  forwardFrom?: number | null;
  createdAt: string;
  attempts: number;
  /** Not before this time (ms since the epoch): backing off after a transient failure. */
  notBefore: number;
  state: 'pending' | 'sending' | 'failed';
  error?: string;
}

export type NewItem = Pick<OutboxItem, 'chatId' | 'content' | 'type' | 'fileId' | 'fileName' | 'replyToId' | 'forwardFrom'>;

export function enqueue(queue: readonly OutboxItem[], item: NewItem, clientId: string, now: Date): OutboxItem[] {
  return [...queue, { ...item, clientId, createdAt: now.toISOString(), attempts: 0, notBefore: 0, state: 'pending' }];
}

/** The next item to send: the oldest of its chat, not failed, not in flight, not backing off. */
export function nextDue(queue: readonly OutboxItem[], now: number): OutboxItem | undefined {
  const blockedChats = new Set<number>();
  for (const item of queue) {
    if (blockedChats.has(item.chatId)) continue;
    blockedChats.add(item.chatId);
    if (item.state === 'pending' && item.notBefore <= now) return item;
  }
  return undefined;
}

export function markSending(queue: readonly OutboxItem[], clientId: string): OutboxItem[] {
  return queue.map((i) => (i.clientId === clientId ? { ...i, state: 'sending', attempts: i.attempts + 1 } : i));
}

/** The server stored it (answer, ack or the message arriving on the socket): it leaves the queue. */
export function settle(queue: readonly OutboxItem[], clientId: string): OutboxItem[] {
  return queue.some((i) => i.clientId === clientId) ? queue.filter((i) => i.clientId !== clientId) : (queue as OutboxItem[]);
}

/** Backoff after a transient failure: 1 s, 2 s, 4 s … capped at 30 s. */
export function retryDelay(attempts: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempts - 1));
}

/**
 * A failed attempt. A transient one (offline, rate limited, server error) goes back to pending
 * with a backoff; a refusal stops the item until the person retries or discards it, and holds
 * back the rest of its chat so nothing overtakes it.
 */
export function fail(queue: readonly OutboxItem[], clientId: string, transient: boolean, error: string, now: number): OutboxItem[] {
  return queue.map((i) => {
    if (i.clientId !== clientId) return i;
    return transient ? { ...i, state: 'pending', notBefore: now + retryDelay(i.attempts), error } : { ...i, state: 'failed', error };
  });
}

/** Back online (or the person pressed retry): everything waiting is due now. */
export function wakeAll(queue: readonly OutboxItem[]): OutboxItem[] {
  return queue.map((i) => (i.state === 'pending' || i.state === 'sending' ? { ...i, state: 'pending', notBefore: 0 } : i));
}

export function retry(queue: readonly OutboxItem[], clientId: string): OutboxItem[] {
  return queue.map((i) => (i.clientId === clientId ? { ...i, state: 'pending', notBefore: 0, error: undefined } : i));
}

export function discard(queue: readonly OutboxItem[], clientId: string): OutboxItem[] {
  return queue.filter((i) => i.clientId !== clientId);
}

/** A stored queue as read back after a reload: what was in flight is pending again (its client id makes a resend safe). */
export function revive(stored: unknown): OutboxItem[] {
  if (!Array.isArray(stored)) return [];
  return (stored as OutboxItem[])
    .filter((i) => i && typeof i.clientId === 'string' && typeof i.chatId === 'number')
    .map((i) => (i.state === 'sending' ? { ...i, state: 'pending', notBefore: 0 } : i));
}
