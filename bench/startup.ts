/**
 * How long Parley's commands take to answer: `npm run bench:startup [-- options]`.
 *
 * Each figure is the wall time from spawning `node bin/parley.js …` to its exit (`--version`,
 * `help`) or to the first 200 from `/health` (`serve` on SQLite: a fresh database, which the
 * start migrates, and a restart on that database), with the CPU time the server had spent by
 * then (from /proc: Linux). Runs are sequential; the machine's load
 * average is printed beside them, since on a shared machine it dominates. `--root DIR` measures
 * another checkout (e.g. one without the compiled build) with the same harness.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/support/process.ts';
import { readProc } from './lib/procstat.ts';
import { num, table } from './lib/report.ts';
import { spread } from './lib/stats.ts';
import { repoRoot } from './lib/target.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    root: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench:startup -- [--runs N] [--root DIR]

  --runs N      runs of each measurement (default 10)
  --root DIR    the checkout whose bin/parley.js is measured (default this one)`);
  process.exit(0);
}
const runs = Number(values.runs);
const root = path.resolve(values.root ?? repoRoot);
const cli = path.join(root, 'bin/parley.js');

/** Milliseconds from spawn to exit; NaN when the command failed (an older checkout without `--version`). */
function timeCommand(args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code === 0 ? performance.now() - started : NaN));
  });
}

/** CPU time (user + system, ms) each serve had spent when /health first answered: less at the mercy of the machine's load than wall time. */
const serveCpu: Record<string, number[]> = {};

/** Milliseconds from spawning `serve` to the first 200 from /health, polled every 5 ms; then stops it. */
async function timeServe(dataDir: string, label: string): Promise<number> {
  const port = await freePort();
  const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  const started = performance.now();
  const child = spawn(process.execPath, [cli, 'serve'], { cwd: root, env, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
      if (ok) {
        const took = performance.now() - started;
        (serveCpu[label] ??= []).push(((readProc(child.pid!)?.ticks ?? NaN) * 1000) / 100);
        return took;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function measure(run: () => Promise<number>): Promise<ReturnType<typeof spread>> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await run());
  return spread(times);
}

const loadBefore = loadavg()[0]!;
const results: Record<string, ReturnType<typeof spread>> = {};
results['parley --version'] = await measure(() => timeCommand(['--version']));
results['parley help'] = await measure(() => timeCommand(['help']));
const dirs: string[] = [];
results['serve → /health (fresh database)'] = await measure(() => {
  const dir = mkdtempSync(path.join(tmpdir(), 'parley-startup-'));
  dirs.push(dir);
  return timeServe(dir, 'fresh database');
});
results['serve → /health (restart)'] = await measure(() => timeServe(dirs[0]!, 'restart'));
for (const [label, times] of Object.entries(serveCpu)) results[`serve CPU time to /health (${label})`] = spread(times);
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
const loadAfter = loadavg()[0]!;

const row = (s: ReturnType<typeof spread>) => s.n === 0 ? 'n/a (the command failed)' : `${num(s.median)} ms median (min ${num(s.min)}, max ${num(s.max)}, ${s.n} runs)`;
console.log(
  table(`startup of ${cli} (node ${process.version}; 1-min load average ${num(loadBefore, 2)} → ${num(loadAfter, 2)})`, [
    ...Object.entries(results).map(([k, s]): [string, string] => [k, row(s)]),
  ]),
);
console.log(JSON.stringify({ root, node: process.version, load: [loadBefore, loadAfter], results }));
