import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { openDatabase, sqlitePath } from '../../src/store/database.ts';
import { catchUpSearchIndex } from '../../src/store/message-search.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import type { Database } from '../../src/store/schema.ts';
import { repoRoot } from './target.ts';

/**
 * The `history` data set, written straight into the database before the server starts (seeding
 * 1M messages through the API would take longer than the measurement). The rows are what the
 * server itself would have written: users, private chats (80%) and groups of 3–30 (20%), members
 * with read pointers, and messages of varied length whose ids and times rise together, the chats'
 * messages interleaved in time as real traffic is. Events are not seeded: history reads never
 * touch them.
 *
 * On SQLite the seeded file is cached in the temp directory, keyed by the size, the migrations
 * and this file; each run copies it into its fresh DATA_DIR.
 */

export interface HistoryShape {
  messages: number;
  chats: number;
  users: number;
}

export interface SeededChat {
  id: number;
  members: number[];
  /** Messages in the chat. */
  count: number;
  /** Above every message id of the chat: the first page's `before`. */
  top: number;
}

export interface HistoryManifest {
  shape: HistoryShape;
  users: { id: number; phone: string }[];
  chats: SeededChat[];
  seedSeconds: number;
}

export const DAY = 86_400_000;
/** The end of the seeded year; fixed so cached files and fresh ones hold the same rows. */
export const END = Date.UTC(2025, 0, 1);
const WORDS = (
  'ok yes no thanks 好的 收到 明天 见 today tomorrow meeting lunch call me later 谢谢 没问题 辛苦了 ' +
  'the report is ready please check 文件 已发 会议 推迟 到 下午 三点 where are you on my way 哈哈 👍 ' +
  'can we talk about the release 版本 发布 测试 通过 了 sounds good see you'
).split(' ');

/** A small deterministic PRNG (mulberry32): the same shape always seeds the same rows. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function phoneOfSeeded(i: number): string {
  return `170${String(i).padStart(8, '0')}`;
}

/** Member user indexes (0-based) of chat c: a pair for private chats, a contiguous run for groups. */
function membersOf(c: number, shape: HistoryShape): { type: 'private' | 'group'; members: number[] } {
  const privates = Math.floor(shape.chats * 0.8);
  if (c < privates) return { type: 'private', members: [(2 * c) % shape.users, (2 * c + 1) % shape.users] };
  const size = 3 + ((c * 7) % 28);
  const start = (c * 13) % shape.users;
  return { type: 'group', members: Array.from({ length: size }, (_, k) => (start + k) % shape.users) };
}

export interface Plan {
  users: { phone: string; nickname: string; username: string }[];
  chats: { type: 'private' | 'group'; members: number[] }[];
}

function plan(shape: HistoryShape): Plan {
  return {
    users: Array.from({ length: shape.users }, (_, i) => ({ phone: phoneOfSeeded(i), nickname: `用户${i}`, username: `seed_${i}` })),
    chats: Array.from({ length: shape.chats }, (_, c) => membersOf(c, shape)),
  };
}

/** A message row as the seeders write it. */
export interface SeedMessage {
  id: number;
  conversation_id: number;
  sender_id: number;
  content: string;
  reply_to_id: number | null;
  at: number;
}

/** Message g: its chat, its sender (a member), its text. Chats take turns so their messages interleave. */
function* messageRows(shape: HistoryShape, chats: Plan['chats'], chatIds: number[], userIds: number[]) {
  const rnd = prng(shape.messages ^ shape.chats);
  const step = (365 * DAY) / shape.messages;
  const start = END - 365 * DAY;
  for (let g = 0; g < shape.messages; g++) {
    const c = g % shape.chats;
    const members = chats[c]!.members;
    const round = Math.floor(g / shape.chats);
    const words = 1 + Math.floor(rnd() ** 2 * 30);
    let content = '';
    for (let w = 0; w < words; w++) content += (w ? ' ' : '') + WORDS[Math.floor(rnd() * WORDS.length)];
    const at = Math.floor(start + g * step);
    // One message in a hundred answers one a few turns earlier in the same chat.
    const reply = round >= 5 && rnd() < 0.01 ? g + 1 - shape.chats * (1 + Math.floor(rnd() * 5)) : null;
    yield { id: g + 1, conversation_id: chatIds[c]!, sender_id: userIds[members[round % members.length]!]!, content, reply_to_id: reply, at };
  }
}

