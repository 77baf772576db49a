/** Domain objects as services hand them to profiles. Times are epoch milliseconds. */

export type UserStatus = 'online' | 'away' | 'busy' | 'offline';
export const userStatuses: readonly UserStatus[] = ['online', 'away', 'busy', 'offline'];
export type Theme = 'light' | 'dark' | 'auto';
export const themes: readonly Theme[] = ['light', 'dark', 'auto'];

export interface User {
  id: number;
  phone: string | null;
  email: string | null;
  username: string | null;
  nickname: string;
  bio: string;
  avatar: string;
  /** The status the user chose; presence decides whether they are shown online at all. */
  status: UserStatus;
  statusMessage: string;
  language: string;
  theme: Theme;
  position: string;
  departmentId: number | null;
  permissions: string[];
  isDisabled: boolean;
  createdAt: number;
  updatedAt: number;
  lastSeenAt: number | null;
  lastLoginAt: number | null;
}

export interface DeviceInfo {
  deviceId?: string;
  platform?: string;
  version?: string;
  model?: string;
  userAgent?: string;
  ip?: string;
}

export interface Session {
  id: string;
  userId: number;
  deviceId: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export interface Contact {
  id: number;
  ownerId: number;
  contactUserId: number;
  nickname: string;
  isBlocked: boolean;
  isMuted: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface ContactWithUser extends Contact {
  user: User;
}

/** What a viewer may see of another user, decided by the user service. */
export interface UserView {
  user: User;
  /** The viewer has this user in their contacts. */
  isContact: boolean;
  /** Both have each other as contacts: phone and email become visible. */
  isMutual: boolean;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface PageRequest {
  limit: number;
  offset: number;
}
