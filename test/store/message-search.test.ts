import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { User } from '../../src/domain/types.ts';
import { likeContains } from '../../src/store/errors.ts';
import { describeEachCore } from '../support/core.ts';

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