export async function seedSmallTables(db: Kysely<Database>, p: Plan, passwordHash: string): Promise<{ userIds: number[]; chatIds: number[] }> {
  const at = END - 366 * DAY;
  const userIds: number[] = [];
  for (let i = 0; i < p.users.length; i += 500) {
    const rows = await db
      .insertInto('users')
      .values(p.users.slice(i, i + 500).map((u) => ({ phone: u.phone, username: u.username, nickname: u.nickname, password_hash: passwordHash, created_at: at, updated_at: at })))
      .returning('id')
      .execute();
    userIds.push(...rows.map((r) => r.id));
  }
  const chatIds: number[] = [];
  for (let c = 0; c < p.chats.length; c++) {
    const chat = p.chats[c]!;
    const ids = chat.members.map((m) => userIds[m]!);
    const [a, b] = [Math.min(ids[0]!, ids[1]!), Math.max(ids[0]!, ids[1]!)];
    const row = await db
      .insertInto('conversations')
      .values({
        type: chat.type,
        name: chat.type === 'group' ? `群聊 ${c}` : '',
        owner_id: chat.type === 'group' ? ids[0]! : null,
        pair_key: chat.type === 'private' ? `${a}:${b}` : null,
        last_activity_at: END,
        created_by: ids[0]!,
        created_at: at,
        updated_at: at,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    chatIds.push(row.id);
  }
  return { userIds, chatIds };
}

/** Chat stats and members' read pointers once the messages are in. */
async function finish(db: Kysely<Database>, shape: HistoryShape, p: Plan, userIds: number[], chatIds: number[]): Promise<SeededChat[]> {
  const chats: SeededChat[] = [];
  for (let c = 0; c < shape.chats; c++) {
    // Message g is in chat g % chats: the chat's last one is the largest such g below messages.
    const count = Math.floor((shape.messages - 1 - c) / shape.chats) + 1;
    const last = c + (count - 1) * shape.chats + 1;
    const members = p.chats[c]!.members.map((m) => userIds[m]!);
    await db.updateTable('conversations').set({ last_message_id: last }).where('id', '=', chatIds[c]!).execute();
    await db
      .insertInto('conversation_members')
      .values(
        members.map((u, k) => ({
          conversation_id: chatIds[c]!,
          user_id: u,
          role: p.chats[c]!.type === 'group' && k === 0 ? 'owner' : 'member',
          joined_at: END - 366 * DAY,
          // Everyone has read all but the last few (the first member everything).
          last_read_message_id: k === 0 ? last : Math.max(0, last - shape.chats * (k % 5)),
        })),
      )
      .execute();
    chats.push({ id: chatIds[c]!, members, count, top: last + 1 });
  }
  return chats;
}

export function seedSqliteMessages(file: string, rows: Iterable<SeedMessage>): void {
  const db = new SQLite(file);
  try {
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -262144');
    const insert = db.prepare(
      `insert into messages (id, conversation_id, sender_id, type, content, reply_to_id, created_at, updated_at)
       values (?, ?, ?, 'text', ?, ?, ?, ?)`,
    );
    const batch = db.transaction((list: SeedMessage[]) => {
      for (const m of list) insert.run(m.id, m.conversation_id, m.sender_id, m.content, m.reply_to_id, m.at, m.at);
    });
    let list = [];
    for (const m of rows) {
      list.push(m);
      if (list.length === 100_000) {
        batch(list);
        list = [];
      }
    }
    batch(list);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.exec('analyze');
  } finally {
    db.close();
  }
}

/** Indexes the messages seedSqliteMessages stored for search, as a server would at start. */
export async function indexSeeded(url: string): Promise<void> {
  const database = openDatabase({ url, poolSize: 1, sqliteSynchronous: 'NORMAL' });
  try {
    await catchUpSearchIndex(database.db, 200_000);
  } finally {
    await database.close();
  }
}

export async function seedPostgresMessages(db: Kysely<Database>, rows: Iterable<SeedMessage>): Promise<void> {
  const flush = (list: Parameters<typeof toRow>[0][]) => db.insertInto('messages').values(list.map(toRow)).execute();
  const toRow = (m: SeedMessage) => ({
    id: m.id,
    conversation_id: m.conversation_id,
    sender_id: m.sender_id,
    type: 'text',
    content: m.content,
    reply_to_id: m.reply_to_id,
    created_at: m.at,
    updated_at: m.at,
  });
  let list = [];
  for (const m of rows) {
    list.push(m);
    // 8 parameters a row: 5,000 rows stay under PostgreSQL's 65,535 parameters.
    if (list.length === 5000) {
      await flush(list);
      list = [];
    }
  }
  if (list.length > 0) await flush(list);
  // Ids were given explicitly: move the identity past them so the server's inserts do not collide.
  await sql`select setval(pg_get_serial_sequence('messages', 'id'), (select max(id) from messages))`.execute(db);
}

/** Seeds an empty database at `url` (migrating it first). */
export async function seed(url: string, shape: HistoryShape, passwordHash: string): Promise<HistoryManifest> {
  const t0 = performance.now();
  const database = openDatabase({ url, poolSize: 2, sqliteSynchronous: 'NORMAL' });
  const p = plan(shape);
  let chats: SeededChat[];
  let userIds: number[];
  try {
    await migrateToLatest(database.db, database.dialect);
    const small = await seedSmallTables(database.db, p, passwordHash);
    userIds = small.userIds;
    const rows = messageRows(shape, p.chats, small.chatIds, small.userIds);
    if (database.dialect === 'postgres') await seedPostgresMessages(database.db, rows);
    chats = await finish(database.db, shape, p, small.userIds, small.chatIds);
  } finally {
    await database.close();
  }
  if (database.dialect === 'sqlite') {
    // Messages go in last, through one connection of our own with large transactions.
    const file = sqlitePath(url);
    seedSqliteMessages(file, messageRows(shape, p.chats, chats.map((c) => c.id), userIds));
    await indexSeeded(url);
  }
  return { shape, users: p.users.map((u, i) => ({ id: userIds[i]!, phone: u.phone })), chats, seedSeconds: (performance.now() - t0) / 1000 };
}

/**
 * What decides a cached file's content: the shape, the migrations and the seeders. Not the
 * password hash: it is salted afresh by each process, and any hash of the seeded password serves.
 */
function cacheKey(shape: object, seeders: readonly string[]): string {
  const h = createHash('sha256').update(JSON.stringify(shape));
  const migrations = path.join(repoRoot, 'src/store/migrations');
  for (const f of readdirSync(migrations).sort()) h.update(f).update(readFileSync(path.join(migrations, f)));
  for (const f of [import.meta.filename, ...seeders]) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 12);
}

/**
 * A SQLite database holding a data set at `<dataDir>/parley.db`: copied from the cache, or seeded
 * by `seedInto` (and cached) when the cache has no file for this key. `name` tells data sets and
 * sizes apart (one cached file each); `seeders` are the files whose code decides the rows.
 */
export async function cachedSqlite<M>(
  dataDir: string,
  cache: { name: string; shape: object; seeders: readonly string[]; use: boolean },
  seedInto: (url: string) => Promise<M>,
): Promise<M & { cached: boolean }> {
  const target = path.join(dataDir, 'parley.db');
  const cacheDir = path.join(tmpdir(), 'parley-bench-cache');
  const base = path.join(cacheDir, `${cache.name}-${cacheKey(cache.shape, cache.seeders)}`);
  if (cache.use && existsSync(`${base}.db`) && existsSync(`${base}.json`)) {
    copyFileSync(`${base}.db`, target);
    return { ...(JSON.parse(readFileSync(`${base}.json`, 'utf8')) as M), cached: true };
  }
  const manifest = await seedInto(`sqlite:${target}`);
  if (cache.use) {
    mkdirSync(cacheDir, { recursive: true });
    // Written under a temporary name and renamed, so a run killed halfway leaves no bad cache.
    copyFileSync(target, `${base}.db.tmp`);
    renameSync(`${base}.db.tmp`, `${base}.db`);
    writeFileSync(`${base}.json`, JSON.stringify(manifest));
    for (const f of readdirSync(cacheDir)) {
      // One cached file per name: older keys of the same name are stale.
      const stale = f.startsWith(`${cache.name}-`) && !f.startsWith(path.basename(base));
      if (stale) rmSync(path.join(cacheDir, f), { force: true });
    }
  }
  return { ...manifest, cached: false };
}

/** The history data set in SQLite (see cachedSqlite). */
export function seededSqlite(dataDir: string, shape: HistoryShape, passwordHash: string, useCache: boolean): Promise<HistoryManifest & { cached: boolean }> {
  return cachedSqlite(dataDir, { name: `history-${shape.messages}-${shape.chats}`, shape, seeders: [], use: useCache }, (url) => seed(url, shape, passwordHash));
}
