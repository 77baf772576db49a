import { createHash } from 'node:crypto';
import { now } from './clock.ts';

/**
 * A speed index of this machine right now: how many rounds of a small fixed workload (encode and
 * parse a message-like JSON object, hash it) one core does per millisecond, best of eight 100 ms
 * tries (about 300 on this machine when it runs at full speed). The CPU a virtual machine gives varies over time even when no process of ours competes:
 * the same `pairs` run gave 1,318 msg/s at one time and 865 forty minutes later, with the same
 * server CPU, nothing else running and the same profile, only uniformly slower. Figures taken at different speeds are not comparable; the
 * index, printed with every run, says when that happened.
 */
export function speedIndex(): number {
  const message = {
    id: 123456,
    chat_id: 42,
    sender_id: 7,
    content: 'calibration message with some text in it, 好的 收到',
    type: 'text',
    created_at: '2025-01-01T00:00:00Z',
    sender: { id: 7, username: 'user7', nickname: 'User Seven', avatar: '' },
    client_id: 'abcdef.1.2',
  };
  let best = 0;
  // The first tries also warm the JIT up; the best of them is the machine's speed.
  for (let attempt = 0; attempt < 8; attempt++) {
    const start = now();
    let rounds = 0;
    while (now() - start < 100) {
      for (let i = 0; i < 50; i++) {
        const text = JSON.stringify(message);
        (JSON.parse(text) as { id: number }).id++;
        createHash('sha256').update(text).digest();
      }
      rounds += 50;
    }
    best = Math.max(best, rounds / (now() - start));
  }
  return Math.round(best);
}
