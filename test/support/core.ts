import { after, before, describe } from 'node:test';
import { loadConfig, type Env } from '../../src/config.ts';
import { createCore, type Core } from '../../src/core.ts';
import type { AnySignal, DomainEvent } from '../../src/domain/events.ts';
import type { User } from '../../src/domain/types.ts';
import { createLogger } from '../../src/logger.ts';
import { TestClock } from './clock.ts';
import { testEnv } from './server.ts';
import { scratch, storeKinds, type Scratch, type StoreKind } from './stores.ts';
import { uniquePhone } from './users.ts';

/** A core without HTTP, for testing services directly, with what its bus carried. */
export interface TestCore {
  core: Core;
  clock: TestClock;
  /** Committed events and signals, in the order the bus carried them. */
  events: DomainEvent[];
  signals: AnySignal[];
  /** A new user (password `password123`). */
  user: (fields?: { nickname?: string; username?: string }) => Promise<User>;
  /** Forgets what the bus carried so far. */
  clear: () => void;
}

/** A core on the given data directory and database (several may share one, as the nodes of a cluster). */
export async function startCore(dir: Scratch, env: Env): Promise<TestCore> {
  const clock = new TestClock();
  const config = loadConfig({ ...testEnv, DATA_DIR: dir.dataDir, DATABASE_URL: dir.databaseUrl, ...env });
  const core = await createCore(config, createLogger(config.logLevel), { clock });
  const events: DomainEvent[] = [];
  const signals: AnySignal[] = [];
  core.bus.subscribe({ events: (evs) => events.push(...evs), signal: (s) => signals.push(s as AnySignal) });
  return {
    core,
    clock,
    events,
    signals,
    user: (fields = {}) => core.auth.createUser({ phone: uniquePhone(), password: 'password123', ...fields }),
    clear: () => {
      events.length = 0;
      signals.length = 0;
    },
  };
}

/** Runs `body` once per store kind against a core built for that kind; `t()` returns it inside tests. */
export function describeEachCore(name: string, body: (t: () => TestCore) => void, env: Env = {}): void {
  for (const kind of storeKinds) describeCore(`${name} [${kind}]`, kind, body, env);
}

/** A suite against one core on a scratch store of `kind`; `dir()` is its data directory and database (another core may share them). */
export function describeCore(name: string, kind: StoreKind, body: (t: () => TestCore, dir: () => Scratch) => void, env: Env = {}): void {
  describe(name, () => {
    let dir: Scratch | undefined;
    let t: TestCore | undefined;
    before(async () => {
      dir = await scratch(kind);
      t = await startCore(dir, env);
    });
    after(async () => {
      await t?.core.close();
      await dir?.cleanup();
    });
    body(
      () => {
        if (!t) throw new Error('core not started');
        return t;
      },
      () => {
        if (!dir) throw new Error('store not made');
        return dir;
      },
    );
  });
}
