import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/domain/errors.ts';
import type { DomainEvent, EventType } from '../../src/domain/events.ts';
import type { MessageView } from '../../src/domain/types.ts';
import type { SendInput, SendResult } from '../../src/services/messages.ts';
import { clusterDatabase } from '../support/cluster-db.ts';
import { dropPrefix, nodeEnv, sharedRedisUrl, uniquePrefix, until } from '../support/cluster.ts';
import { describeCore, describeEachCore, startCore, type TestCore } from '../support/core.ts';
import { needs } from '../support/requires.ts';
import type { Scratch } from '../support/stores.ts';

const code = (expected: string) => (err: unknown) => err instanceof AppError && err.code === expected;
const text = (content: string, extra: Partial<SendInput> = {}): SendInput => ({ type: 'text', content, ...extra });

function sent(result: SendResult): MessageView {
  assert.equal(result.kind, 'sent');
  return result.view;
}

/**
 * The facts a send keeps in memory (membership, blocks, the sender's summary) must never outlive
 * the change that ends them: each test warms them with a send, changes them, and sends again.
 */
describeEachCore('send facts on one node', (t) => {
  it('a member removed from a group is refused at once, and a member added again may send', async () => {
    const { core, user } = t();
    const [owner, m] = [await user(), await user()];
    const group = (await core.conversations.create(owner.id, { type: 'group', name: 'g', members: [m.id] })).conversation.id;
    sent(await core.messages.send(m.id, group, text('warm')));
    sent(await core.messages.sendToGroup(m.id, group, text('warm by group')));
    await core.conversations.removeMember(owner.id, group, m.id);
    await assert.rejects(core.messages.send(m.id, group, text('after removal')), code('NOT_A_MEMBER'));
    await assert.rejects(core.messages.sendToGroup(m.id, group, text('after removal')), code('NOT_A_MEMBER'));
    await core.conversations.addMembers(owner.id, group, [m.id]);
    sent(await core.messages.send(m.id, group, text('back')));
  });

  it('a member who leaves is refused at once; a deleted conversation refuses every member', async () => {
    const { core, user } = t();
    const [owner, m] = [await user(), await user()];
    const group = (await core.conversations.create(owner.id, { type: 'group', name: 'g', members: [m.id] })).conversation.id;
    sent(await core.messages.send(m.id, group, text('warm')));
    await core.conversations.removeMember(m.id, group, m.id);
    await assert.rejects(core.messages.send(m.id, group, text('after leaving')), code('NOT_A_MEMBER'));

    const chat = (await core.conversations.create(owner.id, { members: [m.id] })).conversation.id;
    sent(await core.messages.send(m.id, chat, text('warm')));
    await core.admin.deleteConversation(owner.id, chat);
    await assert.rejects(core.messages.send(m.id, chat, text('after deletion')), code('CHAT_NOT_FOUND'));
  });

  it('a send whose chat is deleted between its check and its write is refused as a missing chat, not a failure', async () => {
    const { core, user } = t();
    const [owner, m] = [await user(), await user()];
    const group = (await core.conversations.create(owner.id, { type: 'group', name: 'g', members: [m.id] })).conversation.id;
    sent(await core.messages.send(m.id, group, text('warm')));
    // The deletion lands after the send read its (cached) membership and before its insert: done
    // here beside the services, so nothing tells the send's facts.
    await core.store.db.deleteFrom('conversations').where('id', '=', group).execute();
    await assert.rejects(core.messages.send(m.id, group, text('into nothing')), code('CHAT_NOT_FOUND'));
    await assert.rejects(core.messages.sendToGroup(m.id, group, text('into nothing')), code('CHAT_NOT_FOUND'));
  });

  it('a block refuses the next send at once, an unblock or a removed contact lets it through', async () => {
    const { core, user } = t();
    const [a, b] = [await user(), await user()];
    const chat = (await core.conversations.create(a.id, { members: [b.id] })).conversation.id;
    sent(await core.messages.send(b.id, chat, text('warm')));
    await core.contacts.add(a.id, { userId: b.id });
    await core.contacts.update(a.id, b.id, { isBlocked: true });
    await assert.rejects(core.messages.send(b.id, chat, text('blocked')), code('BLOCKED'));
    await core.contacts.update(a.id, b.id, { isBlocked: false });
    sent(await core.messages.send(b.id, chat, text('unblocked')));
    await core.contacts.update(a.id, b.id, { isBlocked: true });
    await assert.rejects(core.messages.send(b.id, chat, text('blocked again')), code('BLOCKED'));
    await core.contacts.remove(a.id, b.id);
    sent(await core.messages.send(b.id, chat, text('contact gone')));
  });

  it("the next message after a profile change carries the sender's new name and avatar", async () => {
    const { core, user } = t();
    const [a, b] = [await user({ nickname: 'Old' }), await user()];
    const chat = (await core.conversations.create(a.id, { members: [b.id] })).conversation.id;
    assert.equal(sent(await core.messages.send(a.id, chat, text('one'))).sender?.nickname, 'Old');
    await core.users.updateMe(a.id, { nickname: 'New', avatar: 'https://example.com/new.png' });
    const after = sent(await core.messages.send(a.id, chat, text('two')));
    assert.deepEqual([after.sender?.nickname, after.sender?.avatar], ['New', 'https://example.com/new.png']);
  });

  it('a repeated client id still returns the first message, also after the sender was removed', async () => {
    const { core, user } = t();
    const [owner, m] = [await user(), await user()];
    const group = (await core.conversations.create(owner.id, { type: 'group', name: 'g', members: [m.id] })).conversation.id;
    const first = sent(await core.messages.send(m.id, group, text('once', { clientId: 'client-1' })));
    assert.equal(sent(await core.messages.send(m.id, group, text('twice', { clientId: 'client-1' }))).message.id, first.message.id);
    await core.conversations.removeMember(owner.id, group, m.id);
    assert.equal(sent(await core.messages.send(m.id, group, text('thrice', { clientId: 'client-1' }))).message.id, first.message.id);
    await assert.rejects(core.messages.send(m.id, group, text('new', { clientId: 'client-2' })), code('NOT_A_MEMBER'));
  });

  it("a send now with the client id of a pending scheduled send answers with that schedule, once the sender's facts were kept", async () => {
    const { core, user, clock } = t();
    const [a, b] = [await user(), await user()];
    const chat = (await core.conversations.create(a.id, { members: [b.id] })).conversation.id;
    sent(await core.messages.send(a.id, chat, text('warm', { clientId: 'warm-1' })));
    const scheduled = await core.messages.send(a.id, chat, text('later', { clientId: 'planned', sendAt: clock.now() + 3_600_000 }));
    assert.equal(scheduled.kind, 'scheduled');
    const again = await core.messages.send(a.id, chat, text('now', { clientId: 'planned' }));
    assert.equal(again.kind, 'scheduled');
    assert.equal(again.kind === 'scheduled' && again.scheduled.id, scheduled.kind === 'scheduled' && scheduled.scheduled.id);
    await core.messages.cancelScheduled(a.id, chat, scheduled.kind === 'scheduled' ? scheduled.scheduled.id : 0);
    sent(await core.messages.send(a.id, chat, text('now', { clientId: 'planned' })));
  });
});

