import type { DomainEvent, EventType, Signal, SignalType } from '../../../domain/events.ts';
import type { Call, Member, Message, User, UserSummary } from '../../../domain/types.ts';
import type { UserView } from '../../../services/users.ts';
import { isoSeconds } from '../../common/time.ts';
import type { FileLinks } from '../links.ts';
import * as chats from '../messaging-presenters.ts';
import * as present from '../presenters.ts';

/** A frame before serialisation: the frame type and its data. */
export interface Frame {
  type: string;
  data: unknown;
}

export type EventEncoders = { [T in EventType]?: (event: DomainEvent<T>) => Frame | null };
export type SignalEncoders = { [T in SignalType]?: (signal: Signal<T>) => Frame | null };

export interface EncoderDeps {
  /** Whether a user is shown online now (connected and not appearing offline). */
  isOnline(user: User): boolean;
  /** File links in frames: absolute from PUBLIC_URL, else root-relative (the same for every receiver). */
  links: FileLinks;
}

/**
 * A view of another user for frames that go to many: phone and email are left out, since the
 * frame is encoded once and cannot know whether each receiver may see them (REST shows them
 * between mutual contacts).
 */
function sharedView(user: User, deps: EncoderDeps, isContact: boolean): UserView {
  const online = deps.isOnline(user);
  return { user: { ...user, phone: null, email: null }, online, shownStatus: online ? user.status : 'offline', isContact, isSelf: false };
}

/**
 * The REST message shape for a frame. `is_read` depends on who looks (their own message or
 * another's), and a frame is encoded once for all receivers, so it is left out; `sender` is left
 * out too where the event does not carry it (the receiver has it from message.new).
 */
function messageData(message: Message, sender: UserSummary | null | undefined, links: FileLinks) {
  const { is_read: _perViewer, sender: shown, ...data } = chats.message({ message, sender: sender ?? null, isRead: false }, links);
  return sender === undefined ? data : { ...data, sender: shown };
}

/**
 * A member in frames. Pin and mute are one member's own settings: shown only in frames for that
 * member alone (`own`), never to the whole chat.
 */
function memberData(m: Member, own: boolean) {
  return {
    chat_id: m.conversationId,
    user_id: m.userId,
    role: m.role,
    joined_at: isoSeconds(m.joinedAt),
    ...(own && { is_pinned: m.isPinned, is_muted: m.isMuted }),
  };
}

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Durable events as zhihang frames: `{"type", "seq", "data"}`, data in the REST shapes. The
 * document's own events keep its names (`message.new`, `message.edit`, `message.delete`); the
 * others are named after the change, in the profile's words (a conversation is a chat).
 */
