import { sql } from 'kysely';
import { openDatabase, sqlitePath } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { cachedSqlite, DAY, END, phoneOfSeeded, prng, seedPostgresMessages, seedSmallTables, seedSqliteMessages, indexSeeded, type Plan, type SeedMessage } from './seed-history.ts';

/**
 * The `search` data set: a team server's year of messages, written straight into the database
 * before the server starts, as the history seed is. Unlike history's even spread, chats differ as
 * on a real server: a dozen company channels of hundreds of members carry a quarter of the
 * traffic, a thousand project groups of 3–30 most of the rest, and thousands of private chats
 * the remainder, each chat busier or quieter than its kind. Text mixes Chinese and English words
 * (common ones often, a long tail rarely), ticket numbers, file names and percentages, so queries
 * range from matching a tenth of all messages to a handful.
 */

export interface SearchShape {
  messages: number;
  users: number;
  privates: number;
  groups: number;
  channels: number;
}

export interface SearchManifest {
  shape: SearchShape;
  /** Users with a typical view: the median number of messages they can see, and near it. */
  searchers: { id: number; phone: string; chats: number; visible: number }[];
  seedSeconds: number;
}

const COMMON = (
  'ok yes no thanks the and to is it for on we can you this that please check today tomorrow meeting ' +
  'lunch call later report ready release notes review deploy build test fixed bug sounds good see ' +
  '好的 收到 明天 见 谢谢 没问题 辛苦了 文件 已发 会议 推迟 到 下午 三点 哈哈 版本 发布 测试 通过 了 的 我们 需要 确认 一下 客户 项目 进度 周报'
).split(' ');
const RARE = (
  'invoice budget quarterly offsite hackathon 季度预算 审计报告 年会抽奖 服务器迁移 合同续签 ' +
  'kubernetes postgres latency regression onboarding 数据库 性能优化 安全漏洞 验收标准 Tomorrow OK Release'
).split(' ');

/** A word: common ones far more often than rare ones, and now and then an identifier. */
function word(rnd: () => number): string {
  const r = rnd();
  if (r < 0.004) return `PRJ-${1000 + Math.floor(rnd() * 9000)}`;
  if (r < 0.006) return `${Math.floor(rnd() * 101)}%`;
  if (r < 0.008) return `file_v${Math.floor(rnd() * 10)}.pdf`;
  if (r < 0.05) return RARE[Math.floor(rnd() ** 2 * RARE.length)]!;
  return COMMON[Math.floor(rnd() ** 2.5 * COMMON.length)]!;
}

interface SearchPlan extends Plan {
  /** The chat (index) of each message. */
  chatOf: Uint32Array;
}

function sample(rnd: () => number, from: number, size: number): number[] {
  const picked = new Set<number>();
  while (picked.size < size) picked.add(Math.floor(rnd() * from));
  return [...picked];
}

