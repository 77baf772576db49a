import type { SessionUser } from './types.ts';

/**
 * The signed-in session, shared with the admin console: `parley.session` holds
 * `{token, user}` so that an admin signed into the client is signed into the console too. The
 * refresh token lives in a key of its own, which the console need not know about.
 */
export interface Session {
  token: string;
  user: SessionUser;
}

const SESSION_KEY = 'parley.session';
const REFRESH_KEY = 'parley.refresh';

/** The last entry read and what it parsed to: file links ask for the token at every render. */
let lastRead: { raw: string | null; session: Session | null } | undefined;

export function loadSession(): Session | null {
  const raw = localStorage.getItem(SESSION_KEY);
  if (lastRead?.raw !== raw) lastRead = { raw, session: parseSession(raw) };
  return lastRead.session;
}

function parseSession(raw: string | null): Session | null {
  try {
    const parsed: unknown = JSON.parse(raw ?? 'null');
    if (parsed && typeof parsed === 'object' && 'token' in parsed && 'user' in parsed && typeof parsed.token === 'string') return parsed as Session;
  } catch {
    // a corrupt entry is as good as none
  }
  return null;
}

export function saveSession(session: Session, refreshToken?: string): void {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  if (refreshToken !== undefined) localStorage.setItem(REFRESH_KEY, refreshToken);
}

export function loadRefreshToken(): string | null {
  return localStorage.getItem(REFRESH_KEY);
}

export function clearSession(): void {
  localStorage.removeItem(SESSION_KEY);
  localStorage.removeItem(REFRESH_KEY);
}
