import { Type, type TObject, type TProperties } from 'typebox';
import type { DomainEvent } from '../../../domain/events.ts';
import { callLimits } from '../../../services/calls.ts';
import { bare } from '../../kit/envelopes.ts';
import { closed, field, Nullable } from '../../kit/fields.ts';
import { command, defineSocket, type Frame } from '../../kit/socket.ts';
import { isoMillis } from '../../kit/time.ts';
import { conversationId, idText, messageId } from '../ids.ts';
import * as present from '../presenters.ts';
import { messageFields, Role, UserStatus } from '../schemas.ts';

/**
 * The flutter socket, `/ws?token=` (below the mount: `/flutter/ws`). Frames are `{"type", "data"}`
 * both ways, without a greeting or seq. Server frames: pong, new_message (to every member),
 * message_status (to the sender of the message read up to), contact_status (to those who have the
 * user as a contact), group_update (to the group's members), call_offer, call_answer, call_end and
 * ice_candidate (to the call's other party) and error. Client frames: ping, message_read,
 * status_update, ice_candidate (calls themselves start, are accepted and end over REST).
 */

const data = (properties: TProperties) => closed(Type.Object(properties));
const Id = Type.String({ minLength: 1 });
const Time = Type.String({ format: 'date-time' });
const CallType = Type.Union([Type.Literal('audio'), Type.Literal('video')]);
const groupUpdate = { group_id: Id, user_id: Id, user_name: Type.String(), updated_at: Time };

export const frames = {
  pong: data({ timestamp: Type.Number() }),
  new_message: data(messageFields),
  message_status: data({ message_id: Id, conversation_id: Id, status: Type.Literal('read'), updated_at: Time }),
  contact_status: data({ user_id: Id, status: UserStatus, last_online: Nullable(Time), custom_message: Nullable(Type.String()) }),
  group_update: data({
    ...groupUpdate,
    update_type: Type.Union(['new_member', 'info_updated', 'member_left', 'member_removed', 'role_changed'].map((t) => Type.Literal(t))),
    name: Type.Optional(Type.String()),
    announcement: Type.Optional(Nullable(Type.String())),
    avatar: Type.Optional(Nullable(Type.String())),
    role: Type.Optional(Role),
  }),
  call_offer: data({ call_id: Id, caller_id: Id, caller_name: Type.String(), type: CallType, offer_sdp: Type.String(), created_at: Time }),
  call_answer: data({ call_id: Id, answer_sdp: Type.String(), status: Type.Literal('connected'), updated_at: Time }),
  call_end: data({ call_id: Id, status: Type.Literal('ended'), duration: Type.Integer({ minimum: 0 }), updated_at: Time }),
  ice_candidate: data({ call_id: Id, candidate: Type.String(), sdp_mid: Type.Optional(Nullable(Type.String())), sdp_mline_index: Type.Optional(Nullable(Type.Integer())) }),
  error: closed(bare.errorSchema as TObject),
};

const plain = (f: Frame) => ({ type: f.type, data: f.data });
const orNull = (s: string | null | undefined) => (s ? s : null);

type Named = { id: number; nickname: string; username: string | null } | null | undefined;
function update(groupId: number, type: string, user: Named, userId: number, at: number, extra: object = {}): Frame {
  return { type: 'group_update', data: { group_id: idText(groupId), update_type: type, user_id: idText(userId), user_name: present.nameOf(user), updated_at: isoMillis(at), ...extra } };
}

/** The message's sender alone hears that it was read (C32); events without one go to the other members. */
function shows(event: DomainEvent, userId: number): boolean {
  if (event.type !== 'message.read') return true;
  const d = (event as DomainEvent<'message.read'>).data;
  return d.senderId === undefined ? d.userId !== userId : d.senderId === userId && d.userId !== userId;
}

const infoFields = ['name', 'announcement', 'avatar'];

