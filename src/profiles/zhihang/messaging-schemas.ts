import { Type } from 'typebox';
import { Nullable, Time } from '../kit/fields.ts';

/**
 * Shapes of the document's 聊天管理 / 消息管理 / 文件管理 sections. Fields the document shows come
 * first; the extensions (marked) follow in the same style.
 */


export const Sender = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  nickname: Type.String(),
  avatar: Type.String(),
});

export const MessageType = Type.Union(
  ['text', 'image', 'video', 'audio', 'document', 'system', 'call'].map((t) => Type.Literal(t)),
  { description: 'document is a file of any kind; system and call are written by the server' },
);

/** What a `call` message records of its call (extension). */
export const CallRecord = Type.Object({
  call_id: Type.String(),
  call_type: Type.String({ description: 'audio or video' }),
  reason: Type.String({ description: 'why it ended: user_hangup, cancelled, rejected, busy, timeout, unavailable or disconnected' }),
  duration: Type.Integer({ description: 'seconds talked; 0 when never answered' }),
  caller_id: Type.Integer(),
  callee_id: Type.Integer(),
  answered: Type.Boolean(),
});

export const MessageData = Type.Object({
  id: Type.Integer(),
  chat_id: Type.Integer(),
  sender_id: Nullable(Type.Integer()),
  content: Type.String(),
  type: Type.String(),
  file_name: Type.String(),
  file_size: Type.Integer(),
  file_url: Type.String(),
  thumbnail: Type.String(),
  is_read: Type.Boolean({ description: 'mine: another member has read it; theirs: I have read it' }),
  is_edited: Type.Boolean(),
  is_deleted: Type.Boolean(),
  is_pinned: Type.Boolean(),
  reply_to_id: Nullable(Type.Integer()),
  forward_from: Nullable(Type.Integer({ description: 'id of the original message' })),
  ttl: Type.Integer({ description: 'self-destruct delay in seconds, counted from sending (0: never)' }),
  send_at: Nullable(Time),
  is_silent: Type.Boolean(),
  created_at: Time,
  updated_at: Time,
  sender: Nullable(Sender),
  client_id: Nullable(Type.String({ description: 'extension: the idempotency key given at send' })),
  file_id: Nullable(Type.String({ description: 'extension' })),
  mime_type: Type.String({ description: 'extension: sniffed content type of the file' }),
  width: Nullable(Type.Integer({ description: 'extension' })),
  height: Nullable(Type.Integer({ description: 'extension' })),
  duration: Nullable(Type.Integer({ description: 'extension' })),
  expires_at: Nullable(Time),
  is_recalled: Type.Boolean({ description: 'extension: recalled by its sender (content removed)' }),
  is_scheduled: Type.Boolean({ description: 'extension: accepted for send_at, not delivered yet (id is the schedule id)' }),
  forward_sender_id: Nullable(Type.Integer({ description: 'extension: sender of the original message' })),
  forward_chat_id: Nullable(Type.Integer({ description: 'extension: chat of the original message' })),
  call: Type.Optional(CallRecord),
});

export const LastMessage = Type.Object({
  id: Type.Integer(),
  content: Type.String(),
  type: Type.String(),
  sender_id: Nullable(Type.Integer()),
  created_at: Time,
});

export const ChatData = Type.Object({
  id: Type.Integer(),
  name: Type.String({ description: "a private chat shows the other member's nickname" }),
  description: Type.String(),
  avatar: Type.String(),
  type: Type.String({ description: 'private or group' }),
  is_active: Type.Boolean(),
  is_pinned: Type.Boolean(),
  is_muted: Type.Boolean(),
  members_count: Type.Integer(),
  created_at: Time,
  updated_at: Time,
  last_message: Nullable(LastMessage),
  unread_count: Type.Integer(),
  announcement: Type.String({ description: 'extension' }),
  owner_id: Nullable(Type.Integer({ description: 'extension' })),
  peer_id: Nullable(Type.Integer({ description: 'extension: the other member of a private chat' })),
  role: Type.String({ description: 'extension: my role (owner, admin or member)' }),
});

export const ChatMember = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  nickname: Type.String(),
  avatar: Type.String(),
  role: Type.String(),
  joined_at: Time,
});

export const ChatDetail = Type.Object({ ...ChatData.properties, members: Type.Array(ChatMember) });

export const FileData = Type.Object({
  id: Type.String(),
  name: Type.String(),
  size: Type.Integer(),
  type: Type.String({ description: 'image, video, audio or document' }),
  url: Type.String(),
  thumbnail: Type.String(),
  created_at: Time,
  mime_type: Type.String({ description: 'extension: sniffed from the bytes' }),
  width: Nullable(Type.Integer({ description: 'extension' })),
  height: Nullable(Type.Integer({ description: 'extension' })),
});
