import { Type } from 'typebox';

/** The document's response data. Ids are strings; optional strings not set are "" (never null). */

const Id = Type.String({ minLength: 1, examples: ['42'] });
const Time = Type.String({ format: 'date-time', examples: ['2024-01-15T10:30:00.000Z'] });
/** An id or "" where the field does not apply (a private message's group, a group message's receiver). */
const IdOrEmpty = Type.String({ examples: ['42', ''] });

export const RegisterData = Type.Object({ user_id: Id, username: Type.String(), email: Type.String(), phone: Type.String(), created_at: Time });

export const LoginData = Type.Object({ token: Type.String(), user: Type.Object({ user_id: Id, username: Type.String(), email: Type.String() }) });

export const ProfileData = Type.Object({
  user_id: Id,
  username: Type.String(),
  email: Type.String(),
  phone: Type.String(),
  avatar: Type.String(),
  created_at: Time,
  updated_at: Time,
});

export const UpdatedProfileData = Type.Object({ user_id: Id, username: Type.String(), avatar: Type.String(), phone: Type.String(), updated_at: Time });

export const MessageType = Type.Union([Type.Literal('text'), Type.Literal('image'), Type.Literal('file')]);

export const messageFields = {
  message_id: Id,
  type: MessageType,
  content: Type.String(),
  sender_id: Id,
  receiver_id: IdOrEmpty,
  group_id: IdOrEmpty,
  created_at: Time,
};
export const MessageData = Type.Object(messageFields);

export const ReadBy = Type.Object({ user_id: Id, read_at: Time });
export const ListedMessage = Type.Object({ ...messageFields, read_by: Type.Array(ReadBy) });

export const GroupData = Type.Object({
  group_id: Id,
  name: Type.String(),
  description: Type.String(),
  avatar: Type.String(),
  creator_id: Id,
  created_at: Time,
});

export const MembersData = Type.Object({ group_id: Id, members: Type.Array(Id) });
