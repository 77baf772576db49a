import type { DomainEvent, EventType, Signal, SignalType } from '../../../domain/events.ts';
import type { Call, User } from '../../../domain/types.ts';
import type { UserView } from '../../../services/users.ts';
import { isoSeconds } from '../../common/time.ts';
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
 * Durable events as zhihang frames: `{"type", "seq", "data"}`, data in the REST shapes. Adding an
 * event is one entry here (message, conversation and member events are added with their REST
 * presenters when messaging lands).
 */
export function eventEncoders(deps: EncoderDeps): EventEncoders {
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
