import type { Resources, Window } from './context.ts';
import type { LossReport } from './ledger.ts';
import type { LatencySummary } from './stats.ts';

/** Formatting for the readable table; the JSON document keeps the raw numbers. */

export function num(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ms(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0);
}

export function latency(s: LatencySummary): string {
  if (s.n === 0) return 'n/a (no samples)';
  return `p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  p99 ${ms(s.p99)}  max ${ms(s.max)}  (n=${num(s.n)})`;
}

export function losses(l: LossReport): string {
  return `${num(l.missing)} missing, ${num(l.duplicated)} duplicated, ${num(l.unexpected)} unexpected of ${num(l.expected)} deliveries owed`;
}

/** Problems that fail a run: anything lost, duplicated or leaked. */
export function lossProblems(l: LossReport): string[] {
  const p: string[] = [];
  if (l.missing > 0) p.push(`${l.missing} deliveries missing (at ${l.recipientsWithLoss} recipients)`);
  if (l.duplicated > 0) p.push(`${l.duplicated} deliveries duplicated`);
  if (l.unexpected > 0) p.push(`${l.unexpected} deliveries nobody was owed`);
  return p;
}

export function resourceRows(r: Resources): [string, string][] {
  const rows: [string, string][] = [];
  if (r.server) {
    const m = r.server.rssMiB;
    rows.push(['server CPU', `${num(r.server.cpuPct, 1)}% of one core, ${num(r.server.sysPct, 1)}% of it in the kernel  (pid ${r.server.pids.join(', ')})`]);
    rows.push(['server RSS', `${num(m.end, 1)} MiB at the end  (start ${num(m.start, 1)}, peak ${num(m.peak, 1)})`]);
  } else {
    rows.push(['server CPU / RSS', 'n/a (--url without --pid)']);
  }
  rows.push(['generator CPU', `${num(r.generators.cpuPct, 1)}% (${num(r.generators.sysPct, 1)}% kernel) over ${r.generators.processes} process(es); orchestrator ${num(r.harness.cpuPct, 1)}%`]);
  rows.push([
    'machine',
    `${num(r.machine.busyPct, 0)}% busy of ${r.machine.cores * 100}%; others ${num(r.machine.othersPct, 0)}%${r.server ? '' : ' (the server included)'}; load ${r.machine.load1.start} → ${r.machine.load1.end}`,
  ]);
  return rows;
}

export function table(title: string, rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return [title, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
}

/** The server's syscalls and SQL statements in a window (--syscalls, --count-sql), per operation. */
export function windowRows(w: Window | undefined, operations: number | undefined, label = 'server'): [string, string][] {
  const rows: [string, string][] = [];
  const per = (n: number) => (operations ? ` (${num(n / operations, 2)} per operation)` : '');
  if (w?.syscalls) {
    const s = w.syscalls;
    rows.push([`${label} syscalls`, 'error' in s ? `n/a: ${String(s.error).trim().split('\n')[0]}` : Object.entries(s).map(([k, n]) => `${k} ${num(n)}${per(n)}`).join('; ')]);
  }
  if (w?.sql) {
    const s = w.sql;
    if ('error' in s) rows.push([`${label} SQL`, `n/a: ${s.error}`]);
    else {
      const calls = s.statements.reduce((a, b) => a + b.calls, 0);
      const time = s.statements.reduce((a, b) => a + b.ms, 0);
      rows.push([`${label} SQL`, `${num(calls)} statements${per(calls)}, ${num(time)} ms in SQLite (${num((time / 10 / s.seconds), 1)}% of one core)`]);
      for (const st of s.statements.slice(0, 8)) {
        rows.push(['', `${num(st.ms).padStart(6)} ms ${num(st.calls).padStart(8)}×  ${st.sql.replace(/\s+/g, ' ').slice(0, 110)}`]);
      }
    }
  }
  return rows;
}
