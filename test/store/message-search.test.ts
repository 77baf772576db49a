import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Migrator, sql, type Kysely } from 'kysely';
import type { User } from '../../src/domain/types.ts';
import { likeContains } from '../../src/store/errors.ts';
import { openDatabase, type OpenDatabase } from '../../src/store/database.ts';
import { catchUpSearchIndex, ftsQuery, searchMarkKey, trigramsOf } from '../../src/store/message-search.ts';
import { knownMigrations, migrateToLatest } from '../../src/store/migrate.ts';
import { describeCore, describeEachCore, startCore } from '../support/core.ts';
import { scratch, type Scratch } from '../support/stores.ts';

/**
 * Message search through its index (migration 0010) against the scan it replaced: the same
 * messages, order and totals for any content and query, after every kind of change, and never a
 * message of a chat the searcher is not in.
 */
describeEachCore('message search', (t) => {
  let viewer: User;
  let friend: User;
  let outsider: User;
  /** Two chats the viewer is in and one they are not. */
  let chats: number[];

  const group = async (owner: User, members: User[]) => (await t().core.conversations.create(owner.id, { type: 'group', name: 'g', members: members.map((m) => m.id) })).conversation.id;
  const say = async (u: User, chat: number, content: string, ttl = 0) => {
    const r = await t().core.messages.send(u.id, chat, { type: 'text', content, ttl });
    assert.equal(r.kind, 'sent');
    return r.kind === 'sent' ? r.view.message.id : 0;
  };

  /** The query search ran before the index, verbatim: every live message of the viewer's chats whose lowered content is LIKE the query. */
  const scan = async (userId: number, q: string): Promise<number[]> => {
    const { rows } = await sql<{ id: number }>`
      select m.id from messages m
      join conversation_members cm on cm.conversation_id = m.conversation_id and cm.user_id = ${userId}
      where m.deleted_at is null and (m.expires_at is null or m.expires_at > ${t().clock.now()})
        and not exists (select 1 from message_hidden h where h.message_id = m.id and h.user_id = ${userId})
        and lower(m.content) like ${likeContains(q.toLowerCase())} escape '\\'
      order by m.id desc`.execute(t().core.store.db);
    return rows.map((r) => Number(r.id));
  };

  const searched = async (userId: number, q: string, page = { limit: 100, offset: 0 }) => {
    const found = await t().core.messages.search(userId, q, page);
    return { ids: found.items.map((v) => v.message.id), total: found.total };
  };

  /** Search equals the scan, whole and in pages of two, and stays inside the viewer's chats. */
  const agrees = async (q: string, userId = viewer.id) => {
    const expected = await scan(userId, q);
    const all = await searched(userId, q, { limit: 1000, offset: 0 });
    assert.deepEqual(all, { ids: expected, total: expected.length }, `search ${JSON.stringify(q)}`);
    const second = await searched(userId, q, { limit: 2, offset: 2 });
    assert.deepEqual(second, { ids: expected.slice(2, 4), total: expected.length }, `page 2 of ${JSON.stringify(q)}`);
    const own = new Set((await t().core.store.db.selectFrom('conversation_members').select('conversation_id').where('user_id', '=', userId).execute()).map((r) => Number(r.conversation_id)));
    for (const v of (await t().core.messages.search(userId, q, { limit: 1000, offset: 0 })).items) assert.ok(own.has(v.message.conversationId));
    return expected;
  };

  /** SQLite's own check of the external-content index against the messages table. */
  const indexIntact = async () => {
    if (t().core.store.dialect !== 'sqlite') return;
    await sql`insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)`.execute(t().core.store.db);
  };

  it('sets up users and chats', async () => {
    [viewer, friend, outsider] = [await t().user(), await t().user(), await t().user()];
    chats = [await group(viewer, [friend]), await group(friend, [viewer, outsider]), await group(outsider, [friend])];
    assert.equal(chats.length, 3);
  });

  // Chinese, both cases of ASCII letters, LIKE's own wildcards and escape, and a space: the
  // characters where index and scan could part.
  const char = fc.constantFrom('a', 'A', 'b', 'B', 'c', 'x', 'X', '你', '好', '世', '界', '%', '_', '\\', ' ', '"', '1');
  const text = fc.string({ unit: char, minLength: 0, maxLength: 14 });
  const query = fc.string({ unit: char, minLength: 1, maxLength: 5 }).filter((q) => q.trim() === q && q.length > 0);
  const step = fc.oneof(
    fc.record({ kind: fc.constant('send' as const), chat: fc.nat(2), content: text.filter((s) => s.trim().length > 0), byFriend: fc.boolean() }),
    fc.record({ kind: fc.constantFrom('edit' as const, 'recall' as const, 'delete' as const, 'hide' as const), pick: fc.nat(), content: text.filter((s) => s.trim().length > 0) }),
  );

  it('finds what the scan finds, for generated messages, changes and queries of 1–5 characters', async () => {
    // Messages the viewer or their friend wrote, which they may change.
    const mine: { id: number; author: User }[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), fc.array(query, { minLength: 1, maxLength: 4 }), async (steps, queries) => {
        for (const s of steps) {
          if (s.kind === 'send') {
            const author = s.chat === 2 ? outsider : s.byFriend ? friend : viewer;
            const id = await say(author, chats[s.chat]!, s.content);
            if (author !== outsider) mine.push({ id, author });
            continue;
          }
          const target = mine[s.pick % Math.max(1, mine.length)];
          if (!target) continue;
          const m = t().core.messages;
          // A change of a message already recalled or deleted is refused; the state is what counts here.
          if (s.kind === 'edit') await m.edit(target.author.id, target.id, s.content).catch(() => undefined);
          else if (s.kind === 'recall') await m.recall(target.author.id, target.id).catch(() => undefined);
          else if (s.kind === 'delete') await m.delete(target.author.id, target.id, 'everyone').catch(() => undefined);
          else await m.delete(viewer.id, target.id, 'me').catch(() => undefined);
        }
        for (const q of queries) await agrees(q);
        // Queries cut from stored content, in another case: these find something.
        const sample = await t().core.store.db.selectFrom('messages').select('content').where('content', '!=', '').orderBy('id', 'desc').limit(3).execute();
        for (const { content } of sample) {
          const cut = content.slice(1, 5).trim();
          if (cut) await agrees(cut.toUpperCase());
        }
      }),
      { numRuns: 25 },
    );
    await indexIntact();
  });

  it('matches wildcard characters literally and finds long Chinese and English substrings', async () => {
    const chat = chats[0]!;
    const a = await say(viewer, chat, '进度 100% 完成, file_name.txt');
    const b = await say(friend, chat, '进度 1000 完成, fileXname.txt');
    const c = await say(viewer, chat, 'C:\\temp\\里程碑 Release Notes');
    assert.deepEqual((await searched(viewer.id, '100%')).ids, [a]);
    assert.deepEqual((await searched(viewer.id, 'file_name')).ids, [a]);
    assert.deepEqual((await searched(viewer.id, '\\temp\\里程')).ids, [c]);
    assert.deepEqual((await searched(viewer.id, 'release NOTES')).ids, [c]);
    assert.ok((await searched(viewer.id, '进度')).ids.includes(b));
    await agrees('0% 完');
    await indexIntact();
  });

  it('forgets moderated, expired and edited-away content, and chats that are gone', async () => {
    const tag = `zq${Date.now().toString(36)}`;
    const chat = await group(viewer, [friend]);
    const moderated = await say(friend, chat, `moderated ${tag}`);
    const expiring = await say(friend, chat, `expiring ${tag}`, 5);
    const edited = await say(viewer, chat, `edited ${tag}`);
    const kept = await say(viewer, chats[0]!, `kept ${tag}`);
    assert.deepEqual((await agrees(tag)).sort(), [moderated, expiring, edited, kept].sort());

    await t().core.admin.deleteMessage(null, moderated);
    await t().core.messages.edit(viewer.id, edited, 'nothing to see');
    t().clock.advance(6000);
    // Past its time it is gone at once; the sweep then scrubs the row.
    assert.deepEqual(await agrees(tag), [kept]);
    assert.ok((await t().core.messages.expireDue(100)) >= 1);
    assert.deepEqual(await agrees(tag), [kept]);
    assert.deepEqual(await agrees('nothing to'), [edited]);

    await t().core.admin.deleteConversation(null, chat);
    assert.deepEqual(await agrees('nothing to'), []);
    await indexIntact();
  });

  it('forgets a deleted user’s messages, and finds nothing in a chat its searcher was removed from', async () => {
    const tag = `zr${Date.now().toString(36)}`;
    const leaver = await t().user();
    const chat = await group(friend, [viewer, leaver]);
    const byLeaver = await say(leaver, chat, `from the leaver ${tag}`);
    const byFriend = await say(friend, chat, `from the friend ${tag}`);
    assert.deepEqual(await agrees(tag), [byFriend, byLeaver]);
    assert.deepEqual(await agrees(tag, leaver.id), [byFriend, byLeaver]);
    await t().core.conversations.removeMember(friend.id, chat, leaver.id);
    assert.deepEqual(await agrees(tag, leaver.id), []);
    await t().core.admin.deleteUser(null, leaver.id);
    assert.deepEqual(await agrees(tag), [byFriend]);
    await indexIntact();
  });
});

