import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, repoRoot } from '../../test/support/process.ts';
import { sleep } from './clock.ts';
import { createDatabase, type ScratchDatabase } from './postgres.ts';
import { runPrefix, type RunPrefix } from './redis.ts';

export { repoRoot };

/**
 * The server(s) under test: a Parley child process the harness starts (`node bin/parley.js
 * serve`, fresh data directory and database, rate limits off), or servers already running at
 * `--url` (a comma-separated list: clients are spread over them). With --nodes N the harness
 * starts N processes on one PostgreSQL database and one Redis.
 */
export interface Target {
  urls: string[];
  /** Server processes to sample (/proc); empty with --url unless --pid is given. */
  pids: number[];
  spawned: boolean;
  /** What the server runs on, for the report. */
  store: string;
  /** Settings the harness gave the spawned server (with --url: unknown, empty). */
  env: Record<string, string>;
  /** The processes the harness started, in start order (empty with --url). */
  nodes: TargetNode[];
  stop(): Promise<StopResult>;
}

export interface TargetNode {
  url: string;
  pid: number;
  /** Settings the harness gave this process (its NODE_ID and hook files among them). */
  env: Record<string, string>;
}

export interface StopResult {
  /** The first node's that did not exit with 0, else 0. */
  exitCode: number | null;
  /** CPU profiles written by the server (--cpu-prof). */
  profiles: string[];
  /** The (first) server's log. */
  logFile?: string;
  /** Every node's log. */
  logFiles?: string[];
}

export interface SpawnOptions {
  store: 'sqlite' | 'postgres';
  /** Admin URL of the PostgreSQL server on which a fresh database is created. */
  postgresUrl: string;
  /** A data directory prepared before the start (the history seed); else a fresh temp one. */
  dataDir?: string;
  /** A database prepared before the start; else a fresh one. */
  databaseUrl?: string;
  /** Defaults the scenario wants (e.g. cheap argon2 when it does not measure logins). */
  scenarioEnv: Record<string, string>;
  /** --server-env K=V: wins over everything. */
  serverEnv: Record<string, string>;
  nodeArgs: string[];
  outDir: string;
  /** Server processes sharing the database (and then Redis); more than one needs PostgreSQL. */
  nodes: number;
  /** The Redis several nodes share, under a key prefix of the run's own. */
  redisUrl: string;
  /**
   * Files the preload hooks write, by the variable that names them to the hook: e.g.
   * PARLEY_BENCH_MEM_FILE → 'memory' gives memory.jsonl (memory-2.jsonl for node 2 of several).
   */
  hookFiles: Record<string, string>;
  /** The checkout whose server runs (default this one): for A/B runs against another worktree. */
  serverRoot: string;
}

export function existingTarget(urls: string[], pids: number[]): Target {
  return {
    urls: urls.map((u) => u.replace(/\/+$/, '')),
    pids,
    spawned: false,
    store: 'unknown (--url)',
    env: {},
    nodes: [],
    stop: async () => ({ exitCode: null, profiles: [] }),
  };
}

