import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { DomainEvent } from '../../src/domain/events.ts';
import { Sequencer, type EventSource } from '../../src/realtime/sequencer.ts';

function event(seq: number): DomainEvent {
  return { seq, type: 'contact.removed', audience: { kind: 'user', id: 1 }, data: { ownerId: 1, contactUserId: seq }, at: seq };
}

/** An event log in memory: `commit` adds events, `fail` makes the next reads throw. */
class FakeLog implements EventSource {
  readonly events: DomainEvent[] = [];
  reads = 0;
  failing = 0;

  commit(...seqs: number[]): DomainEvent[] {
    const added = seqs.map(event);
    this.events.push(...added);
    this.events.sort((a, b) => a.seq - b.seq);
    return added;
  }

  async between(after: number, through: number, limit: number): Promise<DomainEvent[]> {
    this.reads++;
    if (this.failing > 0) {
      this.failing--;
      throw new Error('database unreachable');
    }
    return this.events.filter((e) => e.seq > after && e.seq <= through).slice(0, limit);
  }

  async latestSeq(): Promise<number> {
    if (this.failing > 0) {
      this.failing--;
      throw new Error('database unreachable');
    }
    return this.events.at(-1)?.seq ?? 0;
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('sequencer', () => {
  const running: Sequencer[] = [];
  afterEach(() => {
    for (const s of running.splice(0)) s.stop();
  });

  async function setup(log: FakeLog, opts: Partial<{ gapWaitMs: number; checkMs: number; batch: number; maxPending: number }> = {}) {
    const delivered: number[] = [];
    const errors: unknown[] = [];
    const s = new Sequencer(
      log,
      (events) => delivered.push(...events.map((e) => e.seq)),
      { gapWaitMs: 20, checkMs: 30, batch: 1000, maxPending: 10_000, ...opts },
      (err) => errors.push(err),
    );
    running.push(s);
    await s.start();
    s.setLinked(true);
    return { s, delivered, errors };
  }

  it('starts after the head of the log and delivers each event once, in seq order, whatever the arrival order', async () => {
    const log = new FakeLog();
    log.commit(1, 2, 3);
    const { s, delivered } = await setup(log, { gapWaitMs: 60_000 });
    assert.equal(s.position, 3);
    const [e4, e5, e6, e7] = log.commit(4, 5, 6, 7);
    s.offer([e5!]);
    s.offer([e7!, e6!]);
    assert.deepEqual(delivered, [], 'nothing goes out before 4');
    s.offer([e4!, e5!]);
    s.offer([e6!, event(2)]);
    assert.deepEqual(delivered, [4, 5, 6, 7]);
    assert.equal(log.reads, 0, 'no hole stayed open: the log was not read');
  });

  it('fills a hole from the log when the missing event never arrives (its publication was lost)', async () => {
    const log = new FakeLog();
    const { delivered } = await setup(log);
    const [e1, , e3] = log.commit(1, 2, 3);
    const s = running[0]!;
    s.offer([e1!]);
    s.offer([e3!]);
    await until(() => delivered.length === 3, 'the hole to be filled');
    assert.deepEqual(delivered, [1, 2, 3]);
  });

  it('settles a hole nothing will fill (a rolled-back seq) and goes on', async () => {
    const log = new FakeLog();
    const { s, delivered } = await setup(log);
    const [e1, e3, e4] = log.commit(1, 3, 4);
    s.offer([e1!, e3!]);
    await until(() => delivered.length === 2, 'the empty hole to settle');
    s.offer([e4!]);
    assert.deepEqual(delivered, [1, 3, 4]);
    assert.equal(s.position, 4);
  });

  it('reads a tail that was committed but never published, at the next check of the head', async () => {
    const log = new FakeLog();
    const { s, delivered } = await setup(log);
    s.offer(log.commit(1));
    log.commit(2, 3);
    await until(() => delivered.length === 3, 'the lost tail');
    assert.deepEqual(delivered, [1, 2, 3]);
  });

  it('polls the log while unlinked and catches up when linked again, with no duplicate', async () => {
    const log = new FakeLog();
    const { s, delivered } = await setup(log, { checkMs: 20 });
    s.setLinked(false);
    const early = log.commit(1, 2);
    await until(() => delivered.length === 2, 'the poll');
    s.offer(early);
    log.commit(3);
    s.setLinked(true);
    await until(() => delivered.length === 3, 'the catch-up');
    s.offer(log.events);
    assert.deepEqual(delivered, [1, 2, 3]);
  });

  it('reads in batches and drops what it held beyond the limit, reading it back in order', async () => {
    const log = new FakeLog();
    const { s, delivered } = await setup(log, { batch: 4, maxPending: 5, gapWaitMs: 60_000 });
    const all = log.commit(...Array.from({ length: 20 }, (_, i) => i + 1));
    s.offer(all.slice(1, 10));
    await until(() => delivered.length === 10, 'the overflow read');
    s.offer(all.slice(10));
    await until(() => delivered.length === 20, 'the rest');
    assert.deepEqual(delivered, all.map((e) => e.seq));
  });

  it('retries a read that failed (database briefly unreachable)', async () => {
    const log = new FakeLog();
    const { s, delivered, errors } = await setup(log);
    const [e1, , e3] = log.commit(1, 2, 3);
    log.failing = 2;
    s.offer([e1!, e3!]);
    await until(() => delivered.length === 3, 'the retried read');
    assert.deepEqual(delivered, [1, 2, 3]);
    assert.ok(errors.length >= 1);
  });
});
