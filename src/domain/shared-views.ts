import type { Member, Message, UserSummary } from './types.ts';

/**
 * What frames that go to many receivers at once may show. A frame is encoded once for all its
 * receivers, so it cannot carry what differs per viewer (read state) or what only one member may
 * see (their own pin and mute). Every profile's socket renders from these.
 */

/** A member as the whole chat sees it; `own` adds the member's settings, for frames to them alone. */
export interface SharedMember {
  conversationId: number;
  userId: number;
  role: Member['role'];
  joinedAt: number;
  isPinned?: boolean;
  isMuted?: boolean;
}

export function sharedMember(m: Member, own: boolean): SharedMember {
  const shared: SharedMember = { conversationId: m.conversationId, userId: m.userId, role: m.role, joinedAt: m.joinedAt };
  return own ? { ...shared, isPinned: m.isPinned, isMuted: m.isMuted } : shared;
}

/** A message for every receiver alike: no read state; `sender` undefined where the event has none. */
export interface SharedMessage {
  message: Message;
  sender: UserSummary | null | undefined;
}
