import type { OpenReport, SocketSpec } from '../gen/sockets.ts';
import { now, sleep } from '../lib/clock.ts';
import type { Generator } from '../lib/generators.ts';
import { readProc } from '../lib/procstat.ts';
import { num, windowRows } from '../lib/report.ts';
import { cheapArgon2, int, type Scenario } from '../lib/scenario.ts';
import { registerUsers } from '../lib/setup.ts';
import { slope } from '../lib/stats.ts';

interface IdleOptions {
  connections: number;
  perUser: number;
  steps: number;
  hold: number;
}

interface Reading {
  /** Connections open. */
  x: number;
  rssKiB: number;
  gcRssKiB: number;
  heapKiB: number;
  externalKiB: number;
  /** With several nodes: each one's RSS (raw, and after GC). */
  nodes?: { rssKiB: number; gcRssKiB: number }[];
}

/** With several nodes: each one's sockets (the specs handed out for it) and RSS at the first and last reading. */
function nodeRows(points: Reading[], specs: SocketSpec[], urls: string[], hooked: boolean): [string, string][] {
  const first = points[0]!.nodes;
  const last = points.at(-1)!.nodes;
  if (!first || !last) return [];
  const sockets = urls.map((url) => specs.filter((s) => s.url === url).length);
  const mib = (n: { rssKiB: number; gcRssKiB: number }) => `${num(n.rssKiB / 1024, 1)}${hooked ? ` (${num(n.gcRssKiB / 1024, 1)})` : ''} MiB`;
  return [
    [
      'server RSS by node',
      last.map((n, i) => `node ${i + 1}: ${num(sockets[i] ?? NaN)} sockets, ${mib(first[i]!)} → ${mib(n)}${hooked ? `, ${num((n.gcRssKiB - first[i]!.gcRssKiB) / Math.max(1, sockets[i] ?? 0), 1)} KiB each` : ''}`).join('; '),
    ],
  ];
}

/** Sockets per generator process by default: well inside the 20,000 open files of one process. */
const PER_PROCESS = 6000;

/**
 * N idle connections, opened in steps; server RSS is read after each step settles, and memory
 * per connection is the slope of RSS over connections (least squares), with the plain
 * (RSS after − RSS before) / N beside it. Then the connections are held for --hold seconds: the
 * window whose CPU is reported is the cost of N idle sockets (heartbeats).
 *
 * This machine's limits shape the defaults: 20,000 open files per process (hard), so one server
 * process holds at most about 19,900 sockets, and generators are several processes; ports
 * 32768–60999 per source address, so sockets spread over 127.0.0.1–4.
 */
