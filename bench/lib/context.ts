import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { now, sleep } from './clock.ts';
import { startGenerators, stopGenerators, type Generator } from './generators.ts';
import { HttpClient } from './http.ts';
import { Sampler, type Mark, type MachineUsage, type Usage } from './procstat.ts';
import { runTag } from './setup.ts';
import { countSyscalls } from './syscalls.ts';
import type { Target } from './target.ts';

/** Options every scenario shares (see `npm run bench -- --help`). */
export interface Common {
  urls: string[] | undefined;
  pids: number[];
  store: 'sqlite' | 'postgres';
  postgresUrl: string;
  /** Server processes the harness starts (--nodes; more than one: PostgreSQL and Redis). */
  nodes: number;
  redisUrl: string;
  serverEnv: Record<string, string>;
  serverNodeArgs: string[];
  /** Checkout whose `bin/parley.js` is started. */
  serverRoot: string;
  cpuProf: boolean;
  /** Profile the generator processes too (is the generator the bottleneck?). */
  genCpuProf: boolean;
  countSql: boolean;
  syscalls: boolean;
  procs: number | undefined;
  localAddresses: string[];
  duration: number;
  warmup: number;
  drain: number;
  out: string;
}

export interface SqlStatement {
  sql: string;
  calls: number;
  ms: number;
}

/** What happened on the machine during the measured window. */
export interface Window {
  from: Mark;
  to: Mark;
  /** Statements the server ran in the window (--count-sql). */
  sql?: { seconds: number; statements: SqlStatement[] } | { error: string };
  /** Server syscalls in the window (--syscalls). */
  syscalls?: Record<string, number> | { error: string };
}

type MemoryUsage = Record<'rss' | 'heapTotal' | 'heapUsed' | 'external' | 'arrayBuffers', number>;

export interface MemorySnapshot {
  /** process.memoryUsage() before and after the collections (bytes); with several nodes, their sum. */
  before: MemoryUsage;
  after: MemoryUsage;
  gc: boolean;
  /** With several nodes: each node's own, in the target's order. */
  nodes?: MemorySnapshot[];
}

/** Several nodes' snapshots as one: every figure summed; collected only if every node collected. */
export function sumSnapshots(snapshots: readonly MemorySnapshot[]): MemorySnapshot {
  if (snapshots.length === 1) return snapshots[0]!;
  const sum = (pick: (m: MemorySnapshot) => MemoryUsage): MemoryUsage => {
    const total: MemoryUsage = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
    for (const m of snapshots) for (const k of Object.keys(total) as (keyof MemoryUsage)[]) total[k] += pick(m)[k];
    return total;
  };
  return { before: sum((m) => m.before), after: sum((m) => m.after), gc: snapshots.every((m) => m.gc), nodes: [...snapshots] };
}

/** Signals one server's memory hook and waits (up to 10 s) for the line it appends. */
async function snapshotOf(pid: number, file: string): Promise<MemorySnapshot | undefined> {
  const lines = () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);
  const before = lines().length;
  process.kill(pid, 'SIGWINCH');
  const deadline = now() + 10_000;
  while (lines().length === before) {
    if (now() > deadline) return undefined;
    await sleep(50);
  }
  return JSON.parse(lines().at(-1)!) as MemorySnapshot;
}

export interface Resources {
  server: (Usage & { pids: number[] }) | null;
  generators: { processes: number; cpuPct: number; sysPct: number };
  harness: { cpuPct: number };
  machine: MachineUsage & { othersPct: number };
}

/** A scenario's view of one run: the target, generator processes, the window and its resources. */
export class RunContext {
  readonly http = new HttpClient({ maxSockets: 64 });
  readonly tag = runTag();
  gens: Generator[] = [];
  readonly sampler: Sampler;

  constructor(
    readonly common: Common,
    readonly target: Target,
  ) {
    this.sampler = new Sampler(() => [...target.pids, ...this.gens.map((g) => g.pid), process.pid]).start();
  }

  log(message: string): void {
    process.stderr.write(`[bench] ${message}\n`);
  }

  async startGenerators(count: number): Promise<Generator[]> {
    this.gens = await startGenerators(count, this.common.genCpuProf ? path.join(this.common.out, 'generators') : undefined);
    return this.gens;
  }

  /** Source address for generator `i` (127.0.0.x with --local-addresses). */
  addressesFor(i: number, of: number): string[] {
    const all = this.common.localAddresses;
    if (all.length === 0) return [];
    // Each generator takes its own share of the addresses (at least one).
    const own = all.filter((_, k) => k % of === i);
    return own.length > 0 ? own : [all[i % all.length]!];
  }

  async until(t: number): Promise<void> {
    const wait = t - now();
    if (wait > 0) await sleep(wait);
  }

