/**
 * What may be printed of text that can carry a secret: request URLs in logs (WebSocket clients put
 * their token in the query string) and configuration values in error messages (a password inside
 * DATABASE_URL). Shared by the logger, the request log and the configuration, so each masks the
 * same way.
 */

export const redacted = '[redacted]';

/** Query parameters whose value is, or may be, a credential. Broad on purpose: masking a harmless value costs nothing. */
const secretParam = /token|secret|pass|pwd|key|sig|auth|cred|code|session/i;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** The URL (or path and query) with the value of every credential-like query parameter masked. */
export function redactQuery(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const pairs = url
    .slice(start + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq >= 0 && secretParam.test(decoded(pair.slice(0, eq))) ? `${pair.slice(0, eq + 1)}${redacted}` : pair;
    });
  return `${url.slice(0, start + 1)}${pairs.join('&')}`;
}

/**
 * The URL with the password of its user info masked (the user name kept) and its credential-like
 * query values masked. It does not rely on the text being a valid URL (a configuration value
 * being reported is often not one), so the user info runs to the last `@`: a password holding
 * `/`, `?` or `@` is still masked whole, at the cost of masking more than needed in a URL that
 * has an `@` in its query.
 */
export function redactUrl(text: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(text);
  const at = text.lastIndexOf('@');
  let shown = text;
  if (scheme && at > scheme[0].length) {
    const userInfo = text.slice(scheme[0].length, at);
    const colon = userInfo.indexOf(':');
    if (colon >= 0) shown = `${scheme[0]}${userInfo.slice(0, colon)}:${redacted}${text.slice(at)}`;
  }
  return redactQuery(shown);
}
