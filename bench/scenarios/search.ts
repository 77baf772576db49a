import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import argon2 from 'argon2';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { now } from '../lib/clock.ts';
import { mapLimit } from '../lib/http.ts';
import { createDatabase } from '../lib/postgres.ts';
import { latency, num } from '../lib/report.ts';
import { cheapArgon2, int, type Scenario } from '../lib/scenario.ts';
import { seedSearch, seededSearchSqlite, type SearchManifest, type SearchShape } from '../lib/seed-search.ts';
import { Histogram } from '../lib/stats.ts';

interface SearchOptions {
  shape: SearchShape;
  searchers: number;
  rounds: number;
  cache: boolean;
}

/**
 * The fixed queries: one and two characters (which no trigram narrows), common words matching a
 * tenth of the messages or more, rarer words and phrases, identifiers, LIKE's wildcards taken
 * literally, mixed case, and a word nobody wrote.
 */
const QUERIES = ['a', '好', 'ok', '发布', 'the', 'meeting', '没问题', 'release notes', 'Tomorrow', 'invoice', '季度预算', '审计报告 ', 'PRJ-4711', '100%', 'file_v3', 'zebra'];
const PAGE = 20;
const PASSWORD = 'seeded-password-1';

/** The answer to compare: the first page's ids and the total. */
interface Answer {
  ids: number[];
  total: number;
}

/** The query search ran before its index: every live message of the searcher's chats whose lowered content is LIKE it. */
const SCAN = `select m.id from messages m
  join conversation_members cm on cm.conversation_id = m.conversation_id and cm.user_id = $user
  where m.deleted_at is null and (m.expires_at is null or m.expires_at > $now)
    and not exists (select 1 from message_hidden h where h.message_id = m.id and h.user_id = $user)
    and lower(m.content) like $pattern escape '\\'
  order by m.id desc`;

