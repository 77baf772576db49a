// The session the chat client keeps (same key, same shape), so one sign-in serves both pages.
const KEY = 'parley.session';

export interface SessionUser {
  id: number;
  nickname?: string;
  username?: string;
  phone?: string;
  [field: string]: unknown;
}

export interface Session {
  token: string;
  user: SessionUser;
}

export function loadSession(): Session | null {
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<Session> | null;
    return parsed && typeof parsed.token === 'string' && parsed.user ? (parsed as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  localStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}
