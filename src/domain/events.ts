import type { Call, CallMedia, Contact, FriendRequest, Conversation, Member, Message, ScheduledMessage, User, UserStatus, UserSummary } from './types.ts';

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
  /** A friend request reaching its recipient (audience: the recipient); `from`: its sender. */
  'friend_request.created': { request: FriendRequest; from: UserSummary };
  /** A request accepted or rejected by its recipient (audience: the sender, and the recipient's devices). */
  'friend_request.handled': { request: FriendRequest; by: UserSummary };

  /** `users`: the members' summaries, in the order of `members` (absent from events logged before it existed). */
  'conversation.created': { conversation: Conversation; members: Member[]; users?: UserSummary[] };
  /** `byUser`: who made the change (absent for the server's own changes and in older events). */
  'conversation.updated': { conversation: Conversation; changes: string[]; by: number | null; byUser?: UserSummary };
  /**
   * `users`: the added users, in the order of `members`. Like every `user`/`users` of a member
   * event it lets a client show who without asking; events logged before it existed lack it.
   */
  'member.added': { conversationId: number; members: Member[]; users?: UserSummary[]; by: number | null };
  /** `user`: the user who left or was removed. */
  'member.removed': { conversationId: number; userId: number; user?: UserSummary; by: number | null; reason: 'left' | 'removed' };
  /** Role changes (audience: conversation) or one member's own pin/mute settings (audience: that user); `user`: that member's. */
  'member.updated': { member: Member; user?: UserSummary; by: number | null };

  /**
   * `receiverId`: the other member of a private conversation, null in a group (absent in events
   * logged before it was added).
   */
  'message.created': { message: Message; sender: UserSummary | null; receiverId?: number | null };
  'message.edited': { message: Message; previousContent: string };
  'message.deleted': { conversationId: number; messageId: number; deletedAt: number; by: number | null; reason: 'deleted' | 'expired' };
  /** Deleted for one user only (audience: that user). */
  'message.hidden': { conversationId: number; messageId: number; userId: number };
  'message.recalled': { conversationId: number; messageId: number; recalledAt: number; by: number };
  /** `senderId`: the sender of the message read up to, where one message was named (absent in older events and page reads). */
  'message.read': { conversationId: number; userId: number; messageId: number; readAt: number; senderId?: number };
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

/**
 * Who a transient signal is for. Like event audiences these are plain JSON, so a bus between nodes
 * can carry them: each node delivers to the matching connections it holds.
 * - `user`: every connection of one user (optionally but one of them);
 * - `users`: every connection of each listed user (presence fan-out, computed once at the source);
 * - `connection`: one connection (the two ends of a call); `userId` lets a node find it quickly;
 * - `conversation`: the current members of a conversation (optionally but one user: the typist).
 */
export type SignalAudience =
  | { kind: 'user'; id: number; exceptConnection?: string }
  | { kind: 'users'; ids: readonly number[] }
  | { kind: 'connection'; userId: number; connectionId: string }
  | { kind: 'conversation'; id: number; exceptUser?: number };

/** What others see of a user's presence: online only while connected and not appearing offline. */
export interface PresenceState {
  userId: number;
  online: boolean;
  /** The shown status: the chosen one while online, `offline` otherwise. */
  status: UserStatus;
  statusMessage: string;
  lastSeenAt: number | null;
  /** The user's availability (User.availability), shown by documents whether connected or not. */
  availability: UserStatus;
}

/** Why a call ended. `answered_elsewhere` is not an end of the call, only of ringing on other devices. */
export type CallEndReason =
  | 'user_hangup'
  | 'cancelled'
  | 'rejected'
  | 'busy'
  | 'timeout'
  | 'unavailable'
  | 'disconnected'
  | 'answered_elsewhere';

/** Transient signals cross the bus but are never logged. */
export interface SignalMap {
  'session.revoked': { sessionId: string; userId: number };
  /** `user`: whose presence it is, as their watchers show them. */
  presence: PresenceState & {
    user: UserSummary;
    at: number;
    /**
     * The audience are the user's friends (mutual contacts, who do not block them); the rest of
     * those who watch the user get a twin signal with `false`. Documents that tell presence only
     * to friends (chat8) render the first alone.
     */
    friends: boolean;
    /** The audience have the user in their contacts (false: they only share a conversation). Absent in older signals. */
    watching?: boolean;
    /** The audience share a conversation with the user (documents that tell presence only to them). Absent in older signals. */
    sharesConversation?: boolean;
  };
  typing: { conversationId: number; userId: number; isTyping: boolean; at: number };
  /** A call reaching the callee; `caller` lets a device ring with a name at once. */
  'call.offer': { call: Call; sdp: string; caller: UserSummary; at: number };
  /** An invitation to a call that the server only relays (no call record; chat8's call invites). */
  'call.invite': { callId: string; media: CallMedia; caller: UserSummary; toUserId: number; at: number };
  /** Tells the caller's device the offer went out (and which call id it got). */
  'call.ringing': { call: Call; clientId: string | null; at: number };
  'call.answer': { call: Call; sdp: string; at: number };
  'call.ice': { call: Call; fromUserId: number; toUserId: number; candidate: IceCandidate; at: number };
  'call.end': { call: Call; reason: CallEndReason; endedBy: number | null; clientId: string | null; at: number };
}

export interface IceCandidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

export type SignalType = keyof SignalMap;
export interface Signal<T extends SignalType = SignalType> {
  type: T;
  audience: SignalAudience;
  data: SignalMap[T];
}

/** A signal with its type and data correlated, for switches over `type`. */
export type AnySignal = { [T in SignalType]: Signal<T> }[SignalType];

/** An event with its type and data correlated, for switches over `type`. */
export type AnyEvent = { [T in EventType]: DomainEvent<T> }[EventType];
