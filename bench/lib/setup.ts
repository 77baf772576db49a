import { randomInt } from 'node:crypto';
import { mapLimit, type HttpClient } from './http.ts';

/**
 * Users and chats made through the public API before a measurement, the way clients would: so a
 * run against `--url` (a server the harness did not start, maybe with other data) needs nothing
 * but the API. Phones and usernames carry the run's tag, so runs never collide.
 */

export interface BenchUser {
  id: number;
  phone: string;
  password: string;
  token: string;
  /** The server this user talks to (with several --url, users are spread over them). */
  url: string;
}

export const PASSWORD = 'bench-password-1';

/** A short random tag for one run: lowercase letters and digits. */
export function runTag(): string {
  return randomInt(36 ** 5, 36 ** 6).toString(36);
}

/** Nine digits per run (phones are 5 to 20 digits): the tag's number, then the user's index. */
function phoneOf(tag: string, i: number): string {
  return `1${String(parseInt(tag, 36) % 1e9).padStart(9, '0')}${String(i).padStart(7, '0')}`;
}

export async function registerUsers(http: HttpClient, urls: readonly string[], tag: string, count: number, concurrency = 8): Promise<BenchUser[]> {
  return mapLimit(
    Array.from({ length: count }, (_, i) => i),
    concurrency,
    async (i) => {
      const url = urls[i % urls.length]!;
      const phone = phoneOf(tag, i);
      const d = await http.data<{ user: { id: number }; access_token: string }>('POST', `${url}/api/auth/register`, {
        phone,
        password: PASSWORD,
        username: `b${tag}_${i}`,
        nickname: `Bench ${i}`,
      });
      return { id: d.user.id, phone, password: PASSWORD, token: d.access_token, url };
    },
  );
}

/** The private chat of two users (opened by `a`). */
export async function privateChat(http: HttpClient, a: BenchUser, b: BenchUser): Promise<number> {
  const d = await http.data<{ id: number }>('POST', `${a.url}/api/chats`, { type: 'private', members: [b.id] }, a.token);
  return d.id;
}

/** Requests name at most this many members (limits.membersPerRequest). */
const MEMBERS_PER_REQUEST = 500;

/** A group owned by `owner` with `members` (added in batches the API accepts). */
export async function groupChat(http: HttpClient, owner: BenchUser, members: readonly BenchUser[], name: string): Promise<number> {
  const others = members.filter((m) => m.id !== owner.id).map((m) => m.id);
  const first = others.slice(0, MEMBERS_PER_REQUEST - 1);
  const d = await http.data<{ id: number }>('POST', `${owner.url}/api/chats`, { type: 'group', name, members: first }, owner.token);
  for (let i = first.length; i < others.length; i += MEMBERS_PER_REQUEST) {
    await http.data('POST', `${owner.url}/api/chats/${d.id}/members`, { members: others.slice(i, i + MEMBERS_PER_REQUEST) }, owner.token);
  }
  return d.id;
}
