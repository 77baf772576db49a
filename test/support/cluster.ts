import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Env } from '../../src/config.ts';
import { Api } from './api.ts';
import { exited, freePort, repoRoot, waitForOk } from './process.ts';
import { startServerOn, testEnv, type TestServer } from './server.ts';
import type { Scratch, StoreKind } from './stores.ts';

// The machine's Redis (CI sets TEST_REDIS_URL); tests that stop Redis start their own.
export { sharedRedisUrl } from './requires.ts';

/** A key prefix no other test (or test run) uses. */
export function uniquePrefix(): string {
  return `parley-t-${process.pid}-${randomBytes(4).toString('hex')}:`;
}

/** Removes every key under the prefix. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Settings for one node of a cluster on the given Redis. */
export function nodeEnv(redisUrl: string, prefix: string, nodeId: string, env: Env = {}): Env {
  return { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, NODE_ID: nodeId, ...env };
}

/** An in-process node serving the real profiles. */
export function startNode(dir: Scratch, kind: StoreKind, env: Env): Promise<TestServer> {
  return startServerOn(dir, kind, env);
}

const nodeMain = path.join(repoRoot, 'bin/parley.js');

/**
 * A node as its own process (the real `parley serve`), for tests that kill one.
 * Its output is kept for the failure message of a test that cannot start it.
 */
export class NodeProcess {
  readonly api: Api;
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly nodeId: string,
  ) {
    this.api = new Api(url);
    child.stdout?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
    child.stderr?.on('data', (d: Buffer) => (this.output = (this.output + d.toString()).slice(-20_000)));
  }

  static async start(dir: Scratch, env: Env): Promise<NodeProcess> {
    const nodeId = env.NODE_ID ?? 'node';
    const port = await freePort();
    const child = spawn(process.execPath, [nodeMain, 'serve'], {
      cwd: repoRoot,
      env: { ...process.env, ...testEnv, DATA_DIR: dir.dataDir, DATABASE_URL: dir.databaseUrl, ...env, PORT: String(port), LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const node = new NodeProcess(child, `http://127.0.0.1:${port}`, nodeId);
    try {
      await Promise.race([
        waitForOk(`${node.url}/health`, 30_000),
        exited(child).then((code) => {
          throw new Error(`node ${nodeId} exited with ${code} while starting`);
        }),
      ]);
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n${node.output}`, { cause: err });
    }
    return node;
  }

  get log(): string {
    return this.output;
  }

  /** Whether the process has ended (killed, or exited by itself). */
  get killed(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Kills the process outright: no shutdown, no goodbye to Redis or the clients. */
  async kill(): Promise<void> {
    if (this.killed) return;
    this.child.kill('SIGKILL');
    await exited(this.child);
  }

  /** Stops it the way an operator does (SIGTERM: graceful shutdown). */
  async stop(): Promise<void> {
    if (this.killed) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited(this.child);
    clearTimeout(timer);
  }
}

/** Polls until `check` holds. */
export async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves with `promise`, or fails after `timeoutMs` naming what did not happen. */
export function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs}ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
