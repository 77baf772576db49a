import { Type } from 'typebox';
import { Nullable, Time } from '../kit/fields.ts';

/** Response shapes of the document, section by section. */

const Id = Type.Integer();
export const Status = Type.Union([Type.Literal('online'), Type.Literal('offline'), Type.Literal('away')]);
export const MessageType = Type.Union([Type.Literal('text'), Type.Literal('image'), Type.Literal('file'), Type.Literal('audio'), Type.Literal('video')]);
const Avatar = Nullable(Type.String({ description: 'null until the user has one' }));

export const RegisterData = Type.Object({
  user_id: Id,
  username: Type.String(),
  email: Type.String(),
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
});

export const TokenData = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ minimum: 1, description: 'seconds until the access token expires' }),
});

export const LoginData = Type.Object({
  ...TokenData.properties,
  user: Type.Object({ id: Id, username: Type.String(), email: Type.String(), avatar: Avatar }),
});

export const ProfileData = Type.Object({
  id: Id,
  username: Type.String(),
  email: Type.String(),
  avatar: Avatar,
  status: Status,
  created_at: Time,
  last_login: Nullable(Time),
});

export const UpdatedProfileData = Type.Object({ id: Id, username: Type.String(), email: Type.String(), avatar: Avatar });
export const StatusData = Type.Object({ status: Status });

export const Friend = Type.Object({ id: Id, username: Type.String(), avatar: Avatar, status: Status, last_seen: Nullable(Time) });
export const FoundUser = Type.Object({ id: Id, username: Type.String(), avatar: Avatar, is_friend: Type.Boolean() });
export const ReceivedRequest = Type.Object({ request_id: Id, from_user_id: Id, from_username: Type.String(), message: Type.String(), created_at: Time });

export const SentMessage = Type.Object({
  id: Id,
  sender_id: Id,
  receiver_id: Id,
  content: Type.String(),
  message_type: MessageType,
  timestamp: Time,
  is_encrypted: Type.Boolean(),
});
export const Message = Type.Object({ ...SentMessage.properties, is_read: Type.Boolean() });

export const AvatarData = Type.Object({ avatar_url: Type.String() });
export const FileData = Type.Object({ file_url: Type.String(), file_name: Type.String(), file_size: Type.Integer(), file_type: Type.String() });

export const PublicKeyData = Type.Object({ user_id: Id, public_key: Type.String() });
export const OwnKeysData = Type.Object({ user_id: Id, public_key: Type.String(), private_key_encrypted: Type.String() });
