import { after, before, describe } from 'node:test';
import { loadConfig, type Env } from '../../src/config.ts';
import { startServer, type RunningServer, type StartOptions } from '../../src/main.ts';
import { Api } from './api.ts';
import { scratch, storeKinds, type Scratch, type StoreKind } from './stores.ts';

export interface TestServer extends RunningServer {
  api: Api;
  kind: StoreKind;
}

/** Settings that keep tests fast and independent; a test overrides what it exercises. */
export const testEnv: Env = {
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
  ARGON2_MEMORY_KIB: '1024',
  ARGON2_TIME_COST: '1',
  RATE_LIMIT_AUTH: 'off',
  RATE_LIMIT_SEND: 'off',
  RATE_LIMIT_UPLOAD: 'off',
  RATE_LIMIT_QUERY: 'off',
  RATE_LIMIT_LOGIN_FAILURES: 'off',
  SQLITE_SYNCHRONOUS: 'NORMAL',
};

/** Starts a real server listening on loopback with its own fresh database. */
export async function startTestServer(kind: StoreKind = 'sqlite', env: Env = {}, options: StartOptions = {}): Promise<TestServer> {
  const dir: Scratch = await scratch(kind);
  let server: TestServer;
  try {
    server = await startServerOn(dir, kind, env, options);
  } catch (err) {
    await dir.cleanup();
    throw err;
  }
  return {
    ...server,
    async close() {
      await server.close();
      await dir.cleanup();
    },
  };
}

/**
 * Starts a server on an existing data directory and database; close() stops it and leaves the
 * data, so another server can start on it (restarts, several nodes).
 */
export async function startServerOn(dir: Scratch, kind: StoreKind, env: Env = {}, options: StartOptions = {}): Promise<TestServer> {
  const config = loadConfig({ ...testEnv, DATA_DIR: dir.dataDir, DATABASE_URL: dir.databaseUrl, ...env });
  const server: RunningServer = await startServer(config, options);
  return { ...server, api: new Api(server.url), kind };
}

/**
 * Runs `body` once per store kind against a server started for that kind; `server()` returns it
 * inside tests.
 */
export function describeEachStore(
  name: string,
  body: (server: () => TestServer) => void,
  opts: { env?: Env | (() => Env); options?: () => StartOptions } = {},
): void {
  for (const kind of storeKinds) {
    describe(`${name} [${kind}]`, () => {
      let s: TestServer | undefined;
      before(async () => {
        const env = typeof opts.env === 'function' ? opts.env() : opts.env;
        s = await startTestServer(kind, env, opts.options?.());
      });
      after(async () => {
        await s?.close();
      });
      body(() => {
        if (!s) throw new Error('server not started');
        return s;
      });
    });
  }
}