export const idle: Scenario<IdleOptions> = {
  name: 'idle',
  summary: 'N idle WebSocket connections: memory per connection and idle CPU',
  options: {
    connections: { type: 'string', default: '19000' },
    'per-user': { type: 'string', default: '4' },
    steps: { type: 'string', default: '4' },
    hold: { type: 'string', default: '10' },
  },
  help: {
    connections: 'sockets to open (one server process holds at most ~19,900 here: more with --nodes)',
    'per-user': 'sockets per user',
    steps: 'connect in this many steps; memory per connection is the slope over them',
    hold: 'seconds to hold them all open (the measured window)',
  },
  parse(v, common) {
    const o = { connections: int(v.connections, 'connections', 1), perUser: int(v['per-user'], 'per-user', 1), steps: int(v.steps, 'steps', 1), hold: int(v.hold, 'hold', 1) };
    if (common.localAddresses.length === 0) common.localAddresses = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'];
    return o;
  },
  memoryProbe: true,
  serverEnv: (o) => ({ ...cheapArgon2, WS_MAX_CONNECTIONS_PER_USER: String(Math.max(16, o.perUser)) }),
  async run(ctx, o) {
    const { common } = ctx;
    const userCount = Math.ceil(o.connections / o.perUser);
    ctx.log(`registering ${userCount} users`);
    const t0 = now();
    const users = await registerUsers(ctx.http, ctx.target.urls, ctx.tag, userCount, 16);
    const setupSeconds = (now() - t0) / 1000;
    const procs = common.procs ?? Math.max(1, Math.ceil(o.connections / PER_PROCESS));
    const gens = await ctx.startGenerators(procs);
    const specs: SocketSpec[] = Array.from({ length: o.connections }, (_, i) => {
      const u = users[i % userCount]!;
      return { url: u.url, token: u.token };
    });
    // Every server process: with --nodes, memory and CPU are the sum over the nodes.
    const pids = ctx.target.pids;
    const rssEach = () => pids.map((pid) => readProc(pid)?.rssKiB ?? NaN);
    const rss = () => (pids.length > 0 ? rssEach().reduce((a, b) => a + b, 0) : NaN);
    const ticks = () => pids.map((pid) => readProc(pid)?.ticks ?? 0);
    /** Waits until every server's CPU over the last second is under 5% (or 20 s pass). */
    const settle = async () => {
      if (pids.length === 0) return sleep(3000);
      const deadline = now() + 20_000;
      let last = ticks();
      for (;;) {
        await sleep(1000);
        const cur = ticks();
        if (cur.every((t, i) => t - last[i]! <= 5) || now() > deadline) return;
        last = cur;
      }
    };
    /** Memory now: RSS as /proc shows it, then (with the memory hook) RSS and heap after a full GC. */
    const reading = async (x: number): Promise<Reading> => {
      const each = rssEach();
      const raw = rss();
      const m = await ctx.memorySnapshot();
      const kib = (b: number | undefined) => (b === undefined ? NaN : b / 1024);
      const r: Reading = { x, rssKiB: raw, gcRssKiB: kib(m?.after.rss), heapKiB: kib(m?.after.heapUsed), externalKiB: kib(m && m.after.external + m.after.arrayBuffers) };
      if (pids.length > 1) r.nodes = each.map((rssKiB, i) => ({ rssKiB, gcRssKiB: kib(m?.nodes?.[i]?.after.rss) }));
      return r;
    };
    await settle();
    const points: Reading[] = [await reading(0)];
    // The connect phase is a window of its own: server CPU and (with --count-sql) statements per connection.
    const connectWindow = await ctx.openWindow(now());
    const opens: OpenReport[] = [];
    let opened = 0;
    let connectSeconds = 0;
    /** Specs handed to the generators so far (a failing step ends the connect phase). */
    let handed = 0;
    for (let step = 1; step <= o.steps; step++) {
      const from = Math.floor(((step - 1) * o.connections) / o.steps);
      const to = Math.floor((step * o.connections) / o.steps);
      const slice = specs.slice(from, to);
      handed = to;
      // Each generator opens its share of this step.
      const parts = gens.map((_, g) => slice.filter((_, k) => k % gens.length === g));
      const t = now();
      const reports = await Promise.all(
        gens.map((g: Generator, i) => g.call<OpenReport>('idle.open', { setup: { localAddresses: ctx.addressesFor(i, procs), connectConcurrency: 64 }, specs: parts[i] })),
      );
      connectSeconds += (now() - t) / 1000;
      for (const r of reports) {
        opens.push(r);
        opened += r.opened;
      }
      await settle();
      points.push(await reading(opened));
      const p = points.at(-1)!;
      ctx.log(`step ${step}/${o.steps}: ${opened} open, server RSS ${num(p.rssKiB / 1024, 1)} MiB (${num(p.gcRssKiB / 1024, 1)} after GC)`);
      if (reports.some((r) => r.failed > 0)) break;
    }
    const connecting = await connectWindow.close();
    const connectSeconds2 = (connecting.to.at - connecting.from.at) / 1000;
    const connectCpu = ctx.serverUsage(connecting.from, connecting.to);
    const cpuMsPerConnection = connectCpu ? (connectCpu.cpuPct * 10 * connectSeconds2) / Math.max(1, opened) : NaN;
    const holdFrom = now() + 100;
    const window = await ctx.window(holdFrom, holdFrom + o.hold * 1000);
    const status = await Promise.all(gens.map((g) => g.call<{ open: number; closed: number; closes: Record<string, number> }>('idle.status')));
    const stillOpen = status.reduce((n, s) => n + s.open, 0);
    const closed = status.reduce((n, s) => n + s.closed, 0);
    const failed = opens.reduce((n, r) => n + r.failed, 0);
    const errors = [...new Set(opens.flatMap((r) => r.errors))].slice(0, 5);
    // The fit starts at the first step: the reading before any connection still holds the setup's
    // memory the allocator has not given back yet, which would bend the line.
    const fitted = points.length > 2 ? points.slice(1) : points;
    const fit = (f: (p: Reading) => number) => slope(fitted.map((p) => ({ x: p.x, y: f(p) })));
    const hooked = Number.isFinite(points[0]!.gcRssKiB);
    // After a full GC when the hook is loaded (a server the harness started), else raw RSS.
    const rssOf = (p: Reading) => (hooked ? p.gcRssKiB : p.rssKiB);
    const perConnKiB = fit(rssOf);
    const deltaKiB = (rssOf(points.at(-1)!) - rssOf(points[0]!)) / Math.max(1, opened);
    const heapPerConnKiB = fit((p) => p.heapKiB);
    const externalPerConnKiB = fit((p) => p.externalKiB);
    const rawPerConnKiB = fit((p) => p.rssKiB);
    const worstP99 = Math.max(...opens.map((r) => r.connectMs.p99).filter(Number.isFinite));
    const rows: [string, string][] = [
      ['connections held', `${num(stillOpen)} of ${num(o.connections)} (${num(failed)} failed to open, ${num(closed)} closed while held)${errors.length ? `: ${errors[0]}` : ''}`],
      [
        'memory per connection',
        `${num(perConnKiB, 1)} KiB of RSS${hooked ? ' after a full GC' : ''} (slope over ${fitted.length} steps); ${num(deltaKiB, 1)} KiB by (RSS after − before) / N`,
      ],
      ['  of which', hooked ? `JS heap ${num(heapPerConnKiB, 1)} KiB, external + array buffers ${num(externalPerConnKiB, 1)} KiB; raw RSS (no GC) ${num(rawPerConnKiB, 1)} KiB` : 'n/a (no memory hook with --url)'],
      ['server RSS by step', points.map((p) => `${num(p.x)}: ${num(p.rssKiB / 1024, 1)}${hooked ? ` (${num(p.gcRssKiB / 1024, 1)})` : ''} MiB`).join(', ')],
      ...nodeRows(points, specs.slice(0, handed), ctx.target.urls, hooked),
      ['connect rate', `${num(opened / connectSeconds)}/s (${num(connectSeconds, 1)} s for ${num(opened)}; worst step p99 handshake→connect frame ${num(worstP99, 1)} ms)`],
      ['connect phase server CPU', `${num(cpuMsPerConnection, 2)} ms per connection (${num(connectCpu?.cpuPct ?? NaN, 1)}% of one core over ${num(connectSeconds2, 1)} s, settling and GC included)`],
      ...windowRows(connecting, opened, 'connect phase'),
      ['setup', `${num(userCount)} users registered in ${num(setupSeconds, 1)} s; ${procs} generator process(es) over ${common.localAddresses.join(', ')}`],
    ];
    const problems: string[] = [];
    if (failed > 0) problems.push(`${failed} connections failed to open: ${errors.join('; ')}`);
    if (closed > 0) problems.push(`${closed} connections closed while held`);
    return {
      title: `idle: ${num(o.connections)} connections (${o.perUser} per user), ${o.steps} steps, held ${o.hold} s`,
      params: { ...o, users: userCount, procs, localAddresses: common.localAddresses },
      window,
      rows,
      results: { opened, stillOpen, failed, closed, perConnKiB, deltaKiB, heapPerConnKiB, externalPerConnKiB, rawPerConnKiB, afterGc: hooked, steps: points, connectPerSec: opened / connectSeconds, cpuMsPerConnection, connectSql: connecting.sql, connectWindow: { fromMs: connecting.from.at, toMs: connecting.to.at }, connectSteps: opens.map((r) => r.connectMs), errors, setupSeconds },
      problems,
      key: { 'KiB/connection (slope)': perConnKiB, 'KiB/connection (delta)': deltaKiB, 'heap KiB/connection': heapPerConnKiB, 'connects/s': opened / connectSeconds, 'connect CPU ms/connection': cpuMsPerConnection },
    };
  },
};
