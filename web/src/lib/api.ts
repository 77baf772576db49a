import { clearSession, loadRefreshToken, loadSession, saveSession } from './session.ts';

/** An answer the server refused (status ≥ 400), or a request that never reached it (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly fields: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Worth trying again later: the network, rate limits and server errors, not a refusal. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

type SignedOutListener = () => void;
let onSignedOut: SignedOutListener = () => {};

/** Called once the session is gone for good (revoked, disabled, refresh refused). */
export function whenSignedOut(listener: SignedOutListener): void {
  onSignedOut = listener;
}

interface Envelope {
  code?: number;
  message?: string;
  error?: string;
  data?: unknown;
  details?: { field: string; message: string }[];
}

async function send(method: string, path: string, body: unknown, token: string | undefined): Promise<Response> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    return await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 0, 'network unreachable');
  }
}

let refreshing: Promise<boolean> | null = null;

/** What a refresh exchange settled: a fresh token in store, or the session gone for good. */
async function exchange(staleToken: string): Promise<boolean> {
  // Another tab may have refreshed while this one waited for the lock: its pair is already
  // stored, and spending the old refresh token again would look like theft to the server.
  const session = loadSession();
  const refreshToken = loadRefreshToken();
  if (!session || !refreshToken) return false;
  if (session.token !== staleToken) return true;
  const res = await send('POST', '/api/auth/refresh', { refresh_token: refreshToken }, undefined);
  // Only a refusal means signed out; a busy or unreachable server is worth another try later.
  if (res.status === 400 || res.status === 401) return false;
  if (!res.ok) return unwrap<never>(res);
  const data = ((await res.json()) as Envelope).data as { access_token: string; refresh_token: string };
  saveSession({ ...session, token: data.access_token }, data.refresh_token);
  return true;
}

/**
 * Trades the refresh token for a new pair. Concurrent 401s in a tab share one exchange, and tabs
 * take turns under a Web Lock, since both spending one refresh token revokes the session.
 */
function refreshTokens(staleToken: string): Promise<boolean> {
  refreshing ??= (async () => {
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    if (!locks) return exchange(staleToken);
    return locks.request('parley-refresh', () => exchange(staleToken));
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

/** A zhihang API call: unwraps `data`, refreshes an expired token once, signs out on a lost session. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = loadSession()?.token;
  let res = await send(method, path, body, token);
  if (res.status === 401 && token) {
    const refreshed = await refreshTokens(token).catch((err: unknown) => {
      throw err instanceof ApiError ? err : new ApiError(0, 0, 'network unreachable');
    });
    if (refreshed) res = await send(method, path, body, loadSession()?.token);
    if (res.status === 401) {
      clearSession();
      onSignedOut();
    }
  }
  // No session at all: nothing to refresh, so the page must sign in again rather than wait.
  // The auth endpoints are exempt, as a 401 there is a wrong password, not a lost session.
  else if (res.status === 401 && !path.startsWith('/api/auth/')) onSignedOut();
  return unwrap<T>(res);
}

export async function unwrap<T>(res: Response): Promise<T> {
  let envelope: Envelope = {};
  try {
    envelope = (await res.json()) as Envelope;
  } catch {
    // a proxy's HTML error page: the status says enough
  }
  if (!res.ok) {
    const fields = envelope.details?.map((d) => d.field) ?? [];
    throw new ApiError(res.status, envelope.code ?? res.status, envelope.error ?? envelope.message ?? res.statusText, fields);
  }
  return envelope.data as T;
}

/**
 * A file link the server issued, made relative (it may name another origin behind a proxy) and
 * carrying the token, since <img> and download links cannot send an Authorization header, unless
 * the server signed it already.
 */
export function fileLink(url: string): string {
  if (!url) return '';
  const parsed = new URL(url, location.origin);
  const token = loadSession()?.token;
  // A signed link (sig=) is its own authorisation: the token would only leak further with it.
  if (token && !parsed.searchParams.has('sig')) parsed.searchParams.set('token', token);
  return parsed.pathname + parsed.search;
}

/** A multipart upload with progress (fetch cannot report upload progress). */
export function upload<T>(path: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    const token = loadSession()?.token;
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 0, 'network unreachable'));
    xhr.onload = () => {
      void unwrap<T>(new Response(xhr.responseText, { status: xhr.status })).then(resolve, reject);
    };
    xhr.send(form);
  });
}