function plan(shape: SearchShape): SearchPlan {
  const rnd = prng(shape.messages ^ (shape.users * 31));
  const chats: Plan['chats'] = [];
  // Each kind's share of the traffic, split over its chats by a skewed activity.
  const weights: number[] = [];
  const add = (type: 'private' | 'group', members: number[], share: number, count: number) => {
    chats.push({ type, members });
    weights.push((share / count) * (0.2 + 3 * rnd() ** 2));
  };
  for (let c = 0; c < shape.channels; c++) add('group', sample(rnd, shape.users, Math.min(shape.users, 100 + Math.floor(rnd() * 1400))), 0.25, shape.channels);
  for (let c = 0; c < shape.groups; c++) add('group', sample(rnd, shape.users, 3 + Math.floor(rnd() * 28)), 0.45, shape.groups);
  // One private chat per pair, as the server keeps it.
  const pairs = new Set<string>();
  while (pairs.size < shape.privates) {
    const [a, b] = sample(rnd, shape.users, 2).sort((x, y) => x - y);
    if (pairs.has(`${a}:${b}`)) continue;
    pairs.add(`${a}:${b}`);
    add('private', [a!, b!], 0.3, shape.privates);
  }
  const cumulative = new Float64Array(weights.length);
  weights.reduce((sum, w, i) => (cumulative[i] = sum + w), 0);
  const total = cumulative[cumulative.length - 1]!;
  const chatOf = new Uint32Array(shape.messages);
  for (let g = 0; g < shape.messages; g++) {
    const x = rnd() * total;
    let [lo, hi] = [0, cumulative.length - 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    chatOf[g] = lo;
  }
  const users = Array.from({ length: shape.users }, (_, i) => ({ phone: phoneOfSeeded(i), nickname: `用户${i}`, username: `seed_${i}` }));
  return { users, chats, chatOf };
}

function* messageRows(shape: SearchShape, p: SearchPlan, chatIds: number[], userIds: number[]): Generator<SeedMessage> {
  const rnd = prng(shape.messages ^ 0x5eed);
  const step = (365 * DAY) / shape.messages;
  const start = END - 365 * DAY;
  for (let g = 0; g < shape.messages; g++) {
    const c = p.chatOf[g]!;
    const members = p.chats[c]!.members;
    const words = 1 + Math.floor(rnd() ** 2 * 20);
    let content = '';
    for (let w = 0; w < words; w++) content += (w ? ' ' : '') + word(rnd);
    const at = Math.floor(start + g * step);
    yield { id: g + 1, conversation_id: chatIds[c]!, sender_id: userIds[members[Math.floor(rnd() * members.length)]!]!, content, reply_to_id: null, at };
  }
}

/** Users whose visible message count is at the median, and the next ones above and below it. */
function typicalSearchers(shape: SearchShape, p: SearchPlan, userIds: number[], count: number): SearchManifest['searchers'] {
  const perChat = new Uint32Array(p.chats.length);
  for (const c of p.chatOf) perChat[c]!++;
  const visible = new Float64Array(shape.users);
  const chats = new Uint32Array(shape.users);
  p.chats.forEach((chat, c) => {
    for (const u of chat.members) {
      visible[u]! += perChat[c]!;
      chats[u]!++;
    }
  });
  const order = Array.from({ length: shape.users }, (_, u) => u).sort((a, b) => visible[a]! - visible[b]!);
  const from = Math.max(0, Math.floor(shape.users / 2) - Math.floor(count / 2));
  return order.slice(from, from + count).map((u) => ({ id: userIds[u]!, phone: p.users[u]!.phone, chats: chats[u]!, visible: visible[u]! }));
}

export async function seedSearch(url: string, shape: SearchShape, passwordHash: string, searchers: number): Promise<SearchManifest> {
  const t0 = performance.now();
  const database = openDatabase({ url, poolSize: 2, sqliteSynchronous: 'NORMAL' });
  const p = plan(shape);
  let ids: { userIds: number[]; chatIds: number[] };
  try {
    await migrateToLatest(database.db, database.dialect);
    ids = await seedSmallTables(database.db, p, passwordHash);
    const joined = END - 366 * DAY;
    const members = p.chats.flatMap((chat, c) =>
      chat.members.map((m, k) => ({ conversation_id: ids.chatIds[c]!, user_id: ids.userIds[m]!, role: chat.type === 'group' && k === 0 ? 'owner' : 'member', joined_at: joined })),
    );
    for (let i = 0; i < members.length; i += 5000) await database.db.insertInto('conversation_members').values(members.slice(i, i + 5000)).execute();
    if (database.dialect === 'postgres') await seedPostgresMessages(database.db, messageRows(shape, p, ids.chatIds, ids.userIds));
  } finally {
    await database.close();
  }
  if (database.dialect === 'sqlite') {
    seedSqliteMessages(sqlitePath(url), messageRows(shape, p, ids.chatIds, ids.userIds));
    await indexSeeded(url);
  }
  const after = openDatabase({ url, poolSize: 1, sqliteSynchronous: 'NORMAL' });
  try {
    await sql`update conversations set last_message_id = (select max(id) from messages where messages.conversation_id = conversations.id)`.execute(after.db);
    if (after.dialect === 'postgres') await sql`analyze`.execute(after.db);
  } finally {
    await after.close();
  }
  return { shape, searchers: typicalSearchers(shape, p, ids.userIds, searchers), seedSeconds: (performance.now() - t0) / 1000 };
}

/** The data set in SQLite, from the cache when it holds this shape (bench/lib/seed-history.ts). */
export function seededSearchSqlite(dataDir: string, shape: SearchShape, passwordHash: string, searchers: number, useCache: boolean) {
  const cache = { name: `search-${shape.messages}`, shape: { ...shape, searchers }, seeders: [import.meta.filename], use: useCache };
  return cachedSqlite(dataDir, cache, (url) => seedSearch(url, shape, passwordHash, searchers));
}