const pattern = (q: string) => `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Runs the reference scan straight on the database, beside the server. */
interface Reference {
  scan(userId: number, q: string): Promise<{ answer: Answer; ms: number }>;
  close(): Promise<void>;
}

function sqliteReference(file: string): Reference {
  const db = new SQLite(file, { readonly: true });
  const stmt = db.prepare(SCAN.replaceAll('$user', '@user').replace('$now', '@now').replace('$pattern', '@pattern'));
  return {
    scan: async (user, q) => {
      const t0 = now();
      const rows = stmt.all({ user, now: Date.now(), pattern: pattern(q.trim()) }) as { id: number }[];
      return { answer: { ids: rows.slice(0, PAGE).map((r) => r.id), total: rows.length }, ms: now() - t0 };
    },
    close: async () => {
      db.close();
    },
  };
}

async function postgresReference(url: string): Promise<Reference> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const text = SCAN.replaceAll('$user', '$1').replace('$now', '$2').replace('$pattern', '$3');
  return {
    scan: async (user, q) => {
      const t0 = now();
      const { rows } = await client.query<{ id: string }>(text, [user, Date.now(), pattern(q.trim())]);
      return { answer: { ids: rows.slice(0, PAGE).map((r) => Number(r.id)), total: rows.length }, ms: now() - t0 };
    },
    close: () => client.end(),
  };
}

let manifest: (SearchManifest & { cached?: boolean }) | undefined;
let where: { sqliteFile?: string; databaseUrl?: string } = {};

/**
 * Message search over a large store, as typical users: each searcher (seeded, logging in through
 * the API) runs every query in turn through `GET /api/messages/search` (zhihang, the first page of
 * 20 with its total), one request at a time, for several rounds after a warm-up round. Every
 * answer is checked against the scan search ran before its index, run straight on the database;
 * its time is reported too (the scan's own cost, without HTTP).
 */
export const search: Scenario<SearchOptions> = {
  name: 'search',
  summary: 'message search over a store of 1M messages as typical users, checked against a scan',
  options: {
    messages: { type: 'string', default: '1000000' },
    users: { type: 'string', default: '3000' },
    searchers: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    'no-cache': { type: 'boolean', default: false },
  },
  help: {
    messages: 'messages in the seeded store',
    users: 'seeded users (chats scale with them: 2 private chats and a third of a group per user, 12 channels)',
    searchers: 'users at the median of how many messages they can see who search',
    rounds: 'measured rounds of every query by every searcher',
    'no-cache': 'seed afresh instead of copying the cached SQLite file',
  },
  parse(v, common) {
    if (common.urls) throw new Error('search seeds the database before the server starts: it cannot target --url');
    const users = int(v.users, 'users', 100);
    return {
      shape: { messages: int(v.messages, 'messages', 1), users, privates: users * 2, groups: Math.round(users / 3), channels: 12 },
      searchers: int(v.searchers, 'searchers', 1),
      rounds: int(v.rounds, 'rounds', 1),
      cache: v['no-cache'] !== true,
    };
  },
  serverEnv: () => cheapArgon2,
  async prepare(o, common) {
    const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id as 2, memoryCost: Number(cheapArgon2.ARGON2_MEMORY_KIB), timeCost: Number(cheapArgon2.ARGON2_TIME_COST), parallelism: 1 });
    const t0 = now();
    if (common.store === 'postgres') {
      const db = await createDatabase(common.postgresUrl);
      process.stderr.write(`[bench] seeding ${num(o.shape.messages)} messages into PostgreSQL\n`);
      manifest = await seedSearch(db.url, o.shape, hash, o.searchers);
      where = { databaseUrl: db.url };
      return { databaseUrl: db.url, cleanup: () => db.drop() };
    }
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-data-'));
    process.stderr.write(`[bench] preparing ${num(o.shape.messages)} messages in SQLite${o.cache ? ' (cached between runs)' : ''}\n`);
    manifest = await seededSearchSqlite(dataDir, o.shape, hash, o.searchers, o.cache);
    process.stderr.write(`[bench] ${manifest.cached ? 'copied from the cache' : 'seeded'} in ${num((now() - t0) / 1000, 1)} s\n`);
    where = { sqliteFile: path.join(dataDir, 'parley.db') };
    return { dataDir, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  },
  async run(ctx, o) {
    const m = manifest!;
    const url = ctx.target.urls[0]!;
    ctx.log(`logging in ${m.searchers.length} searchers`);
    const searchers = await mapLimit(m.searchers, 4, async (s) => {
      const d = await ctx.http.data<{ access_token: string }>('POST', `${url}/api/auth/login`, { phone: s.phone, password: PASSWORD });
      return { ...s, token: d.access_token };
    });
    const ask = async (s: (typeof searchers)[number], q: string): Promise<{ answer: Answer; ms: number }> => {
      const t0 = now();
      const d = await ctx.http.data<{ messages: { id: number }[]; total: number }>('GET', `${url}/api/messages/search?q=${encodeURIComponent(q)}&limit=${PAGE}`, undefined, s.token);
      return { answer: { ids: d.messages.map((x) => x.id), total: d.total }, ms: now() - t0 };
    };
    const reference = where.sqliteFile ? sqliteReference(where.sqliteFile) : await postgresReference(where.databaseUrl!);
    const perQuery = new Map(QUERIES.map((q) => [q, { http: new Histogram(), scan: new Histogram(), matches: [] as number[] }]));
    const all = new Histogram();
    const mismatches: string[] = [];
    try {
      // The warm-up round reads the store into memory and checks every answer.
      for (const s of searchers) {
        for (const q of QUERIES) {
          const [got, expected] = [await ask(s, q), await reference.scan(s.id, q)];
          perQuery.get(q)!.matches.push(expected.answer.total);
          if (JSON.stringify(got.answer) !== JSON.stringify(expected.answer)) {
            mismatches.push(`user ${s.id} ${JSON.stringify(q)}: got total ${got.answer.total} [${got.answer.ids.slice(0, 3).join(',')}…], scan ${expected.answer.total} [${expected.answer.ids.slice(0, 3).join(',')}…]`);
          }
        }
      }
      const from = now();
      const window = await ctx.openWindow(from);
      for (let r = 0; r < o.rounds; r++) {
        for (const q of QUERIES) {
          for (const s of searchers) {
            const { ms } = await ask(s, q);
            perQuery.get(q)!.http.record(ms);
            all.record(ms);
          }
        }
      }
      const measured = await window.close();
      // The scan's own time, outside the window (it would share the cores with the server).
      for (const q of QUERIES) for (const s of searchers) perQuery.get(q)!.scan.record((await reference.scan(s.id, q)).ms);
      const overall = all.summary();
      const rows: [string, string][] = QUERIES.map((q) => {
        const e = perQuery.get(q)!;
        const h = e.http.summary();
        const sc = e.scan.summary();
        const median = [...e.matches].sort((a, b) => a - b)[Math.floor(e.matches.length / 2)]!;
        return [`${JSON.stringify(q)} (${Array.from(q).length} ch)`, `p50 ${num(h.p50, 1)} ms, p99 ${num(h.p99, 1)} ms; scan p50 ${num(sc.p50, 1)} ms; ${num(median)} matches (median)`];
      });
      const visible = m.searchers.map((s) => s.visible).sort((a, b) => a - b);
      rows.push(
        ['all queries ms', latency(overall)],
        ['searchers', `${m.searchers.length}, in ${num(Math.min(...m.searchers.map((s) => s.chats)))}–${num(Math.max(...m.searchers.map((s) => s.chats)))} chats, seeing ${num(visible[0]!)}–${num(visible.at(-1)!)} messages`],
        ['answers checked', `${searchers.length * QUERIES.length} against the scan, ${mismatches.length} differ${mismatches.length ? `: ${mismatches.slice(0, 3).join('; ')}` : ''}`],
        ['store', `${num(o.shape.messages)} messages, ${num(o.shape.users)} users, ${num(o.shape.channels + o.shape.groups + o.shape.privates)} chats; ${m.cached ? 'seed copied from the cache' : `seeded in ${num(m.seedSeconds, 1)} s`}`],
      );
      const slowest = Math.max(...QUERIES.map((q) => perQuery.get(q)!.http.summary().p99));
      return {
        title: `search: ${num(o.shape.messages)} messages, ${QUERIES.length} queries × ${m.searchers.length} searchers × ${o.rounds} rounds, first page of ${PAGE} with its total`,
        params: { ...o, queries: QUERIES },
        window: measured,
        rows,
        results: {
          overall,
          perQuery: Object.fromEntries(QUERIES.map((q) => [q, { http: perQuery.get(q)!.http.summary(), scan: perQuery.get(q)!.scan.summary(), matches: perQuery.get(q)!.matches }])),
          mismatches,
          searchers: m.searchers,
          operations: overall.n,
        },
        problems: mismatches.length ? [`${mismatches.length} answers differ from the scan`] : [],
        key: { 'search p50 ms': overall.p50, 'search p99 ms': overall.p99, 'slowest query p99 ms': slowest },
      };
    } finally {
      await reference.close();
    }
  },
};
