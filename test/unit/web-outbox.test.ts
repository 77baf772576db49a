import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as outbox from '../../web/src/lib/outbox.ts';

const at = new Date('2026-11-30T10:00:00Z');
const text = (chatId: number, content: string): outbox.NewItem => ({ chatId, content, type: 'text' });

function queueOf(...items: [number, string][]): outbox.OutboxItem[] {
  return items.reduce<outbox.OutboxItem[]>((q, [chat, id]) => outbox.enqueue(q, text(chat, id), id, at), []);
}

describe('web outbox', () => {
  test('a chat sends in typed order: only its oldest unsent item is due', () => {
    let q = queueOf([1, 'a'], [1, 'b'], [2, 'c']);
    assert.equal(outbox.nextDue(q, 0)?.clientId, 'a');
    q = outbox.markSending(q, 'a');
    // b waits for a; c, in another chat, may go.
    assert.equal(outbox.nextDue(q, 0)?.clientId, 'c');
    q = outbox.settle(q, 'a');
    assert.equal(outbox.nextDue(q, 0)?.clientId, 'b');
  });

  test('a transient failure backs off and keeps the item; a refusal stops it and holds back its chat', () => {
    let q = outbox.markSending(queueOf([1, 'a'], [1, 'b']), 'a');
    q = outbox.fail(q, 'a', true, 'offline', 1000);
    assert.equal(q[0]!.state, 'pending');
    assert.equal(q[0]!.notBefore, 1000 + outbox.retryDelay(1));
    assert.equal(outbox.nextDue(q, 1000), undefined, 'backing off');
    assert.equal(outbox.nextDue(q, 1000 + outbox.retryDelay(1))?.clientId, 'a');

    q = outbox.fail(outbox.markSending(q, 'a'), 'a', false, 'too long', 5000);
    assert.equal(q[0]!.state, 'failed');
    assert.equal(outbox.nextDue(q, Number.MAX_SAFE_INTEGER), undefined, 'b does not overtake the failed a');
    q = outbox.retry(q, 'a');
    assert.equal(outbox.nextDue(q, 0)?.clientId, 'a');
    q = outbox.discard(q, 'a');
    assert.equal(outbox.nextDue(q, 0)?.clientId, 'b');
  });

  test('back online, everything waiting is due at once, with the same client ids', () => {
    let q = outbox.markSending(queueOf([1, 'a'], [2, 'b']), 'a');
    q = outbox.fail(q, 'a', true, 'offline', 0);
    q = outbox.wakeAll(q);
    assert.deepEqual(
      q.map((i) => [i.clientId, i.state, i.notBefore]),
      [
        ['a', 'pending', 0],
        ['b', 'pending', 0],
      ],
    );
  });

  test('settling an unknown client id (another device, a replay) changes nothing', () => {
    const q = queueOf([1, 'a']);
    assert.equal(outbox.settle(q, 'zzz'), q);
  });

  test('backoff doubles from 1 s and stops at 30 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(outbox.retryDelay), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  test('a stored queue revived after a reload resends what was in flight and drops junk', () => {
    const stored = JSON.parse(JSON.stringify([...outbox.markSending(queueOf([1, 'a']), 'a'), { nonsense: true }])) as unknown;
    const q = outbox.revive(stored);
    assert.equal(q.length, 1);
    assert.equal(q[0]!.state, 'pending');
    assert.equal(q[0]!.clientId, 'a');
    assert.deepEqual(outbox.revive('not a list'), []);
  });
});
