import { sharedMember, type SharedMember } from '../../../domain/shared-views.ts';
import type { Call } from '../../../domain/types.ts';
import type { EventEncoders, SignalEncoders, SocketDeps } from '../../kit/socket.ts';
import { isoSeconds } from '../../kit/time.ts';
import * as chats from '../messaging-presenters.ts';
import * as present from '../presenters.ts';

/** A member in frames: pin and mute only in frames for that member alone. */
function memberData(m: SharedMember) {
  return {
    chat_id: m.conversationId,
    user_id: m.userId,
    role: m.role,
    joined_at: isoSeconds(m.joinedAt),
    ...(m.isPinned !== undefined && { is_pinned: m.isPinned, is_muted: m.isMuted }),
  };
}

const snake = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Durable events as zhihang frames: `{"type", "seq", "data"}`, data in the REST shapes. The
 * document's own events keep its names (`message.new`, `message.edit`, `message.delete`); the
 * others are named after the change, in the profile's words (a conversation is a chat).
 */
export function eventEncoders({ services, links }: SocketDeps): EventEncoders {
  const { users } = services;
  return {
    'user.updated': (e) => ({ type: 'user.updated', data: present.me(users.selfView(e.data.user)) }),
    'contact.added': (e) => ({ type: 'contact.added', data: present.contactEntry({ contact: e.data.contact, view: users.sharedView(e.data.user, true) }) }),
    'contact.updated': (e) => ({
      type: 'contact.updated',
      data: present.contactEntry({ contact: e.data.contact, view: users.sharedView(e.data.user, true) }),
    }),
    'contact.removed': (e) => ({
      type: 'contact.removed',
      data: { user_id: e.data.ownerId, contact_id: e.data.contactUserId, removed_at: isoSeconds(e.at) },
    }),

    'message.created': (e) => ({ type: 'message.new', data: chats.sharedMessage({ message: e.data.message, sender: e.data.sender }, links) }),
    'message.edited': (e) => ({ type: 'message.edit', data: chats.sharedMessage({ message: e.data.message, sender: undefined }, links) }),
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
      data: { ...chats.chatInfo(d.conversation), members_count: d.members.length, members: d.members.map((m) => memberData(sharedMember(m, false))) },
    }),
    'conversation.updated': ({ data: d }) => ({
      type: 'chat.updated',
      data: { ...chats.chatInfo(d.conversation), changes: d.changes.map(snake), updated_by: d.by },
    }),
    'member.added': ({ data: d }) => ({
      type: 'member.added',
      data: { chat_id: d.conversationId, members: d.members.map((m) => memberData(sharedMember(m, false))), added_by: d.by },
    }),
    'member.removed': (e) => ({
      type: 'member.removed',
      data: { chat_id: e.data.conversationId, user_id: e.data.userId, reason: e.data.reason, removed_by: e.data.by, removed_at: isoSeconds(e.at) },
    }),
    'member.updated': (e) => ({
      type: 'member.updated',
      data: { ...memberData(sharedMember(e.data.member, e.audience.kind === 'user')), updated_by: e.data.by },
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
