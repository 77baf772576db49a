import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import type { Core } from '../../src/core.ts';
import { textMarkKey } from '../../src/store/message-search.ts';

/**
 * The state the fuzzer's requests aim at, seeded through the core's services (so it is the same
 * whatever profiles are mounted): three users (`me`; `peer`, my contact and friend; `other`, whose
 * friend request to me is pending), a group of the three and a private chat of me and peer,
 * messages by me and by peer, a file of mine sent in the group, and a message of mine scheduled
 * for later. Requests name these by pool and index (`chat#0`), resolved when the request is sent,
 * so a fixture that a successful request spoiled (a logout, a deleted chat) is simply seeded again
 * and later runs still hit live ids.
 */

export type Pool = 'user' | 'chat' | 'message' | 'file' | 'scheduled' | 'request' | 'phone' | 'username' | 'password';

export interface Fixture {
  /** The caller of every authenticated request (users[0]). */
  token: string;
  userId: number;
  /** The device the caller's session was opened for (sockets bound to a device name it). */
  deviceId: string;
  pools: Record<Pool, readonly (string | number)[]>;
}

const password = 'fuzz-password-1';
const deviceId = 'fuzz';
let generation = 0;

async function user(core: Core, n: number) {
  const phone = `1390${String(n).padStart(7, '0')}`;
  const result = await core.auth.register({ phone, username: `fz${phone}`, nickname: `Fuzz ${n}`, password }, { deviceId });
  return { id: result.user.id, token: result.accessToken, phone, username: `fz${phone}` };
}

/** Seeds a fresh fixture; each call makes new users, so an earlier one's damage does not matter. */
export async function seed(core: Core): Promise<Fixture> {
  const g = ++generation;
  const [me, peer, other] = [await user(core, g * 3), await user(core, g * 3 + 1), await user(core, g * 3 + 2)];
  await core.contacts.add(me.id, { userId: peer.id }, 'peer');
  await core.contacts.add(peer.id, { userId: me.id });
  // Friends too (chat8), and a friend request of other's to me, pending.
  if (!(await core.friends.areFriends(me.id, peer.id))) await core.friends.handle(peer.id, (await core.friends.request(me.id, peer.id, 'hi')).id, true);
  const pending = await core.friends.request(other.id, me.id, 'hello');
  const group = (await core.conversations.create(me.id, { type: 'group', name: `fuzz ${g}`, members: [peer.id, other.id] })).conversation;
  const direct = (await core.conversations.create(me.id, { members: [peer.id] })).conversation;
  const received = await core.files.receive(me.id, { name: 'notes.txt', data: Readable.from([Buffer.from('fuzz notes\n')]), kind: 'file' });
  const file = await core.files.register(received, 'file');
  const sent = async (from: number, chat: number, input: Parameters<Core['messages']['send']>[2]) => {
    const r = await core.messages.send(from, chat, input);
    if (r.kind !== 'sent') throw new Error('fixture: expected a sent message');
    return r.view.message.id;
  };
  const m1 = await sent(me.id, group.id, { type: 'text', content: 'hello group' });
  const m2 = await sent(peer.id, group.id, { type: 'text', content: 'hello back' });
  const m3 = await sent(me.id, group.id, { type: 'file', content: '', fileId: file.id });
  const m4 = await sent(me.id, direct.id, { type: 'text', content: 'hello peer' });
  const later = await core.messages.send(me.id, group.id, { type: 'text', content: 'later', sendAt: core.clock.now() + 86_400_000 });
  if (later.kind !== 'scheduled') throw new Error('fixture: expected a scheduled message');
  return {
    token: me.token,
    userId: me.id,
    deviceId,
    pools: {
      user: [me.id, peer.id, other.id],
      chat: [group.id, direct.id],
      message: [m1, m2, m3, m4],
      file: [file.id],
      scheduled: [later.scheduled.id],
      request: [pending.id],
      phone: [me.phone, peer.phone],
      username: [me.username, peer.username],
      password: [password],
    },
  };
}

/** Columns that change without anything being asked of the server (presence, session use). */
const volatile: Record<string, readonly string[]> = {
  users: ['last_seen_at', 'last_connected_at'],
  sessions: ['last_used_at', 'expires_at'],
};

/**
 * What the server copies in the background from what it holds (SQLite's text by chat for search,
 * every second, and its mark): it moves without any request, and a client sees it only as the
 * messages it copies, which the snapshot holds.
 */
const derivedTables = new Set(['message_text']);
const derivedSettings = new Set([textMarkKey]);

/**
 * Columns presence writes that a request may write too: presence moves `availability` between
 * online and offline as a user's sockets come and go, a request may choose away or busy.
 */
const presenceValues: Record<string, Record<string, (v: unknown) => unknown>> = {
  users: { availability: (v) => (v === 'online' || v === 'offline' ? 'online|offline' : v) },
};

/** Every row of every table (volatile columns left out), and the stored files (path and size). */
export type Snapshot = Map<string, readonly string[]>;

/** The stored files, as `path size` lines. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = path.join(e.parentPath, e.name);
    const size = await stat(full).then((s) => s.size, () => -1);
    out.push(`${path.relative(dir, full)} ${size}`);
  }
  return out.sort();
}

/**
 * What the server holds, read through its own database handle: one sorted list of row texts per
 * table, and the files of the local file storage. Equal snapshots mean a
 * request changed nothing a client could later observe.
 */
export async function snapshot(core: Core): Promise<Snapshot> {
  const { db } = core.database;
  const out: Snapshot = new Map();
  for (const table of await db.introspection.getTables()) {
    if (derivedTables.has(table.name)) continue;
    const skip = volatile[table.name] ?? [];
    const normal = presenceValues[table.name] ?? {};
    let rows = await db.selectFrom(table.name as never).selectAll().execute();
    if (table.name === 'settings') rows = rows.filter((row) => !derivedSettings.has((row as { key: string }).key));
    out.set(
      table.name,
      rows
        .map((row) =>
          JSON.stringify(
            Object.entries(row as Record<string, unknown>)
              .filter(([k]) => !skip.includes(k))
              .map(([k, v]) => [k, normal[k] ? normal[k](v) : v]),
          ),
        )
        .sort(),
    );
  }
  out.set('(files)', await filesUnder(core.config.filesDir));
  return out;
}

/** How two snapshots differ, table by table (rows gone and rows come), for a failure message. */
export function diff(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const b = new Set(before.get(name) ?? []);
    const a = new Set(after.get(name) ?? []);
    const gone = [...b].filter((r) => !a.has(r));
    const come = [...a].filter((r) => !b.has(r));
    for (const r of gone) out.push(`${name} - ${r.slice(0, 300)}`);
    for (const r of come) out.push(`${name} + ${r.slice(0, 300)}`);
  }
  return out;
}

/**
 * A cheap "did anything write" counter: SQLite's total_changes() on the server's one connection
 * (rows inserted, updated or deleted since it opened, rolled back or not); the snapshot is read
 * again only when it moves. Without SQLite, a hash of the whole snapshot serves.
 */
export async function writeCounter(core: Core): Promise<string> {
  if (core.database.dialect === 'sqlite') {
    const r = await sql<{ n: number }>`select total_changes() as n`.execute(core.database.db);
    return String(r.rows[0]?.n ?? -1);
  }
  const snap = await snapshot(core);
  return createHash('sha256').update(JSON.stringify([...snap])).digest('hex');
}
