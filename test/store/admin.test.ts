import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { it } from 'node:test';
import { AppError } from '../../src/domain/errors.ts';
import type { Audience } from '../../src/domain/events.ts';
import type { User } from '../../src/domain/types.ts';
import { SingleNodeBus } from '../../src/realtime/single-node-bus.ts';
import { describeEachCore } from '../support/core.ts';
import { uniquePhone } from '../support/users.ts';
import { verifyAction } from '../support/verify.ts';

const code = (expected: string) => (err: unknown) => err instanceof AppError && err.code === expected;
const toChat = (id: number): Audience => ({ kind: 'conversation', id });
const toUser = (u: { id: number }): Audience => ({ kind: 'user', id: u.id });

/**
 * Server administration at the service level: each rule once, with the events it emits and
 * what every profile renders of them (verifyAction validates every frame against its profile's
 * declared schema).
 */
describeEachCore('administration', (t) => {
  const login = (u: User, password = 'password123') => t().core.auth.login({ identifier: { phone: u.phone! }, password }, {});
  const person = (fields: { nickname?: string; username?: string; email?: string } = {}) =>
    t().core.auth.createUser({ phone: uniquePhone(), password: 'password123', ...fields });
  const exists = async (table: 'users' | 'messages' | 'conversations' | 'sessions', column: string, value: number) =>
    (await t().core.store.db.selectFrom(table).select(column as never).where(column as never, '=', value as never).execute()).length > 0;
  const group = async (owner: User, members: User[]) => (await t().core.conversations.create(owner.id, { type: 'group', name: 'g', members: members.map((m) => m.id) })).conversation.id;
  const say = async (u: User, chat: number, content: string) => {
    const r = await t().core.messages.send(u.id, chat, { type: 'text', content });
    assert.equal(r.kind, 'sent');
    return r.kind === 'sent' ? r.view.message.id : 0;
  };

  it('the admin flag is read from the database at each check; nobody revokes their own', async () => {
    const { admin } = t().core;
    const [boss, u] = [await person(), await person()];
    await assert.rejects(admin.requireAdmin(boss.id), code('FORBIDDEN'));
    assert.equal((await admin.setAdmin(null, boss.id, true)).isAdmin, true);
    await admin.requireAdmin(boss.id);
    assert.equal((await admin.setAdmin(boss.id, u.id, true)).isAdmin, true);
    await assert.rejects(admin.setAdmin(boss.id, boss.id, false), code('FORBIDDEN'));
    assert.equal((await admin.setAdmin(boss.id, u.id, false)).isAdmin, false);
    await assert.rejects(admin.requireAdmin(u.id), code('FORBIDDEN'));
    await assert.rejects(admin.setAdmin(null, 99_999_999, true), code('USER_NOT_FOUND'));
  });

  it('lists users by part of a name, phone, email or username, filtered by disabled and admin, paged', async () => {
    const { admin } = t().core;
    const tag = `zq${Date.now().toString(36)}`;
    const a = await person({ nickname: `Ann ${tag}`, email: `${tag}.a@example.com` });
    const b = await person({ username: `${tag}_b` });
    const c = await person({ email: `c.${tag}@example.com` });
    await t().core.auth.disable(b.id);
    await admin.setAdmin(null, c.id, true);
    const ids = async (filter: Parameters<typeof admin.listUsers>[0], page = { limit: 10, offset: 0 }) => {
      const p = await admin.listUsers(filter, page);
      return { ids: p.items.map((x) => x.user.id), total: p.total };
    };
    assert.deepEqual(await ids({ query: tag.toUpperCase() }), { ids: [a.id, b.id, c.id], total: 3 });
    assert.deepEqual(await ids({ query: a.phone!.slice(3) }), { ids: [a.id], total: 1 });
    assert.deepEqual(await ids({ query: tag, disabled: true }), { ids: [b.id], total: 1 });
    assert.deepEqual(await ids({ query: tag, admin: true }), { ids: [c.id], total: 1 });
    assert.deepEqual(await ids({ query: tag, disabled: false, admin: false }), { ids: [a.id], total: 1 });
    assert.deepEqual(await ids({ query: tag }, { limit: 1, offset: 1 }), { ids: [b.id], total: 3 });
    // LIKE wildcards in the query are taken literally.
    assert.deepEqual(await ids({ query: '%' }), { ids: [], total: 0 });
    await assert.rejects(admin.listUsers({ query: 'x'.repeat(65) }, { limit: 1, offset: 0 }), code('VALIDATION'));
  });

  it('shows a user with live sessions and conversations; the stats count the server', async () => {
    const { admin } = t().core;
    const [u, v] = [await person(), await person()];
    await login(u);
    await login(u);
    await group(u, [v]);
    const shown = await admin.showUser(u.id);
    assert.equal(shown.user.id, u.id);
    assert.equal(shown.isAdmin, false);
    assert.equal(shown.liveSessions, 2);
    assert.equal(shown.conversations, 1);
    await assert.rejects(admin.showUser(99_999_999), code('USER_NOT_FOUND'));
    const stats = await admin.stats();
    assert.ok(stats.users.total >= 2 && stats.conversations.group >= 1 && stats.liveSessions >= 2);
    assert.equal(stats.database, t().core.store.dialect);
    assert.equal(stats.socketsOnThisNode, null, 'a bare core runs no gateway');
    assert.match(stats.version, /^\d+\.\d+\.\d+/);
  });

  it('reset-password: a generated password is returned once, the old one stops working, every session ends', async () => {
    const { admin } = t().core;
    const u = await person();
    const session = await login(u);
    const v = await verifyAction(t(), () => admin.resetPassword(u.id));
    v.assertEvents([]);
    assert.deepEqual(
      v.signalsOf('session.revoked').map((s) => s.data.sessionId),
      [session.sessionId],
    );
    const { password, sessionsEnded } = v.result;
    assert.equal(sessionsEnded, 1);
    assert.ok(password && password.length >= 20);
    await assert.rejects(login(u), code('WRONG_PASSWORD'));
    await login(u, password);
    await assert.rejects(t().core.auth.authenticate(session.accessToken), code('TOKEN_INVALID'));
    assert.deepEqual(await admin.resetPassword(u.id, 'chosen-password'), { password: null, sessionsEnded: 1 });
    await login(u, 'chosen-password');
    await assert.rejects(admin.resetPassword(u.id, 'short'), code('VALIDATION'));
    await assert.rejects(admin.resetPassword(99_999_999), code('USER_NOT_FOUND'));
  });

  it('revoke-sessions ends every session (signalled to every node) and lets the user log in again; nobody disables themselves', async () => {
    const { admin } = t().core;
    const u = await person();
    const [s1, s2] = [await login(u), await login(u)];
    const v = await verifyAction(t(), () => admin.revokeSessions(u.id));
    v.assertEvents([]);
    assert.deepEqual(v.signalsOf('session.revoked').map((s) => s.data.sessionId).sort(), [s1.sessionId, s2.sessionId].sort());
    for (const s of [s1, s2]) await assert.rejects(t().core.auth.authenticate(s.accessToken), code('TOKEN_INVALID'));
    await login(u);
    await assert.rejects(admin.disable(u.id, u.id), code('FORBIDDEN'));
    await assert.rejects(admin.deleteUser(u.id, u.id), code('FORBIDDEN'));
    assert.equal((await admin.disable(null, u.id)).user.user.isDisabled, true);
    assert.equal((await admin.enable(u.id)).user.isDisabled, false);
  });

  it('deletes any message for real: the row goes, members are told (zhihang renders message.delete), the chat points at the one before', async () => {
    const { admin, store } = t().core;
    const [boss, a, b] = [await person(), await person(), await person()];
    const chat = await group(a, [b]);
    const first = await say(b, chat, 'fine');
    const bad = await say(b, chat, 'abuse');
    const v = await verifyAction(t(), () => admin.deleteMessage(boss.id, bad));
    v.assertEvents([{ type: 'message.deleted', audience: toChat(chat) }]);
    const { deletedAt, ...told } = v.event('message.deleted').data;
    assert.deepEqual(told, { conversationId: chat, messageId: bad, by: boss.id, reason: 'deleted' });
    assert.equal(typeof deletedAt, 'number');
    const zhihang = v.renderAll().filter((f) => f.profile === 'zhihang');
    assert.deepEqual(
      zhihang.map((f) => f.type),
      ['message.delete'],
    );
    assert.equal((zhihang[0]!.data as { deleted_by: number }).deleted_by, boss.id);
    assert.equal(await exists('messages', 'id', bad), false);
    assert.equal((await store.conversations.byId(chat))!.lastMessageId, first);
    await assert.rejects(admin.deleteMessage(null, bad), code('MESSAGE_NOT_FOUND'));
    // A message already deleted for everyone is removed without telling anyone again.
    await t().core.messages.delete(b.id, first);
    (await verifyAction(t(), () => admin.deleteMessage(null, first))).assertEvents([]);
    assert.equal(await exists('messages', 'id', first), false);
  });

  it('deletes a conversation: every member is told they are out of it, its messages go with it', async () => {
    const { admin } = t().core;
    const [a, b, c] = [await person(), await person(), await person()];
    const chat = await group(a, [b, c]);
    const m = await say(b, chat, 'hello');
    const v = await verifyAction(t(), () => admin.deleteConversation(null, chat));
    assert.deepEqual(v.result, { members: 3 });
    v.assertEvents([a, b, c].map((u) => ({ type: 'member.removed' as const, audience: toUser(u) })));
    const frames = v.renderAll().filter((f) => f.profile === 'zhihang');
    assert.deepEqual(
      frames.map((f) => [f.type, (f.data as { chat_id: number; removed_by: number | null }).removed_by]),
      [
        ['member.removed', null],
        ['member.removed', null],
        ['member.removed', null],
      ],
    );
    assert.equal(await exists('conversations', 'id', chat), false);
    assert.equal(await exists('messages', 'id', m), false);
    await assert.rejects(t().core.conversations.detail(b.id, chat), code('CHAT_NOT_FOUND'));
    await assert.rejects(admin.deleteConversation(null, chat), code('CHAT_NOT_FOUND'));
  });

  it('deletes a user for real, all at once: private chats, sent messages, group places, contacts, sessions, uploads', async () => {
    const { admin, store, files, contacts, config } = t().core;
    const [gone, a, b] = [await person({ nickname: 'Gone' }), await person(), await person()];
    const session = await login(gone);
    const dm = (await t().core.conversations.create(a.id, { members: [gone.id] })).conversation.id;
    const dmMessage = await say(gone, dm, 'private');
    const alone = (await t().core.conversations.create(gone.id, { type: 'group', name: 'solo', members: [] })).conversation.id;
    const owned = await group(gone, [a, b]);
    await t().core.conversations.setRole(gone.id, owned, b.id, 'admin');
    const other = await group(a, [gone, b]);
    const kept = await say(a, other, 'stays');
    const pinned = await say(a, other, 'pinned by gone');
    await t().core.messages.setPinned(a.id, pinned, true);
    const said = [await say(gone, owned, 'one'), await say(gone, other, 'two')];
    await contacts.add(a.id, { userId: gone.id });
    const received = await files.receive(gone.id, { name: 'note.txt', data: Readable.from(Buffer.from('hello, file')) });
    const file = await files.register(received, undefined);
    const { storageKey } = (await store.files.byId(file.id))!;
    const stored = path.join(config.filesDir, ...storageKey.split('/'));
    if (store.dialect === 'sqlite' || config.fileStorage === 'local') assert.ok(existsSync(stored));

    const v = await verifyAction(t(), () => admin.deleteUser(null, gone.id));
    assert.deepEqual(v.result, { userId: gone.id, sessionsEnded: 1, messagesDeleted: 6, conversationsDeleted: 2, groupsLeft: 3, filesDeleted: 1 });
    v.assertEvents([
      { type: 'member.removed', audience: toUser(gone) },
      { type: 'member.removed', audience: toUser(a) },
      { type: 'message.deleted', audience: toChat(alone) },
      // The group's notices of what the user did there (created it, made b an admin) were theirs too.
      { type: 'message.deleted', audience: toChat(owned) },
      { type: 'message.deleted', audience: toChat(owned) },
      { type: 'message.deleted', audience: toChat(owned) },
      { type: 'message.deleted', audience: toChat(other) },
      // The group it was alone in goes (no one left to tell).
      { type: 'member.removed', audience: toChat(alone) },
      { type: 'member.removed', audience: toChat(owned) },
      { type: 'member.updated', audience: toChat(owned) },
      { type: 'conversation.updated', audience: toChat(owned) },
      { type: 'member.removed', audience: toChat(other) },
      { type: 'contact.removed', audience: toUser(a) },
    ]);
    assert.deepEqual(
      v.signalsOf('session.revoked').map((s) => s.data.sessionId),
      [session.sessionId],
    );
    // Every profile renders these within its declared frames; zhihang tells each change.
    assert.deepEqual(v.frameTypes('zhihang'), [
      'member.removed',
      'member.removed',
      'message.delete',
      'message.delete',
      'message.delete',
      'message.delete',
      'message.delete',
      'member.removed',
      'member.removed',
      'member.updated',
      'chat.updated',
      'member.removed',
      'contact.removed',
    ]);
    // flutter tells the groups' members of the removals and of the new owner's role;
    // the other documents have no frame for a removal: their clients see it at their next fetch.
    const flutter = v.renderAll().filter((f) => f.profile === 'flutter');
    assert.deepEqual(
      flutter.map((f) => `${f.source}:${(f.data as { update_type: string }).update_type}`),
      ['member.removed:member_removed', 'member.removed:member_removed', 'member.updated:role_changed', 'member.removed:member_removed'],
    );
    for (const other of ['chat8', 'lite', 'xiaoxiang']) assert.deepEqual(v.frameTypes(other), [], other);
    // The admin of the group it owned took it over.
    assert.equal((await store.conversations.byId(owned))!.ownerId, b.id);
    assert.equal(await exists('users', 'id', gone.id), false);
    assert.equal(await exists('sessions', 'user_id', gone.id), false);
    assert.equal(await exists('conversations', 'id', dm), false);
    assert.equal(await exists('conversations', 'id', alone), false);
    for (const id of [dmMessage, ...said]) assert.equal(await exists('messages', 'id', id), false);
    assert.equal(await exists('messages', 'id', kept), true);
    assert.equal((await store.messages.byId(pinned))!.pinnedBy, a.id);
    assert.equal(await store.files.byId(file.id), undefined);
    assert.equal(existsSync(stored), false, 'the uploaded bytes are gone');
    assert.deepEqual((await contacts.list(a.id, { limit: 10, offset: 0 })).items, []);
    // Nothing names the user any more.
    const db = store.db;
    assert.deepEqual(await db.selectFrom('conversation_members').select('user_id').where('user_id', '=', gone.id).execute(), []);
    assert.deepEqual(await db.selectFrom('messages').select('id').where('sender_id', '=', gone.id).execute(), []);
    assert.deepEqual(await db.selectFrom('conversations').select('id').where('owner_id', '=', gone.id).execute(), []);
    await assert.rejects(t().core.auth.authenticate(session.accessToken), code('TOKEN_INVALID'));
    await assert.rejects(admin.deleteUser(null, gone.id), code('USER_NOT_FOUND'));
  });

  it('a change may emit more events than one statement can bind (a user who wrote much), in order', async () => {
    const { store } = t().core;
    const n = 7000;
    const events = Array.from({ length: n }, (_, i) => ({
      type: 'message.deleted' as const,
      audience: toChat(1),
      data: { conversationId: 1, messageId: i + 1, deletedAt: 0, by: null, reason: 'deleted' as const },
    }));
    const appended = await store.transaction((tx) => tx.events.append(events, t().clock.now()));
    assert.equal(appended.length, n);
    assert.ok(appended.every((e, i) => i === 0 || e.seq > appended[i - 1]!.seq));
    assert.deepEqual(
      appended.slice(0, 3).map((e) => (e.data as { messageId: number }).messageId),
      [1, 2, 3],
    );
    // Appended beside the transactor, these reach the bus only from its next read of the log:
    // settle that here, or it lands inside the next test's verifyAction window.
    const bus = t().core.bus;
    assert.ok(bus instanceof SingleNodeBus);
    await bus.catchUp();
    assert.equal(t().events.at(-1)?.seq, appended.at(-1)?.seq);
  });

  it('a refused deletion changes nothing', async () => {
    const { admin } = t().core;
    const u = await person();
    const session = await login(u);
    const v = await verifyAction(t(), () => assert.rejects(admin.deleteUser(u.id, u.id), code('FORBIDDEN')));
    v.assertEvents([]);
    assert.equal(await exists('users', 'id', u.id), true);
    await t().core.auth.authenticate(session.accessToken);
  });
});