async function waitHealthy(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) while starting:\n${tail(logFile)}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not become healthy within ${timeoutMs} ms:\n${tail(logFile)}`);
    await sleep(100);
  }
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** A node's own file in the run's directory: `server.log` for a single server, `server-2.log` for node 2 of several. */
export function nodeFileName(base: string, ext: string, node: number, nodes: number): string {
  return nodes > 1 ? `${base}-${node}.${ext}` : `${base}.${ext}`;
}

interface Started {
  child: ChildProcess;
  url: string;
  env: Record<string, string>;
  logFile: string;
}

/** Starts node `node` (1-based) of `o.nodes` with the settings they share and waits until it is healthy. */
async function startNode(o: SpawnOptions, shared: Record<string, string>, node: number): Promise<Started> {
  const port = await freePort();
  const hookEnv = Object.fromEntries(Object.entries(o.hookFiles).map(([name, base]) => [name, path.join(o.outDir, nodeFileName(base, 'jsonl', node, o.nodes))]));
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: String(port),
    ...shared,
    ...(o.nodes > 1 && { NODE_ID: `bench-${node}` }),
    ...o.scenarioEnv,
    ...hookEnv,
    ...o.serverEnv,
  };
  const inherited = { ...process.env };
  // The server's settings come from the harness only: a stray PARLEY_CONFIG, DATABASE_URL or
  // PORT in the engineer's shell must not change what is measured.
  delete inherited.PARLEY_CONFIG;
  const logFile = path.join(o.outDir, nodeFileName('server', 'log', node, o.nodes));
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...o.nodeArgs, path.join(o.serverRoot, 'bin/parley.js'), 'serve'], {
    cwd: o.serverRoot,
    env: { ...inherited, ...env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, child, logFile, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    await exited(child, 5000);
    throw o.nodes > 1 ? new Error(`node ${node} of ${o.nodes}: ${(err as Error).message}`, { cause: err }) : err;
  }
  return { child, url, env, logFile };
}

/**
 * Starts `node [nodeArgs] bin/parley.js serve` with a fresh data directory and database; with
 * `nodes` > 1, that many processes one after another, on one PostgreSQL database and one Redis
 * under a key prefix of the run's own (each with its own port, NODE_ID, log and hook files).
 */
export async function spawnServer(o: SpawnOptions): Promise<Target> {
  if (o.nodes > 1 && o.store !== 'postgres') throw new Error('several nodes need --store postgres');
  mkdirSync(o.outDir, { recursive: true });
  const ownDir = o.dataDir === undefined;
  const dataDir = o.dataDir ?? mkdtempSync(path.join(tmpdir(), 'parley-bench-data-'));
  let scratch: ScratchDatabase | undefined;
  let redis: RunPrefix | undefined;
  const nodes: Started[] = [];
  const cleanup = async () => {
    await scratch?.drop();
    await redis?.drop();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // Redis first: a run that cannot have it need not make a database.
    if (o.nodes > 1) redis = await runPrefix(o.redisUrl);
    let databaseUrl = o.databaseUrl;
    if (!databaseUrl) {
      if (o.store === 'postgres') {
        scratch = await createDatabase(o.postgresUrl);
        databaseUrl = scratch.url;
      } else {
        databaseUrl = `sqlite:${path.join(dataDir, 'parley.db')}`;
      }
    }
    const shared: Record<string, string> = {
      DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'warn',
      SQLITE_SYNCHRONOUS: 'FULL',
      RATE_LIMIT_AUTH: 'off',
      RATE_LIMIT_SEND: 'off',
      RATE_LIMIT_UPLOAD: 'off',
      RATE_LIMIT_QUERY: 'off',
      WS_RATE_LIMIT: 'off',
    };
    if (redis) Object.assign(shared, { REDIS_URL: o.redisUrl, REDIS_PREFIX: redis.prefix });
    // One after another: the first migrates the fresh database, the others find it ready.
    for (let node = 1; node <= o.nodes; node++) nodes.push(await startNode(o, shared, node));
  } catch (err) {
    for (const n of nodes) n.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => exited(n.child, 5000)));
    await cleanup();
    throw err;
  }
  const before = new Set(readdirSync(o.outDir));
  const env = nodes[0]!.env;
  const store = o.store === 'postgres' ? 'PostgreSQL' : `SQLite (synchronous ${env.SQLITE_SYNCHRONOUS})`;
  return {
    urls: nodes.map((n) => n.url),
    pids: nodes.map((n) => n.child.pid!),
    nodes: nodes.map((n) => ({ url: n.url, pid: n.child.pid!, env: n.env })),
    spawned: true,
    store: o.nodes > 1 ? `${store}, ${o.nodes} nodes + Redis` : store,
    env,
    async stop() {
      for (const n of nodes) n.child.kill('SIGTERM');
      // Generous: a CPU profile of a long run takes a while to write.
      const codes = await Promise.all(nodes.map((n) => exited(n.child, 60_000)));
      await cleanup();
      const profiles = readdirSync(o.outDir)
        .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
        .map((f) => path.join(o.outDir, f));
      const worst = codes.findIndex((c) => c !== 0);
      return { exitCode: codes[Math.max(0, worst)]!, profiles, logFile: nodes[0]!.logFile, logFiles: nodes.map((n) => n.logFile) };
    },
  };
}
