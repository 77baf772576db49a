import { Type } from 'typebox';
import { Time } from '../kit/fields.ts';

/** Response shapes of the document's 用户认证 / 用户管理 / 联系人管理 sections. */

/** The user object of the login and register responses. */
export const SessionUser = Type.Object({
  id: Type.Integer(),
  phone: Type.String(),
  username: Type.String(),
  nickname: Type.String(),
  avatar: Type.String(),
  online: Type.Boolean(),
  last_seen: Time,
});

export const Me = Type.Object({
  id: Type.Integer(),
  phone: Type.String(),
  email: Type.String(),
  username: Type.String(),
  nickname: Type.String(),
  bio: Type.String(),
  avatar: Type.String(),
  online: Type.Boolean(),
  status: Type.String({ description: 'chosen status: online, away, busy or offline (appear offline)' }),
  status_message: Type.String(),
  last_seen: Time,
  language: Type.String(),
  theme: Type.String(),
  created_at: Time,
  updated_at: Time,
});

/** Another user's public fields; phone and email appear only between mutual contacts. */
export const PublicUser = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  nickname: Type.String(),
  avatar: Type.String(),
  bio: Type.String(),
  online: Type.Boolean(),
  status: Type.String(),
  status_message: Type.String(),
  last_seen: Time,
  is_contact: Type.Boolean(),
  phone: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
});

export const ContactUser = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  nickname: Type.String(),
  avatar: Type.String(),
  online: Type.Boolean(),
  last_seen: Time,
  phone: Type.Optional(Type.String()),
});

export const ContactRecord = Type.Object({
  id: Type.Integer(),
  user_id: Type.Integer(),
  contact_id: Type.Integer(),
  nickname: Type.String(),
  is_blocked: Type.Boolean(),
  is_muted: Type.Boolean(),
  created_at: Time,
});

export const ContactEntry = Type.Object({ ...ContactRecord.properties, contact: ContactUser });

export const TokenData = Type.Object({
  access_token: Type.String(),
  token: Type.String({ description: 'alias of access_token' }),
  refresh_token: Type.String(),
  expires_in: Type.Integer({ description: 'seconds until the access token expires' }),
});

export const AuthData = Type.Object({ user: SessionUser, ...TokenData.properties });
