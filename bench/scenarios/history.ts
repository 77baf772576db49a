import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import argon2 from 'argon2';
import type { HistoryReport } from '../gen/history.ts';
import { now } from '../lib/clock.ts';
import { split } from '../lib/generators.ts';
import { mapLimit } from '../lib/http.ts';
import { createDatabase } from '../lib/postgres.ts';
import { latency, num } from '../lib/report.ts';
import { cheapArgon2, int, type Scenario } from '../lib/scenario.ts';
import { seed, seededSqlite, type HistoryManifest, type HistoryShape } from '../lib/seed-history.ts';
import { Histogram } from '../lib/stats.ts';

interface HistoryOptions {
  shape: HistoryShape;
  readers: number;
  concurrency: number;
  limit: number;
  cache: boolean;
}

const PASSWORD = 'seeded-password-1';
/** Seeded users' hash, made with the (cheap) argon2 settings the history server runs with. */
let seededHash: Promise<string> | undefined;
const hashOnce = () =>
  (seededHash ??= argon2.hash(PASSWORD, { type: argon2.argon2id as 2, memoryCost: Number(cheapArgon2.ARGON2_MEMORY_KIB), timeCost: Number(cheapArgon2.ARGON2_TIME_COST), parallelism: 1 }));

let manifest: (HistoryManifest & { cached?: boolean }) | undefined;

/**
 * Page fetches over a large store: `GET /api/chats/{id}/messages?limit=50&before=<id>` walking
 * each chat from its newest message to its first, as a client scrolling back does. The store is
 * seeded before the server starts (bench/lib/seed-history.ts); readers are seeded members who log
 * in through the API.
 */
export const history: Scenario<HistoryOptions> = {
  name: 'history',
  summary: 'page fetches with before cursors over a store of 1M messages in 1,000 chats',
  options: {
    messages: { type: 'string', default: '1000000' },
    chats: { type: 'string', default: '1000' },
    readers: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '4' },
    limit: { type: 'string', default: '50' },
    'no-cache': { type: 'boolean', default: false },
  },
  help: {
    messages: 'messages in the seeded store',
    chats: 'chats they are spread over',
    readers: 'seeded members who log in and walk their chat (one per chat)',
    concurrency: 'page fetches in flight',
    limit: 'messages per page',
    'no-cache': 'seed afresh instead of copying the cached SQLite file',
  },
  parse(v, common) {
    if (common.urls) throw new Error('history seeds the database before the server starts: it cannot target --url');
    const chats = int(v.chats, 'chats', 1);
    const o = {
      shape: { messages: int(v.messages, 'messages', 1), chats, users: Math.max(2000, chats * 2) },
      readers: int(v.readers, 'readers', 1),
      concurrency: int(v.concurrency, 'concurrency', 1),
      limit: int(v.limit, 'limit', 1),
      cache: v['no-cache'] !== true,
    };
    if (o.readers > chats) throw new Error('--readers cannot exceed --chats (one reader per chat)');
    return o;
  },
  serverEnv: () => cheapArgon2,
  async prepare(o, common) {
    const hash = await hashOnce();
    const t0 = now();
    if (common.store === 'postgres') {
      const db = await createDatabase(common.postgresUrl);
      process.stderr.write(`[bench] seeding ${num(o.shape.messages)} messages into PostgreSQL\n`);
      manifest = await seed(db.url, o.shape, hash);
      return { databaseUrl: db.url, cleanup: () => db.drop() };
    }
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-data-'));
    process.stderr.write(`[bench] preparing ${num(o.shape.messages)} messages in SQLite${o.cache ? ' (cached between runs)' : ''}\n`);
    manifest = await seededSqlite(dataDir, o.shape, hash, o.cache);
    process.stderr.write(`[bench] ${manifest.cached ? 'copied from the cache' : 'seeded'} in ${num((now() - t0) / 1000, 1)} s\n`);
    return { dataDir, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  },
  async run(ctx, o) {
    const { common } = ctx;
    const m = manifest!;
    const url = ctx.target.urls[0]!;
    // Readers spread over the chats: one member of every (chats / readers)-th chat.
    const picked = Array.from({ length: o.readers }, (_, k) => m.chats[Math.floor((k * m.chats.length) / o.readers)]!);
    const phones = new Map(m.users.map((u) => [u.id, u.phone]));
    ctx.log(`logging in ${o.readers} readers`);
    const readers = await mapLimit(picked, 8, async (chat) => {
      const d = await ctx.http.data<{ access_token: string }>('POST', `${url}/api/auth/login`, { phone: phones.get(chat.members[0]!), password: PASSWORD });
      return { url, token: d.access_token, chatId: chat.id, top: chat.top, count: chat.count };
    });
    // Pages fetched in the warm-up are not measured: the first reads of a fresh copy come from disk.
    const procs = Math.max(1, common.procs ?? 1);
    const gens = await ctx.startGenerators(procs);
    const start = now() + 300;
    const measureFrom = start + common.warmup * 1000;
    const measureTo = measureFrom + common.duration * 1000;
    const parts = split(readers, procs);
    const [reports, window] = await Promise.all([
      Promise.all(
        gens.map((g, i) =>
          ctx.until(start).then(() =>
            g.call<HistoryReport>('history.run', {
              readers: parts[i]!,
              concurrency: Math.max(1, Math.round(o.concurrency / procs)),
              limit: o.limit,
              measureFrom,
              measureTo,
              localAddress: common.localAddresses[i % Math.max(1, common.localAddresses.length)],
            }),
          ),
        ),
      ),
      ctx.window(measureFrom, measureTo),
    ]);
    const lat = new Histogram();
    for (const r of reports) lat.merge(r.latency);
    const total = (f: (r: HistoryReport) => number) => reports.reduce((n, r) => n + f(r), 0);
    const pagesPerSec = total((r) => r.pagesInWindow) / common.duration;
    const errors = total((r) => r.errors);
    const badWalks = total((r) => r.badWalks);
    const samples = reports.flatMap((r) => r.errorSamples).slice(0, 3);
    const s = lat.summary();
    const rows: [string, string][] = [
      ['page latency ms', `${latency(s)}  (limit ${o.limit})`],
      ['pages/s', `${num(pagesPerSec)}  (${o.concurrency} in flight)`],
      ['walks', `${num(total((r) => r.walks))} complete chat walks, ${num(badWalks)} saw a wrong set of messages`],
      ['errors', `${num(errors)}${samples.length ? `: ${samples[0]}` : ''}`],
      ['store', `${num(o.shape.messages)} messages, ${num(o.shape.chats)} chats, ${num(o.shape.users)} users; ${m.cached ? 'seed copied from the cache' : `seeded in ${num(m.seedSeconds, 1)} s`}`],
    ];
    const problems: string[] = [];
    if (errors > 0) problems.push(`${errors} page fetches failed`);
    if (badWalks > 0) problems.push(`${badWalks} walks saw a wrong set of messages: ${samples.join('; ')}`);
    return {
      title: `history: ${num(o.shape.messages)} messages over ${num(o.shape.chats)} chats, ${o.readers} readers, ${o.concurrency} concurrent, ${o.limit} per page`,
      params: { ...o },
      window,
      rows,
      results: { latency: s, pagesPerSec, operations: total((r) => r.pagesInWindow), walks: total((r) => r.walks), badWalks, errors, errorSamples: samples, seeded: { cached: m.cached ?? false, seconds: m.seedSeconds } },
      problems,
      key: { 'page p50 ms': s.p50, 'page p95 ms': s.p95, 'page p99 ms': s.p99, 'pages/s': pagesPerSec },
    };
  },
};

