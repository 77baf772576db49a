import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { now } from './clock.ts';

/**
 * CPU and memory of processes from /proc, sampled during a run: the server's (the figures the
 * issue asks for), the generator's (a saturated generator makes every other figure a figure of
 * the generator) and the whole machine's (other engineers' test suites share these two cores; the
 * report says how much CPU went to processes that are not part of the run).
 */

/** Kernel clock ticks per second for /proc/<pid>/stat times (USER_HZ: 100 on Linux). */
const TICKS = 100;

export interface ProcReading {
  /** utime + stime, in ticks. */
  ticks: number;
  /** stime alone: time in the kernel on the process's behalf (syscalls: socket writes, fsync…). */
  sysTicks: number;
  rssKiB: number;
  hwmKiB: number;
}

export interface MachineReading {
  busy: number;
  total: number;
  load1: number;
}

export interface Mark {
  at: number;
  procs: Map<number, ProcReading>;
  machine: MachineReading;
}

export function readProc(pid: number): ProcReading | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { ticks, sysTicks: Number(f[12]), rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

export function readMachine(): MachineReading {
  const cpu = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = cpu[3]! + cpu[4]!;
  const load1 = Number(readFileSync('/proc/loadavg', 'latin1').split(' ')[0]);
  return { busy: total - idle, total, load1 };
}

/**
 * Waits until the whole machine has been at most `belowPct` busy (% of one core) for `forS`
 * consecutive seconds, or `maxS` seconds pass. Other engineers' test suites share this machine:
 * a figure taken while they run measures them as much as the server.
 */
export async function waitQuiet(belowPct: number, forS: number, maxS: number): Promise<{ waitedS: number; quiet: boolean; lastPct: number }> {
  const cores = availableParallelism();
  const start = now();
  let calm = 0;
  let prev = readMachine();
  let lastPct: number;
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const cur = readMachine();
    lastPct = ((cur.busy - prev.busy) / Math.max(1, cur.total - prev.total)) * cores * 100;
    prev = cur;
    calm = lastPct <= belowPct ? calm + 1 : 0;
    const waitedS = (now() - start) / 1000;
    if (calm >= forS) return { waitedS, quiet: true, lastPct };
    if (waitedS >= maxS) return { waitedS, quiet: false, lastPct };
  }
}

export interface Usage {
  /** Average CPU over the window, % of one core. */
  cpuPct: number;
  /** The part of cpuPct spent in the kernel. */
  sysPct: number;
  rssMiB: { start: number; end: number; peak: number };
}

export interface MachineUsage {
  cores: number;
  /** All CPU used on the machine during the window, % of one core (at most cores × 100). */
  busyPct: number;
  /** 1-minute load average at the start and end. */
  load1: { start: number; end: number };
}

const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;

export class Sampler {
  private readonly samples: Mark[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pids: () => number[],
    private readonly intervalMs = 250,
  ) {}

  start(): this {
    this.mark();
    this.timer = setInterval(() => this.mark(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reads every process and the machine now (also kept for peaks). */
  mark(): Mark {
    const procs = new Map<number, ProcReading>();
    for (const pid of this.pids()) {
      const r = readProc(pid);
      if (r) procs.set(pid, r);
    }
    const m: Mark = { at: now(), procs, machine: readMachine() };
    this.samples.push(m);
    return m;
  }

  usage(pid: number, from: Mark, to: Mark): Usage | undefined {
    const a = from.procs.get(pid);
    const b = to.procs.get(pid);
    if (!a || !b) return undefined;
    const seconds = (to.at - from.at) / 1000;
    let peak = Math.max(a.rssKiB, b.rssKiB);
    for (const s of this.samples) {
      if (s.at < from.at || s.at > to.at) continue;
      peak = Math.max(peak, s.procs.get(pid)?.rssKiB ?? 0);
    }
    return {
      cpuPct: Math.round(((b.ticks - a.ticks) / TICKS / seconds) * 1000) / 10,
      sysPct: Math.round(((b.sysTicks - a.sysTicks) / TICKS / seconds) * 1000) / 10,
      rssMiB: { start: mib(a.rssKiB), end: mib(b.rssKiB), peak: mib(peak) },
    };
  }

  machine(from: Mark, to: Mark): MachineUsage {
    const cores = availableParallelism();
    const dt = to.machine.total - from.machine.total;
    return {
      cores,
      busyPct: dt > 0 ? Math.round(((to.machine.busy - from.machine.busy) / dt) * cores * 1000) / 10 : NaN,
      load1: { start: from.machine.load1, end: to.machine.load1 },
    };
  }
}
