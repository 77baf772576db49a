import type { Contact, User } from './types.ts';

/**
 * Durable events: appended to the event log in the transaction of their change, then published
 * on the bus. Their data is a snapshot taken at that moment, so replay needs no joins and shows
 * what happened then. Profiles encode them into their own WebSocket frames.
 */
export type Audience = { kind: 'user'; id: number } | { kind: 'conversation'; id: number };

export interface EventDataMap {
  'user.updated': { user: User };
  'contact.added': { contact: Contact; user: User };
  'contact.updated': { contact: Contact; user: User };
  'contact.removed': { ownerId: number; contactUserId: number };
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
