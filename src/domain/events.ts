import type { Contact, Conversation, Member, Message, ScheduledMessage, User, UserSummary } from './types.ts';

/**
 * Durable events: appended to the event log in the transaction of their change, then published
 * on the bus. Their data is a snapshot taken at that moment, so replay needs no joins and shows
 * what happened then. Profiles encode them into their own WebSocket frames.
 *
 * Audience: `conversation` events go to the members of that conversation at delivery time;
 * `user` events to that user's connections. A change that concerns someone who is no longer a
 * member (removed from a group) is emitted a second time with that user as audience.
 */
export type Audience = { kind: 'user'; id: number } | { kind: 'conversation'; id: number };

export interface EventDataMap {
  'user.updated': { user: User };
  'contact.added': { contact: Contact; user: User };
  'contact.updated': { contact: Contact; user: User };
  'contact.removed': { ownerId: number; contactUserId: number };

  'conversation.created': { conversation: Conversation; members: Member[] };
  'conversation.updated': { conversation: Conversation; changes: string[]; by: number | null };
  'member.added': { conversationId: number; members: Member[]; by: number | null };
  'member.removed': { conversationId: number; userId: number; by: number | null; reason: 'left' | 'removed' };
  /** Role changes (audience: conversation) or one member's own pin/mute settings (audience: that user). */
  'member.updated': { member: Member; by: number | null };

  'message.created': { message: Message; sender: UserSummary | null };
  'message.edited': { message: Message; previousContent: string };
  'message.deleted': { conversationId: number; messageId: number; deletedAt: number; by: number | null; reason: 'deleted' | 'expired' };
  /** Deleted for one user only (audience: that user). */
  'message.hidden': { conversationId: number; messageId: number; userId: number };
  'message.recalled': { conversationId: number; messageId: number; recalledAt: number; by: number };
  'message.read': { conversationId: number; userId: number; messageId: number; readAt: number };
  'message.pinned': { conversationId: number; messageId: number; by: number; at: number };
  'message.unpinned': { conversationId: number; messageId: number; by: number; at: number };
  /** A send accepted for later (audience: the sender only; the others learn of it when it is due). */
  'message.scheduled': { scheduled: ScheduledMessage };
  /**
   * A scheduled send left the queue (audience: the sender): `sent` with the id of the message it
   * became, `cancelled` by the sender, or `dropped` when it could no longer be sent (the sender
   * left the conversation or was blocked).
   */
  'message.unscheduled': {
    scheduledId: number;
    conversationId: number;
    reason: 'sent' | 'cancelled' | 'dropped';
    messageId: number | null;
  };
}

export type EventType = keyof EventDataMap;

export interface NewEvent<T extends EventType = EventType> {
  type: T;
  audience: Audience;
  data: EventDataMap[T];
}

export interface DomainEvent<T extends EventType = EventType> extends NewEvent<T> {
  seq: number;
  at: number;
}

/** Transient signals cross the bus but are never logged. */
export interface SignalMap {
  'session.revoked': { sessionId: string; userId: number };
}
export type SignalType = keyof SignalMap;
export interface Signal<T extends SignalType = SignalType> {
  type: T;
  data: SignalMap[T];
}
