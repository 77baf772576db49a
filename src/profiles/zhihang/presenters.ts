import type { Static } from 'typebox';
import type { User } from '../../domain/types.ts';
import type { AuthResult, TokenPair } from '../../services/auth.ts';
import type { ContactView } from '../../services/contacts.ts';
import type { UserView } from '../../services/users.ts';
import { isoSeconds } from '../kit/time.ts';
import type { AuthData, ContactEntry, ContactRecord, ContactUser, Me, PublicUser, TokenData } from './schemas.ts';

const lastSeen = (u: User) => isoSeconds(u.lastSeenAt ?? u.createdAt);

export function tokens(pair: TokenPair): Static<typeof TokenData> {
  return { access_token: pair.accessToken, token: pair.accessToken, refresh_token: pair.refreshToken, expires_in: pair.expiresIn };
}

export function authData(result: AuthResult, online: boolean): Static<typeof AuthData> {
  const u = result.user;
  return {
    user: { id: u.id, phone: u.phone ?? '', username: u.username ?? '', nickname: u.nickname, avatar: u.avatar, online, last_seen: lastSeen(u) },
    ...tokens(result),
  };
}

export function me({ user: u, online }: UserView): Static<typeof Me> {
  return {
    id: u.id,
    phone: u.phone ?? '',
    email: u.email ?? '',
    username: u.username ?? '',
    nickname: u.nickname,
    bio: u.bio,
    avatar: u.avatar,
    online,
    status: u.status,
    status_message: u.statusMessage,
    last_seen: lastSeen(u),
    language: u.language,
    theme: u.theme,
    created_at: isoSeconds(u.createdAt),
    updated_at: isoSeconds(u.updatedAt),
  };
}

export function publicUser({ user: u, online, shownStatus, isContact }: UserView): Static<typeof PublicUser> {
  return {
    id: u.id,
    username: u.username ?? '',
    nickname: u.nickname,
    avatar: u.avatar,
    bio: u.bio,
    online,
    status: shownStatus,
    status_message: u.statusMessage,
    last_seen: lastSeen(u),
    is_contact: isContact,
    ...(u.phone !== null && { phone: u.phone }),
    ...(u.email !== null && { email: u.email }),
  };
}

export function contactUser({ user: u, online }: UserView): Static<typeof ContactUser> {
  return {
    id: u.id,
    username: u.username ?? '',
    nickname: u.nickname,
    avatar: u.avatar,
    online,
    last_seen: lastSeen(u),
    ...(u.phone !== null && { phone: u.phone }),
  };
}

export function contactRecord({ contact: c }: ContactView): Static<typeof ContactRecord> {
  return {
    id: c.id,
    user_id: c.ownerId,
    contact_id: c.contactUserId,
    nickname: c.nickname,
    is_blocked: c.isBlocked,
    is_muted: c.isMuted,
    created_at: isoSeconds(c.createdAt),
  };
}

export function contactEntry(v: ContactView): Static<typeof ContactEntry> {
  return { ...contactRecord(v), contact: contactUser(v.view) };
}
