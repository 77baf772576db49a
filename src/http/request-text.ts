import { isUtf8 } from 'node:buffer';
import { AppError } from '../domain/errors.ts';

/**
 * Text that arrives from clients must be Unicode as sent: bytes that are not UTF-8 would be stored
 * as U+FFFD (the sender's text, silently altered), and a lone surrogate (`"\ud800"` in JSON) is
 * not a character at all — it counts as one toward a length limit and becomes three replacement
 * characters on the way to the database. Both are refused before anything reads the request.
 */

/** The JSON text of a request body or frame, refused unless it is UTF-8. */
export function utf8Text(bytes: Buffer, what: string): string {
  if (!isUtf8(bytes)) throw new AppError('BAD_REQUEST', `${what} is not valid UTF-8 text`);
  return bytes.toString('utf8');
}

// A lone surrogate can only come from a \u escape (UTF-8 cannot encode one), so parsed JSON is
// searched only when its text has such an escape.
const surrogateEscape = /\\u[dD][89a-fA-F]/;

// Node 20 has String.prototype.isWellFormed; TypeScript lists it only from lib ES2024, which
// would also admit APIs that Node 20 lacks.
const wellFormed = (s: string): boolean => (s as string & { isWellFormed(): boolean }).isWellFormed();

// JSON.parse reads a number too large for a double (1e999) as Infinity, which no schema refuses
// and JSON.stringify writes back as null; only a long exponent or a very long number can do it.
const overflowingNumber = /[eE][+-]?[0-9]{3}|[0-9]{309}/;

const loneSurrogate = 'is not valid Unicode text (it holds a lone surrogate)';
const notFinite = 'is a number too large to represent';

/** The first string, key or number the JSON text could not carry faithfully, with why. Walks with its own stack: a hostile body may nest deeper than the call stack goes. */
function firstUnfaithful(root: unknown): { path: string; message: string } | undefined {
  const pending: [unknown, string][] = [[root, '']];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === 'string') {
      if (!wellFormed(value)) return { path, message: loneSurrogate };
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { path, message: notFinite };
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, v] of Object.entries(value)) {
        const at = path ? `${path}.${key}` : key;
        if (!wellFormed(key)) return { path: at, message: loneSurrogate };
        pending.push([v, at]);
      }
    }
  }
  return undefined;
}

/**
 * Refuses parsed JSON holding what its text cannot mean: a string (or key) with a lone surrogate,
 * or a number beyond a double's range; the problem names the field.
 */
export function checkWellFormed(text: string, value: unknown, root: string): void {
  if (!surrogateEscape.test(text) && !overflowingNumber.test(text)) return;
  const found = firstUnfaithful(value);
  if (found) throw AppError.validation([{ field: found.path || root, message: found.message }]);
}

/** Multipart text is decoded before Parley sees it: invalid bytes arrive as U+FFFD. */
export function checkDecodedText(field: string, value: string): void {
  if (value.includes('\uFFFD')) throw AppError.validation([{ field, message: 'is not valid UTF-8 text' }]);
}

/** Whether a raw query string's percent-escapes decode to UTF-8 text. */
export function isDecodableQuery(raw: string): boolean {
  if (!raw.includes('%')) return true;
  try {
    decodeURIComponent(raw);
    return true;
  } catch {
    return false;
  }
}
