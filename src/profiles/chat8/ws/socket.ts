import { Type, type TObject, type TProperties } from 'typebox';
import { AppError } from '../../../domain/errors.ts';
import type { CallMedia } from '../../../domain/types.ts';
import { successData } from '../../kit/envelopes.ts';
import { closed } from '../../kit/fields.ts';
import { IdValue } from '../../kit/ids.ts';
import { command, defineSocket, type Frame } from '../../kit/socket.ts';
import { isoSeconds } from '../../kit/time.ts';
import * as present from '../presenters.ts';
import { MessageType, Status } from '../schemas.ts';

/**
 * The chat8 socket, `/ws/{user_id}?token=`: only the token's own user id is accepted. Frames are
 * `{"type", "data", "timestamp"}` both ways (`pong` has no data); there is no greeting and no
 * resume. A new message goes to its receiver, presence (`user_status`) to friends only.
 */

const data = (properties: TProperties) => closed(Type.Object(properties));
const Id = Type.Integer();
const Invite = data({ call_id: Type.String({ minLength: 1 }), from_user_id: Id, from_username: Type.String() });

export const frames = {
  new_message: data({ id: Id, sender_id: Id, sender_username: Type.String(), content: Type.String(), message_type: MessageType, is_encrypted: Type.Boolean() }),
  user_status: data({ user_id: Id, username: Type.String(), status: Status }),
  friend_request: data({ request_id: Id, from_user_id: Id, from_username: Type.String(), message: Type.String() }),
  voice_call_invite: Invite,
  video_call_invite: Invite,
  pong: data({}),
  error: closed(successData.errorSchema as TObject),
};

const inviteData = Type.Object({ to_user_id: IdValue, call_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) });
const invite = (media: CallMedia) =>
  command(inviteData, (d) => ({ type: 'call.invite', toUserId: d.to_user_id, media, callId: d.call_id ?? null }));

const withTime = (f: Frame) => ({ type: f.type, ...(f.data !== undefined && { data: f.data }), timestamp: isoSeconds(Date.now()) });

export const socket = defineSocket({
  path: '/ws/{user_id}',
  authorizeUpgrade: ({ userId, params }) => {
    if (params.user_id !== String(userId)) throw new AppError('FORBIDDEN', 'the path names another user than the token');
  },
  wire: { event: withTime, signal: withTime },
  unwire: (v) => (typeof v.type === 'string' ? { type: v.type, data: v.data ?? {} } : undefined),
  // A new message is news to its receiver; the sender has the REST answer.
  shows: (event, userId) => event.type !== 'message.created' || (event.data as { message: { senderId: number | null } }).message.senderId !== userId,
  encoders: () => ({
    events: {
      // chat8 has no groups: a group's messages (receiverId null) are not shown on its sockets.
      'message.created': ({ data: { message: m, sender, receiverId } }) =>
        m.type === 'system' || m.type === 'call' || receiverId === null
          ? null
          : {
              type: 'new_message',
              data: {
                id: m.id,
                sender_id: m.senderId,
                sender_username: sender?.username ?? '',
                content: m.content,
                message_type: present.messageType(m.type),
                is_encrypted: m.isEncrypted,
              },
            },
      'friend_request.created': ({ data: { request: r, from } }) => ({
        type: 'friend_request',
        data: { request_id: r.id, from_user_id: r.fromUserId, from_username: from.username ?? '', message: r.message },
      }),
    },
    signals: {
      presence: ({ data: d }) =>
        d.friends
          ? { type: 'user_status', data: { user_id: d.userId, username: d.user.username ?? '', status: present.status(d.online && d.availability === 'offline' ? 'online' : d.availability) } }
          : null,
      'call.invite': ({ data: d }) => ({
        type: d.media === 'video' ? 'video_call_invite' : 'voice_call_invite',
        data: { call_id: d.callId, from_user_id: d.caller.id, from_username: d.caller.username ?? '' },
      }),
    },
  }),
  commands: {
    ping: command(Type.Object({}), () => ({ type: 'ping', echo: undefined })),
    voice_call_invite: invite('audio'),
    video_call_invite: invite('video'),
  },
  frames,
  pong: () => ({ type: 'pong', data: undefined }),
  error: (body) => ({ type: 'error', data: body }),
  // The document has no resume and no socket send, so these are never asked for.
  refetch: (n) => ({ type: 'refetch', data: { since: n.since, seq: n.seq } }),
  ack: (result) => ({ type: 'ack', data: { id: result.kind === 'sent' ? result.view.message.id : result.scheduled.id } }),
});

