import type fc from 'fast-check';
import { loadConfig } from '../../src/config.ts';
import { resolveListeners, type MountedProfile } from '../../src/http/mounts.ts';
import { profiles } from '../../src/profiles/index.ts';
import { closed } from '../../src/profiles/kit/fields.ts';
import type { Profile } from '../../src/profiles/kit/profile.ts';
import { contractProblems } from '../support/contract.ts';
import { startTestServer, testEnv, type TestServer } from '../support/server.ts';
import { diff, filesUnder, seed, snapshot, writeCounter, type Fixture, type Snapshot } from './fixture.ts';
import { routeName, type RouteTarget } from './plans.ts';
import type { RawResponse } from './raw-http.ts';

/**
 * The fuzzer's server, its fixture and the checks every answer must pass. One server is started
 * with the default PROFILES (every registered profile, where the configuration mounts it) on
 * SQLite, with a clock that stands still so nothing happens on its own between two requests
 * (scheduled sends, self-destruct and ring timeouts never come due).
 */

export const serverEnv = {
  // Every frame is decoded, none dropped for rate; a call to oneself does not ring out mid-run.
  WS_RATE_LIMIT: 'off',
  CALL_RING_TIMEOUT: '10m',
  // Small, so an upload over the limit is cheap to send.
  UPLOAD_MAX_SIZE: '16kb',
};

/** Settings of a run: FUZZ_SEED, FUZZ_RUNS (runs per property), FUZZ_ONLY, FUZZ_SURVEY (see README). */
export const settings = {
  seed: Number(process.env.FUZZ_SEED ?? 42),
  /** Runs per HTTP route: FUZZ_RUNS, else the CI budget shared out (see ciRuns). */
  runs: Number(process.env.FUZZ_RUNS ?? 0) || ciRuns(),
  only: process.env.FUZZ_ONLY ?? '',
  survey: process.env.FUZZ_SURVEY === '1',
  /** Frame sequences per socket: four per route run. */
  get wsRuns(): number {
    return this.runs * 4;
  },
};

/**
 * The CI budget: about 3,000 route requests in all (some 25 s on two cores at full speed, over a
 * minute when the VM is slow), shared out over the routes mounted, at least 10 and at most 400
 * each; more profiles mean fewer runs per route, not a longer CI. `npm run fuzz -- --runs N`
 * goes deeper.
 */
function ciRuns(): number {
  return Math.min(400, Math.max(10, Math.round(3000 / Math.max(1, plannedRoutes().length))));
}

/**
 * The names of the route properties, known before the server starts (node:test declares tests
 * synchronously): every route of every profile PROFILES mounts by default.
 */
export function plannedRoutes(): string[] {
  const names: string[] = [];
  for (const listener of resolveListeners(loadConfig({ ...testEnv, ...serverEnv }).profiles, profiles)) {
    for (const m of listener.mounts) for (const def of m.profile.routes) names.push(`${m.profile.name} ${def.method} ${m.mount}${def.path}`);
  }
  return names;
}

/** The names of the socket properties: every mounted profile with a socket. */
export function plannedSockets(): string[] {
  return resolveListeners(loadConfig({ ...testEnv, ...serverEnv }).profiles, profiles)
    .flatMap((l) => l.mounts)
    .filter((m) => m.profile.socket)
    .map((m) => socketName(m.profile, m.mount));
}

export const socketName = (profile: Profile, mount: string) => `${profile.name} socket ${mount}${profile.socket!.path}`;

/** The properties beside the routes: unknown paths and raw requests per listener, upgrades per socket. */
export function plannedEdges(): { name: string; kind: 'unknown-paths' | 'raw' | 'upgrades'; port: number | null; profile?: Profile; mount?: string }[] {
  const out: ReturnType<typeof plannedEdges> = [];
  for (const listener of resolveListeners(loadConfig({ ...testEnv, ...serverEnv }).profiles, profiles)) {
    const where = listener.port === null ? 'the main listener' : `port ${listener.port}`;
    out.push({ name: `unknown paths on ${where}`, kind: 'unknown-paths', port: listener.port }, { name: `raw requests on ${where}`, kind: 'raw', port: listener.port });
    for (const m of listener.mounts) {
      if (m.profile.socket) out.push({ name: `${m.profile.name} upgrades to ${m.mount}${m.profile.socket.path}`, kind: 'upgrades', port: listener.port, profile: m.profile, mount: m.mount });
    }
  }
  return out;
}

