import type { TestServer } from './server.ts';

/**
 * Emits `count` large `user.updated` events for one user through the transactor (so they take
 * the real path: event log, bus, gateway), `perTransaction` at a time. Each frame is about 2.5 kB,
 * enough to overflow a paused client's kernel buffers quickly. Returns the seqs, in order.
 */
export async function burstUserUpdates(s: TestServer, userId: number, count: number, perTransaction = 500): Promise<number[]> {
  const user = await s.core.store.users.byId(userId);
  if (!user) throw new Error(`no user ${userId}`);
  const seqs: number[] = [];
  for (let done = 0; done < count; done += perTransaction) {
    const n = Math.min(perTransaction, count - done);
    await s.core.transactor.run(async (_tx, emit) => {
      for (let i = 0; i < n; i++) {
        emit({
          type: 'user.updated',
          audience: { kind: 'user', id: userId },
          data: { user: { ...user, bio: `${done + i} ${'长'.repeat(480)}`, statusMessage: '消'.repeat(140) } },
        });
      }
    });
  }
  const events = await s.core.store.events.forUser(userId, 0, 1_000_000);
  for (const e of events.slice(-count)) seqs.push(e.seq);
  return seqs;
}