/**
 * SQLite indexes new messages once per commit (migration 0012): what a commit stores, edits and
 * deletes before its end is indexed as it is at the end; what another writer stored without the
 * index is picked up by the next commit and, before serving, at start.
 */
describeCore('message search index on SQLite: once per commit', 'sqlite', (core, dir) => {
  const found = async (userId: number, q: string) => (await core().core.messages.search(userId, q, { limit: 50, offset: 0 })).items.map((v) => v.message.id).sort((x, y) => x - y);
  const intact = () => sql`insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)`.execute(core().core.store.db);
  const mark = async () => Number(await core().core.store.settings.get(searchMarkKey));
  const newest = async () => Number((await core().core.store.db.selectFrom('messages').select((eb) => eb.fn.max('id').as('id')).executeTakeFirstOrThrow()).id);

  it('sends that share a commit are indexed together, each as it is when the commit ends', async () => {
    const [a, b] = [await core().user(), await core().user()];
    const chat = (await core().core.conversations.create(a.id, { members: [b.id] })).conversation.id;
    const tag = `zs${Date.now().toString(36)}`;
    const batches = await Promise.all(Array.from({ length: 8 }, (_, i) => core().core.messages.send(a.id, chat, { type: 'text', content: `burst ${i} ${tag}` })));
    const ids = batches.map((r) => (r.kind === 'sent' ? r.view.message.id : 0));
    assert.deepEqual(await found(b.id, tag), ids.sort((x, y) => x - y));
    assert.equal(await mark(), await newest());
    // Stored, edited and deleted inside one transaction: only the edited text is indexed.
    const [edited, removed] = await core().core.store.transaction(async (tx) => {
      const at = core().clock.now();
      const insert = async (content: string) =>
        Number((await sql<{ id: number }>`insert into messages (conversation_id, sender_id, type, content, created_at, updated_at) values (${chat}, ${a.id}, 'text', ${content}, ${at}, ${at}) returning id`.execute(tx.db)).rows[0]!.id);
      const first = await insert(`first draft ${tag}`);
      await tx.db.updateTable('messages').set({ content: `final text ${tag}` }).where('id', '=', first).execute();
      const second = await insert(`gone ${tag}`);
      await tx.db.deleteFrom('messages').where('id', '=', second).execute();
      return [first, second];
    });
    assert.deepEqual(await found(b.id, `final text ${tag}`), [edited]);
    assert.deepEqual(await found(b.id, `first draft ${tag}`), []);
    assert.ok(!(await found(b.id, tag)).includes(removed));
    await intact();
  });

  it('indexes what another writer stored without the index: at the next commit, and at start', async () => {
    const [a, b] = [await core().user(), await core().user()];
    const chat = (await core().core.conversations.create(a.id, { members: [b.id] })).conversation.id;
    const tag = `zt${Date.now().toString(36)}`;
    // As an older build (or an import) would: a plain insert, committed on its own.
    const outside = async (content: string) => {
      const { rows } = await sql<{ id: number }>`insert into messages (conversation_id, sender_id, type, content, created_at, updated_at) values (${chat}, ${a.id}, 'text', ${content}, ${core().clock.now()}, ${core().clock.now()}) returning id`.execute(core().core.store.db);
      return Number(rows[0]!.id);
    };
    const early = await outside(`outside one ${tag}`);
    assert.deepEqual(await found(b.id, tag), [], 'not indexed yet');
    const sent = await core().core.messages.send(a.id, chat, { type: 'text', content: `inside ${tag}` });
    assert.equal(sent.kind, 'sent');
    assert.deepEqual(await found(b.id, tag), [early, sent.kind === 'sent' ? sent.view.message.id : 0].sort((x, y) => x - y));

    const late = await outside(`outside two ${tag}`);
    const second = await startCore(dir(), {});
    try {
      assert.equal(await mark(), late, 'caught up at start, before serving');
      assert.ok((await second.core.messages.search(b.id, `outside two ${tag}`, { limit: 5, offset: 0 })).items.some((v) => v.message.id === late));
    } finally {
      await second.core.close();
    }
    await intact();
  });
});

