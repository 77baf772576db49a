import { Type, type TObject, type TProperties, type TSchema } from 'typebox';
import { codeMessageData } from '../../kit/envelopes.ts';
import { closed, Nullable, Time } from '../../kit/fields.ts';
import { ChatData, MessageData, Sender } from '../messaging-schemas.ts';
import { ContactEntry, Me } from '../schemas.ts';

/**
 * The data of every frame the zhihang socket sends, by frame type (see encoders.ts and
 * socket.ts). Where a frame carries a REST shape, the REST schema is reused. Every object is
 * closed (`additionalProperties: false`), so a field a frame should not carry is a contract
 * failure, not something a client quietly receives. Only the tests read these; they change
 * nothing that is sent.
 */

const data = (properties: TProperties) => closed(Type.Object(properties));
const oneOf = (...values: string[]) => Type.Union(values.map((v) => Type.Literal(v)));

const Id = Type.Integer();
const Seq = Type.Integer({ minimum: 0 });

/** A message as every receiver sees it: the REST message without the per-viewer `is_read`. */
const { is_read: _perViewer, sender: _sender, ...sharedMessage } = MessageData.properties;

const chatInfoKeys = ['id', 'name', 'description', 'avatar', 'type', 'is_active', 'created_at', 'updated_at', 'announcement', 'owner_id'] as const;
const chatInfo = Object.fromEntries(chatInfoKeys.map((k) => [k, ChatData.properties[k]])) as TProperties;

const Role = oneOf('owner', 'admin', 'member');
/** A member as the whole chat sees it (chat.created, member.added). */
const SharedMember = data({ chat_id: Id, user_id: Id, role: Role, joined_at: Time });
/** member.updated: a member's own pin and mute appear only in frames for that member alone. */
const memberFields = { ...SharedMember.properties, is_pinned: Type.Optional(Type.Boolean()), is_muted: Type.Optional(Type.Boolean()) };

const Media = oneOf('audio', 'video');
const callParties = { call_id: Type.String(), from_user_id: Id, to_user_id: Id, call_type: Media };
const CallEndReason = oneOf('user_hangup', 'cancelled', 'rejected', 'busy', 'timeout', 'unavailable', 'disconnected', 'answered_elsewhere');

const errorBody = (codeMessageData.errorSchema as TObject).properties;

/** A new message as every member receives it. */
const MessageNew = data({ ...sharedMessage, sender: Type.Optional(MessageData.properties.sender) });

/**
 * The frames the im-suite compatibility mode adds (ZHIHANG_COMPAT=im-suite): `message`, the
 * `message.new` data again (an image's file links signed) under the name the im-suite client reads.
 */
export const imSuiteFrames: Record<string, TSchema> = { message: MessageNew };

export const frames: Record<string, TSchema> = {
  // Frames of the connection itself.
  connect: data({ status: Type.Literal('connected'), timestamp: Time, user_id: Id, seq: Seq, heartbeat_interval: Type.Integer({ minimum: 1 }) }),
  pong: data({ timestamp: Time, client_timestamp: Type.Optional(Type.Union([Type.String(), Type.Number()])) }),
  error: data({ ...errorBody, ref: Type.Optional(Type.String()), client_id: Type.Optional(Type.String()), call_id: Type.Optional(Type.String()) }),
  resumed: data({ since: Seq, seq: Seq, count: Type.Integer({ minimum: 0 }), timestamp: Time }),
  refetch: data({ reason: oneOf('expired', 'unknown_seq'), since: Seq, seq: Seq, timestamp: Time }),
  'message.ack': data({ client_id: Type.String(), message: MessageData }),

  // Transient signals.
  presence: data({
    user_id: Id,
    is_online: Type.Boolean(),
    status: oneOf('online', 'away', 'busy', 'offline'),
    status_message: Type.String(),
    last_seen: Nullable(Time),
    timestamp: Time,
  }),
  typing: data({ chat_id: Id, user_id: Id, is_typing: Type.Boolean(), timestamp: Time }),
  'call.offer': data({ ...callParties, sdp: Type.String(), from_user: Sender, timestamp: Time }),
  'call.ringing': data({ ...callParties, client_id: Type.Optional(Type.String()), timestamp: Time }),
  'call.answer': data({ call_id: Type.String(), from_user_id: Id, to_user_id: Id, sdp: Type.String(), timestamp: Time }),
  'call.ice': data({
    call_id: Type.String(),
    from_user_id: Id,
    to_user_id: Id,
    candidate: Type.String(),
    sdp_mid: Nullable(Type.String()),
    sdp_mline_index: Nullable(Type.Integer()),
    timestamp: Time,
  }),
  'call.end': data({
    call_id: Type.String(),
    reason: CallEndReason,
    duration: Type.Integer({ minimum: 0 }),
    from_user_id: Id,
    to_user_id: Id,
    ended_by: Nullable(Id),
    client_id: Type.Optional(Type.String()),
    timestamp: Time,
  }),

  // Durable events: messages.
  'message.new': MessageNew,
  'message.edit': data(sharedMessage),
  'message.delete': data({ id: Id, chat_id: Id, deleted_at: Time, deleted_by: Nullable(Id), reason: oneOf('deleted', 'expired') }),
  'message.recalled': data({ id: Id, chat_id: Id, recalled_by: Id, recalled_at: Time }),
  'message.read': data({ id: Id, chat_id: Id, user_id: Id, read_at: Time }),
  'message.pinned': data({ id: Id, chat_id: Id, pinned_by: Id, pinned_at: Time }),
  'message.unpinned': data({ id: Id, chat_id: Id, unpinned_by: Id, unpinned_at: Time }),
  'message.hidden': data({ id: Id, chat_id: Id, hidden_at: Time }),
  'message.scheduled': data(sharedMessage),
  'message.unscheduled': data({ id: Id, chat_id: Id, reason: oneOf('sent', 'cancelled', 'dropped'), message_id: Nullable(Id), unscheduled_at: Time }),

  // Durable events: chats and members.
  'chat.created': data({ ...chatInfo, members_count: Type.Integer({ minimum: 0 }), members: Type.Array(SharedMember) }),
  'chat.updated': data({ ...chatInfo, changes: Type.Array(Type.String()), updated_by: Nullable(Id) }),
  'member.added': data({ chat_id: Id, members: Type.Array(SharedMember), added_by: Nullable(Id) }),
  'member.removed': data({ chat_id: Id, user_id: Id, reason: oneOf('left', 'removed'), removed_by: Nullable(Id), removed_at: Time }),
  'member.updated': data({ ...memberFields, updated_by: Nullable(Id) }),

  // Durable events: the user and their contacts.
  'user.updated': closed(Me),
  'contact.added': closed(ContactEntry),
  'contact.updated': closed(ContactEntry),
  'contact.removed': data({ user_id: Id, contact_id: Id, removed_at: Time }),
};
