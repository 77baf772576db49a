import type { Static } from 'typebox';
import type { Attachment, ConversationDetail, ConversationSummary, MemberWithUser, Message as CoreMessage, StoredFile, User, UserSummary } from '../../domain/types.ts';
import type { ContactView } from '../../services/contacts.ts';
import type { UserView } from '../../services/users.ts';
import type { FileLinks } from '../kit/links.ts';
import { isoMillis } from '../kit/time.ts';
import { idText } from './ids.ts';
import type * as S from './schemas.ts';

/** A text with no value is null (C3). */
const text = (s: string | null | undefined): string | null => (s ? s : null);
/** What a user is called: their nickname, else their username (C17, C18, C20). */
export const nameOf = (u: Pick<UserSummary, 'nickname' | 'username'> | null | undefined): string => (u ? u.nickname || u.username || '' : '');

export const mediaPath = (fileId: string) => `media/${fileId}`;
export const avatarPath = (fileId: string) => `avatars/${fileId}`;

/** Core types outside the document's five (never listed: notices and call records) show as text. */
function messageType(t: string): Static<typeof S.MessageType> {
  return t === 'image' || t === 'video' || t === 'audio' || t === 'file' ? t : 'text';
}

export function me({ user: u, shownStatus }: UserView): Static<typeof S.MeData> {
  return {
    user_id: idText(u.id),
    username: u.username ?? '',
    email: text(u.email),
    nickname: text(u.nickname),
    avatar: text(u.avatar),
    status: shownStatus,
    status_message: text(u.statusMessage),
    created_at: isoMillis(u.createdAt),
  };
}

export function updatedMe(u: User): Static<typeof S.UpdatedMeData> {
  return { user_id: idText(u.id), username: u.username ?? '', nickname: text(u.nickname), avatar: text(u.avatar), status_message: text(u.statusMessage) };
}

export function found({ user: u }: UserView): Static<typeof S.FoundUser> {
  return { user_id: idText(u.id), username: u.username ?? '', nickname: text(u.nickname), avatar: text(u.avatar) };
}

/** `last_online`: now while connected, else when they last were (null if never; C15). */
export function contact({ contact: c, view }: ContactView, now: number): Static<typeof S.Contact> {
  return { ...addedContact({ contact: c, view }), last_online: view.online ? isoMillis(now) : view.user.lastConnectedAt === null ? null : isoMillis(view.user.lastConnectedAt) };
}

export function addedContact({ contact: c, view: { user: u, shownStatus } }: ContactView): Static<typeof S.AddedContact> {
  return { user_id: idText(u.id), username: u.username ?? '', nickname: text(u.nickname), remark: text(c.nickname), avatar: text(u.avatar), status: shownStatus };
}

export function media(f: Pick<StoredFile, 'id' | 'kind' | 'size' | 'width' | 'height' | 'duration' | 'name'>, links: FileLinks): Static<typeof S.Media> {
  return { media_id: f.id, url: links.file(mediaPath(f.id)), type: f.kind, size: f.size, width: f.width, height: f.height, duration: f.duration, filename: f.name };
}

/** The upload's own object (C24): its kind as uploaded, else (older messages) the message's type. */
function attachedMedia(m: CoreMessage, a: Attachment & { fileId: string }, links: FileLinks): Static<typeof S.Media> {
  const kind = a.kind ?? (m.type === 'image' || m.type === 'video' || m.type === 'audio' ? m.type : 'file');
  return media({ id: a.fileId, kind, size: a.size, width: a.width, height: a.height, duration: a.duration, name: a.name }, links);
}

/** The fields every form of a message shares (C20, C24, C31). */
export function messageBase(m: CoreMessage, sender: UserSummary | null, links: FileLinks) {
  const a = m.attachment;
  return {
    message_id: idText(m.id),
    conversation_id: idText(m.conversationId),
    sender_id: m.senderId === null ? '' : idText(m.senderId),
    sender_name: nameOf(sender),
    content: m.content,
    type: messageType(m.type),
    created_at: isoMillis(m.createdAt),
    ...(m.type !== 'text' && { caption: text(m.caption), ...(a?.fileId && { media: attachedMedia(m, { ...a, fileId: a.fileId }, links) }) }),
  };
}

export const statusOf = (seen: boolean): 'sent' | 'read' => (seen ? 'read' : 'sent');

export function message(m: CoreMessage, sender: UserSummary | null, seen: boolean, links: FileLinks): Static<typeof S.Message> {
  return { ...messageBase(m, sender, links), status: statusOf(seen), updated_at: isoMillis(m.updatedAt) };
}

export function sent(m: CoreMessage, sender: UserSummary | null, seen: boolean, links: FileLinks): Static<typeof S.SentMessage> {
  return { ...messageBase(m, sender, links), status: statusOf(seen), ...(m.clientId !== null && { temp_id: m.clientId }) };
}

/** A private conversation's target is the other member; a group's is the group itself (C17). */
function target(s: ConversationSummary): { target_id: string; target_name: string; avatar: string | null } {
  const c = s.conversation;
  if (c.type === 'group') return { target_id: idText(c.id), target_name: c.name, avatar: text(c.avatar) };
  return { target_id: s.peer ? idText(s.peer.id) : '', target_name: nameOf(s.peer), avatar: text(s.peer?.avatar) };
}

export function conversation(s: ConversationSummary): Static<typeof S.Conversation> {
  const { target_id, target_name, avatar } = target(s);
  const m = s.lastMessage;
  return {
    conversation_id: idText(s.conversation.id),
    type: s.conversation.type,
    target_id,
    target_name,
    avatar,
    last_message:
      m === null
        ? null
        : {
            message_id: idText(m.id),
            sender_id: m.senderId === null ? '' : idText(m.senderId),
            sender_name: nameOf(s.lastSender),
            content: m.content,
            type: messageType(m.type),
            created_at: isoMillis(m.createdAt),
          },
    unread_count: s.unreadCount,
  };
}

export function created(d: ConversationDetail): Static<typeof S.CreatedConversation> {
  const { target_id, target_name } = target(d);
  return { conversation_id: idText(d.conversation.id), type: d.conversation.type, target_id, target_name, created_at: isoMillis(d.conversation.createdAt) };
}

export function group(d: ConversationDetail): Static<typeof S.Group> {
  const c = d.conversation;
  return {
    group_id: idText(c.id),
    name: c.name,
    avatar: text(c.avatar),
    owner_id: c.ownerId === null ? '' : idText(c.ownerId),
    member_count: d.membersCount,
    announcement: text(c.announcement),
    created_at: isoMillis(c.createdAt),
  };
}

export function member(m: MemberWithUser): Static<typeof S.GroupMember> {
  return { user_id: idText(m.userId), username: m.user.username ?? '', nickname: text(m.user.nickname), avatar: text(m.user.avatar), role: m.role, joined_at: isoMillis(m.joinedAt) };
}

export function updatedGroup(d: ConversationDetail): Static<typeof S.UpdatedGroup> {
  const c = d.conversation;
  return { group_id: idText(c.id), name: c.name, announcement: text(c.announcement), avatar: text(c.avatar) };
}
