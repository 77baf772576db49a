import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Profile } from '../../src/profiles/kit/profile.ts';
import { edgeOwners, rawRequests, unknownPaths, upgrades, type EdgeCase, type Listening } from './edges.ts';
import { Harness, checkAnswer, codeOf, family, plannedEdges, plannedRoutes, runParameters, selected, settings, survey, type Violation } from './harness.ts';
import { showBytes } from './json.ts';
import { envelopeOwners, planArb, render, routeName, type Plan, type RouteTarget } from './plans.ts';
import { rawHttp, type RawRequest } from './raw-http.ts';

/**
 * Issue 11, item 2: every route of every mounted profile, fuzzed from its own declaration. Each
 * run sends one valid request mutated once (see plans.ts) to a started server and asserts: never
 * a 5xx, every error in the owning profile's envelope, a request the route's schemas (or the
 * shared rules: UTF-8 text, strict ids, a body within limits, a token) refuse is refused, and a
 * refused request changes nothing (every table, and the stored files, read back before/after).
 * Beside the routes: paths no route declares, WebSocket upgrades, and requests broken below
 * HTTP's meaning (edges.ts). A fixed seed (FUZZ_SEED, default 42) keeps CI deterministic;
 * `npm run fuzz -- --runs N` runs longer. A failure prints the seed and the shrunk request.
 */

let h: Harness;

interface Sent {
  name: string;
  port: number | null;
  req: RawRequest;
  owners: readonly Profile[];
  refuse: string | undefined;
  mutation: string;
  text: string;
}

async function exchange(s: Sent): Promise<void> {
  const res = await rawHttp(h.baseOf(s.port), s.req);
  h.stats.requests++;
  const type = s.req.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  const changed = await h.changes(/multipart/i.test(type));
  const found: Violation[] = checkAnswer(res, s.owners, s.req.method, s.refuse, changed);
  if (found.length === 0) return;
  if (settings.survey) {
    for (const v of found) survey.add(`${v.kind} ${res.status} ${codeOf(res)} ${family(s.mutation)}`.replace(/\s+/g, ' '), s.name, `${s.text}\n→ ${v.detail}`);
    return;
  }
  throw new Error(`${found.map((v) => `${v.kind}: ${v.detail}`).join('\n')}\n--- request [${s.mutation}]:\n${s.text}\n--- replay: FUZZ_SEED=${settings.seed} npm run fuzz -- --only '${s.name}'`);
}

function routeExchange(plan: Plan): Promise<void> {
  const t = plan.target;
  const r = render(plan, h.fixture);
  return exchange({ name: routeName(t), port: t.port, req: r.req, owners: envelopeOwners(plan, r.pathname), refuse: r.refuse, mutation: plan.mutation, text: r.text });
}

function edgeExchange(name: string, l: Listening) {
  return (c: EdgeCase) => {
    const req = c.build(h.fixture);
    const target = typeof req.target === 'string' ? Buffer.from(req.target, 'latin1') : req.target;
    const text = `${req.method} ${showBytes(target, 300)}\n${req.headers.map(([k, v]) => `${k}: ${v.length > 120 ? `${v.slice(0, 120)}…` : v}`).join('\n')}`;
    return exchange({ name, port: l.port, req, owners: edgeOwners(l, c), refuse: c.refuse, mutation: c.label, text });
  };
}

describe('fuzz: HTTP routes of every mounted profile', () => {
  let targets: Map<string, RouteTarget>;
  before(async () => {
    h = await Harness.start();
    targets = new Map(h.targets().map((t) => [routeName(t), t]));
  });
  after(async () => {
    if (h) console.log(`fuzz: ${h.stats.requests} requests, ${h.stats.reseeds} fixtures on ${h.stats.servers} server(s), ${Math.round((Date.now() - h.stats.started) / 1000)} s`);
    await h?.close();
    if (settings.survey && survey.size > 0) console.log(`fuzz survey, seed ${settings.seed}, ${settings.runs} runs per route:\n${survey.report()}`);
  });

  const routes = plannedRoutes();
  for (const name of routes.filter(selected)) {
    it(name, async () => {
      const t = targets.get(name);
      if (!t) throw new Error(`${name} is not mounted`);
      await fc.assert(fc.asyncProperty(planArb(t), routeExchange), runParameters(name, settings.runs));
      survey.settle(name);
    });
  }

  for (const e of plannedEdges().filter((x) => selected(x.name))) {
    it(e.name, async () => {
      const l = h.listening(e.port);
      if (e.kind === 'unknown-paths') {
        await fc.assert(fc.asyncProperty(unknownPaths(l), edgeExchange(e.name, l)), runParameters(e.name, settings.runs * 2));
        survey.settle(e.name);
        return;
      }
      // A fixed list: every case once (as fast-check examples), then some at random.
      const cases = e.kind === 'raw' ? rawRequests(l) : upgrades(e.profile!, e.mount!, (f) => String(f?.userId ?? '{{user}}'));
      const examples = cases.map((c): [EdgeCase] => [c]);
      await fc.assert(fc.asyncProperty(fc.constantFrom(...cases), edgeExchange(e.name, l)), { ...runParameters(e.name, cases.length), examples });
      survey.settle(e.name);
    });
  }
});
