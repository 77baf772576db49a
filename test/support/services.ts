import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exited, freePort } from './process.ts';
import { program } from './requires.ts';

/**
 * Private PostgreSQL and Redis instances for fault tests that must stop, kill or restart the
 * service: each runs on a free loopback port with its data in a temporary directory, so the
 * machine's shared services are never touched.
 */

// PostgreSQL refuses to run as root; run its tools as the postgres account when we are root.
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export class OwnPostgres {
  readonly url: string;
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }

  static async start(): Promise<OwnPostgres> {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-pg-'));
    if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
    const [cmd, args] = asPostgres(program('initdb'), ['-D', path.join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    execFileSync(cmd, args, { stdio: 'ignore' });
    const pg = new OwnPostgres(dir, await freePort());
    await pg.resume();
    return pg;
  }

  private ctl(...args: string[]): void {
    const [cmd, full] = asPostgres(program('pg_ctl'), ['-D', path.join(this.dir, 'data'), ...args]);
    execFileSync(cmd, full, { stdio: 'ignore' });
  }

  /** Starts (again) on the same port and data. */
  async resume(): Promise<void> {
    this.ctl('-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', path.join(this.dir, 'log'), '-w', 'start');
  }

  /** Stops at once, dropping every connection (as a crash or network cut would). */
  async halt(): Promise<void> {
    this.ctl('-m', 'immediate', '-w', 'stop');
  }

  async destroy(): Promise<void> {
    try {
      await this.halt();
    } catch {
      // already stopped
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class OwnRedis {
  private child: ChildProcess | undefined;
  readonly url: string;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
  }

  static async start(): Promise<OwnRedis> {
    const r = new OwnRedis(await freePort(), mkdtempSync(path.join(tmpdir(), 'parley-redis-')));
    await r.resume();
    return r;
  }

  async resume(): Promise<void> {
    this.child = spawn(program('redis-server'), ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        execFileSync(program('redis-cli'), ['-p', String(this.port), 'ping'], { stdio: 'pipe' });
        return;
      } catch {
        if (Date.now() > deadline) throw new Error('redis-server did not start');
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Kills the server outright (SIGKILL), losing its in-memory state. */
  async kill(): Promise<void> {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await exited(this.child);
    this.child = undefined;
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
