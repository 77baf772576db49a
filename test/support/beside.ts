import { after, before } from 'node:test';
import { startServerOn, type TestServer } from './server.ts';
import { scratch, type Scratch, type StoreKind } from './stores.ts';

/**
 * For a suite that runs the `parley` CLI beside a running server on the same database: starts
 * the server before the suite and stops it (and removes its data) after. `env` completes the
 * CLI's environment with the server's data directory and database.
 */
export function serverBeside(kind: StoreKind, cliEnv: Record<string, string>): { server: () => TestServer; env: () => Record<string, string> } {
  let dir: Scratch | undefined;
  let server: TestServer | undefined;
  before(async () => {
    dir = await scratch(kind);
    server = await startServerOn(dir, kind);
  });
  after(async () => {
    await server?.close();
    await dir?.cleanup();
  });
  return {
    server: () => server ?? assertStarted(),
    env: () => ({ ...cliEnv, DATA_DIR: dir!.dataDir, DATABASE_URL: dir!.databaseUrl }),
  };
}

function assertStarted(): never {
  throw new Error('server not started');
}
