import type { Static } from 'typebox';
import type { ConversationDetail, Message, User } from '../../domain/types.ts';
import type { ReceiptedView } from '../../services/messages.ts';
import { isoMillis } from '../kit/time.ts';
import { idText } from './ids.ts';
import type { GroupData, ListedMessage, LoginData, MembersData, MessageData, MessageType, ProfileData, RegisterData, UpdatedProfileData } from './schemas.ts';

/** Core types outside the document's three (video, audio) show as file; notices and call records are never listed. */
export function messageType(t: string): Static<typeof MessageType> {
  return t === 'text' || t === 'image' ? t : 'file';
}

export function registered(u: User): Static<typeof RegisterData> {
  return { user_id: idText(u.id), username: u.username ?? '', email: u.email ?? '', phone: u.phone ?? '', created_at: isoMillis(u.createdAt) };
}

export function loggedIn(token: string, u: User): Static<typeof LoginData> {
  return { token, user: { user_id: idText(u.id), username: u.username ?? '', email: u.email ?? '' } };
}

export function profile(u: User): Static<typeof ProfileData> {
  return {
    user_id: idText(u.id),
    username: u.username ?? '',
    email: u.email ?? '',
    phone: u.phone ?? '',
    avatar: u.avatar,
    created_at: isoMillis(u.createdAt),
    updated_at: isoMillis(u.updatedAt),
  };
}

export function updated(u: User): Static<typeof UpdatedProfileData> {
  return { user_id: idText(u.id), username: u.username ?? '', avatar: u.avatar, phone: u.phone ?? '', updated_at: isoMillis(u.updatedAt) };
}

/**
 * A message as the document shows it. `receiverId` is the other member of a private chat (null
 * in a group, where `group_id` is the conversation); whichever does not apply is "".
 */
export function message(m: Message, receiverId: number | null | undefined): Static<typeof MessageData> {
  const isPrivate = receiverId !== null;
  return {
    message_id: idText(m.id),
    type: messageType(m.type),
    content: m.content,
    sender_id: m.senderId === null ? '' : idText(m.senderId),
    receiver_id: isPrivate && receiverId !== undefined ? idText(receiverId) : '',
    group_id: isPrivate ? '' : idText(m.conversationId),
    created_at: isoMillis(m.createdAt),
  };
}

export function listed(v: ReceiptedView, receiverId: number | null): Static<typeof ListedMessage> {
  return { ...message(v.message, receiverId), read_by: v.readBy.map((r) => ({ user_id: idText(r.userId), read_at: isoMillis(r.readAt) })) };
}

export function group({ conversation: c }: ConversationDetail): Static<typeof GroupData> {
  return {
    group_id: idText(c.id),
    name: c.name,
    description: c.description,
    avatar: c.avatar,
    creator_id: c.createdBy === null ? '' : idText(c.createdBy),
    created_at: isoMillis(c.createdAt),
  };
}

export function members(d: ConversationDetail): Static<typeof MembersData> {
  return { group_id: idText(d.conversation.id), members: d.members.map((m) => idText(m.userId)) };
}