/** A 32-bit seed per property from the run's seed and the property's name, so adding a route moves no other. */
export function seedFor(name: string): number {
  let h = settings.seed >>> 0 || 1;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h | 0;
}

export function selected(name: string): boolean {
  return settings.only === '' || name.includes(settings.only);
}

/** Fixtures seeded on one database before the server starts again on a fresh one (the read-back reads every row). */
const FIXTURES_PER_SERVER = 20;

const startFuzzServer = () => {
  const frozen = Date.now();
  return startTestServer('sqlite', serverEnv, { clock: { now: () => frozen } });
};

export class Harness {
  fixture!: Fixture;
  private baseline!: Snapshot;
  private counter = '';
  private files = '';
  private seeded = 0;
  /** Fixtures seeded, servers started, requests sent: the run's figures. */
  readonly stats = { reseeds: 0, servers: 1, requests: 0, started: Date.now() };

  private constructor(public server: TestServer) {}

  static async start(): Promise<Harness> {
    const h = new Harness(await startFuzzServer());
    try {
      await h.reseed();
    } catch (err) {
      await h.close();
      throw err;
    }
    return h;
  }

  get core() {
    return this.server.core;
  }

  /** Every route of every mounted profile, with the listener it is served on. */
  targets(): RouteTarget[] {
    const { config } = this.core;
    const out: RouteTarget[] = [];
    for (const listener of resolveListeners(config.profiles, profiles)) {
      for (const m of listener.mounts) {
        for (const def of m.profile.routes) out.push({ profile: m.profile, mount: m.mount, port: listener.port, mounts: listener.mounts, def, limits: { body: config.bodyLimit, upload: config.uploadMaxSize } });
      }
    }
    return out;
  }

  /** A listener by its port (null: the main one) and its mounts. */
  listening(port: number | null): { port: number | null; mounts: MountedProfile[] } {
    const listener = resolveListeners(this.core.config.profiles, profiles).find((l) => l.port === port)!;
    return { port, mounts: listener.mounts };
  }

  /** The URL of a listener of the server now running. */
  baseOf(port: number | null): string {
    return port === null ? this.server.url : this.server.listeners.find((l) => l.port === port)!.url;
  }

  /** Profiles mounted with a socket, with where. */
  sockets(): { profile: Profile; mount: string; port: number | null }[] {
    return this.targets()
      .filter((t, i, all) => t.profile.socket && all.findIndex((x) => x.profile === t.profile && x.mount === t.mount) === i)
      .map((t) => ({ profile: t.profile, mount: t.mount, port: t.port }));
  }

  /** A new fixture and the state it leaves as the baseline (on a fresh server now and then). */
  async reseed(): Promise<void> {
    this.stats.reseeds++;
    if (++this.seeded > FIXTURES_PER_SERVER) {
      // A long run: the read-back grows with the database, so start again on a fresh one.
      await this.server.close();
      this.server = await startFuzzServer();
      this.stats.servers++;
      this.seeded = 1;
    }
    this.fixture = await seed(this.core);
    this.baseline = await snapshot(this.core);
    this.counter = await writeCounter(this.core);
    this.files = this.baseline.get('(files)')!.join(',');
  }

  /**
   * What changed since the baseline (nothing, cheaply, when nothing was written; the stored
   * files are listed only after requests that could store one, `files`). A change becomes the
   * new baseline, with a new fixture: a request that succeeded may have spoiled it.
   */
  async changes(files: boolean): Promise<string[]> {
    const counter = await writeCounter(this.core);
    const listed = files ? (await filesUnder(this.core.config.filesDir)).join(',') : this.files;
    if (counter === this.counter && listed === this.files) return [];
    const now = await snapshot(this.core);
    const changed = diff(this.baseline, now);
    if (changed.length === 0) {
      this.counter = counter;
      this.files = listed;
      return [];
    }
    await this.reseed();
    return changed;
  }

  async close(): Promise<void> {
    await this.server.close();
  }
}

/** Something an answer must not do. */
export interface Violation {
  /** `5xx`, `no-answer`, `not-envelope`, `accepted`, `state-changed`. */
  kind: string;
  detail: string;
}

