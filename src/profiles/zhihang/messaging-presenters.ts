import type { Static } from 'typebox';
import {
  untouchedMessage,
  type Conversation,
  type ConversationDetail,
  type ConversationSummary,
  type FileKind,
  type Message,
  type MessageType,
  type MessageView,
  type ScheduledMessage,
  type StoredFile,
  type UserSummary,
} from '../../domain/types.ts';
import type { SharedMessage } from '../../domain/shared-views.ts';
import type { CallNotice } from '../../services/posting.ts';
import type { FileLinks } from '../kit/links.ts';
import { noticeTexts } from '../kit/texts.ts';
import { isoSeconds, isoSecondsOrNull } from '../kit/time.ts';
import type { CallRecord, ChatData, ChatDetail, ChatMember, FileData, LastMessage, MessageData, Sender } from './messaging-schemas.ts';

/** The document calls a file of any kind a "document"; the core calls it `file`. */
export function typeName(type: MessageType | FileKind): string {
  return type === 'file' ? 'document' : type;
}

export function coreType<T extends string>(name: T): Exclude<T, 'document'> | 'file' {
  return name === 'document' ? 'file' : (name as Exclude<T, 'document'>);
}

export function sender(u: UserSummary): Static<typeof Sender> {
  return { id: u.id, username: u.username ?? '', nickname: u.nickname, avatar: u.avatar };
}

/** Notices and call records in the document's language. */
export const texts = noticeTexts('zh');
const contentOf = (m: Message) => texts.content(m);

function callRecord(n: CallNotice): Static<typeof CallRecord> {
  return { call_id: n.callId, call_type: n.media, reason: n.reason, duration: n.duration, caller_id: n.callerId, callee_id: n.calleeId, answered: n.answered };
}

const callOf = (m: Message) => (m.type === 'call' ? (m.metadata.call as CallNotice | undefined) : undefined);

/**
 * A message as every viewer sees it alike (frames use it as is); `sender` is left out where the
 * event does not carry it (the receiver has it from message.new).
 */
export function sharedMessage({ message: m, sender: by }: SharedMessage, links: FileLinks): Omit<Static<typeof MessageData>, 'is_read'> {
  const a = m.attachment;
  const call = callOf(m);
  return {
    id: m.id,
    chat_id: m.conversationId,
    sender_id: m.senderId,
    content: contentOf(m),
    type: typeName(m.type),
    file_name: a?.name ?? '',
    file_size: a?.size ?? 0,
    file_url: a?.fileId ? links.file(a.fileId) : '',
    thumbnail: a?.fileId && a.hasThumbnail ? links.thumbnail(a.fileId) : '',
    is_edited: m.isEdited,
    is_deleted: m.deletedAt !== null,
    is_pinned: m.isPinned,
    reply_to_id: m.replyToId,
    forward_from: m.forwardFrom?.messageId ?? null,
    ttl: m.ttl,
    send_at: isoSecondsOrNull(m.sendAt),
    is_silent: m.isSilent,
    created_at: isoSeconds(m.createdAt),
    updated_at: isoSeconds(m.updatedAt),
    ...(by !== undefined && { sender: by && sender(by) }),
    client_id: m.clientId,
    file_id: a?.fileId ?? null,
    mime_type: a?.mime ?? '',
    width: a?.width ?? null,
    height: a?.height ?? null,
    duration: a?.duration ?? null,
    expires_at: isoSecondsOrNull(m.expiresAt),
    is_recalled: m.recalledAt !== null,
    is_scheduled: false,
    forward_sender_id: m.forwardFrom?.senderId ?? null,
    forward_chat_id: m.forwardFrom?.conversationId ?? null,
    ...(call && { call: callRecord(call) }),
  } as Omit<Static<typeof MessageData>, 'is_read'>;
}

/** A message as one viewer sees it. */
export function message(v: MessageView, links: FileLinks): Static<typeof MessageData> {
  return { ...sharedMessage(v, links), is_read: v.isRead };
}

/** A scheduled send, shown like the message it will become; its id is the schedule's. */
export function scheduled(s: ScheduledMessage, by: UserSummary | null, links: FileLinks): Static<typeof MessageData> {
  const asMessage: Message = {
    ...s.draft,
    id: s.id,
    conversationId: s.conversationId,
    senderId: s.senderId,
    expiresAt: null,
    sendAt: s.sendAt,
    clientId: s.clientId,
    ...untouchedMessage,
    createdAt: s.createdAt,
    updatedAt: s.createdAt,
  };
  return { ...message({ message: asMessage, sender: by, isRead: false }, links), is_scheduled: true };
}

function lastMessage(m: Message): Static<typeof LastMessage> {
  return { id: m.id, content: contentOf(m), type: typeName(m.type), sender_id: m.senderId, created_at: isoSeconds(m.createdAt) };
}

/** What every member sees alike of a chat; realtime frames (sent to all members at once) use only this. */
export function chatInfo(c: Conversation) {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    avatar: c.avatar,
    type: c.type,
    is_active: c.isActive,
    created_at: isoSeconds(c.createdAt),
    updated_at: isoSeconds(c.updatedAt),
    announcement: c.announcement,
    owner_id: c.ownerId,
  };
}

export function chat(s: ConversationSummary): Static<typeof ChatData> {
  const c = s.conversation;
  const peer = s.peer;
  return {
    ...chatInfo(c),
    name: c.name || (peer ? texts.who(peer) : ''),
    avatar: c.avatar || (peer?.avatar ?? ''),
    is_pinned: s.membership.isPinned,
    is_muted: s.membership.isMuted,
    members_count: s.membersCount,
    last_message: s.lastMessage && lastMessage(s.lastMessage),
    unread_count: s.unreadCount,
    peer_id: peer?.id ?? null,
    role: s.membership.role,
  };
}

function member(m: ConversationDetail['members'][number]): Static<typeof ChatMember> {
  return { ...sender(m.user), role: m.role, joined_at: isoSeconds(m.joinedAt) };
}

export function chatDetail(d: ConversationDetail): Static<typeof ChatDetail> {
  return { ...chat(d), members: d.members.map(member) };
}

export function file(f: StoredFile, links: FileLinks): Static<typeof FileData> {
  return {
    id: f.id,
    name: f.name,
    size: f.size,
    type: typeName(f.kind),
    url: links.file(f.id),
    thumbnail: f.hasThumbnail ? links.thumbnail(f.id) : '',
    created_at: isoSeconds(f.createdAt),
    mime_type: f.mime,
    width: f.width,
    height: f.height,
  };
}
