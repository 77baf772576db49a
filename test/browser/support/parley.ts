import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliPath, exited, freePort, repoRoot, runCli, waitForOk } from '../../support/process.ts';

/**
 * A built Parley (bin/parley.js running dist/, serving dist/web at /app) started as its own
 * process on a free port with a fresh DATA_DIR, as a person would run it; the CLI works on the
 * same data beside it.
 */
export interface Parley {
  url: string;
  env: Record<string, string>;
  /** Runs `parley <args>` on this server's data; resolves with its JSON output. */
  cli(args: string[]): Promise<unknown>;
  /** What the server wrote, for a failure's report. */
  output(): string;
  stop(): Promise<void>;
}

export async function startParley(env: Record<string, string> = {}): Promise<Parley> {
  if (!existsSync(path.join(repoRoot, 'dist/web/admin/index.html')) || !existsSync(path.join(repoRoot, 'dist/src/cli/index.js'))) {
    throw new Error('Parley is not built: run npm run build (npm run test:browser does)');
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'parley-browser-'));
  const port = await freePort();
  const settings: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    RATE_LIMIT_AUTH: 'off',
    RATE_LIMIT_QUERY: 'off',
    RATE_LIMIT_SEND: 'off',
    RATE_LIMIT_UPLOAD: 'off',
    RATE_LIMIT_LOGIN_FAILURES: 'off',
    SQLITE_SYNCHRONOUS: 'NORMAL',
    ...env,
  };
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [cliPath, 'serve'], { cwd: repoRoot, env: { ...process.env, ...settings }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited(child);
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await Promise.race([
      waitForOk(`${url}/health`, 30_000),
      exited(child).then((code) => {
        throw new Error(`parley exited with ${code} before answering:\n${output}`);
      }),
    ]);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    env: settings,
    output: () => output,
    async cli(args) {
      const done = await runCli(args, settings);
      if (done.code !== 0) throw new Error(`parley ${args.join(' ')} exited with ${done.code}: ${done.stderr}`);
      return JSON.parse(done.stdout) as unknown;
    },
    stop,
  };
}

export interface Account {
  id: number;
  phone: string;
  password: string;
  nickname: string;
  token: string;
  refreshToken: string;
  user: Record<string, unknown>;
}

let counter = 0;

/** Registers an account through the primary API. */
export async function register(parley: Parley, nickname: string): Promise<Account> {
  const phone = `139${String(Date.now() % 1e6).padStart(6, '0')}${String(counter++ % 100).padStart(2, '0')}`;
  const password = 'correct-horse-9';
  const res = await fetch(`${parley.url}/api/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone, password, nickname }),
  });
  const body = (await res.json()) as { data: { access_token: string; refresh_token: string; user: { id: number } & Record<string, unknown> } };
  if (!res.ok) throw new Error(`register failed: ${res.status} ${JSON.stringify(body)}`);
  return { id: body.data.user.id, phone, password, nickname, token: body.data.access_token, refreshToken: body.data.refresh_token, user: body.data.user };
}

/** A call of the primary API as `token`; the envelope's data, or the failed answer as an error. */
export async function api<T = unknown>(parley: Parley, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; data: T }> {
  const res = await fetch(`${parley.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await res.json()) as { data: T };
  return { status: res.status, data: answer.data };
}

/** The session the chat client and the console share, as they keep it in localStorage. */
export function sharedSession(account: Account): Record<string, string> {
  return { 'parley.session': JSON.stringify({ token: account.token, user: account.user }), 'parley.refresh': account.refreshToken };
}
