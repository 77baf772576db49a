import type { Static } from 'typebox';
import type { MessageView, User, UserStatus } from '../../domain/types.ts';
import type { ReceivedRequest as Received } from '../../services/friends.ts';
import type { UserView } from '../../services/users.ts';
import { isoSeconds, isoSecondsOrNull } from '../kit/time.ts';
import type { FoundUser, Friend, Message, MessageType, ProfileData, ReceivedRequest, SentMessage, Status, UpdatedProfileData } from './schemas.ts';

/** The document's three statuses: busy (from the primary API) shows as away. */
export function status(s: UserStatus): Static<typeof Status> {
  return s === 'busy' ? 'away' : s;
}

export const avatar = (u: { avatar: string }): string | null => u.avatar || null;

export function profile({ user: u, availability }: UserView): Static<typeof ProfileData> {
  return {
    id: u.id,
    username: u.username ?? '',
    email: u.email ?? '',
    avatar: avatar(u),
    status: status(availability),
    created_at: isoSeconds(u.createdAt),
    last_login: isoSecondsOrNull(u.lastLoginAt),
  };
}

export function account(u: User): Static<typeof UpdatedProfileData> {
  return { id: u.id, username: u.username ?? '', email: u.email ?? '', avatar: avatar(u) };
}

export function friend({ user: u, availability }: UserView): Static<typeof Friend> {
  return { id: u.id, username: u.username ?? '', avatar: avatar(u), status: status(availability), last_seen: isoSecondsOrNull(u.lastSeenAt) };
}

export function found({ user: u, isFriend }: UserView): Static<typeof FoundUser> {
  return { id: u.id, username: u.username ?? '', avatar: avatar(u), is_friend: isFriend };
}

export function received({ request: r, from }: Received): Static<typeof ReceivedRequest> {
  return { request_id: r.id, from_user_id: r.fromUserId, from_username: from.username ?? '', message: r.message, created_at: isoSeconds(r.createdAt) };
}

/** Core types outside the document's five (system notices, call records) show as text. */
export function messageType(t: string): Static<typeof MessageType> {
  return t === 'image' || t === 'file' || t === 'audio' || t === 'video' ? t : 'text';
}

/** A message of a pair, `otherId` being whichever of the two the viewer is not. */
export function sent(v: MessageView, viewerId: number, otherId: number): Static<typeof SentMessage> {
  const m = v.message;
  const senderId = m.senderId ?? otherId;
  return {
    id: m.id,
    sender_id: senderId,
    receiver_id: senderId === viewerId ? otherId : viewerId,
    content: m.content,
    message_type: messageType(m.type),
    timestamp: isoSeconds(m.createdAt),
    is_encrypted: m.isEncrypted,
  };
}

export function message(v: MessageView, viewerId: number, otherId: number): Static<typeof Message> {
  return { ...sent(v, viewerId, otherId), is_read: v.isRead };
}
