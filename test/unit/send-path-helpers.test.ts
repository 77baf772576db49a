import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoSeconds } from '../../src/profiles/kit/time.ts';
import { receiverOf } from '../../src/services/posting.ts';

describe('send path helpers', () => {
  it('isoSeconds formats each second anew, also when calls alternate between seconds', () => {
    const t = Date.UTC(2024, 11, 19, 10, 30, 0);
    assert.equal(isoSeconds(t + 1), '2024-12-19T10:30:00Z');
    assert.equal(isoSeconds(t + 999), '2024-12-19T10:30:00Z');
    assert.equal(isoSeconds(t + 1000), '2024-12-19T10:30:01Z');
    assert.equal(isoSeconds(t - 1), '2024-12-19T10:29:59Z');
    assert.equal(isoSeconds(t), '2024-12-19T10:30:00Z');
    assert.equal(isoSeconds(0), '1970-01-01T00:00:00Z');
  });

  it('receiverOf names the other member of a private chat from either side, and nobody in a group', () => {
    assert.equal(receiverOf({ pairKey: '12:345' }, 12), 345);
    assert.equal(receiverOf({ pairKey: '12:345' }, 345), 12);
    assert.equal(receiverOf({ pairKey: null }, 12), null);
    assert.equal(receiverOf({ pairKey: '12:345' }, null), null);
  });
});
