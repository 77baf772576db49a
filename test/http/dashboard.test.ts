import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { clusterDatabase } from '../support/cluster-db.ts';
import { dropPrefix, nodeEnv, sharedRedisUrl, startNode, uniquePrefix } from '../support/cluster.ts';
import { openPrivate, send } from '../support/messaging.ts';
import { Scrape } from '../support/metrics.ts';
import { repoRoot } from '../support/process.ts';
import type { TestServer } from '../support/server.ts';
import type { Scratch } from '../support/stores.ts';
import { registerUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';
import { needs } from '../support/requires.ts';

interface Target {
  expr: string;
  datasource: { uid: string };
}
interface Panel {
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Target[];
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(`${repoRoot}/deploy/grafana-dashboard.json`, 'utf8')) as {
  schemaVersion: number;
  uid: string;
  templating: { list: { name: string; type: string }[] };
  panels: Panel[];
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row');
const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** The metric names a PromQL expression reads: Parley's, and the process metrics it shows. */
const metricsIn = (expr: string) => [...expr.matchAll(/\b((?:parley|nodejs|process)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
/** The labels an expression aggregates by, besides `le` (histograms) and `instance` (Prometheus adds it). */
const groupingIn = (expr: string) =>
  [...expr.matchAll(/\bby \(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim())).filter((l) => l !== 'le' && l !== 'instance');

it('the Grafana dashboard is an importable dashboard reading its data source from a variable', () => {
  assert.ok(dashboard.schemaVersion >= 36);
  assert.equal(dashboard.uid, 'parley-overview');
  assert.ok(dashboard.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'));
  assert.ok(panels.length >= 10);
  for (const p of panels) {
    assert.equal(p.datasource?.uid, '${datasource}', p.title);
    assert.ok((p.targets ?? []).length > 0, p.title);
    for (const t of p.targets ?? []) assert.equal(t.datasource.uid, '${datasource}', p.title);
  }
  for (const q of queries) {
    for (const m of q.expr.matchAll(/histogram_quantile\(([^,]+), sum by \(([^)]*)\) \(rate\(([a-z_]+)\{/g)) {
      assert.ok(Number(m[1]) > 0 && Number(m[1]) < 1, q.expr);
      assert.ok(m[2]!.split(',').map((l) => l.trim()).includes('le'), `${q.panel}: a quantile needs le kept: ${q.expr}`);
      assert.match(m[3]!, /_bucket$/, q.expr);
    }
    for (const m of q.expr.matchAll(/rate\(([a-z_]+)(?:\{[^}]*\})?\[(\w+)\]\)/g)) assert.equal(m[2], '5m', q.expr);
  }
});

describe('the Grafana dashboard against a real scrape (PostgreSQL and Redis, so every metric is there)', await needs('postgres', 'redis'), () => {
  const prefix = uniquePrefix();
  let db: Scratch;
  let node: TestServer;
  before(async () => {
    db = await clusterDatabase();
    node = await startNode(db, 'postgres', nodeEnv(sharedRedisUrl, prefix, 'node-dash'));
  });
  after(async () => {
    await node?.close();
    await db?.cleanup();
    await dropPrefix(sharedRedisUrl, prefix);
  });

  it('reads only metrics the server exposes, grouped by labels they carry', async () => {
    // Traffic for every labelled series: requests, a socket opened and closed, a message delivered, a refused upgrade and login.
    const [a, b] = [await registerUser(node.api), await registerUser(node.api)];
    const chat = await openPrivate(node, a, b);
    const ws = await WsClient.connect(node.url, b.token);
    await send(node, a, chat.id, 'for the dashboard');
    await ws.next('message.new');
    await ws.close();
    await WsClient.refused(WsClient.url(node.url, 'bad-token'));
    assert.equal((await node.api.post('/api/auth/login', { phone: a.phone, password: 'not-the-password' })).status, 401);
    const scrape = await Scrape.of(node.metricsUrl!);

    const families = new Set(scrape.names);
    const read = new Set<string>();
    for (const q of queries) {
      const names = metricsIn(q.expr).map((n) => {
        const base = n.replace(/_(bucket|sum|count)$/, '');
        return families.has(n) ? n : scrape.type(base) === 'HISTOGRAM' ? base : n;
      });
      assert.ok(names.length > 0, `${q.panel}: no metric in ${q.expr}`);
      for (const n of names) {
        assert.ok(families.has(n), `${q.panel}: ${n} is not in a scrape of the server`);
        read.add(n);
      }
      const carried = new Set(names.flatMap((n) => [...scrape.labelNames(n)]));
      for (const label of groupingIn(q.expr)) assert.ok(carried.has(label), `${q.panel}: no series of ${names.join(', ')} has the label ${label}`);
    }
    const shown = scrape.names.filter((n) => n.startsWith('parley_'));
    assert.deepEqual(shown.filter((n) => !read.has(n)).sort(), ['parley_event_log_delivered_seq', 'parley_event_log_head_seq'], 'every Parley metric but the raw seqs has a panel');
  });
});
