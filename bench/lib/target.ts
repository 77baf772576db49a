import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, repoRoot } from '../../test/support/process.ts';
import { sleep } from './clock.ts';
import { createDatabase, type ScratchDatabase } from './postgres.ts';

export { repoRoot };

/**
 * The server(s) under test: a Parley child process the harness starts (`node bin/parley.js
 * serve`, fresh data directory and database, rate limits off), or servers already running at
 * `--url` (a comma-separated list: clients are spread over them, ready for a multi-process mode).
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
  stop(): Promise<StopResult>;
}

export interface StopResult {
  exitCode: number | null;
  /** CPU profiles written by the server (--cpu-prof). */
  profiles: string[];
  /** Files a preload hook wrote (see --count-sql). */
  logFile?: string;
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

/** Starts `node [nodeArgs] bin/parley.js serve` with a fresh data directory and database. */
export async function spawnServer(o: SpawnOptions): Promise<Target> {
  mkdirSync(o.outDir, { recursive: true });
  const ownDir = o.dataDir === undefined;
  const dataDir = o.dataDir ?? mkdtempSync(path.join(tmpdir(), 'parley-bench-data-'));
  let scratch: ScratchDatabase | undefined;
  let databaseUrl = o.databaseUrl;
  if (!databaseUrl) {
    if (o.store === 'postgres') {
      scratch = await createDatabase(o.postgresUrl);
      databaseUrl = scratch.url;
    } else {
      databaseUrl = `sqlite:${path.join(dataDir, 'parley.db')}`;
    }
  }
  const port = await freePort();
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    SQLITE_SYNCHRONOUS: 'FULL',
    RATE_LIMIT_AUTH: 'off',
    RATE_LIMIT_SEND: 'off',
    RATE_LIMIT_UPLOAD: 'off',
    RATE_LIMIT_QUERY: 'off',
    WS_RATE_LIMIT: 'off',
    ...o.scenarioEnv,
    ...o.serverEnv,
  };
  const inherited = { ...process.env };
  // The server's settings come from the harness only: a stray PARLEY_CONFIG, DATABASE_URL or
  // PORT in the engineer's shell must not change what is measured.
  delete inherited.PARLEY_CONFIG;
  const logFile = path.join(o.outDir, 'server.log');
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...o.nodeArgs, path.join(o.serverRoot, 'bin/parley.js'), 'serve'], {
    cwd: o.serverRoot,
    env: { ...inherited, ...env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const cleanup = async () => {
    await scratch?.drop();
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(url, child, logFile, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    await exited(child, 5000);
    await cleanup();
    throw err;
  }
  const before = new Set(readdirSync(o.outDir));
  return {
    urls: [url],
    pids: [child.pid!],
    spawned: true,
    store: o.store === 'postgres' ? 'PostgreSQL' : `SQLite (synchronous ${env.SQLITE_SYNCHRONOUS})`,
    env,
    async stop() {
      child.kill('SIGTERM');
      // Generous: a CPU profile of a long run takes a while to write.
      const exitCode = await exited(child, 60_000);
      await cleanup();
      const profiles = readdirSync(o.outDir)
        .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
        .map((f) => path.join(o.outDir, f));
      return { exitCode, profiles, logFile };
    },
  };
}
