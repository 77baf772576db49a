import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sumSnapshots, type MemorySnapshot } from '../../bench/lib/context.ts';
import { scanFrame, stampedContent } from '../../bench/lib/frames.ts';
import { clientId, parseClientId, Receipts, type SenderLedger } from '../../bench/lib/ledger.ts';
import { Histogram, percentile, slope, spread } from '../../bench/lib/stats.ts';
import { nodeFileName } from '../../bench/lib/target.ts';
import { AppError } from '../../src/domain/errors.ts';
import { messageFixture } from '../support/fixtures.ts';
import { zhihang } from '../../src/profiles/zhihang/index.ts';
import { codecOf } from '../support/kit.ts';

/**
 * The benchmark harness's own arithmetic (bench/lib): percentiles, the mergeable histogram, loss
 * accounting per recipient, and reading the server's real frames without parsing them as JSON.
 */

describe('bench: percentiles', () => {
  it('uses the nearest rank: the smallest sample with at least p% at or below it', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.equal(percentile(xs, 50), 5);
    assert.equal(percentile(xs, 90), 9);
    assert.equal(percentile(xs, 95), 10);
    assert.equal(percentile(xs, 99), 10);
    assert.equal(percentile(xs, 100), 10);
    assert.equal(percentile(xs, 0), 1);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });

  it('histogram percentiles stay within 1% of the exact ones, never above the max', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const xs = Array.from({ length: 20_000 }, () => 0.05 + rnd() ** 3 * 400);
    const h = new Histogram();
    for (const x of xs) h.record(x);
    const sorted = [...xs].sort((a, b) => a - b);
    for (const p of [50, 90, 95, 99, 99.9]) {
      const exact = percentile(sorted, p);
      const approx = h.percentile(p);
      assert.ok(approx >= exact && approx <= exact * 1.01, `p${p}: ${approx} vs exact ${exact}`);
    }
    assert.equal(h.percentile(100), sorted.at(-1));
    assert.equal(h.summary().max, sorted.at(-1));
    assert.equal(h.count, xs.length);
  });

  it('merging histograms (also through JSON, as generator processes report) equals recording all', () => {
    const a = new Histogram();
    const b = new Histogram();
    const all = new Histogram();
    for (let i = 1; i <= 1000; i++) {
      (i % 3 === 0 ? a : b).record(i / 10);
      all.record(i / 10);
    }
    const merged = Histogram.from(JSON.parse(JSON.stringify(a.toJSON()))).merge(b.toJSON());
    assert.deepEqual(merged.summary(), all.summary());
    assert.equal(new Histogram().merge(new Histogram()).count, 0);
    assert.ok(Number.isNaN(new Histogram().percentile(50)));
  });

  it('counts negative latencies (clock jitter between processes) as zero', () => {
    const h = new Histogram();
    h.record(-0.2);
    assert.equal(h.min, 0);
    assert.equal(h.percentile(50), 0);
  });

  it('fits memory per connection as a slope, and reports the spread of repeated runs', () => {
    assert.equal(slope([{ x: 0, y: 100 }, { x: 1000, y: 120 }, { x: 2000, y: 140 }]), 0.02);
    assert.ok(Number.isNaN(slope([{ x: 1, y: 1 }])));
    assert.deepEqual(spread([3, 1, 2, NaN]), { median: 2, min: 1, max: 3, n: 3 });
    assert.deepEqual(spread([4, 1]), { median: 2.5, min: 1, max: 4, n: 2 });
  });
});

describe('bench: loss accounting', () => {
  const ledgers = (entries: [number, SenderLedger][]) => new Map(entries);

  it('owes every acknowledged seq exactly once, per recipient', () => {
    const r = new Receipts();
    for (const seq of [0, 1, 2, 4]) r.record(1, seq);
    assert.equal(r.record(1, 2), false, 'a second arrival is not a first');
    r.record(1, 2);
    const loss = r.account([1], ledgers([[1, { sent: 5, failed: [] }]]));
    assert.deepEqual(loss, { expected: 5, delivered: 4, missing: 1, duplicated: 2, unexpected: 0, recipientsWithLoss: 1 });
    assert.equal(r.firsts, 4);
    assert.equal(r.total, 6);
  });

  it('does not owe failed sends, and flags arrivals nobody owed', () => {
    const r = new Receipts();
    r.record(1, 0);
    r.record(1, 1); // failed, yet delivered: it committed before failing
    r.record(1, 9); // beyond what was sent
    r.record(2, 0); // a stream this recipient is not in: a leak
    const loss = r.account([1], ledgers([[1, { sent: 3, failed: [1] }], [2, { sent: 1, failed: [] }]]));
    assert.deepEqual(loss, { expected: 2, delivered: 1, missing: 1, duplicated: 0, unexpected: 3, recipientsWithLoss: 1 });
  });

  it('is clean when everything arrived once, across several senders', () => {
    const r = new Receipts();
    for (let s = 0; s < 3; s++) for (let seq = 0; seq < 300; seq++) r.record(s, seq);
    const loss = r.account([0, 1, 2], ledgers([0, 1, 2].map((s) => [s, { sent: 300, failed: [] }])));
    assert.deepEqual(loss, { expected: 900, delivered: 900, missing: 0, duplicated: 0, unexpected: 0, recipientsWithLoss: 0 });
  });

  it('names messages by run tag, sender and seq', () => {
    assert.equal(clientId('ab12c', 7, 42), 'ab12c.7.42');
    assert.deepEqual(parseClientId('ab12c', 'ab12c.7.42'), { sender: 7, seq: 42 });
    assert.equal(parseClientId('ab12c', 'zz99z.7.42'), undefined);
    assert.equal(parseClientId('ab12c', 'ab12cx.7.42'), undefined);
    assert.equal(parseClientId('ab12c', 'ab12c.7'), undefined);
    assert.equal(parseClientId('ab12c', 'ab12c.-1.3'), undefined);
  });
});