  /**
   * Marks the measured window [from, to) (monotonic ms): samples CPU and memory at both ends and,
   * when asked, counts the server's SQL statements and syscalls in between.
   */
  async window(from: number, to: number): Promise<Window> {
    const open = await this.openWindow(from);
    await this.until(to);
    return open.close();
  }

  /** Opens the measured window at `from`; its end is whenever `close()` is called. */
  async openWindow(from: number): Promise<{ close(): Promise<Window> }> {
    const pid = this.target.pids[0];
    const sqlFile = this.target.env.PARLEY_BENCH_SQL_FILE;
    await this.until(from);
    if (this.common.countSql && pid && sqlFile) process.kill(pid, 'SIGUSR2');
    const perf = this.common.syscalls && pid ? countSyscalls(pid, path.join(this.common.out, `perf-${pid}-${Math.round(from)}.txt`)) : undefined;
    const start = this.sampler.mark();
    return {
      close: async () => {
        const end = this.sampler.mark();
        const w: Window = { from: start, to: end };
        if (perf) w.syscalls = await perf.stop();
        if (this.common.countSql) w.sql = await this.sqlCounts(pid, sqlFile);
        return w;
      },
    };
  }

  private async sqlCounts(pid: number | undefined, sqlFile: string | undefined): Promise<Window['sql']> {
    if (!pid || !sqlFile) return { error: 'only for a server the harness starts' };
    process.kill(pid, 'SIGUSR2');
    // A busy server answers the signal late (seconds when other work shares the cores).
    let lines: string[] = [];
    for (let waited = 0; waited < 10_000 && lines.length < 2; waited += 100) {
      await sleep(100);
      lines = existsSync(sqlFile) ? readFileSync(sqlFile, 'utf8').trim().split('\n') : [];
    }
    return lines.length >= 2 ? JSON.parse(lines.at(-1)!) : { error: 'the server wrote no statement counts' };
  }

  /**
   * The servers' memory after two full garbage collections (bench/hooks/memory.js), summed over
   * the nodes (each node's own in `nodes`), or undefined when the hook is not loaded (--url) or a
   * node did not answer.
   */
  async memorySnapshot(): Promise<MemorySnapshot | undefined> {
    const hooked = this.target.nodes.filter((n) => n.env.PARLEY_BENCH_MEM_FILE);
    if (hooked.length === 0) return undefined;
    // All at once: each node collects on its own core time, and the waits overlap.
    const each = await Promise.all(hooked.map((n) => snapshotOf(n.pid, n.env.PARLEY_BENCH_MEM_FILE!)));
    return each.every((m) => m !== undefined) ? sumSnapshots(each) : undefined;
  }

  /**
   * The servers' CPU and RSS between two marks, summed over the target's processes (the peak is
   * the sum of each one's peak); null when none was sampled (--url without --pid).
   */
  serverUsage(from: Mark, to: Mark): (Usage & { pids: number[] }) | null {
    const servers = this.target.pids.map((pid) => this.sampler.usage(pid, from, to)).filter((u): u is Usage => u !== undefined);
    const sum = (f: (u: Usage) => number) => Math.round(servers.reduce((s, u) => s + f(u), 0) * 10) / 10;
    return servers.length === 0
      ? null
      : {
          pids: this.target.pids,
          cpuPct: sum((u) => u.cpuPct),
          sysPct: sum((u) => u.sysPct),
          rssMiB: { start: sum((u) => u.rssMiB.start), end: sum((u) => u.rssMiB.end), peak: sum((u) => u.rssMiB.peak) },
        };
  }

  resources(w: Window): Resources {
    const { sampler } = this;
    const server = this.serverUsage(w.from, w.to);
    const genUsage = this.gens.map((g) => sampler.usage(g.pid, w.from, w.to));
    const genCpu = genUsage.reduce((s, u) => s + (u?.cpuPct ?? 0), 0);
    const genSys = genUsage.reduce((s, u) => s + (u?.sysPct ?? 0), 0);
    const harness = sampler.usage(process.pid, w.from, w.to)?.cpuPct ?? NaN;
    const machine = sampler.machine(w.from, w.to);
    const ours = (server?.cpuPct ?? 0) + genCpu + harness;
    return {
      server,
      generators: { processes: this.gens.length, cpuPct: Math.round(genCpu * 10) / 10, sysPct: Math.round(genSys * 10) / 10 },
      harness: { cpuPct: harness },
      machine: { ...machine, othersPct: Math.max(0, Math.round((machine.busyPct - ours) * 10) / 10) },
    };
  }

  async close(): Promise<void> {
    this.sampler.stop();
    this.http.close();
    await stopGenerators(this.gens);
  }
}