describe('migration 0012 on a database indexed by 0010’s triggers [sqlite]', () => {
  let dir: Scratch;
  let database: OpenDatabase;
  before(async () => {
    dir = await scratch('sqlite');
    database = openDatabase({ url: dir.databaseUrl });
  });
  after(async () => {
    await database.close();
    await dir.cleanup();
  });

  it('keeps what was indexed, sets the mark at the newest message, and follows edits of old messages', async () => {
    const db = database.db;
    const before0012 = knownMigrations.filter((name) => name < '0012');
    const modules = await Promise.all(before0012.map(async (name) => [name, (await import(`../../src/store/migrations/${name}.ts`)) as { up: (db: Kysely<unknown>, d: 'sqlite') => Promise<void> }] as const));
    const older = new Migrator({
      db,
      provider: { getMigrations: async () => Object.fromEntries(modules.map(([name, m]) => [name, { up: (k: Kysely<unknown>) => m.up(k, 'sqlite') }])) },
      migrationTableName: 'parley_migrations',
      migrationLockTableName: 'parley_migrations_lock',
    });
    assert.equal((await older.migrateToLatest()).error, undefined);
    await sql`insert into users (id, phone, created_at, updated_at) values (1, '1', 0, 0)`.execute(db);
    await sql`insert into conversations (id, type, created_at, updated_at, last_activity_at) values (1, 'group', 0, 0, 0)`.execute(db);
    for (const [id, content] of [[1, 'old apple pie'], [2, ''], [3, 'old banana split']] as const) {
      await sql`insert into messages (id, conversation_id, sender_id, type, content, created_at, updated_at) values (${id}, 1, 1, 'text', ${content}, 0, 0)`.execute(db);
    }
    assert.deepEqual((await migrateToLatest(db, 'sqlite')).applied, ['0012_message_search_batched']);
    const match = async (q: string) => (await sql<{ rowid: number }>`select rowid from messages_fts where messages_fts match ${ftsQuery(trigramsOf(q)!)} order by rowid`.execute(db)).rows.map((r) => Number(r.rowid));
    assert.equal(await database.db.selectFrom('settings').select('value').where('key', '=', searchMarkKey).executeTakeFirst().then((r) => r?.value), '3');
    assert.deepEqual(await match('old'), [1, 3]);
    // Old messages are indexed, so their edits and deletions go through the remaining triggers.
    await sql`update messages set content = 'new cherry tart' where id = 1`.execute(db);
    await sql`update messages set content = 'filled later' where id = 2`.execute(db);
    await sql`delete from messages where id = 3`.execute(db);
    assert.deepEqual(await match('old'), []);
    assert.deepEqual(await match('cherry'), [1]);
    assert.deepEqual(await match('later'), [2]);
    await sql`insert into messages (id, conversation_id, sender_id, type, content, created_at, updated_at) values (4, 1, 1, 'text', 'fresh fig', 0, 0)`.execute(db);
    assert.deepEqual(await match('fig'), [], 'inserts wait for the end of a commit');
    assert.equal(await catchUpSearchIndex(db), 1);
    assert.deepEqual(await match('fig'), [4]);
    await sql`insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)`.execute(db);
  });
});