describe('bench: reading server frames', () => {
  const codec = codecOf(zhihang);
  const at = Date.UTC(2025, 0, 1);
  const message = messageFixture(at, { id: 9, conversationId: 3, senderId: 2, content: stampedContent(123456.789, 64), clientId: 'ab12c.3.17' });
  const sender = { id: 2, username: 'u2', nickname: 'client_id "content":"1"', avatar: '' };

  it('finds the client_id and send stamp of a real message.new frame', () => {
    const [frame] = codec.event({ type: 'message.created', audience: { kind: 'conversation', id: 3 }, data: { message, sender }, seq: 5, at });
    assert.ok(frame);
    assert.deepEqual(scanFrame(Buffer.from(frame)), { kind: 'new', clientId: 'ab12c.3.17', stamp: 123456.789 });
    assert.equal(stampedContent(123456.789, 64).length, 64);
  });

  it('tells acks, errors and other frames apart', () => {
    const ack = JSON.stringify({ type: 'message.ack', data: { client_id: 'ab12c.3.17', message: { id: 9, client_id: 'ab12c.3.17' } } });
    assert.deepEqual(scanFrame(ack), { kind: 'ack', clientId: 'ab12c.3.17' });
    const error = codec.error(new AppError('NOT_A_MEMBER', 'no'), { type: 'message.send', clientId: 'ab12c.3.18' });
    assert.deepEqual(scanFrame(error), { kind: 'error', clientId: 'ab12c.3.18' });
    const connect = codec.connect({ userId: 2, connectionId: 'c', latestSeq: 0, heartbeatMs: 30_000, at })!;
    assert.deepEqual(scanFrame(connect), { kind: 'connect' });
    assert.deepEqual(scanFrame('{"type":"presence","data":{}}'), { kind: 'other', type: 'presence' });
    assert.deepEqual(scanFrame('not json'), { kind: 'other', type: '' });
  });
});

describe('bench: several nodes', () => {
  const usage = (rss: number, heapUsed: number) => ({ rss, heapTotal: 2 * heapUsed, heapUsed, external: 10, arrayBuffers: 1 });

  it('sums the nodes\' memory figure by figure, keeps each node, and counts a GC only if all collected', () => {
    const a: MemorySnapshot = { before: usage(100, 40), after: usage(90, 30), gc: true };
    const b: MemorySnapshot = { before: usage(200, 50), after: usage(150, 20), gc: true };
    const c: MemorySnapshot = { before: usage(50, 5), after: usage(45, 4), gc: false };
    const two = sumSnapshots([a, b]);
    assert.deepEqual(two.after, { rss: 240, heapTotal: 100, heapUsed: 50, external: 20, arrayBuffers: 2 });
    assert.deepEqual(two.before, { rss: 300, heapTotal: 180, heapUsed: 90, external: 20, arrayBuffers: 2 });
    assert.equal(two.gc, true);
    assert.deepEqual(two.nodes, [a, b]);
    assert.equal(sumSnapshots([a, b, c]).gc, false);
    // One node: its own snapshot, as before there were several.
    assert.equal(sumSnapshots([a]), a);
  });

  it('names each node\'s files apart, and a single server\'s as they always were', () => {
    assert.equal(nodeFileName('server', 'log', 1, 1), 'server.log');
    assert.equal(nodeFileName('memory', 'jsonl', 1, 1), 'memory.jsonl');
    assert.equal(nodeFileName('server', 'log', 1, 3), 'server-1.log');
    assert.equal(nodeFileName('memory', 'jsonl', 3, 3), 'memory-3.jsonl');
  });
});
