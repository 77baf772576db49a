import { Type, type Static } from 'typebox';
import { Nullable } from '../kit/fields.ts';

/** The document's response data, section by section. Ids are strings, times ISO 8601 in UTC. */

const Id = Type.String({ minLength: 1, examples: ['12345'] });
const Time = Type.String({ format: 'date-time', examples: ['2024-01-15T10:30:00.000Z'] });

export const UserStatus = Type.Union([Type.Literal('online'), Type.Literal('busy'), Type.Literal('away'), Type.Literal('offline')]);
export const MessageType = Type.Union([Type.Literal('text'), Type.Literal('image'), Type.Literal('file'), Type.Literal('audio'), Type.Literal('video')]);
export const ChatType = Type.Union([Type.Literal('private'), Type.Literal('group')]);
export const FileType = Type.Union([Type.Literal('image'), Type.Literal('document'), Type.Literal('audio'), Type.Literal('video')]);

// 用户
export const User = Type.Object({
  id: Id,
  email: Type.String(),
  name: Type.String(),
  avatar: Type.String({ description: '"" when none' }),
  department: Type.String({ description: 'the name of the user\'s department, "" when none' }),
  position: Type.String({ description: '"" when none' }),
  permissions: Type.Array(Type.String()),
  status: UserStatus,
});
export const FoundUser = Type.Object({ id: Id, name: Type.String(), avatar: Type.String(), department: Type.String(), position: Type.String(), status: UserStatus });

// 认证
export const Tokens = Type.Object({ accessToken: Type.String(), refreshToken: Type.String(), expiresIn: Type.Integer({ description: 'seconds' }), user: User });

// 消息
export const ReadInfo = Type.Object({ userId: Id, readAt: Time });
export const Message = Type.Object({
  id: Id,
  chatId: Id,
  senderId: Id,
  type: MessageType,
  content: Type.String(),
  timestamp: Time,
  status: Type.Union([Type.Literal('sent'), Type.Literal('read')]),
  readBy: Type.Array(ReadInfo),
  replyTo: Nullable(Id),
  metadata: Type.Record(Type.String(), Type.Unknown(), { description: 'the metadata sent, {} when none' }),
});

// 聊天会话
export const Participant = Type.Object({ id: Id, name: Type.String(), status: UserStatus });
export const LastMessage = Type.Object({ id: Id, senderId: Id, content: Type.String(), timestamp: Time });
export const Chat = Type.Object({
  id: Id,
  type: ChatType,
  name: Type.String(),
  avatar: Type.String(),
  participants: Type.Array(Participant),
  lastMessage: Nullable(LastMessage),
  unreadCount: Type.Integer({ minimum: 0 }),
  updatedAt: Time,
});

// 通讯录
export const Member = Type.Object({ id: Id, name: Type.String(), position: Type.String(), avatar: Type.String(), status: UserStatus });
export interface DepartmentShape {
  id: string;
  name: string;
  parentId: string | null;
  level: number;
  children: DepartmentShape[];
  members: Static<typeof Member>[];
  memberCount: number;
}
export const Department = Type.Cyclic(
  {
    Department: Type.Object({
      id: Id,
      name: Type.String(),
      parentId: Nullable(Id),
      level: Type.Integer({ minimum: 1 }),
      children: Type.Array(Type.Ref('Department')),
      members: Type.Array(Member),
      memberCount: Type.Integer({ minimum: 0, description: 'people in this department and all its sub-departments' }),
    }),
  },
  'Department',
);

// 文件
export const File = Type.Object({
  id: Id,
  name: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  type: FileType,
  mimeType: Type.String({ description: 'sniffed from the bytes' }),
  url: Type.String(),
  thumbnailUrl: Nullable(Type.String()),
  uploadedAt: Time,
});

// 数据同步
export const SyncType = Type.Union([Type.Literal('messages'), Type.Literal('chats'), Type.Literal('users')]);
export const Change = Type.Object({
  id: Id,
  type: SyncType,
  action: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('delete')]),
  data: Type.Unknown({ description: 'the entity as this API shows it elsewhere; {id, chatId} for a deleted message, {id} for a chat the caller left' }),
  timestamp: Time,
  version: Type.Integer({ description: 'increases along the stream' }),
});
export const Changes = Type.Object({ changes: Type.Array(Change), hasMore: Type.Boolean(), nextToken: Type.String({ description: 'opaque: pass it back as since or nextToken' }) });
const ErrorInfo = Type.Object({ code: Type.String(), message: Type.String() });
export const UploadResult = Type.Union([
  Type.Object({ clientId: Type.String(), status: Type.Literal('applied'), id: Id }),
  Type.Object({ clientId: Type.String(), status: Type.Literal('failed'), error: ErrorInfo }),
]);
export const Uploaded = Type.Object({
  results: Type.Array(UploadResult),
  processed: Type.Array(Type.String(), { description: 'the clientIds applied' }),
  conflicts: Type.Array(Type.Unknown(), { description: 'always empty: creates do not conflict (kept for the origin client)' }),
});

// 健康检查
const Health3 = Type.Union([Type.Literal('healthy'), Type.Literal('unhealthy'), Type.Literal('not_configured')]);
export const Health = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  timestamp: Time,
  version: Type.String(),
  services: Type.Object({ database: Health3, redis: Health3, websocket: Health3 }),
});
