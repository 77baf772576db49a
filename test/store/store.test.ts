import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { UniqueConflict, type UniqueTarget } from '../../src/domain/errors.ts';
import type { DomainEvent } from '../../src/domain/events.ts';
import type { MessageDraft } from '../../src/domain/types.ts';
import { LocalBus } from '../../src/realtime/bus.ts';
import { systemClock } from '../../src/services/clock.ts';
import { Transactor } from '../../src/services/transactor.ts';
import { openDatabase, type OpenDatabase } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { pairKey } from '../../src/store/repos/conversations.ts';
import { Store } from '../../src/store/store.ts';
import { scratch, storeKinds, type Scratch } from '../support/stores.ts';

/** The same suite on every store kind: the store is the one place where dialects differ. */
for (const kind of storeKinds) {
  describe(`store [${kind}]`, () => {
    let dir: Scratch;
    let database: OpenDatabase;
    let store: Store;
    let n = 0;
    const at = () => Date.now();
    const newUser = (fields: { phone?: string; email?: string; username?: string } = {}) =>
      store.users.insert({ phone: fields.phone ?? `1${String(++n).padStart(10, '0')}`, email: fields.email, username: fields.username, passwordHash: null, at: at() });
    /** Runs a write expected to lose a unique key; returns what it threw. */
    const conflictOf = (write: Promise<unknown>) =>
      write.then(
        () => assert.fail('expected a unique conflict'),
        (e: unknown) => e,
      );
    const assertConflict = (err: unknown, target: UniqueTarget) => {
      assert.ok(err instanceof UniqueConflict, `expected UniqueConflict on ${target}, got ${String(err)}`);
      assert.equal(err.target, target);
    };

    before(async () => {
      dir = await scratch(kind);
      database = openDatabase({ url: dir.databaseUrl });
      await migrateToLatest(database.db, database.dialect);
      store = new Store(database.db, database.dialect);
    });
    after(async () => {
      await database.close();
      await dir.cleanup();
    });

    it('migrations are recorded and applying them again does nothing', async () => {
      assert.deepEqual(await migrateToLatest(database.db, database.dialect), { applied: [], unknown: [] });
    });

    it('stores and reads a user with every field type intact', async () => {
      const u = await store.users.insert({ phone: '+8613800000000', email: 'Mixed@Example.COM', username: 'Alice_1', nickname: '爱丽丝', passwordHash: 'h', permissions: ['chat.read'], at: 1_700_000_000_123 });
      const back = await store.users.byId(u.id);
      assert.deepEqual(back, u);
      assert.equal(u.email, 'mixed@example.com');
      assert.equal(u.createdAt, 1_700_000_000_123);
      assert.deepEqual(u.permissions, ['chat.read']);
      assert.equal(u.isDisabled, false);
      assert.equal(typeof u.id, 'number');
    });

    it('keeps phone, email and username unique (username case-insensitively) and names the culprit', async () => {
      await newUser({ phone: '13900000001', email: 'one@example.com', username: 'Bob' });
      const attempts: [Parameters<typeof newUser>[0], UniqueTarget][] = [
        [{ phone: '13900000001' }, 'users.phone'],
        [{ email: 'ONE@example.com' }, 'users.email'],
        [{ username: 'bob' }, 'users.username'],
      ];
      for (const [fields, culprit] of attempts) assertConflict(await conflictOf(newUser(fields)), culprit);
      const other = await newUser();
      assertConflict(await conflictOf(store.users.update(other.id, { username: 'BOB' }, at())), 'users.username');
      const taken = await store.users.taken({ phone: '13900000001', email: 'one@EXAMPLE.com', username: 'BOB' });
      assert.deepEqual(taken, { phone: true, email: true, username: true });
      // Several users without email or username are fine (NULLs are not equal).
      await newUser();
      await newUser();
    });

    it('rolls back everything a failed transaction did, events included', async () => {
      const seqBefore = await store.events.latestSeq();
      const phone = '13911112222';
      await assert.rejects(
        store.transaction(async (tx) => {
          const u = await tx.users.insert({ phone, passwordHash: null, at: at() });
          await tx.events.append([{ type: 'user.updated', audience: { kind: 'user', id: u.id }, data: { user: u } }], at());
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await store.users.byPhone(phone), undefined);
      assert.equal(await store.events.latestSeq(), seqBefore);
    });

    it('hands out increasing event seqs, publishes only after commit, and orders concurrent appends', async () => {
      const published: DomainEvent[] = [];
      const bus = new LocalBus();
      bus.subscribe({ events: (evs) => published.push(...evs) });
      const tx = new Transactor(store, bus, systemClock);
      const u = await newUser();
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          tx.run(async (s, emit) => {
            emit({ type: 'contact.removed', audience: { kind: 'user', id: u.id }, data: { ownerId: u.id, contactUserId: i } });
            emit({ type: 'contact.removed', audience: { kind: 'user', id: u.id }, data: { ownerId: u.id, contactUserId: 1000 + i } });
            await s.users.markSeen(u.id, at());
          }),
        ),
      );
      assert.equal(published.length, 80);
      const seqs = published.map((e) => e.seq);
      assert.equal(new Set(seqs).size, 80);
      // Within one transaction, events keep their emit order.
      for (let i = 0; i < 80; i += 2) {
        const a = published[i]!;
        const b = published[i + 1]!;
        assert.ok(b.seq > a.seq);
        assert.equal((b.data as { contactUserId: number }).contactUserId, (a.data as { contactUserId: number }).contactUserId + 1000);
      }
      const rows = await store.db.selectFrom('events').select(['seq', 'type', 'payload', 'audience_kind', 'audience_id']).where('audience_id', '=', u.id).orderBy('seq').execute();
      assert.equal(rows.length, 80);
      assert.deepEqual(rows.map((r) => r.seq), [...seqs].sort((x, y) => x - y));
      assert.equal(rows[0]!.audience_kind, 'user');
    });

    it('settings: the first writer wins, even when writers race', async () => {
      const values = await Promise.all(Array.from({ length: 10 }, (_, i) => store.settings.getOrInit('race', `v${i}`, at())));
      assert.equal(new Set(values).size, 1);
      assert.equal(await store.settings.get('race'), values[0]);
    });

    it('a refresh token can be consumed exactly once, whatever the concurrency', async () => {
      const u = await newUser();
      await store.sessions.create({ id: `s${u.id}`, userId: u.id, device: { deviceId: 'd1', platform: 'ios' }, at: at(), expiresAt: at() + 60_000 });
      await store.sessions.addRefreshToken({ sessionId: `s${u.id}`, hash: `hash-${u.id}`, at: at(), expiresAt: at() + 60_000 });
      const record = await store.sessions.refreshToken(`hash-${u.id}`);
      assert.ok(record);
      const results = await Promise.all(Array.from({ length: 8 }, () => store.sessions.consumeRefreshToken(record.id, at())));
      assert.equal(results.filter(Boolean).length, 1);
      assert.ok((await store.sessions.active(`s${u.id}`, at()))?.id);
      assert.equal(await store.sessions.revoke(`s${u.id}`, 'test', at()), true);
      assert.equal(await store.sessions.revoke(`s${u.id}`, 'test', at()), false);
      assert.equal(await store.sessions.active(`s${u.id}`, at()), undefined);
    });

    it('contacts: one per pair, listed with their users, counted', async () => {
      const owner = await newUser();
      const friends = [await newUser(), await newUser(), await newUser()];
      for (const f of friends) await store.contacts.insert({ ownerId: owner.id, contactUserId: f.id, nickname: `n${f.id}`, at: at() });
      assertConflict(await conflictOf(store.contacts.insert({ ownerId: owner.id, contactUserId: friends[0]!.id, nickname: '', at: at() })), 'contacts.pair');
      const page = await store.contacts.list(owner.id, { limit: 2, offset: 1 });
      assert.equal(page.total, 3);
      assert.deepEqual(page.items.map((c) => c.user.id), [friends[1]!.id, friends[2]!.id]);
      assert.equal(page.items[0]!.nickname, `n${friends[1]!.id}`);
      await store.contacts.update(owner.id, friends[1]!.id, { isBlocked: true }, at());
      assert.equal(await store.contacts.isBlocked(owner.id, friends[1]!.id), true);
      assert.deepEqual([...(await store.contacts.ownersHaving(friends[0]!.id, [owner.id, friends[1]!.id]))], [owner.id]);
    });

    it('reports a lost private pair and reused client ids as UniqueConflict, inside transactions too', async () => {
      const [a, b] = [await newUser(), await newUser()];
      const key = pairKey(a.id, b.id);
      const chat = { type: 'private' as const, ownerId: null, pairKey: key, createdBy: a.id, at: at() };
      const c = await store.conversations.insert(chat);
      assertConflict(await conflictOf(store.transaction((tx) => tx.conversations.insert(chat))), 'conversations.pair');
      const draft: MessageDraft = { type: 'text', content: 'hi', caption: '', attachment: null, replyToId: null, forwardFrom: null, ttl: 0, isSilent: false, isEncrypted: false, metadata: {} };
      const message = { conversationId: c.id, senderId: a.id, draft, clientId: 'k1', sendAt: null, at: at() };
      await store.messages.insert(message);
      assertConflict(await conflictOf(store.transaction((tx) => tx.messages.insert(message))), 'messages.client_id');
      const scheduled = { conversationId: c.id, senderId: a.id, draft, clientId: 'k1', sendAt: at() + 60_000, at: at() };
      await store.scheduled.insert(scheduled);
      assertConflict(await conflictOf(store.scheduled.insert(scheduled)), 'scheduled_messages.client_id');
      // The transaction that lost is undone; the store goes on.
      assert.equal((await store.conversations.byPairKey(key))?.id, c.id);
    });

    it('a message inserted is returned as it reads back, for every kind of draft', async () => {
      const [a, b] = [await newUser(), await newUser()];
      const c = await store.conversations.insert({ type: 'private', ownerId: null, pairKey: pairKey(a.id, b.id), createdBy: a.id, at: at() });
      await store.files.insert({ id: `file_rb${++n}`, ownerId: a.id, name: 'p.png', mime: 'image/png', size: 10, kind: 'image', width: 4, height: 3, duration: null, sha256: 'x', createdAt: at(), storageKey: 'k', thumbnailKey: 't' });
      const fileId = `file_rb${n}`;
      const plain: MessageDraft = { type: 'text', content: 'plain', caption: '', attachment: null, replyToId: null, forwardFrom: null, ttl: 0, isSilent: false, isEncrypted: false, metadata: {} };
      const first = await store.messages.insert({ conversationId: c.id, senderId: a.id, draft: plain, clientId: null, sendAt: null, at: at() });
      const drafts: Array<{ draft: MessageDraft; senderId: number | null; clientId: string | null; sendAt: number | null }> = [
        { draft: plain, senderId: a.id, clientId: `rb-${n}`, sendAt: null },
        { draft: { ...plain, content: '', caption: 'a photo', type: 'image', attachment: { fileId, name: 'p.png', size: 10, mime: 'image/png', width: 4, height: 3, duration: null, hasThumbnail: true, kind: 'image' } }, senderId: a.id, clientId: null, sendAt: null },
        { draft: { ...plain, replyToId: first.id, forwardFrom: { messageId: first.id, senderId: a.id, conversationId: c.id }, ttl: 30, isSilent: true, isEncrypted: true }, senderId: b.id, clientId: null, sendAt: at() - 5 },
        { draft: { ...plain, type: 'system', metadata: { system: { action: 'created', actor: { id: a.id }, users: [] }, client: { n: 1, s: '中' } } }, senderId: null, clientId: null, sendAt: null },
      ];
      for (const d of drafts) {
        const inserted = await store.transaction((tx) => tx.messages.insert({ conversationId: c.id, ...d, at: at() }));
        assert.deepEqual(await store.messages.byId(inserted.id), inserted, d.draft.type);
      }
    });

    it('search treats LIKE wildcards literally', async () => {
      const viewer = await newUser();
      await newUser({ username: 'wild_card' });
      await newUser({ username: 'wildXcard' });
      const hits = await store.users.search('wild_', viewer.id, { limit: 10, offset: 0 });
      assert.deepEqual(hits.items.map((u) => u.username), ['wild_card']);
      assert.equal((await store.users.search('%', viewer.id, { limit: 10, offset: 0 })).total, 0);
    });

    it('verification codes: a failure is counted and the code dies at the limit', async () => {
      const now = at();
      await store.codes.issue({ target: 't1', purpose: 'auth', codeHash: 'h1', at: now, expiresAt: now + 60_000 });
      const live = await store.codes.live('t1', 'auth', now);
      assert.ok(live);
      await store.codes.recordFailure(live.id, 2, now);
      assert.equal((await store.codes.live('t1', 'auth', now))?.attempts, 1);
      await store.codes.recordFailure(live.id, 2, now);
      assert.equal(await store.codes.live('t1', 'auth', now), undefined);
    });
  });
}
