import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AppError } from '../../src/domain/errors.ts';
import type { AnyEvent, DomainEvent } from '../../src/domain/events.ts';
import type { SyncKind } from '../../src/services/sync.ts';
import { describeEachCore } from '../support/core.ts';

/** The rules behind device sessions, incremental sync, batch upload, batch read and readers, without HTTP. */

const all = new Set<SyncKind>(['message', 'conversation', 'user']);
const code = (expected: string) => (err: unknown) => err instanceof AppError && err.code === expected;
const device = (deviceId: string) => ({ deviceId });

describeEachCore('sync, sessions and reads', (t) => {
  it('sessions: one per device by policy; logging out one device leaves the others; tokens may live shorter by policy', async () => {
    const { core, user, signals, clear } = t();
    const u = await user({ username: `dev${process.pid}` });
    const login = (d: string, policy = {}) => core.auth.login({ identifier: { username: `dev${process.pid}` }, password: 'password123' }, device(d), { onePerDevice: true, ...policy });
    const phone = await login('phone');
    const laptop = await login('laptop', { accessTtl: 60 });
    assert.equal(laptop.expiresIn, 60);
    assert.equal((await core.auth.authenticate(phone.accessToken)).deviceId, 'phone');
    clear();
    const phone2 = await login('phone');
    await assert.rejects(core.auth.authenticate(phone.accessToken), code('TOKEN_INVALID'));
    assert.deepEqual(
      signals.filter((s) => s.type === 'session.revoked').map((s) => s.data),
      [{ sessionId: phone.sessionId, userId: u.id }],
    );
    await core.auth.logout(await core.auth.authenticate(phone2.accessToken));
    await assert.rejects(core.auth.authenticate(phone2.accessToken), code('TOKEN_INVALID'));
    assert.equal((await core.auth.authenticate(laptop.accessToken)).userId, u.id);
    // A policy never lengthens ACCESS_TOKEN_TTL.
    assert.equal((await login('tv', { accessTtl: 10 * 86_400 })).expiresIn, core.config.accessTokenTtl);
    // Without the policy every login is its own session, even from one device.
    const first = await login('desk', { onePerDevice: false });
    const second = await login('desk', { onePerDevice: false });
    assert.equal((await core.auth.authenticate(first.accessToken)).userId, u.id);
    assert.equal((await core.auth.authenticate(second.accessToken)).userId, u.id);
  });

  it('changes: in order, each once, only what the user may see, paged by cursor; forged cursors refused', async () => {
    const { core, user } = t();
    const [me, x, y] = [await user(), await user(), await user()];
    const start = core.sync.cursor(await core.eventLog.latestSeq());
    const chat = (await core.conversations.create(x.id, { members: [me.id] })).conversation.id;
    const elsewhere = (await core.conversations.create(x.id, { members: [y.id] })).conversation.id;
    const sent: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await core.messages.send(x.id, chat, { type: 'text', content: `m${i}` });
      if (r.kind === 'sent') sent.push(r.view.message.id);
    }
    await core.messages.send(x.id, elsewhere, { type: 'text', content: 'not mine' });
    await core.users.updateMe(x.id, { nickname: 'New X' });
    await core.users.updateMe(y.id, { nickname: 'New Y' });

    const seen: { kind: string; entityId: number; version: number }[] = [];
    let since = core.sync.parseSince(start, 'since');
    for (;;) {
      const page = await core.sync.changes(me.id, since, 'since', { kinds: all, limit: 2 });
      seen.push(...page.changes);
      if (!page.hasMore) break;
      assert.equal(page.changes.length, 2);
      since = core.sync.parseSince(page.cursor, 'since');
    }
    assert.deepEqual(
      seen.filter((c) => c.kind === 'message').map((c) => c.entityId),
      sent,
    );
    assert.deepEqual(
      seen.filter((c) => c.kind === 'conversation').map((c) => c.entityId),
      [chat],
    );
    assert.deepEqual(
      seen.filter((c) => c.kind === 'user').map((c) => c.entityId),
      [x.id],
      'a peer who shares a chat, not a stranger',
    );
    const versions = seen.map((c) => c.version);
    assert.deepEqual(versions, [...new Set(versions)].sort((a, b) => a - b));

    const onlyUsers = await core.sync.changes(me.id, core.sync.parseSince(start, 'since'), 'since', { kinds: new Set(['user']), limit: 100 });
    assert.deepEqual([onlyUsers.changes.length, onlyUsers.hasMore], [1, false]);
    // Another last character, whatever the real one is (an 'A' one time in 64).
    assert.throws(() => core.sync.parseSince(`${start.slice(0, -1)}${start.endsWith('A') ? 'B' : 'A'}`, 'since'), code('VALIDATION'));
    assert.throws(() => core.sync.parseSince('c1.zz.aaaaaaaaaaaaaaaaaaaaaa', 'nextToken'), (err) => err instanceof AppError && (err.details as { field: string }[])[0]!.field === 'nextToken');
    assert.throws(() => core.sync.parseSince('2024-13-45', 'since'), code('VALIDATION'));
    assert.deepEqual(core.sync.parseSince('2024-01-15T10:30:00Z', 'since'), { time: Date.parse('2024-01-15T10:30:00Z') });
  });

  it('changes: a chat one is added to later is created for them once; for the others it changes', async () => {
    const { core, user } = t();
    const [me, owner, other] = [await user(), await user(), await user()];
    const start = core.sync.parseSince(core.sync.cursor(await core.eventLog.latestSeq()), 'since');
    const group = (await core.conversations.create(owner.id, { type: 'group', name: 'later', members: [other.id] })).conversation.id;
    await core.conversations.addMembers(owner.id, group, [me.id]);
    const chats = async (userId: number) =>
      (await core.sync.changes(userId, start, 'since', { kinds: new Set(['conversation']), limit: 100 })).changes.map((c) => [c.action, c.entityId]);
    assert.deepEqual(await chats(me.id), [['create', group]]);
    assert.deepEqual(await chats(other.id), [['create', group], ['update', group]]);
  });

  it('changes: a position older than the pruned log is refused, not continued with holes', async () => {
    const { core, user, clock } = t();
    const [me, x] = [await user(), await user()];
    const chat = (await core.conversations.create(x.id, { members: [me.id] })).conversation.id;
    const old = core.sync.cursor(0);
    await core.messages.send(x.id, chat, { type: 'text', content: 'soon pruned' });
    clock.advance(core.config.eventRetentionMs + 60_000);
    await core.messages.send(x.id, chat, { type: 'text', content: 'kept' });
    await core.eventLog.prune();
    await assert.rejects(core.sync.changes(me.id, core.sync.parseSince(old, 'since'), 'since', { kinds: all, limit: 10 }), code('VALIDATION'));
    await assert.rejects(core.sync.changes(me.id, { time: 0 }, 'since', { kinds: all, limit: 10 }), code('VALIDATION'));
    const recent = await core.sync.changes(me.id, { time: clock.now() - 60_000 }, 'since', { kinds: all, limit: 10 });
    assert.equal(recent.changes.length, 1);
  });

  it('upload: in order, each on its own, idempotent by client id', async () => {
    const { core, user } = t();
    const [me, x, y] = [await user(), await user(), await user()];
    const chat = (await core.conversations.create(me.id, { members: [x.id] })).conversation.id;
    const theirs = (await core.conversations.create(x.id, { members: [y.id] })).conversation.id;
    const items = [
      { clientId: 'a', kind: 'message.create' as const, conversationId: chat, input: { type: 'text' as const, content: 'one' } },
      { clientId: 'b', kind: 'message.create' as const, conversationId: theirs, input: { type: 'text' as const, content: 'two' } },
      { clientId: 'c', kind: 'invalid' as const, error: AppError.validation([{ field: 'data', message: 'bad' }]) },
      { clientId: 'd', kind: 'message.create' as const, conversationId: chat, input: { type: 'text' as const, content: 'three' } },
    ];
    const first = await core.sync.upload(me.id, items);
    assert.deepEqual(
      first.map((r) => [r.clientId, r.ok]),
      [['a', true], ['b', false], ['c', false], ['d', true]],
    );
    const again = await core.sync.upload(me.id, items);
    const id = (r: (typeof first)[number]) => (r.ok && r.result.kind === 'sent' ? r.result.view.message.id : null);
    assert.deepEqual(again.map(id), first.map(id));
    assert.equal((await core.messages.list(me.id, chat, {}, { limit: 10, offset: 0 })).total, 2);
  });

  it('concurrent sends with one client id store one message and all answer it', async () => {
    const { core, user } = t();
    const [me, x] = [await user(), await user()];
    const chat = (await core.conversations.create(me.id, { members: [x.id] })).conversation.id;
    const results = await Promise.all(Array.from({ length: 8 }, () => core.messages.send(me.id, chat, { type: 'text', content: 'once', clientId: 'same' })));
    assert.equal(new Set(results.map((r) => (r.kind === 'sent' ? r.view.message.id : 0))).size, 1);
    assert.equal((await core.messages.list(me.id, chat, {}, { limit: 10, offset: 0 })).total, 1);
  });

  it('batch read is all or nothing; readers are the others at or past each message, with when', async () => {
    const { core, user, events, clear } = t();
    const [a, b, c, outsider] = [await user(), await user(), await user(), await user()];
    const chat = (await core.conversations.create(a.id, { type: 'group', name: 'g', members: [b.id, c.id] })).conversation.id;
    const other = (await core.conversations.create(outsider.id, { members: [a.id] })).conversation.id;
    const ids: number[] = [];
    for (const text of ['1', '2', '3']) {
      const r = await core.messages.send(a.id, chat, { type: 'text', content: text });
      if (r.kind === 'sent') ids.push(r.view.message.id);
    }
    const foreign = await core.messages.send(outsider.id, other, { type: 'text', content: 'x' });
    const foreignId = foreign.kind === 'sent' ? foreign.view.message.id : 0;
    clear();
    await assert.rejects(core.messages.markReadMany(b.id, [ids[0]!, foreignId]), code('MESSAGE_FORBIDDEN'));
    await assert.rejects(core.messages.markReadMany(b.id, [ids[0]!, 99_999_999]), code('MESSAGE_NOT_FOUND'));
    await assert.rejects(core.messages.markReadMany(b.id, []), code('VALIDATION'));
    assert.deepEqual(events, [], 'nothing marked');
    await core.messages.markReadMany(b.id, [ids[1]!, ids[0]!]);
    assert.deepEqual(
      events.map((e) => (e as AnyEvent).type === 'message.read' && (e as DomainEvent<'message.read'>).data.messageId),
      [ids[0], ids[1]],
    );
    await core.messages.markRead(c.id, ids[2]!);
    const messages = (await core.messages.list(a.id, chat, {}, { limit: 10, offset: 0 })).items.map((v) => v.message).filter((m) => m.type === 'text');
    const readers = await core.messages.readers(messages);
    const who = (id: number) => readers.get(id)!.map((r) => r.userId).sort((p, q) => p - q);
    assert.deepEqual(who(ids[0]!), [b.id, c.id].sort((p, q) => p - q));
    assert.deepEqual(who(ids[2]!), [c.id]);
    for (const r of readers.get(ids[0]!)!) assert.equal(typeof r.readAt, 'number');
  });

  it('health: database, Redis and gateway', async () => {
    const { core } = t();
    const report = await core.health.check();
    assert.equal(report.database, 'healthy');
    assert.equal(report.websocket, 'not_configured', 'no gateway in a core without a server');
  });
});
