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
import { clockDuration, type CallNotice, type SystemNotice } from '../../services/posting.ts';
import { isoSeconds, isoSecondsOrNull } from '../common/time.ts';
import type { FileLinks } from './links.ts';
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

const who = (u: UserSummary) => u.nickname || u.username || `用户${u.id}`;

/** System notices in the document's language, from the structured record the core keeps. */
function systemText(m: Message): string {
  const n = m.metadata.system as SystemNotice | undefined;
  if (!n) return m.content;
  const names = n.users.map(who).join('、');
  switch (n.action) {
    case 'created':
      return `${who(n.actor)} 创建了群聊`;
    case 'added':
      return `${who(n.actor)} 邀请 ${names} 加入了群聊`;
    case 'removed':
      return `${who(n.actor)} 将 ${names} 移出了群聊`;
    case 'left':
      return `${who(n.actor)} 退出了群聊`;
    case 'owner':
      return `${who(n.actor)} 将群主转让给 ${names}`;
    case 'role':
      return n.role === 'admin' ? `${who(n.actor)} 将 ${names} 设为管理员` : `${who(n.actor)} 取消了 ${names} 的管理员身份`;
  }
}

const callOutcomes: Record<string, string> = { cancelled: '已取消', rejected: '已拒绝', busy: '忙线未接通', timeout: '无人接听' };

/** A call record in the document's language: its kind, then how long it lasted or how it ended. */
function callText(n: CallNotice): string {
  const kind = n.media === 'video' ? '视频通话' : '语音通话';
  return `${kind} ${n.answered ? `通话时长 ${clockDuration(n.duration)}` : (callOutcomes[n.reason] ?? '未接通')}`;
}

function callRecord(n: CallNotice): Static<typeof CallRecord> {
  return { call_id: n.callId, call_type: n.media, reason: n.reason, duration: n.duration, caller_id: n.callerId, callee_id: n.calleeId, answered: n.answered };
}

const callOf = (m: Message) => (m.type === 'call' ? (m.metadata.call as CallNotice | undefined) : undefined);

function contentOf(m: Message): string {
  if (m.type === 'system') return systemText(m);
  const call = callOf(m);
  return call ? callText(call) : m.content;
}

export function message(v: MessageView, links: FileLinks): Static<typeof MessageData> {
  const m = v.message;
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
    is_read: v.isRead,
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
    sender: v.sender && sender(v.sender),
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
  };
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
    name: c.name || (peer ? who(peer) : ''),
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
