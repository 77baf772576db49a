import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SerialRuns } from '../../src/services/serial-runs.ts';

describe('SerialRuns', () => {
  it('never overlaps runs, and requests made during a run share the next one', async () => {
    let running = 0;
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let began!: () => void;
    const firstBegan = new Promise<void>((resolve) => (began = resolve));
    const serial = new SerialRuns(async () => {
      running++;
      assert.equal(running, 1, 'runs overlap');
      runs++;
      if (runs === 1) {
        began();
        await gate;
      }
      running--;
    });
    const first = serial.request();
    await firstBegan;
    const during = [serial.request(), serial.request(), serial.request()];
    release();
    await Promise.all([first, ...during]);
    assert.equal(runs, 2);
    await serial.request();
    assert.equal(runs, 3);
  });

  it('tells a failed run to its caller and still runs the next', async () => {
    let calls = 0;
    const serial = new SerialRuns(async () => {
      calls++;
      if (calls === 1) throw new Error('first fails');
    });
    await assert.rejects(serial.request(), /first fails/);
    await serial.request();
    await serial.settled();
    assert.equal(calls, 2);
  });
});
