import { Type, type TSchema } from 'typebox';
import { limits } from '../../domain/validation.ts';

/** Schemas every document needs, built from the core's field rules (src/domain/validation.ts). */

export const Time = Type.String({ format: 'date-time', examples: ['2024-12-19T10:30:00Z'] });
export const Id = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

export const Empty = Type.Object({});

/** `schema` with `additionalProperties: false` on it and on every object inside it. */
export function closed<T extends TSchema>(schema: T): T {
  const s = schema as unknown as Record<string, unknown>;
  // Descriptors, not a spread: TypeBox keeps its markers (`~kind`, `~optional`) non-enumerable.
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(s)) as Record<string, unknown>;
  if (s.type === 'object' && s.properties) {
    copy.properties = Object.fromEntries(Object.entries(s.properties as Record<string, TSchema>).map(([k, v]) => [k, closed(v)]));
    copy.additionalProperties = false;
  }
  if (s.items) copy.items = closed(s.items);
  for (const k of ['anyOf', 'allOf', 'oneOf']) if (Array.isArray(s[k])) copy[k] = (s[k] as TSchema[]).map(closed);
  return copy as unknown as T;
}


/** Request fields with the core's limits; a profile names them as its document does. */
export const field = {
  phone: Type.String({ pattern: limits.phone.pattern, maxLength: 32, examples: ['13800138000'] }),
  password: Type.String({ minLength: limits.password.minLength, maxLength: limits.password.maxLength }),
  /** A password to check, not to set: any length up to the maximum (a wrong one is WRONG_PASSWORD). */
  loginPassword: Type.String({ maxLength: limits.password.maxLength }),
  username: Type.String({ pattern: limits.username.pattern, minLength: limits.username.minLength, maxLength: limits.username.maxLength }),
  email: Type.String({ format: 'email', maxLength: limits.email.maxLength }),
  nickname: Type.String({ minLength: limits.nickname.minLength, maxLength: limits.nickname.maxLength }),
  code: Type.String({ pattern: limits.code.pattern }),
  loginCode: Type.String({ maxLength: 16 }),
  bio: Type.String({ maxLength: limits.bio.maxLength }),
  avatar: Type.String({ maxLength: limits.avatar.maxLength }),
  statusMessage: Type.String({ maxLength: limits.statusMessage.maxLength }),
  language: Type.String({ pattern: limits.language.pattern, maxLength: limits.language.maxLength }),
  contactNickname: Type.String({ maxLength: limits.contactNickname.maxLength }),
  deviceId: Type.String({ maxLength: limits.deviceId.maxLength }),
  clientId: Type.String({ minLength: limits.clientId.minLength, maxLength: limits.clientId.maxLength }),
  messageContent: Type.String({ maxLength: limits.messageContent.maxLength }),
  fileName: Type.String({ maxLength: limits.fileName.maxLength }),
  chatName: Type.String({ minLength: limits.chatName.minLength, maxLength: limits.chatName.maxLength }),
  chatDescription: Type.String({ maxLength: limits.chatDescription.maxLength }),
  announcement: Type.String({ maxLength: limits.announcement.maxLength }),
  ttl: Type.Integer({ minimum: 0, maximum: limits.ttl.max }),
  userStatus: Type.Union([Type.Literal('online'), Type.Literal('away'), Type.Literal('busy'), Type.Literal('offline')]),
  theme: Type.Union([Type.Literal('light'), Type.Literal('dark'), Type.Literal('auto')]),
  searchQuery: Type.String({ minLength: limits.searchQuery.minLength, maxLength: limits.searchQuery.maxLength }),
  messageSearch: Type.String({ minLength: limits.messageSearch.minLength, maxLength: limits.messageSearch.maxLength }),
  /** Names from the top separated by `/`; the service checks each name. */
  departmentPath: Type.String({ maxLength: limits.departmentPath.maxLength, examples: ['技术部/前端组'] }),
  position: Type.String({ maxLength: limits.position.maxLength }),
};
