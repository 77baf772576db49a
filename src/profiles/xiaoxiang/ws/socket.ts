import { Type } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import type { FrameRef } from '../../../realtime/codec.ts';
import { closed, field, Nullable } from '../../kit/fields.ts';
import { command, defineSocket, type Frame } from '../../kit/socket.ts';
import { isoMillis } from '../../kit/time.ts';
import { chatId, idText } from '../ids.ts';
import * as present from '../presenters.ts';
import { Message, UserStatus } from '../schemas.ts';
import { SendBody, sendInput } from '../sending.ts';

/**
 * The xiaoxiang socket, `/ws?token=<accessToken>&deviceId=<deviceId>` (below the mount:
 * `/xiaoxiang/ws`), bound to the device of the token's session. Every frame is
 * `{type, event, data}`, plus `requestId` on answers to a client frame that carried one.
 * Server events: new_message and message_read (type message) to the chat's participants, typing
 * (type typing) to the other participants, user_status (type status) to those who share a chat
 * with the user. Client frames are read by their `event`: heartbeat, typing, user_status and
 * new_message; each one carrying a requestId gets exactly one answer with it, its result or an
 * error frame.
 */

const Id = Type.String({ minLength: 1 });
const Time = Type.String({ format: 'date-time' });
const ErrorData = closed(Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))) }));

export const frames = {
  new_message: closed(Message),
  message_read: closed(Type.Object({ messageId: Id, chatId: Id, userId: Id, readAt: Time })),
  typing: closed(Type.Object({ chatId: Id, userId: Id, isTyping: Type.Boolean() })),
  user_status: closed(Type.Object({ userId: Id, status: UserStatus, lastSeen: Nullable(Time) })),
  heartbeat: closed(Type.Object({ timestamp: Type.Number() })),
  error: ErrorData,
};

/** The `type` each event travels under (the document's example: new_message is a `message`). */
const categories: Record<string, string> = {
  new_message: 'message',
  message_read: 'message',
  typing: 'typing',
  user_status: 'status',
  heartbeat: 'heartbeat',
  error: 'error',
};

const wired = (f: Frame) => ({ type: categories[f.type] ?? f.type, event: f.type, data: f.data, ...(f.requestId !== undefined && { requestId: f.requestId }) });
const answering = (ref: FrameRef) => (ref.requestId === undefined ? {} : { requestId: ref.requestId });

/** A client frame: its `event` names it (its `type` may be what the origin client sends); `requestId` is echoed. */
function read(frame: Record<string, unknown>) {
  const name = typeof frame.event === 'string' ? frame.event : typeof frame.type === 'string' ? frame.type : '';
  const ref: FrameRef = { type: name.slice(0, 64) };
  if (typeof frame.requestId === 'string' && frame.requestId.length <= 200) ref.requestId = frame.requestId;
  return { type: name, data: frame.data ?? {}, ref };
}

const userStatus = (userId: number, status: string, lastSeenAt: number | null) => ({
  type: 'user_status',
  data: { userId: idText(userId), status, lastSeen: lastSeenAt === null ? null : isoMillis(lastSeenAt) },
});

export const socket = defineSocket({
  path: '/ws',
  // The token's session belongs to one device: a socket opens only for that device.
  authorizeUpgrade: ({ deviceId, query }) => {
    const asked = query.get('deviceId');
    if (!asked) throw AppError.validation([{ field: 'deviceId', message: 'is required: connect with ?token=<accessToken>&deviceId=<deviceId>' }]);
    if (asked !== deviceId) throw new AppError('UNAUTHORIZED', 'this token was issued to another device');
  },
  wire: { event: wired, signal: wired },
  unwire: (v) => (typeof v.event === 'string' && 'data' in v ? { type: v.event, data: v.data, ...(typeof v.requestId === 'string' && { requestId: v.requestId }) } : undefined),
  read,
  frameShape: '{"type": "<category>", "event": "<event>", "data": {...}, "requestId"?: "<id>"}',
  encoders: () => ({
    events: {
      'message.created': ({ data: { message: m } }) => (present.isDocumentMessage(m) ? { type: 'new_message', data: present.message(m, []) } : null),
      'message.read': ({ data: d }) => ({
        type: 'message_read',
        data: { messageId: idText(d.messageId), chatId: idText(d.conversationId), userId: idText(d.userId), readAt: isoMillis(d.readAt) },
      }),
    },
    signals: {
      typing: ({ data: d }) => ({ type: 'typing', data: { chatId: idText(d.conversationId), userId: idText(d.userId), isTyping: d.isTyping } }),
      // Only those who share a chat with the user hear of them (decision 19).
      presence: ({ data: d }) => (d.sharesConversation === true ? userStatus(d.userId, d.status, d.online ? null : d.lastSeenAt) : null),
    },
  }),
  commands: {
    heartbeat: command(Type.Object({ timestamp: Type.Optional(Type.Number()) }), (d) => ({ type: 'ping', echo: d.timestamp })),
    typing: command(Type.Object({ chatId: Type.String(), isTyping: Type.Optional(Type.Boolean()) }), (d) => ({
      type: 'typing',
      conversationId: chatId.decode(d.chatId, 'chatId'),
      isTyping: d.isTyping ?? true,
    })),
    user_status: command(Type.Object({ status: field.userStatus }), (d) => ({ type: 'status', status: d.status, statusMessage: undefined })),
    new_message: command(SendBody, (d) => ({ type: 'message.send', ...sendInput(d) })),
  },
  frames,
  pong: (echo, at, ref) => ({ type: 'heartbeat', data: { timestamp: typeof echo === 'number' ? echo : at }, ...answering(ref) }),
  error: (body, ref) => {
    const { code, message, details } = (body as { error: { code: string; message: string; details?: unknown } }).error;
    return { type: 'error', data: { code, message, ...(details !== undefined && { details }) }, ...answering(ref) };
  },
  // No resume: never asked for.
  refetch: (n) => ({ type: 'error', data: { code: 'INVALID_REQUEST', message: `resume from ${n.since} is not available` } }),
  ack: (result, ref) => (ref.requestId === undefined || result.kind !== 'sent' ? null : { type: 'new_message', data: present.message(result.view.message, []), ...answering(ref) }),
  done: (outcome, ref) => {
    if (ref.requestId === undefined) return null;
    switch (outcome.type) {
      case 'typing':
        return { type: 'typing', data: { chatId: idText(outcome.conversationId), userId: idText(outcome.userId), isTyping: outcome.isTyping }, ...answering(ref) };
      case 'status':
        return { ...userStatus(outcome.user.id, outcome.user.status, null), ...answering(ref) };
      default:
        return null;
    }
  },
});
