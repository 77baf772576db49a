import { AppError, type FieldProblem } from './errors.ts';

/**
 * Field rules shared by every profile: profiles put the same limits in their request schemas (for
 * early, documented errors) and services check them again, since not every path has a schema.
 */
export const limits = {
  phone: { pattern: '^\\+?[0-9]{5,20}$' },
  username: { pattern: '^[A-Za-z0-9_.-]{3,32}$', minLength: 3, maxLength: 32 },
  email: { maxLength: 254 },
  password: { minLength: 8, maxLength: 128 },
  nickname: { minLength: 1, maxLength: 64 },
  bio: { maxLength: 500 },
  avatar: { maxLength: 2048 },
  statusMessage: { maxLength: 140 },
  language: { pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$', maxLength: 35 },
  code: { pattern: '^[0-9]{6}$' },
  contactNickname: { maxLength: 64 },
  searchQuery: { minLength: 1, maxLength: 64 },
  deviceId: { maxLength: 128 },
  chatName: { minLength: 1, maxLength: 64 },
  chatDescription: { maxLength: 500 },
  announcement: { maxLength: 2000 },
  /** Users named in one create or add-members request. */
  membersPerRequest: { maxItems: 500 },
  /** Characters of a message's text. */
  messageContent: { maxLength: 10_000 },
  fileName: { maxLength: 255 },
  clientId: { minLength: 1, maxLength: 64 },
  /** A client's own metadata kept with a message, as JSON text. */
  clientMetadata: { maxLength: 4096 },
  /** Self-destruct delay in seconds: up to a week. */
  ttl: { max: 7 * 86_400 },
  /** How far ahead a message may be scheduled: a year. */
  scheduleHorizonMs: 366 * 86_400_000,
  messageSearch: { minLength: 1, maxLength: 100 },
  departmentName: { minLength: 1, maxLength: 64 },
  /** Departments from the top to the deepest. */
  departmentDepth: { max: 10 },
  /** A path of departmentDepth names with room for spaces around the slashes. */
  departmentPath: { maxLength: 1000 },
  position: { maxLength: 64 },
} as const;

const phoneRe = new RegExp(limits.phone.pattern);
const usernameRe = new RegExp(limits.username.pattern);
const languageRe = new RegExp(limits.language.pattern);
const emailRe = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// No spaces or control characters: browsers drop them while parsing, so `java\tscript:` passes
// a naive check and still runs.
const linkCharacters = /^[^\s\p{Cc}]+$/u;

function isSafeLink(v: string): boolean {
  if (!linkCharacters.test(v) || v.includes('\\')) return false;
  if (v.startsWith('/')) return !v.startsWith('//');
  try {
    const url = new URL(v);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Removes the spaces, dashes and brackets people type in phone numbers. */
export function normalizePhone(raw: string): string {
  return raw.replace(/[\s\-().]/g, '');
}

export class Checker {
  private readonly problems: FieldProblem[] = [];

  check(ok: boolean, field: string, message: string): this {
    if (!ok) this.problems.push({ field, message });
    return this;
  }

  phone(field: string, v: string | undefined | null): this {
    return v == null ? this : this.check(phoneRe.test(v), field, 'must be a phone number of 5 to 20 digits, optionally starting with +');
  }

  username(field: string, v: string | undefined | null): this {
    return v == null ? this : this.check(usernameRe.test(v), field, 'must be 3 to 32 letters, digits, dots, dashes or underscores');
  }

  email(field: string, v: string | undefined | null): this {
    return v == null ? this : this.check(v.length <= limits.email.maxLength && emailRe.test(v), field, 'must be an email address');
  }

  password(field: string, v: string | undefined | null): this {
    return v == null
      ? this
      : this.check(
          v.length >= limits.password.minLength && v.length <= limits.password.maxLength,
          field,
          `must be ${limits.password.minLength} to ${limits.password.maxLength} characters`,
        );
  }

  length(field: string, v: string | undefined | null, min: number, max: number): this {
    if (v == null) return this;
    const n = [...v].length;
    return this.check(n >= min && n <= max, field, min > 0 ? `must be ${min} to ${max} characters` : `must be at most ${max} characters`);
  }

  language(field: string, v: string | undefined | null): this {
    return v == null ? this : this.check(v.length <= limits.language.maxLength && languageRe.test(v), field, 'must be a language tag such as zh-CN');
  }

  /**
   * A link a client will render (an avatar): an http(s) URL, or a path on this server such as a
   * file link. Anything else (`javascript:`, `data:`, `//host`) could run or load what the user
   * never chose when another client shows it.
   */
  link(field: string, v: string | undefined | null): this {
    if (v == null || v === '') return this;
    return this.check(v.length <= limits.avatar.maxLength && isSafeLink(v), field, 'must be an http(s) URL or a link to a file on this server');
  }

  oneOf(field: string, v: string | undefined | null, allowed: readonly string[]): this {
    return v == null ? this : this.check(allowed.includes(v), field, `must be one of ${allowed.join(', ')}`);
  }

  done(): void {
    if (this.problems.length > 0) throw AppError.validation(this.problems);
  }
}
