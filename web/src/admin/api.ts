import { api } from '../lib/api.ts';
import { clearSession, saveSession, type Session } from '../lib/session.ts';

export { ApiError } from '../lib/api.ts';

// The console calls the API through the client's `api` (web/src/lib/api.ts), so an expired token
// is refreshed (under the same cross-tab lock) rather than wiping the session both pages share.

/** Which field an account name is: an email has @, a phone number is digits, else a username. */
function accountField(account: string): 'email' | 'phone' | 'username' {
  if (account.includes('@')) return 'email';
  return /^\+?[\d\s-]{5,}$/.test(account) ? 'phone' : 'username';
}

export async function signIn(account: string, password: string): Promise<Session> {
  const trimmed = account.trim();
  const field = accountField(trimmed);
  const data = await api<{ access_token: string; refresh_token: string; user: Session['user'] }>('POST', '/api/auth/login', {
    [field]: field === 'phone' ? trimmed.replace(/[\s-]/g, '') : trimmed,
    password,
    device_id: 'parley-admin-console',
  });
  const session = { token: data.access_token, user: data.user };
  // The refresh token too: without it the console's session could not outlive its access token.
  saveSession(session, data.refresh_token);
  return session;
}

export async function signOut(): Promise<void> {
  try {
    await api('POST', '/api/auth/logout');
  } catch {
    // Ended already: nothing to undo.
  }
  clearSession();
}

// The shapes below are the answers of the primary API's admin routes, as presented by
// src/profiles/zhihang/admin.ts and described in /openapi.json (tag `admin`); change them together.

export interface AdminUser {
  id: number;
  phone: string | null;
  email: string | null;
  username: string | null;
  nickname: string;
  is_admin: boolean;
  is_disabled: boolean;
  created_at: string;
  last_login_at: string | null;
  last_seen: string | null;
}

export interface UserPage {
  users: AdminUser[];
  total: number;
  has_more: boolean;
}

export interface Stats {
  users: { total: number; disabled: number; admins: number };
  chats: { private: number; group: number };
  messages: { total: number; last_24h: number };
  live_sessions: number;
  sockets_on_this_node: number | null;
  files: { count: number; bytes: number };
  database: string;
  node_id: string;
  uptime_seconds: number;
  version: string;
}

export interface Series {
  hours: { at: string; messages: number; sign_ins: number }[];
  connections: { at: string; count: number }[];
}

export interface Health {
  status: 'healthy' | 'degraded' | 'unhealthy';
  commit: string | null;
  services: { database: 'healthy' | 'unhealthy'; redis: 'healthy' | 'unhealthy' | 'not_configured' };
}

export interface ChatReport {
  id: number;
  name: string;
  type: string;
  announcement: string;
  created_at: string;
  last_activity_at: string;
  members_count: number;
  messages_count: number;
  members: { id: number; nickname: string; username: string; role: string }[];
}

/** /health is outside the envelope; 503 still carries its report. */
export async function health(): Promise<Health> {
  const res = await fetch('/health', { headers: { accept: 'application/json' } });
  return (await res.json()) as Health;
}

export interface MessageReport {
  id: number;
  chat_id: number;
  sender_id: number | null;
  sender_nickname: string | null;
  type: string;
  content: string;
  caption: string;
  is_encrypted: boolean;
  created_at: string;
  deleted_at: string | null;
}
