import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Migrator, sql, type Kysely } from 'kysely';
import type { User } from '../../src/domain/types.ts';
import type { Database } from '../../src/store/schema.ts';
import { likeContains } from '../../src/store/errors.ts';
import { openDatabase, type OpenDatabase } from '../../src/store/database.ts';
import { catchUpSearchIndex, chatScopedQuery, chatToken, chatTokenSql, copyMessageText, defaultSearchTuning, ftsQuery, searchMarkKey, textMarkKey, trigramsOf, type SearchTuning } from '../../src/store/message-search.ts';
import { MessageRepo } from '../../src/store/repos/messages.ts';
import { TextCopier } from '../../src/services/text-copier.ts';
import type { Logger } from '../../src/logger.ts';
import { knownMigrations, migrateToLatest } from '../../src/store/migrate.ts';
import { describeCore, describeEachCore, startCore } from '../support/core.ts';
import { scratch, type Scratch } from '../support/stores.ts';

/**
 * The SQLite index (migration 0013) against the messages table: FTS5's own check of its
 * structure, and exactly one entry for each message with content up to the mark (a contentless
 * index cannot be checked against its source by FTS5 itself). And the text stored by chat
 * (migration 0014): exactly the messages with content up to its mark, each as the message is.
 */
async function searchIndexIntact(db: Kysely<Database>): Promise<void> {
  await sql`insert into messages_search(messages_search, rank) values ('integrity-check', 0)`.execute(db);
  const markOf = async (key: string) => Number((await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirstOrThrow()).value);
  const mark = await markOf(searchMarkKey);
  const indexed = await sql<{ id: number }>`select rowid as id from messages_search order by rowid`.execute(db);
  const expected = await db.selectFrom('messages').select('id').where('id', '<=', mark).where('content', '!=', '').orderBy('id').execute();
  assert.deepEqual(indexed.rows.map((r) => Number(r.id)), expected.map((r) => Number(r.id)));
  const copied = await sql<TextRow>`select id, conversation_id, expires_at, content from message_text order by id`.execute(db);
  const source = await sql<TextRow>`select id, conversation_id, expires_at, content from messages where id <= ${await markOf(textMarkKey)} and content <> '' order by id`.execute(db);
  assert.deepEqual(copied.rows, source.rows);
}

type TextRow = { id: number; conversation_id: number; expires_at: number | null; content: string };

