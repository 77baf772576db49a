import { Type } from 'typebox';
import { limits } from '../../domain/validation.ts';

/** Response and request shapes of the document, reused by the routes and the OpenAPI document. */

const Time = Type.String({ format: 'date-time', examples: ['2024-12-19T10:30:00Z'] });
const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

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

export const UserIdParams = Type.Object({ user_id: Id });
export const ContactIdParams = Type.Object({ contact_id: Id });

export const Paging = (defaultLimit: number, maxLimit = 100) => ({
  limit: Type.Integer({ minimum: 1, maximum: maxLimit, default: defaultLimit }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
});

export const field = {
  phone: Type.String({ pattern: limits.phone.pattern, maxLength: 32, examples: ['13800138000'] }),
  password: Type.String({ minLength: limits.password.minLength, maxLength: limits.password.maxLength }),
  loginPassword: Type.String({ maxLength: limits.password.maxLength }),
  username: Type.String({ pattern: limits.username.pattern, minLength: limits.username.minLength, maxLength: limits.username.maxLength }),
  email: Type.String({ format: 'email', maxLength: limits.email.maxLength }),
  nickname: Type.String({ minLength: limits.nickname.minLength, maxLength: limits.nickname.maxLength }),
  code: Type.String({ pattern: limits.code.pattern, description: 'the 6-digit code from POST /api/auth/code' }),
  loginCode: Type.String({ maxLength: 16 }),
  bio: Type.String({ maxLength: limits.bio.maxLength }),
  avatar: Type.String({ maxLength: limits.avatar.maxLength }),
  statusMessage: Type.String({ maxLength: limits.statusMessage.maxLength }),
  language: Type.String({ pattern: limits.language.pattern, maxLength: limits.language.maxLength }),
  contactNickname: Type.String({ maxLength: limits.contactNickname.maxLength }),
  deviceId: Type.String({ maxLength: limits.deviceId.maxLength }),
};
