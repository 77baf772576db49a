import type { ParseArgsConfig } from 'node:util';
import type { Common, RunContext, Window } from './context.ts';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What a scenario measured, for the table, the JSON document and --repeat's spread. */
export interface Outcome {
  /** One line: the scenario and its sizes. */
  title: string;
  params: Record<string, unknown>;
  window?: Window;
  /** Scenario rows of the table (resources are added by the runner). */
  rows: [string, string][];
  results: Record<string, unknown>;
  /** Losses, duplicates, errors: any makes the run fail (exit 1). */
  problems: string[];
  /** The headline figures, compared across --repeat runs. */
  key: Record<string, number>;
}

/** Prepared before the server starts (the history seed): its data directory or database. */
export interface Prepared {
  dataDir?: string;
  databaseUrl?: string;
  /** Server settings the preparation implies (e.g. the argon2 cost of seeded hashes). */
  env?: Record<string, string>;
  cleanup?(): Promise<void>;
}

export interface Scenario<O = any> {
  name: string;
  summary: string;
  /** The scenario's own options; values are strings or booleans as parseArgs gives them. */
  options: OptionSpec;
  /** One line per option for --help: what it means. */
  help: Record<string, string>;
  parse(values: Record<string, string | boolean | undefined>, common: Common): O;
  /**
   * Preload bench/hooks/memory.js into a server the harness starts (with --expose-gc): SIGWINCH
   * then collects garbage and reports memory (see `memorySnapshot` in context.ts).
   */
  memoryProbe?: boolean;
  /** Settings for a server the harness starts (before --server-env, which wins). */
  serverEnv?(o: O): Record<string, string>;
  prepare?(o: O, common: Common): Promise<Prepared>;
  run(ctx: RunContext, o: O): Promise<Outcome>;
}

/** Cheap password hashing for scenarios that do not measure logins: setup of thousands of users takes seconds, not minutes. */
export const cheapArgon2 = { ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };

export function int(v: string | boolean | undefined, name: string, min = 0): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || typeof v !== 'string') throw new Error(`--${name} must be a number of at least ${min}`);
  return n;
}