export function eventEncoders(deps: EncoderDeps): EventEncoders {
  const { links } = deps;
  return {
    'user.updated': (e) => {
      const online = deps.isOnline(e.data.user);
      const view: UserView = { user: e.data.user, online, shownStatus: online ? e.data.user.status : 'offline', isContact: false, isSelf: true };
      return { type: 'user.updated', data: present.me(view) };
    },
    'contact.added': (e) => ({ type: 'contact.added', data: present.contactEntry({ contact: e.data.contact, view: sharedView(e.data.user, deps, true) }) }),
    'contact.updated': (e) => ({
      type: 'contact.updated',
      data: present.contactEntry({ contact: e.data.contact, view: sharedView(e.data.user, deps, true) }),
    }),
    'contact.removed': (e) => ({
      type: 'contact.removed',
      data: { user_id: e.data.ownerId, contact_id: e.data.contactUserId, removed_at: isoSeconds(e.at) },
    }),

    'message.created': (e) => ({ type: 'message.new', data: messageData(e.data.message, e.data.sender, links) }),
    'message.edited': (e) => ({ type: 'message.edit', data: messageData(e.data.message, undefined, links) }),
    'message.deleted': ({ data: d }) => ({
      type: 'message.delete',
      data: { id: d.messageId, chat_id: d.conversationId, deleted_at: isoSeconds(d.deletedAt), deleted_by: d.by, reason: d.reason },
    }),
    'message.recalled': ({ data: d }) => ({
      type: 'message.recalled',
      data: { id: d.messageId, chat_id: d.conversationId, recalled_by: d.by, recalled_at: isoSeconds(d.recalledAt) },
    }),
    'message.read': ({ data: d }) => ({
      type: 'message.read',
      data: { id: d.messageId, chat_id: d.conversationId, user_id: d.userId, read_at: isoSeconds(d.readAt) },
    }),
    'message.pinned': ({ data: d }) => ({
      type: 'message.pinned',
      data: { id: d.messageId, chat_id: d.conversationId, pinned_by: d.by, pinned_at: isoSeconds(d.at) },
    }),
    'message.unpinned': ({ data: d }) => ({
      type: 'message.unpinned',
      data: { id: d.messageId, chat_id: d.conversationId, unpinned_by: d.by, unpinned_at: isoSeconds(d.at) },
    }),
    'message.hidden': (e) => ({
      type: 'message.hidden',
      data: { id: e.data.messageId, chat_id: e.data.conversationId, hidden_at: isoSeconds(e.at) },
    }),
    'message.scheduled': (e) => {
      const { is_read: _perViewer, sender: _unknown, ...data } = chats.scheduled(e.data.scheduled, null, links);
      return { type: 'message.scheduled', data };
    },
    'message.unscheduled': (e) => ({
      type: 'message.unscheduled',
      data: {
        id: e.data.scheduledId,
        chat_id: e.data.conversationId,
        reason: e.data.reason,
        message_id: e.data.messageId,
        unscheduled_at: isoSeconds(e.at),
      },
    }),

    'conversation.created': ({ data: d }) => ({
      type: 'chat.created',
      data: { ...chats.chatInfo(d.conversation), members_count: d.members.length, members: d.members.map((m) => memberData(m, false)) },
    }),
    'conversation.updated': ({ data: d }) => ({
      type: 'chat.updated',
      data: { ...chats.chatInfo(d.conversation), changes: d.changes.map(snake), updated_by: d.by },
    }),
    'member.added': ({ data: d }) => ({
      type: 'member.added',
      data: { chat_id: d.conversationId, members: d.members.map((m) => memberData(m, false)), added_by: d.by },
    }),
    'member.removed': (e) => ({
      type: 'member.removed',
      data: { chat_id: e.data.conversationId, user_id: e.data.userId, reason: e.data.reason, removed_by: e.data.by, removed_at: isoSeconds(e.at) },
    }),
    'member.updated': (e) => ({
      type: 'member.updated',
      data: { ...memberData(e.data.member, e.audience.kind === 'user'), updated_by: e.data.by },
    }),
  };
}

function callParties(call: Call) {
  return { call_id: call.id, from_user_id: call.callerId, to_user_id: call.calleeId, call_type: call.media };
}

/** Transient signals as zhihang frames: `{"type", "data"}`, with the document's `timestamp`. */
export const signalEncoders: SignalEncoders = {
  presence: ({ data: d }) => ({
    type: 'presence',
    data: {
      user_id: d.userId,
      is_online: d.online,
      status: d.status,
      status_message: d.statusMessage,
      last_seen: d.lastSeenAt === null ? null : isoSeconds(d.lastSeenAt),
      timestamp: isoSeconds(d.at),
    },
  }),
  typing: ({ data: d }) => ({
    type: 'typing',
    data: { chat_id: d.conversationId, user_id: d.userId, is_typing: d.isTyping, timestamp: isoSeconds(d.at) },
  }),
  'call.offer': ({ data: d }) => ({
    type: 'call.offer',
    data: {
      ...callParties(d.call),
      sdp: d.sdp,
      from_user: { id: d.caller.id, username: d.caller.username ?? '', nickname: d.caller.nickname, avatar: d.caller.avatar },
      timestamp: isoSeconds(d.at),
    },
  }),
  'call.ringing': ({ data: d }) => ({
    type: 'call.ringing',
    data: { ...callParties(d.call), ...(d.clientId !== null && { client_id: d.clientId }), timestamp: isoSeconds(d.at) },
  }),
  'call.answer': ({ data: d }) => ({
    type: 'call.answer',
    data: { call_id: d.call.id, from_user_id: d.call.calleeId, to_user_id: d.call.callerId, sdp: d.sdp, timestamp: isoSeconds(d.at) },
  }),
  'call.ice': ({ data: d }) => ({
    type: 'call.ice',
    data: {
      call_id: d.call.id,
      from_user_id: d.fromUserId,
      to_user_id: d.toUserId,
      candidate: d.candidate.candidate,
      sdp_mid: d.candidate.sdpMid,
      sdp_mline_index: d.candidate.sdpMLineIndex,
      timestamp: isoSeconds(d.at),
    },
  }),
  'call.end': ({ data: d }) => ({
    type: 'call.end',
    data: {
      call_id: d.call.id,
      reason: d.reason,
      duration: d.reason === 'answered_elsewhere' ? 0 : d.call.duration,
      from_user_id: d.call.callerId,
      to_user_id: d.call.calleeId,
      ended_by: d.endedBy,
      ...(d.clientId !== null && { client_id: d.clientId }),
      timestamp: isoSeconds(d.at),
    },
  }),
};
