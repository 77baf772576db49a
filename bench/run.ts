/**
 * Parley's benchmark harness: `npm run bench -- <scenario> [options]` (`--help` lists them).
 *
 * This process orchestrates: it starts the server under test as a child process (or targets
 * --url), makes the users and chats through the API, starts the load generator processes
 * (bench/gen/main.ts), samples CPU and memory from /proc, and prints a table and a JSON document.
 * docs/performance.md describes each scenario and the baseline figures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { RunContext, type Common } from './lib/context.ts';
import { formatProfile, summarizeProfile, type ProfileSummary } from './lib/profile.ts';
import { speedIndex } from './lib/calibrate.ts';
import { waitQuiet } from './lib/procstat.ts';
import { num, resourceRows, table, windowRows } from './lib/report.ts';
import type { Outcome, OptionSpec, Scenario } from './lib/scenario.ts';
import { defaultRedisUrl } from './lib/redis.ts';
import { spread } from './lib/stats.ts';
import { existingTarget, repoRoot, spawnServer, tail, type Target } from './lib/target.ts';
import { group } from './scenarios/group.ts';
import { history } from './scenarios/history.ts';
import { idle } from './scenarios/idle.ts';
import { login } from './scenarios/login.ts';
import { pairs } from './scenarios/pairs.ts';
import { search } from './scenarios/search.ts';

const scenarios: Scenario[] = [pairs, group, idle, history, login, search];

const commonOptions: OptionSpec = {
  url: { type: 'string' },
  pid: { type: 'string' },
  store: { type: 'string', default: 'sqlite' },
  'database-url': { type: 'string' },
  nodes: { type: 'string', default: '1' },
  'redis-url': { type: 'string' },
  'server-env': { type: 'string', multiple: true },
  'server-node-args': { type: 'string' },
  'server-root': { type: 'string' },
  'cpu-prof': { type: 'boolean', default: false },
  'gen-cpu-prof': { type: 'boolean', default: false },
  'count-sql': { type: 'boolean', default: false },
  syscalls: { type: 'boolean', default: false },
  procs: { type: 'string' },
  'local-addresses': { type: 'string' },
  duration: { type: 'string', default: '10' },
  warmup: { type: 'string', default: '2' },
  drain: { type: 'string', default: '15' },
  repeat: { type: 'string', default: '1' },
  'wait-quiet': { type: 'string', default: '0' },
  'quiet-below': { type: 'string', default: '30' },
  json: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
};

const usage = `Usage: npm run bench -- <scenario> [options]

Scenarios:
${scenarios.map((s) => `  ${s.name.padEnd(8)} ${s.summary}\n${Object.entries(s.options).map(([k, o]) => `    --${k.padEnd(18)} ${s.help[k] ?? ''}${o.default === undefined || o.default === false ? '' : ` (default ${String(o.default)})`}`).join('\n')}`).join('\n')}

Target (default: start \`node bin/parley.js serve\` on a fresh temp DATA_DIR, SQLite with
SQLITE_SYNCHRONOUS=FULL, rate limits off, LOG_LEVEL=warn):
  --store sqlite|postgres      postgres: a fresh database on --database-url (default
                               $TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --nodes N                    start N server processes (default 1) on one fresh PostgreSQL
                               database (--store postgres) and one Redis under a key prefix of
                               the run's own, removed at the end; users and sockets are spread
                               over the nodes, CPU and memory are summed over them
  --redis-url URL              the Redis of --nodes (default $TEST_REDIS_URL or
                               redis://127.0.0.1:6379)
  --server-env K=V             passed to the server (repeatable; wins over the defaults)
  --server-node-args "<args>"  node options for the server, e.g. "--max-old-space-size=4096"
  --server-root DIR            start the server of another checkout (e.g. main's worktree) with
                               this harness: A/B runs, interleaved, compare two versions fairly
  --cpu-prof                   profile the server (V8 --cpu-prof); the report summarises the
                               measured window (top self-time functions, packages)
  --gen-cpu-prof               profile the generator processes too (<out>/generators/; summarise
                               with node --import tsx bench/profile.ts <file>)
  --count-sql                  count and time the server's SQLite statements in the window
  --syscalls                   count the server's fsync/write/read syscalls in the window (perf;
                               the first node's)
  --url http://h:p[,http://h2:p2]  target running server(s); users are registered via the API
  --pid P[,P2]                 with --url: server processes to sample for CPU and RSS

Load:
  --procs P                    generator processes (default: 1; idle: one per 6,000 sockets)
  --local-addresses N|a,b,...  source addresses 127.0.0.1..N (or a list) for the sockets
  --duration S  --warmup S     measured window and the warm-up before it (default 10, 2)
  --drain S                    how long to wait for answers and deliveries after sending (15)

Output:
  --json FILE                  write the JSON document (the last stdout line is it too)
  --out DIR                    server log, profiles and counters (default a temp directory)
  --repeat R                   run R times (fresh server each) and report the spread
  --wait-quiet S               before each run, wait up to S s for the machine to be quiet
                               (under --quiet-below % of one core busy, default 30, for 5 s):
                               other people's test suites share the cores
`;

function parseCommon(v: Record<string, string | boolean | undefined>, scenario: string): Common {
  const list = (s: string | boolean | undefined) => (typeof s === 'string' ? s.split(',').map((x) => x.trim()).filter(Boolean) : []);
  const store = v.store;
  if (store !== 'sqlite' && store !== 'postgres') throw new Error('--store must be sqlite or postgres');
  const serverEnv: Record<string, string> = {};
  for (const kv of (v['server-env'] as unknown as string[] | undefined) ?? []) {
    const eq = kv.indexOf('=');
    if (eq < 1) throw new Error(`--server-env takes K=V, not ${kv}`);
    serverEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const la = v['local-addresses'];
  const localAddresses = typeof la === 'string' && /^\d+$/.test(la) ? Array.from({ length: Number(la) }, (_, i) => `127.0.0.${i + 1}`) : list(la);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const nodes = Number(v.nodes);
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error('--nodes must be a whole number of at least 1');
  if (nodes > 1 && store !== 'postgres') throw new Error(`--nodes ${nodes} needs --store postgres: several server processes on one SQLite file is not a supported deployment`);
  if (nodes > 1 && v.url) throw new Error('--nodes starts the servers itself: it cannot go with --url');
  return {
    urls: v.url ? list(v.url) : undefined,
    pids: list(v.pid).map(Number),
    store,
    postgresUrl: (v['database-url'] as string | undefined) ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    nodes,
    redisUrl: (v['redis-url'] as string | undefined) ?? defaultRedisUrl,
    serverEnv,
    serverNodeArgs: typeof v['server-node-args'] === 'string' ? v['server-node-args'].split(/\s+/).filter(Boolean) : [],
    serverRoot: path.resolve(typeof v['server-root'] === 'string' ? v['server-root'] : repoRoot),
    cpuProf: v['cpu-prof'] === true,
    genCpuProf: v['gen-cpu-prof'] === true,
    countSql: v['count-sql'] === true,
    syscalls: v.syscalls === true,
    procs: v.procs === undefined ? undefined : Number(v.procs),
    localAddresses,
    duration: Number(v.duration),
    warmup: Number(v.warmup),
    drain: Number(v.drain),
    out: path.resolve((v.out as string | undefined) ?? path.join(tmpdir(), 'parley-bench', `${stamp}-${scenario}`)),
  };
}

async function startTarget(scenario: Scenario, o: unknown, common: Common, run: number): Promise<{ target: Target; cleanup: () => Promise<void> }> {
  if (common.urls) return { target: existingTarget(common.urls, common.pids), cleanup: async () => undefined };
  const outDir = path.join(common.out, `run-${run}`);
  mkdirSync(outDir, { recursive: true });
  const prepared = (await scenario.prepare?.(o, common)) ?? {};
  const nodeArgs = [...common.serverNodeArgs];
  // Each node writes its own (memory.jsonl, or memory-<i>.jsonl with several nodes).
  const hookFiles: Record<string, string> = {};
  if (common.cpuProf) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${outDir}`);
  if (scenario.memoryProbe) {
    nodeArgs.push('--expose-gc', '--import', path.join(repoRoot, 'bench/hooks/memory.js'));
    hookFiles.PARLEY_BENCH_MEM_FILE = 'memory';
  }
  if (common.countSql) {
    nodeArgs.push('--import', path.join(repoRoot, 'bench/hooks/count-sql.js'));
    hookFiles.PARLEY_BENCH_SQL_FILE = 'sql';
  }
  try {
    const target = await spawnServer({
      store: common.store,
      postgresUrl: common.postgresUrl,
      dataDir: prepared.dataDir,
      databaseUrl: prepared.databaseUrl,
      scenarioEnv: { ...scenario.serverEnv?.(o), ...prepared.env },
      serverEnv: common.serverEnv,
      nodeArgs,
      outDir,
      nodes: common.nodes,
      redisUrl: common.redisUrl,
      hookFiles,
      serverRoot: common.serverRoot,
    });
    return { target, cleanup: async () => prepared.cleanup?.() };
  } catch (err) {
    await prepared.cleanup?.();
    throw err;
  }
}

async function runOnce(scenario: Scenario, o: unknown, common: Common, run: number) {
  const { target, cleanup } = await startTarget(scenario, o, common, run);
  const ctx = new RunContext(common, target);
  let outcome: Outcome | undefined;
  let failure: unknown;
  try {
    outcome = await scenario.run(ctx, o);
  } catch (err) {
    failure = err;
  }
  const resources = outcome?.window ? ctx.resources(outcome.window) : undefined;
  await ctx.close();
  const stopped = await target.stop();
  await cleanup();
  if (failure) {
    for (const [i, file] of (stopped.logFiles ?? []).entries()) {
      process.stderr.write(`server${stopped.logFiles!.length > 1 ? ` ${i + 1}` : ''} log (tail):\n${tail(file)}\n`);
    }
    throw failure instanceof Error ? failure : new Error(JSON.stringify(failure));
  }
  const profiles: ProfileSummary[] = stopped.profiles.map((file) =>
    summarizeProfile(file, outcome!.window ? { fromMs: outcome!.window.from.at, toMs: outcome!.window.to.at } : undefined),
  );
  return { outcome: outcome!, resources, profiles, target, stopped };
}

interface RunDoc {
  command: string;
  key: Record<string, number>;
  [field: string]: unknown;
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const name = argv[0];
  const scenario = scenarios.find((s) => s.name === name);
  if (!scenario) {
    console.log(usage);
    return name === undefined || name === '--help' || name === '-h' ? 0 : 2;
  }
  const { values } = parseArgs({ args: argv.slice(1), options: { ...commonOptions, ...scenario.options }, strict: true, allowPositionals: false });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const flat = values as Record<string, string | boolean | undefined>;
  const common = parseCommon(flat, scenario.name);
  const o: unknown = scenario.parse(flat, common);
  mkdirSync(common.out, { recursive: true });
  const repeat = Math.max(1, Number(values.repeat));
  const docs: RunDoc[] = [];
  let failed = false;
  const quietWait = Number(values['wait-quiet']);
  for (let run = 1; run <= repeat; run++) {
    if (quietWait > 0) {
      const q = await waitQuiet(Number(values['quiet-below']), 5, quietWait);
      process.stderr.write(`[bench] machine ${q.quiet ? 'quiet' : 'still busy'} after ${num(q.waitedS)} s (${num(q.lastPct)}% of one core busy)\n`);
    }
    const speedBefore = speedIndex();
    const r = await runOnce(scenario, o, common, run);
    // Before and after: the machine's speed can change during a run, and the lower one counts.
    const speed = Math.min(speedBefore, speedIndex());
    const { outcome, resources } = r;
    const seconds = outcome.window ? (outcome.window.to.at - outcome.window.from.at) / 1000 : NaN;
    const rows: [string, string][] = [...outcome.rows];
    if (resources) rows.push(...resourceRows(resources));
    rows.push(...windowRows(outcome.window, outcome.results.operations as number | undefined));
    for (const p of r.profiles.filter((x) => x.busyPct >= 1)) rows.push(['server CPU profile', `${p.file} (top self time: ${p.self.slice(0, 3).map((e) => `${e.name} ${e.pct}%`).join('; ')})`]);
    if (outcome.problems.length > 0) rows.push(['PROBLEMS', outcome.problems.join('; ')]);
    const title = `parley bench ${repeat > 1 ? `(run ${run}/${repeat}) ` : ''}${outcome.title}\n  ${r.target.store}, ${r.target.urls.join(', ')}, node ${process.version}, window ${num(seconds, 1)} s, speed index ${speed}`;
    console.log(`\n${table(title, rows)}`);
    for (const p of r.profiles) {
      // Node's helper threads (the module loader's) write profiles too; they are idle.
      if (p.busyPct < 1) continue;
      const file = `${p.file}.summary.txt`;
      writeFileSync(file, `${formatProfile(p, 40)}\n`);
      console.log(`\n${formatProfile(p, 12)}\n  (full summary: ${file})`);
    }
    failed ||= outcome.problems.length > 0;
    docs.push({
      scenario: scenario.name,
      title: outcome.title,
      command: `npm run bench -- ${argv.join(' ')}`,
      run,
      at: new Date().toISOString(),
      node: process.version,
      target: {
        urls: r.target.urls,
        store: r.target.store,
        spawned: r.target.spawned,
        env: r.target.env,
        exitCode: r.stopped.exitCode,
        ...(r.target.nodes.length > 1 && { nodes: r.target.nodes.map((n) => ({ url: n.url, pid: n.pid, nodeId: n.env.NODE_ID })) }),
      },
      params: outcome.params,
      // Monotonic ms (bench/lib/clock.ts): bench/profile.ts --from/--to cuts a profile to it.
      window: { fromMs: outcome.window?.from.at, toMs: outcome.window?.to.at, seconds, sql: outcome.window?.sql, syscalls: outcome.window?.syscalls },
      results: outcome.results,
      resources,
      profiles: r.profiles.map((p) => ({ file: p.file, sampledMs: p.sampledMs, busyPct: p.busyPct, self: p.self.slice(0, 15), byFile: p.byFile.slice(0, 10) })),
      // The machine's state belongs with the figures: other engineers' suites share the cores.
      key: { ...outcome.key, ...(resources && { 'server CPU %': resources.server?.cpuPct ?? NaN, 'others CPU %': resources.machine.othersPct }), 'speed index': speed },
      speedIndex: speed,
      problems: outcome.problems,
      ok: outcome.problems.length === 0,
      out: common.out,
    });
  }
  let doc: unknown = docs[0];
  if (repeat > 1) {
    const keys = Object.keys(docs[0]!.key);
    const spreads = Object.fromEntries(keys.map((k) => [k, spread(docs.map((d) => d.key[k]!))]));
    const rows = keys.map((k): [string, string] => [
      k,
      `${num(spreads[k]!.median, 2)}  [${num(spreads[k]!.min, 2)} – ${num(spreads[k]!.max, 2)}]  runs: ${docs.map((d) => num(d.key[k]!, 1)).join(', ')}`,
    ]);
    console.log(`\n${table(`spread over ${repeat} runs (median [min – max])`, rows)}`);
    doc = { scenario: scenario.name, command: docs[0]!.command, runs: docs, spread: spreads, ok: !failed };
  }
  if (values.json) writeFileSync(values.json as string, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`\n${JSON.stringify(doc)}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
