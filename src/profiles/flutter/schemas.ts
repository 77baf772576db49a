import { Type } from 'typebox';
import { Nullable } from '../kit/fields.ts';

/** The document's response data, section by section. Ids are strings; a field with no value is null (C3). */

const Id = Type.String({ minLength: 1, examples: ['12345'] });
const Time = Type.String({ format: 'date-time', examples: ['2023-06-10T15:30:00.000Z'] });
const Text = Nullable(Type.String());
const Avatar = Nullable(Type.String({ description: 'an absolute URL, null until there is one' }));

export const UserStatus = Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('busy'), Type.Literal('offline')]);
export const ConversationType = Type.Union([Type.Literal('private'), Type.Literal('group')]);
export const MessageType = Type.Union([Type.Literal('text'), Type.Literal('image'), Type.Literal('video'), Type.Literal('audio'), Type.Literal('file')]);
export const MediaType = MessageType;
export const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);

// 2. 认证API
export const RegisterData = Type.Object({ user_id: Id, username: Type.String(), token: Type.String() });
export const LoginData = Type.Object({ user_id: Id, username: Type.String(), token: Type.String(), refresh_token: Type.String() });
export const TokenData = Type.Object({ token: Type.String(), refresh_token: Type.String() });

// 3. 用户API
export const MeData = Type.Object({
  user_id: Id,
  username: Type.String(),
  email: Text,
  nickname: Text,
  avatar: Avatar,
  status: UserStatus,
  status_message: Text,
  created_at: Time,
});
export const UpdatedMeData = Type.Object({ user_id: Id, username: Type.String(), nickname: Text, avatar: Avatar, status_message: Text });
export const FoundUser = Type.Object({ user_id: Id, username: Type.String(), nickname: Text, avatar: Avatar });

// 4. 联系人API
const contactFields = { user_id: Id, username: Type.String(), nickname: Text, remark: Text, avatar: Avatar, status: UserStatus };
export const Contact = Type.Object({ ...contactFields, last_online: Nullable(Time) });
export const AddedContact = Type.Object(contactFields);
export const UpdatedContact = Type.Object({ user_id: Id, remark: Text });

// 8. 多媒体消息
export const Media = Type.Object({
  media_id: Id,
  url: Type.String({ description: 'absolute; downloads with a Bearer token' }),
  type: MediaType,
  size: Type.Integer({ minimum: 0 }),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  duration: Nullable(Type.Integer({ description: 'playing time in whole seconds (audio and video, where the container tells it)' })),
  filename: Type.String(),
});

// 5. 对话API
export const LastMessage = Type.Object({ message_id: Id, sender_id: Id, sender_name: Type.String(), content: Type.String(), type: MessageType, created_at: Time });
export const Conversation = Type.Object({
  conversation_id: Id,
  type: ConversationType,
  target_id: Id,
  target_name: Type.String(),
  avatar: Avatar,
  last_message: Nullable(LastMessage),
  unread_count: Type.Integer({ minimum: 0 }),
});
export const CreatedConversation = Type.Object({ conversation_id: Id, type: ConversationType, target_id: Id, target_name: Type.String(), created_at: Time });

export const MessageStatus = Type.Union([Type.Literal('sent'), Type.Literal('read')]);
/** What every form of a message carries; media messages add `caption` and `media` (C24). */
export const messageFields = {
  message_id: Id,
  conversation_id: Id,
  sender_id: Id,
  sender_name: Type.String(),
  content: Type.String(),
  type: MessageType,
  created_at: Time,
  caption: Type.Optional(Text),
  media: Type.Optional(Media),
};
export const Message = Type.Object({ ...messageFields, status: MessageStatus, updated_at: Time });
export const SentMessage = Type.Object({ ...messageFields, status: MessageStatus, temp_id: Type.Optional(Type.String()) });

// 6. 群组API
export const Group = Type.Object({
  group_id: Id,
  name: Type.String(),
  avatar: Avatar,
  owner_id: Id,
  member_count: Type.Integer({ minimum: 0 }),
  announcement: Text,
  created_at: Time,
});
export const GroupMember = Type.Object({ user_id: Id, username: Type.String(), nickname: Text, avatar: Avatar, role: Role, joined_at: Time });
export const UpdatedGroup = Type.Object({ group_id: Id, name: Type.String(), announcement: Text, avatar: Avatar });
export const Invited = Type.Object({ success: Type.Boolean(), invited_users: Type.Array(Id) });
