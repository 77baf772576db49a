import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { systemClock } from '../../src/services/clock.ts';
import { Timers, type TimedWork } from '../../src/services/timers.ts';

/** Work whose due items are times; each cycle delivers those that have come. */
class FakeWork implements TimedWork {
  due: number[] = [];
  delivered: number[] = [];
  running = 0;
  maxRunning = 0;
  failNext = false;

  async deliverDue(batch: number): Promise<number> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    await sleep(5);
    this.running--;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('database away');
    }
    const now = Date.now();
    const ready = this.due.filter((t) => t <= now).slice(0, batch);
    this.due = this.due.filter((t) => !ready.includes(t));
    this.delivered.push(...ready);
    return ready.length;
  }

  async expireDue(): Promise<number> {
    return 0;
  }

  async nextDue(): Promise<number | null> {
    return this.due.length ? Math.min(...this.due) : null;
  }
}

const silent = pino({ level: 'silent' });

describe('Timers', () => {
  it('never overlaps cycles, and runNow waits for a cycle that starts after it', async () => {
    const work = new FakeWork();
    const timers = new Timers(work, systemClock, silent, { intervalMs: 60_000, batch: 2 });
    work.due = [Date.now() - 3, Date.now() - 2, Date.now() - 1];
    await Promise.all([timers.runNow(), timers.runNow(), timers.runNow()]);
    assert.equal(work.maxRunning, 1);
    assert.equal(work.delivered.length, 3, 'a full batch is followed by another');
    await timers.stop();
  });

  it('wakes for a due time sooner than the poll, and keeps going after a failed cycle', async () => {
    const work = new FakeWork();
    const timers = new Timers(work, systemClock, silent, { intervalMs: 60_000 });
    timers.start();
    await timers.runNow();
    work.due = [Date.now() + 50];
    timers.wake(work.due[0]!);
    const end = Date.now() + 2000;
    while (work.delivered.length === 0 && Date.now() < end) await sleep(10);
    assert.equal(work.delivered.length, 1, 'delivered by the alarm, long before the next poll');

    work.failNext = true;
    await timers.runNow();
    work.due = [Date.now() - 1];
    await timers.runNow();
    assert.equal(work.delivered.length, 2);
    await timers.stop();
  });

  it('stop() waits for the running cycle and then runs nothing more', async () => {
    const work = new FakeWork();
    const timers = new Timers(work, systemClock, silent, { intervalMs: 10 });
    timers.start();
    await sleep(5);
    await timers.stop();
    assert.equal(work.running, 0);
    work.due = [Date.now() - 1];
    await timers.runNow();
    await sleep(30);
    assert.deepEqual(work.delivered, []);
  });
});