function parsedBody(res: RawResponse): unknown {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Is this a body in one of these profiles' error envelopes (exactly: closed schema)? */
export function envelopeProblems(owners: readonly Profile[], body: unknown): string[] {
  let problems: string[] = [];
  for (const p of owners) {
    problems = contractProblems(closed(p.envelope.errorSchema), body);
    if (problems.length === 0) return [];
  }
  return problems;
}

const clip = (s: string, n = 300) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The checks every HTTP answer must pass. */
export function checkAnswer(res: RawResponse, owners: readonly Profile[], method: string, refuse: string | undefined, changed: string[]): Violation[] {
  const out: Violation[] = [];
  const shown = `${res.status} ${res.headers['content-type'] ?? '(no content type)'} ${clip(res.body.toString('utf8'))}`;
  if (res.status === 0) return [{ kind: 'no-answer', detail: `no answer (${res.transport ?? 'connection closed'})` }];
  if (res.status >= 500) out.push({ kind: '5xx', detail: shown });
  if (res.status >= 400 && method !== 'HEAD') {
    const body = parsedBody(res);
    const problems = body === undefined ? ['not JSON'] : envelopeProblems(owners, body);
    if (problems.length > 0) out.push({ kind: 'not-envelope', detail: `${shown}\n  not the ${owners.map((o) => o.name).join('/')} error envelope: ${problems.slice(0, 3).join('; ')}` });
  }
  if (refuse !== undefined && res.status < 400) out.push({ kind: 'accepted', detail: `${shown}\n  must be refused: ${refuse}` });
  if (changed.length > 0 && res.status >= 400) out.push({ kind: 'state-changed', detail: `${shown}\n  yet the state changed:\n    ${changed.slice(0, 8).join('\n    ')}` });
  return out;
}

/** The error answer's own code (Fastify's `FST_…`, the envelope's), to tell failure classes apart. */
export function codeOf(res: RawResponse): string {
  const body = parsedBody(res) as Record<string, unknown> | undefined;
  const code = body?.code ?? (body?.error as Record<string, unknown> | undefined)?.code;
  return typeof code === 'string' || typeof code === 'number' ? String(code) : '';
}

/** The family of a mutation label, field names and details left out: `body:<field>=invalid-utf8`. */
export function family(mutation: string): string {
  return mutation
    .replace(/^(field:[^=]*=[^:]+):.*$/, '$1')
    .replace(/^(body|param|query):[^=\s]*=/, '$1:<field>=')
    .replace(/^(body|query):\S+ (repeated|brackets)/, '$1:<field> $2')
    .replace(/^body:duplicate-key \S+/, 'body:duplicate-key')
    .replace(/^(body:<field>=[^:]+):.*$/, '$1')
    .replace(/^(param:<field>=id):.*$/, '$1:*');
}

/** Failures gathered across a run (FUZZ_SURVEY=1), by class, with the shortest example of each. */
export class Survey {
  private readonly classes = new Map<string, { count: number; routes: Set<string>; example: string }>();
  private readonly perProperty = new Map<string, number>();

  /** Fails a property that gathered failures (after all its runs). */
  settle(property: string): void {
    const n = this.perProperty.get(property) ?? 0;
    if (n > 0) throw new Error(`${n} failing runs (FUZZ_SURVEY: every run was made; the classes are listed after the tests)`);
  }

  add(key: string, route: string, example: string): void {
    this.perProperty.set(route, (this.perProperty.get(route) ?? 0) + 1);
    const c = this.classes.get(key);
    if (!c) this.classes.set(key, { count: 1, routes: new Set([route]), example });
    else {
      c.count++;
      c.routes.add(route);
      if (example.length < c.example.length) c.example = example;
    }
  }

  get size(): number {
    return this.classes.size;
  }

  report(): string {
    const rows = [...this.classes.entries()].sort(([a], [b]) => a.localeCompare(b));
    return rows
      .map(([key, c]) => `● ${key}  (${c.count}×, ${c.routes.size} route${c.routes.size > 1 ? 's' : ''}: ${[...c.routes].slice(0, 4).join(', ')}${c.routes.size > 4 ? ', …' : ''})\n${c.example.replace(/^/gm, '    ')}`)
      .join('\n');
  }
}

export const survey = new Survey();

/** fast-check's parameters for one property. */
export function runParameters(name: string, numRuns: number): fc.Parameters<unknown> {
  return { seed: seedFor(name), numRuns, includeErrorInReport: true };
}

export { routeName };
