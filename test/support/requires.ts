import { accessSync, constants, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';

/**
 * What some tests need from the machine beyond Node: programs they start themselves and the
 * shared services of the store matrix. A suite names its needs, `describe(name, await needs('nginx'), …)`:
 * when one is missing, the suite is skipped with one message saying what is missing and how to
 * install it; under CI (`CI` set, as .ci/run does) the test file fails with that message instead,
 * since CI must provide everything.
 */

interface Program {
  /** Where distributions put it when it is not on PATH (e.g. /usr/sbin for a user's shell). */
  places: () => string[];
  install: string;
}

const postgresInstall = 'apt-get install -y postgresql (the server binaries; none of its services need to run)';
// Debian keeps PostgreSQL's server programs per major version, off PATH; the newest wins.
const postgresBin = (name: string) => () => {
  try {
    return readdirSync('/usr/lib/postgresql')
      .sort((a, b) => Number(b) - Number(a))
      .map((v) => path.join('/usr/lib/postgresql', v, 'bin', name));
  } catch {
    return [];
  }
};

const programs = {
  nginx: { places: () => ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'], install: 'apt-get install -y nginx' },
  initdb: { places: postgresBin('initdb'), install: postgresInstall },
  pg_ctl: { places: postgresBin('pg_ctl'), install: postgresInstall },
  'redis-server': { places: () => [], install: 'apt-get install -y redis-server' },
  'redis-cli': { places: () => [], install: 'apt-get install -y redis-tools' },
  'systemd-analyze': { places: () => [], install: 'apt-get install -y systemd' },
  pg_dump: { places: () => [], install: 'apt-get install -y postgresql-client' },
  pg_restore: { places: () => [], install: 'apt-get install -y postgresql-client' },
  chromium: { places: () => ['/usr/bin/chromium'], install: 'apt-get install -y chromium' },
} satisfies Record<string, Program>;

export type ProgramName = keyof typeof programs;

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function find(name: ProgramName): string | undefined {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
  return [...programs[name].places(), ...onPath].find(executable);
}

function missingProgram(name: ProgramName): string {
  return `${name} is not installed: ${programs[name].install}`;
}

/** The path of a program a test starts; throws the install hint when it is missing. */
export function program(name: ProgramName): string {
  const found = find(name);
  if (!found) throw new Error(missingProgram(name));
  return found;
}

/** The machine's Redis that cluster tests share (CI sets TEST_REDIS_URL). */
export const sharedRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether something accepts connections at the URL's address. Asked three times, 3 s each: a
 * suite starting its own PostgreSQL blocks the event loop (initdb runs synchronously) for long
 * enough that one short timeout fires before the connection's success is seen.
 */
async function reachable(url: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) if (await accepts(url)) return true;
  return false;
}

function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 6379), timeout: 3000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * - a program's name: that program;
 * - `redis`: a Redis server answering at TEST_REDIS_URL (default redis://127.0.0.1:6379);
 * - `postgres`: a PostgreSQL database for several nodes: TEST_DATABASE_URL, else the server
 *   binaries to start a private one (see cluster-db.ts).
 */
export type Need = ProgramName | 'redis' | 'postgres';

async function whyMissing(need: Need): Promise<string | undefined> {
  if (need === 'redis') {
    return (await reachable(sharedRedisUrl)) ? undefined : `no Redis answers at ${sharedRedisUrl}: apt-get install -y redis-server (or set TEST_REDIS_URL)`;
  }
  if (need === 'postgres') {
    if (process.env.TEST_DATABASE_URL) return undefined;
    const absent = (['initdb', 'pg_ctl'] as const).filter((p) => !find(p));
    return absent.length === 0 ? undefined : `${absent.join(' and ')} not installed and TEST_DATABASE_URL not set: ${postgresInstall}`;
  }
  return find(need) ? undefined : missingProgram(need);
}

/** Options for describe()/it(): `{}` when everything is there, else a skip with the reason. */
export async function needs(...what: Need[]): Promise<{ skip?: string }> {
  const reasons = (await Promise.all(what.map(whyMissing))).filter((r): r is string => r !== undefined);
  if (reasons.length === 0) return {};
  const reason = reasons.join('; ');
  if (process.env.CI) throw new Error(`this machine lacks what CI must provide: ${reason}`);
  return { skip: reason };
}
