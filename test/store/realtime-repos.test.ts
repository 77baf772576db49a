import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NewEvent } from '../../src/domain/events.ts';
import { openDatabase, type OpenDatabase } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { Store } from '../../src/store/store.ts';
import { scratch, storeKinds, type Scratch } from '../support/stores.ts';

/** The repository queries the realtime path relies on, on each store kind. */
for (const kind of storeKinds) {
  describe(`realtime repositories [${kind}]`, () => {
    let dir: Scratch;
    let database: OpenDatabase;
    let store: Store;
    const ids: number[] = [];

    before(async () => {
      dir = await scratch(kind);
      database = openDatabase({ url: dir.databaseUrl });
      await migrateToLatest(database.db, database.dialect);
      store = new Store(database.db, database.dialect);
      for (let i = 0; i < 4; i++) {
        const u = await store.users.insert({ phone: `1380000000${i}`, nickname: `n${i}`, passwordHash: null, at: 1000 });
        ids.push(u.id);
      }
      const at = 1000;
      for (const members of [[0, 1], [1, 2]]) {
        const c = await database.db
          .insertInto('conversations')
          .values({ type: 'group', last_activity_at: at, created_at: at, updated_at: at })
          .returning('id')
          .executeTakeFirstOrThrow();
        await database.db
          .insertInto('conversation_members')
          .values(members.map((m) => ({ conversation_id: c.id, user_id: ids[m]!, role: 'member', joined_at: at })))
          .execute();
      }
    });
    after(async () => {
      await database?.close();
      await dir?.cleanup();
    });

    it('answers membership questions', async () => {
      const [a, b, c, d] = ids as [number, number, number, number];
      const [c1, c2] = await store.conversations.conversationIdsOf(b);
      assert.ok(c1 !== undefined && c2 !== undefined);
      assert.deepEqual((await store.conversations.conversationIdsOf(d)), []);
      assert.deepEqual(await store.conversations.conversationIdsOf(a), [c1]);
      assert.deepEqual(await store.conversations.conversationIdsOf(c), [c2]);
      assert.deepEqual((await store.conversations.peersOf(b)).sort(), [a, c].sort());
      assert.deepEqual(await store.conversations.peersOf(d), []);
    });

    it('replays a user’s events after a seq in order (own and current conversations only), and prunes', async () => {
      const [a, b] = ids as [number, number];
      const [c1, c2] = await store.conversations.conversationIdsOf(b);
      const ev = (kind: 'user' | 'conversation', id: number, n: number): NewEvent =>
        ({ type: 'contact.removed', audience: { kind, id }, data: { ownerId: n, contactUserId: n } });
      const first = await store.events.append([ev('user', a, 1), ev('conversation', c1!, 2), ev('user', b, 3)], 1000);
      const second = await store.events.append([ev('conversation', c2!, 4), ev('user', a, 5)], 2000);
      const forA = await store.events.forUser(a, 0, 100);
      assert.deepEqual(forA.map((e) => (e.data as { ownerId: number }).ownerId), [1, 2, 5]);
      assert.deepEqual(forA.map((e) => e.seq), [first[0]!.seq, first[1]!.seq, second[1]!.seq]);
      assert.deepEqual(forA[0]!.audience, { kind: 'user', id: a });
      assert.equal(forA[0]!.at, 1000);
      assert.deepEqual((await store.events.forUser(a, first[0]!.seq, 1)).map((e) => e.seq), [first[1]!.seq]);
      assert.deepEqual((await store.events.forUser(b, 0, 100)).map((e) => (e.data as { ownerId: number }).ownerId), [2, 3, 4]);

      assert.equal(await store.events.lastSeqBefore(500), undefined);
      const through = await store.events.lastSeqBefore(1500);
      assert.equal(through, first[2]!.seq);
      assert.equal(await store.events.deleteThrough(through, 2), 2);
      assert.equal(await store.events.deleteThrough(through, 2), 1);
      assert.deepEqual((await store.events.forUser(a, 0, 100)).map((e) => e.seq), [second[1]!.seq]);
      assert.equal(await store.events.latestSeq(), second[1]!.seq);
      await store.settings.set('k', '1', 1);
      await store.settings.set('k', '2', 2);
      assert.equal(await store.settings.get('k'), '2');
    });

    it('moves calls through their states with conditional updates', async () => {
      const [a, b, c] = ids as [number, number, number];
      const call = await store.calls.insert({ id: 'call_x', callerId: a, calleeId: b, media: 'audio', state: 'ringing', callerConnection: 'n-1', at: 10_000 });
      assert.equal(call.state, 'ringing');
      assert.deepEqual((await store.calls.liveFor([b])).map((x) => x.id), ['call_x']);
      assert.deepEqual(await store.calls.liveFor([c]), []);
      assert.equal(await store.calls.answer('call_x', a, 'n-2', 11_000), undefined, 'only the callee answers');
      const answered = await store.calls.answer('call_x', b, 'n-2', 11_000);
      assert.equal(answered?.state, 'connected');
      assert.equal(answered?.calleeConnection, 'n-2');
      assert.equal(await store.calls.answer('call_x', b, 'n-3', 11_500), undefined, 'answered once');
      assert.deepEqual((await store.calls.liveOnConnection(b, 'n-2')).map((x) => x.id), ['call_x']);
      assert.deepEqual(await store.calls.liveOnConnection(b, 'n-1'), []);
      const ended = await store.calls.end('call_x', ['connected'], 'user_hangup', 131_600);
      assert.equal(ended?.state, 'ended');
      assert.equal(ended?.duration, 121);
      assert.equal(ended?.endReason, 'user_hangup');
      assert.equal(await store.calls.end('call_x', ['ringing', 'connected'], 'timeout', 200_000), undefined);
      const busy = await store.calls.insert({ id: 'call_y', callerId: c, calleeId: a, media: 'video', state: 'ended', endReason: 'busy', callerConnection: 'n-4', at: 300_000 });
      assert.equal(busy.endedAt, 300_000);
      assert.equal(busy.duration, 0);
      await store.transaction(async (tx) => tx.calls.lockParties([a, c]));
    });
  });
}
