import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and says where the time went: self time per
 * function, time per file or package, and inclusive time per function. Sample timestamps are
 * microseconds of the monotonic clock (see clock.ts), so a profile of a whole server run can be
 * cut to the harness's measured window.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  file: string;
  /** Sampled time in the window (ms) and the share of it that was not idle. */
  sampledMs: number;
  busyPct: number;
  self: ProfileEntry[];
  inclusive: ProfileEntry[];
  byFile: ProfileEntry[];
}

/** Where a frame comes from: a package, a file of this repository, a Node internal, or V8. */
function origin(url: string): string {
  if (!url) return '(native/V8)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  const src = url.indexOf('/src/');
  if (src >= 0) return url.slice(src + 1);
  return path.basename(url);
}

function frameName(n: ProfileNode): string {
  const f = n.callFrame;
  const fn = f.functionName || '(anonymous)';
  if (!f.url) return fn;
  const o = origin(f.url);
  // Within a package, the file says more than the package alone (kysely/sqlite-driver.js).
  const where = o.startsWith('src/') || o.startsWith('node:') || o === path.basename(f.url) ? o : `${o}/${path.basename(f.url)}`;
  return `${fn} ${where}:${f.lineNumber + 1}`;
}

const META = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

export function summarizeProfile(file: string, window?: { fromMs: number; toMs: number }, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byFile = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  let t = p.startTime;
  const from = window ? window.fromMs * 1000 : -Infinity;
  const to = window ? window.toMs * 1000 : Infinity;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    // A sample stands for the time until the next one.
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(p.samples[i]!)!;
    const name = frameName(node);
    sampled += dt;
    if (name === '(idle)') {
      idle += dt;
      continue;
    }
    self.set(name, (self.get(name) ?? 0) + dt);
    const o = META.has(name) ? name : origin(node.callFrame.url);
    byFile.set(o, (byFile.get(o) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const k = frameName(byId.get(id)!);
      if (k === '(root)' || seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  }
  const busy = sampled - idle;
  const rank = (m: Map<string, number>): ProfileEntry[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), pct: busy > 0 ? Math.round((ms / busy) * 1000) / 10 : 0 }));
  return {
    file,
    sampledMs: Math.round(sampled),
    busyPct: sampled > 0 ? Math.round((busy / sampled) * 1000) / 10 : 0,
    self: rank(self),
    inclusive: rank(inclusive),
    byFile: rank(byFile),
  };
}

export function formatProfile(s: ProfileSummary, top = 25): string {
  const lines = [`${s.file}`, `  sampled ${s.sampledMs} ms, busy ${s.busyPct}% (percentages below are of busy time)`];
  const section = (title: string, entries: ProfileEntry[]) => {
    lines.push(`  ${title}`);
    for (const e of entries.slice(0, top)) lines.push(`    ${e.pct.toFixed(1).padStart(5)}%  ${String(e.ms).padStart(7)} ms  ${e.name}`);
  };
  section('self time by function', s.self);
  section('self time by package / file', s.byFile);
  section('inclusive time by function', s.inclusive);
  return lines.join('\n');
}
