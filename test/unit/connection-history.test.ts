import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConnectionHistory } from '../../src/services/connection-history.ts';

const minute = 60_000;

it('keeps the highest reading of each minute, forgets what is older than its span', () => {
  const history = new ConnectionHistory(3 * minute);
  history.record(2, 10 * minute + 1_000);
  history.record(5, 10 * minute + 30_000);
  history.record(1, 10 * minute + 59_000);
  history.record(3, 11 * minute);
  assert.deepEqual(history.since(0), [
    { at: 10 * minute, count: 5 },
    { at: 11 * minute, count: 3 },
  ]);
  assert.deepEqual(history.since(11 * minute), [{ at: 11 * minute, count: 3 }]);
  history.record(0, 13 * minute + 5_000);
  assert.deepEqual(history.since(0).map((s) => s.at), [11 * minute, 13 * minute]);
});

it('ignores a reading older than the last one kept (a clock stepping back)', () => {
  const history = new ConnectionHistory();
  history.record(4, 20 * minute);
  history.record(9, 19 * minute);
  assert.deepEqual(history.since(0), [{ at: 20 * minute, count: 4 }]);
});

it('keeps a week by default: as far back as the admin series may ask (168 hours)', () => {
  const history = new ConnectionHistory();
  const hour = 60 * minute;
  history.record(7, 0);
  history.record(8, 167 * hour);
  assert.deepEqual(history.since(0).map((s) => s.count), [7, 8], 'a reading 167 hours old is kept');
  history.record(9, 168 * hour + minute);
  assert.deepEqual(history.since(0).map((s) => s.count), [8, 9]);
});