export const socket = defineSocket({
  path: '/ws',
  wire: { event: plain, signal: plain },
  shows,
  encoders: ({ links }) => ({
    events: {
      // Notices and call records are not messages of the document.
      'message.created': ({ data: { message: m, sender } }) => (m.type === 'system' || m.type === 'call' ? null : { type: 'new_message', data: present.messageBase(m, sender, links) }),
      'message.read': ({ data: d }) => ({
        type: 'message_status',
        data: { message_id: idText(d.messageId), conversation_id: idText(d.conversationId), status: 'read', updated_at: isoMillis(d.readAt) },
      }),
      'member.added': ({ data: d, at }) =>
        d.members.map((m, i) => {
          const user = d.users?.[i];
          return update(d.conversationId, 'new_member', user, m.userId, at);
        }),
      'member.removed': ({ data: d, at, audience }) =>
        audience.kind !== 'conversation' ? null : update(d.conversationId, d.reason === 'left' ? 'member_left' : 'member_removed', d.user, d.userId, at),
      'member.updated': ({ data: d, at, audience }) =>
        audience.kind !== 'conversation' ? null : update(d.member.conversationId, 'role_changed', d.user, d.member.userId, at, { role: d.member.role }),
      'conversation.updated': ({ data: d, at }) => {
        const c = d.conversation;
        if (c.type !== 'group' || d.by === null || !d.changes.some((f) => infoFields.includes(f))) return null;
        return update(c.id, 'info_updated', d.byUser, d.by, at, { name: c.name, announcement: orNull(c.announcement), avatar: orNull(c.avatar) });
      },
    },
    signals: {
      'call.offer': ({ data: d }) => ({
        type: 'call_offer',
        data: { call_id: d.call.id, caller_id: idText(d.call.callerId), caller_name: present.nameOf(d.caller), type: d.call.media, offer_sdp: d.sdp, created_at: isoMillis(d.call.createdAt) },
      }),
      'call.answer': ({ data: d }) => ({ type: 'call_answer', data: { call_id: d.call.id, answer_sdp: d.sdp, status: 'connected', updated_at: isoMillis(d.at) } }),
      // Devices of the callee that stop ringing because another answered are not told: the call goes on.
      'call.end': ({ data: d }) =>
        d.reason === 'answered_elsewhere' ? null : { type: 'call_end', data: { call_id: d.call.id, status: 'ended', duration: d.call.duration, updated_at: isoMillis(d.at) } },
      // Relayed as it came: sdp_mid and sdp_mline_index only when the sender gave them (C36).
      'call.ice': ({ data: { call, candidate: c } }) => ({
        type: 'ice_candidate',
        data: { call_id: call.id, candidate: c.candidate, ...(c.sdpMid !== null && { sdp_mid: c.sdpMid }), ...(c.sdpMLineIndex !== null && { sdp_mline_index: c.sdpMLineIndex }) },
      }),
      presence: ({ data: d }) =>
        d.watching === true || (d.watching === undefined && d.friends)
          ? {
              type: 'contact_status',
              data: {
                user_id: idText(d.userId),
                status: d.status,
                last_online: d.online ? isoMillis(d.at) : d.lastSeenAt === null ? null : isoMillis(d.lastSeenAt),
                custom_message: orNull(d.statusMessage),
              },
            }
          : null,
    },
  }),
  commands: {
    ping: command(Type.Object({ timestamp: Type.Optional(Type.Number()) }), (d) => ({ type: 'ping', echo: d.timestamp })),
    message_read: command(Type.Object({ conversation_id: Type.String(), message_id: Type.String() }), (d) => ({
      type: 'read',
      conversationId: conversationId.decode(d.conversation_id, 'conversation_id'),
      messageId: messageId.decode(d.message_id, 'message_id'),
    })),
    ice_candidate: command(
      Type.Object({
        // Any call_id that names no call of the sender's is 404, however long (C2); the frame limit bounds it.
        call_id: Type.String({ minLength: 1 }),
        candidate: Type.String({ maxLength: callLimits.candidate }),
        sdp_mid: Type.Optional(Nullable(Type.String({ maxLength: callLimits.sdpMid }))),
        sdp_mline_index: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 65535 }))),
      }),
      (d) => ({ type: 'call.ice', callId: d.call_id, candidate: { candidate: d.candidate, sdpMid: d.sdp_mid ?? null, sdpMLineIndex: d.sdp_mline_index ?? null } }),
    ),
    status_update: command(Type.Object({ status: field.userStatus, custom_message: Type.Optional(field.statusMessage) }), (d) => ({
      type: 'status',
      status: d.status,
      statusMessage: d.custom_message,
    })),
  },
  frames,
  pong: (echo, at) => ({ type: 'pong', data: { timestamp: typeof echo === 'number' ? echo : at } }),
  error: (body) => ({ type: 'error', data: body }),
  // No resume and no socket send: these are never asked for.
  refetch: (n) => ({ type: 'refetch', data: { since: n.since, seq: n.seq } }),
  ack: (result) => ({ type: 'ack', data: { message_id: String(result.kind === 'sent' ? result.view.message.id : result.scheduled.id) } }),
});