/**
 * Message search through its index (migrations 0010 and 0013) against the scan it replaced: the same
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

  /**
   * On SQLite, every way the repository may take to its candidates, whatever the counts here
   * would choose: the chats named, the content alone, and the walk of the viewer's chats.
   */
  const everyWay: SearchTuning[] = [
    { ...defaultSearchTuning, rareCandidates: 0 },
    { rareCandidates: 0, maxChatTerms: 0, fewCandidates: Number.MAX_SAFE_INTEGER },
    { rareCandidates: 0, maxChatTerms: 0, fewCandidates: 0 },
  ];

  /** Search equals the scan, whole and in pages of two, and stays inside the viewer's chats. */
  const agrees = async (q: string, userId = viewer.id) => {
    const expected = await scan(userId, q);
    const all = await searched(userId, q, { limit: 1000, offset: 0 });
    assert.deepEqual(all, { ids: expected, total: expected.length }, `search ${JSON.stringify(q)}`);
    if (t().core.store.dialect === 'sqlite') {
      for (const tuning of everyWay) {
        const found = await new MessageRepo(t().core.store.db, 'sqlite', tuning).search(userId, q, { limit: 1000, offset: 0 }, t().clock.now());
        assert.deepEqual({ ids: found.items.map((m) => m.id), total: found.total }, { ids: expected, total: expected.length }, `search ${JSON.stringify(q)} tuned ${JSON.stringify(tuning)}`);
      }
    }
    const second = await searched(userId, q, { limit: 2, offset: 2 });
    assert.deepEqual(second, { ids: expected.slice(2, 4), total: expected.length }, `page 2 of ${JSON.stringify(q)}`);
    const own = new Set((await t().core.store.db.selectFrom('conversation_members').select('conversation_id').where('user_id', '=', userId).execute()).map((r) => Number(r.conversation_id)));
    for (const v of (await t().core.messages.search(userId, q, { limit: 1000, offset: 0 })).items) assert.ok(own.has(v.message.conversationId));
    return expected;
  };

  const indexIntact = async () => {
    if (t().core.store.dialect === 'sqlite') await searchIndexIntact(t().core.store.db);
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
      // `copied`: how many more ids reach the text by chat before the queries (SQLite), so that
      // searches read it and the messages above its mark in every proportion.
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), fc.array(query, { minLength: 1, maxLength: 4 }), fc.nat(8), async (steps, queries, copied) => {
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
        if (t().core.store.dialect === 'sqlite' && copied > 0) await copyMessageText(t().core.store.db, copied);
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
    // A character of its own: one character has no trigram, so that search reads the text by chat.
    const expiring = await say(friend, chat, `expiring ${tag} ⏳`, 5);
    const edited = await say(viewer, chat, `edited ${tag}`);
    const kept = await say(viewer, chats[0]!, `kept ${tag}`);
    assert.deepEqual((await agrees(tag)).sort(), [moderated, expiring, edited, kept].sort());
    assert.deepEqual(await agrees('⏳'), [expiring]);
    // Copied, the message's self-destruct time is checked in the text by chat too.
    if (t().core.store.dialect === 'sqlite') await copyMessageText(t().core.store.db, 1_000_000);
    assert.deepEqual(await agrees('⏳'), [expiring]);

    await t().core.admin.deleteMessage(null, moderated);
    await t().core.messages.edit(viewer.id, edited, 'nothing to see');
    t().clock.advance(6000);
    // Past its time it is gone at once; the sweep then scrubs the row.
    assert.deepEqual(await agrees(tag), [kept]);
    assert.deepEqual(await agrees('⏳'), []);
    assert.ok((await t().core.messages.expireDue(100)) >= 1);
    assert.deepEqual(await agrees(tag), [kept]);
    assert.deepEqual(await agrees('nothing to'), [edited]);

    await t().core.admin.deleteConversation(null, chat);
    assert.deepEqual(await agrees('nothing to'), []);
    await indexIntact();
  });

  it('keeps to the searcher’s chats when content holds the index’s own chat tokens', async () => {
    const tag = `zu${Date.now().toString(36)}`;
    // The outsider's chat, with the token of a chat the viewer is in, and that token alone.
    const forged = await say(outsider, chats[2]!, `${chatToken(chats[0]!)} forged ${tag}`);
    const own = await say(viewer, chats[0]!, `${chatToken(chats[2]!)} own ${tag}`);
    assert.deepEqual(await agrees(tag), [own]);
    assert.deepEqual(await agrees(`forged ${tag}`), []);
    assert.deepEqual(await agrees(tag, outsider.id), [forged]);
    assert.ok((await agrees(chatToken(chats[0]!))).length === 0);
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
  const intact = () => searchIndexIntact(core().core.store.db);
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

  it('copies new messages into the text by chat in bulk, in chunks, and searches read both sides of its mark', async () => {
    const [a, b] = [await core().user(), await core().user()];
    const chat = (await core().core.conversations.create(a.id, { members: [b.id] })).conversation.id;
    const textMark = async () => Number(await core().core.store.settings.get(textMarkKey));
    await core().core.textCopier!.runNow();
    const sent: number[] = [];
    for (const content of ['ç1', 'ç2', 'ç3', 'ç4', 'ç5']) {
      const r = await core().core.messages.send(a.id, chat, { type: 'text', content });
      sent.push(r.kind === 'sent' ? r.view.message.id : 0);
    }
    const newestFirst = [...sent].reverse();
    const search = async () => {
      const found = await core().core.messages.search(b.id, 'ç', { limit: 3, offset: 1 });
      return { ids: found.items.map((v) => v.message.id), total: found.total };
    };
    assert.ok((await textMark()) < sent[0]!, 'not copied at the commit');
    assert.deepEqual(await search(), { ids: newestFirst.slice(1, 4), total: 5 });
    // Two at a time, every 10 ms, until none is left: the page crosses the mark meanwhile.
    const logged: unknown[] = [];
    const copier = new TextCopier((limit) => copyMessageText(core().core.store.db, limit), { error: (o: unknown) => logged.push(o) } as unknown as Logger, { intervalMs: 10, chunk: 2 });
    copier.start();
    await copier.runNow();
    assert.equal(await textMark(), await newest());
    assert.deepEqual(await search(), { ids: newestFirst.slice(1, 4), total: 5 });
    await copier.stop();
    assert.equal(logged.length, 0, JSON.stringify(logged));
    await intact();
    // A failed cycle is logged, not thrown: the next one retries.
    const diskFull = async (): Promise<number> => {
      throw new Error('disk full');
    };
    const failing = new TextCopier(diskFull, { error: (o: unknown) => logged.push(o) } as unknown as Logger, { intervalMs: 10, chunk: 2 });
    await failing.runNow();
    await failing.stop();
    assert.equal(logged.length, 1);
  });

  it('reads the file through a memory map of SQLITE_MMAP_SIZE (256 MiB unless set)', async () => {
    const { rows } = await sql<{ mmap_size: number }>`pragma mmap_size`.execute(core().core.store.db);
    assert.equal(Number(rows[0]!.mmap_size), 256 * 1024 ** 2);
  });

  it('names each chat by one token, the same in SQL and in the query', async () => {
    for (const id of [1, 4095, 4096, 16_777_215, 16_777_216, 2 ** 36 - 1]) {
      const { rows } = await sql<{ token: string }>`select ${sql.raw(chatTokenSql(String(id)))} as token`.execute(core().core.store.db);
      assert.equal(rows[0]!.token, chatToken(id), `chat ${id}`);
      assert.equal(Array.from(chatToken(id)).length, 3);
    }
    assert.equal(chatScopedQuery(['abc'], [1, 2]), `"abc" AND ("${chatToken(1)}" OR "${chatToken(2)}")`);
  });

  it('a searcher in more chats than a query names finds the same, from the content’s candidates', async () => {
    const [busy, other] = [await core().user(), await core().user()];
    const tag = `zv${Date.now().toString(36)}`;
    const group = async (name: string, members: number[]) => (await core().core.conversations.create(other.id, { type: 'group', name, members })).conversation.id;
    const chatsOfBusy = [await group('one', [busy.id]), await group('two', [busy.id]), await group('three', [busy.id])];
    const apart = await group('apart', []);
    const say = async (chat: number, content: string) => {
      const r = await core().core.messages.send(other.id, chat, { type: 'text', content });
      return r.kind === 'sent' ? r.view.message.id : 0;
    };
    const first = await say(chatsOfBusy[0]!, `first ${tag}`);
    const last = await say(chatsOfBusy[2]!, `last ${tag}`);
    await say(apart, `apart ${tag}`);
    for (const tuning of [{ ...defaultSearchTuning, rareCandidates: 0, maxChatTerms: 2 }, { ...defaultSearchTuning, rareCandidates: 0 }]) {
      const found = await new MessageRepo(core().core.store.db, 'sqlite', tuning).search(busy.id, tag, { limit: 10, offset: 0 }, core().clock.now());
      assert.deepEqual({ ids: found.items.map((m) => m.id), total: found.total }, { ids: [last, first], total: 2 }, JSON.stringify(tuning));
    }
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

describe('migrations 0012, 0013 and 0014 on a database indexed by 0010’s triggers [sqlite]', () => {
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

  it('keeps 0010’s index for older builds, fills the index and the text by chat at catch-up, and follows edits in all', async () => {
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
    for (const chat of [1, 2]) await sql`insert into conversations (id, type, created_at, updated_at, last_activity_at) values (${chat}, 'group', 0, 0, 0)`.execute(db);
    for (const [id, chat, content] of [[1, 1, 'old apple pie'], [2, 1, ''], [3, 2, 'old banana split']] as const) {
      await sql`insert into messages (id, conversation_id, sender_id, type, content, created_at, updated_at) values (${id}, ${chat}, 1, 'text', ${content}, 0, 0)`.execute(db);
    }
    assert.deepEqual((await migrateToLatest(db, 'sqlite')).applied, ['0012_message_search_batched', '0013_message_search_by_chat', '0014_message_text_by_chat']);
    const oldMark = () => db.selectFrom('settings').select('value').where('key', '=', 'message_search_indexed_through').executeTakeFirst().then((r) => r?.value);
    const inOld = async (q: string) => (await sql<{ rowid: number }>`select rowid from messages_fts where messages_fts match ${ftsQuery(trigramsOf(q)!)} order by rowid`.execute(db)).rows.map((r) => Number(r.rowid));
    const inNew = async (q: string, chats: number[] = []) =>
      (await sql<{ rowid: number }>`select rowid from messages_search where messages_search match ${chatScopedQuery(trigramsOf(q)!, chats)} order by rowid`.execute(db)).rows.map((r) => Number(r.rowid));
    assert.equal(await oldMark(), '3');
    assert.deepEqual(await inOld('old'), [1, 3]);
    const inText = async (chat: number) => (await sql<{ id: number; content: string }>`select id, content from message_text where conversation_id = ${chat} order by id`.execute(db)).rows;
    assert.deepEqual(await inNew('old'), [], 'filled at start, not by the migration');
    assert.deepEqual(await inText(1), [], 'filled at start, not by the migration');
    assert.equal(await catchUpSearchIndex(db, 2), 3);
    assert.deepEqual(await inText(1), [{ id: 1, content: 'old apple pie' }]);
    assert.deepEqual(await inText(2), [{ id: 3, content: 'old banana split' }]);
    assert.deepEqual(await inNew('old'), [1, 3]);
    assert.deepEqual(await inNew('old', [2]), [3]);
    assert.deepEqual(await inNew('old', [1, 2]), [1, 3]);
    // Edits and deletions of indexed messages reach both indexes through their triggers.
    await sql`update messages set content = 'new cherry tart' where id = 1`.execute(db);
    await sql`update messages set content = 'filled later' where id = 2`.execute(db);
    await sql`delete from messages where id = 3`.execute(db);
    for (const inIndex of [inOld, inNew]) {
      assert.deepEqual(await inIndex('old'), []);
      assert.deepEqual(await inIndex('cherry'), [1]);
      assert.deepEqual(await inIndex('later'), [2]);
    }
    assert.deepEqual(await inNew('later', [1]), [2]);
    assert.deepEqual(await inText(1), [{ id: 1, content: 'new cherry tart' }, { id: 2, content: 'filled later' }]);
    assert.deepEqual(await inText(2), []);
    await sql`insert into messages_fts(messages_fts, rank) values ('integrity-check', 1)`.execute(db);
    // New messages go to the index by chat at the next commit or catch-up; 0010's stays where it was, for an older build's start to catch up.
    await sql`insert into messages (id, conversation_id, sender_id, type, content, created_at, updated_at) values (4, 2, 1, 'text', 'fresh fig', 0, 0)`.execute(db);
    assert.equal(await catchUpSearchIndex(db), 1);
    assert.deepEqual(await inNew('fig', [2]), [4]);
    assert.deepEqual(await inNew('fig', [1]), []);
    assert.deepEqual(await inOld('fig'), []);
    assert.deepEqual(await inText(2), [{ id: 4, content: 'fresh fig' }]);
    assert.equal(await oldMark(), '3');
    await searchIndexIntact(db);
  });
});