/**
 * better-sqlite3's statements run by the code under test, counted from outside as the bench's
 * `--count-sql` hook does: what a send costs in statements, whatever the SQL says.
 */
function countStatements(): { take(): string[]; restore(): void } {
  const require = createRequire(import.meta.url);
  const Database = require('better-sqlite3') as new (file: string) => { prepare(sql: string): object; close(): void };
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();
  let seen: string[] = [];
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = proto[method]!;
    originals.set(method, original);
    proto[method] = function (this: { source: string }, ...args: unknown[]) {
      seen.push(this.source);
      return original.apply(this, args);
    };
  }
  return {
    take() {
      const out = seen;
      seen = [];
      return out;
    },
    restore() {
      for (const [method, original] of originals) proto[method] = original;
    },
  };
}

describeCore('statements per send (SQLite)', 'sqlite', (core) => {

  it('a send with a new client id runs its writes only: the message, the chat touch, the event, the commit', async () => {
    const [a, b] = [await core().user(), await core().user()];
    const chat = (await core().core.conversations.create(a.id, { members: [b.id] })).conversation.id;
    sent(await core().core.messages.send(a.id, chat, text('warm', { clientId: 'warm' })));
    const counter = countStatements();
    try {
      const rounds = 20;
      for (let i = 0; i < rounds; i++) sent(await core().core.messages.send(a.id, chat, text(`m${i}`, { clientId: `c-${i}` })));
      // Transaction control (begin, savepoint, release, commit) and the search index's step (one
      // insert for the lot, then its mark) are shared by a batch under load: here each send is a
      // batch of its own.
      const all = counter.take();
      const commits = all.filter((s) => /^commit\b/i.test(s.trim())).length;
      const perBatch = all.filter((s) => /settings|messages_search|message_text/.test(s));
      assert.ok(perBatch.length <= 2 * commits, `at most 2 search index statements per commit, got ${perBatch.length} for ${commits} commits`);
      const work = all.filter((s) => !/^(begin|commit|savepoint|release)\b/i.test(s.trim()) && !perBatch.includes(s));
      const kinds = work.map((s) => /^\s*(\w+)\s+(?:into\s+)?"?(\w+)/i.exec(s)!.slice(1, 3).join(' ').toLowerCase());
      assert.equal(work.length, 3 * rounds, `3 statements per send, got:\n${[...new Set(work)].join('\n')}`);
      assert.deepEqual(new Set(kinds), new Set(['insert messages', 'update conversations', 'insert events']));
    } finally {
      counter.restore();
    }
  });
});

/** Two nodes on one PostgreSQL database and Redis: a change committed on A ends B's facts. */
describe('send facts on two nodes', await needs('postgres', 'redis'), () => {
  const prefix = uniquePrefix();
  let db: Scratch;
  let a: TestCore;
  let b: TestCore;
  before(async () => {
    db = await clusterDatabase();
    a = await startCore(db, nodeEnv(sharedRedisUrl, prefix, 'node-a'));
    b = await startCore(db, nodeEnv(sharedRedisUrl, prefix, 'node-b'));
  });
  after(async () => {
    await a?.core.close();
    await b?.core.close();
    await db?.cleanup();
    await dropPrefix(sharedRedisUrl, prefix);
  });

  /** B's bus has carried the event: from then on B must act on it. */
  const heardOnB = (type: EventType, match: (e: DomainEvent) => boolean) =>
    until(() => b.events.some((e) => e.type === type && match(e)), `${type} on node B`);

  // Membership and blocks are read from the shared database on every send when there are nodes:
  // no waiting for B's bus.
  it('removed from a group on A: a send through B is refused at once', async () => {
    const [owner, m] = [await a.user(), await a.user()];
    const group = (await a.core.conversations.create(owner.id, { type: 'group', name: 'g', members: [m.id] })).conversation.id;
    sent(await b.core.messages.send(m.id, group, text('warm on B')));
    await a.core.conversations.removeMember(owner.id, group, m.id);
    await assert.rejects(b.core.messages.send(m.id, group, text('after removal')), code('NOT_A_MEMBER'));
  });

  it('blocked on A: a send through B is refused at once; unblocked on A: it passes', async () => {
    const [x, y] = [await a.user(), await a.user()];
    const chat = (await a.core.conversations.create(x.id, { members: [y.id] })).conversation.id;
    sent(await b.core.messages.send(y.id, chat, text('warm on B')));
    await a.core.contacts.add(x.id, { userId: y.id });
    b.clear();
    await a.core.contacts.update(x.id, y.id, { isBlocked: true });
    await assert.rejects(b.core.messages.send(y.id, chat, text('blocked')), code('BLOCKED'));
    await a.core.contacts.update(x.id, y.id, { isBlocked: false });
    sent(await b.core.messages.send(y.id, chat, text('unblocked')));
  });

  it('a send scheduled on A with a client id: the same client id sent now through B answers that schedule at once', async () => {
    const [x, y] = [await a.user(), await a.user()];
    const chat = (await a.core.conversations.create(x.id, { members: [y.id] })).conversation.id;
    sent(await b.core.messages.send(x.id, chat, text('warm on B', { clientId: 'warm-b' })));
    const scheduled = await a.core.messages.send(x.id, chat, text('later', { clientId: 'planned-ab', sendAt: a.clock.now() + 3_600_000 }));
    assert.equal(scheduled.kind, 'scheduled');
    // No waiting for B's bus: a retry without the time must not send the message now as well.
    const retried = await b.core.messages.send(x.id, chat, text('later', { clientId: 'planned-ab' }));
    assert.equal(retried.kind, 'scheduled');
  });

  it("nickname changed on A: the next message through B carries the new name", async () => {
    const [x, y] = [await a.user({ nickname: 'Before' }), await a.user()];
    const chat = (await a.core.conversations.create(x.id, { members: [y.id] })).conversation.id;
    assert.equal(sent(await b.core.messages.send(x.id, chat, text('one'))).sender?.nickname, 'Before');
    await a.core.users.updateMe(x.id, { nickname: 'After' });
    await heardOnB('user.updated', (e) => (e.data as { user: { id: number } }).user.id === x.id);
    assert.equal(sent(await b.core.messages.send(x.id, chat, text('two'))).sender?.nickname, 'After');
  });
});
