import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AppError } from '../../src/domain/errors.ts';
import { describeEachCore } from '../support/core.ts';

/** The core capabilities lite added, without HTTP: pages read with receipts, sends to a group by id, creator-only adds. */

const code = (expected: string) => (err: unknown) => err instanceof AppError && err.code === expected;
const page = { limit: 20, offset: 0 };

describeEachCore('read pages, group sends and creator-only adds', (t) => {
  it('readPage: receipts once per reader, the pointer moved, one message.read event, the sender never a reader', async () => {
    const { core, user, events, clear, clock } = t();
    const [a, b] = [await user(), await user()];
    const sent = await core.messages.sendTo(a.id, b.id, { type: 'text', content: 'one' });
    assert.equal(sent.kind, 'sent');
    const id = sent.kind === 'sent' ? sent.view.message.id : 0;
    assert.deepEqual((await core.messages.readPage(a.id, { userId: b.id }, {}, page)).items.map((v) => v.readBy), [[]]);
    clear();
    const read = await core.messages.readPage(b.id, { userId: a.id }, {}, page);
    assert.deepEqual(read.items[0]!.readBy.map((r) => r.userId), [b.id]);
    const at = read.items[0]!.readBy[0]!.readAt;
    assert.deepEqual(events.map((e) => [e.type, e.data]), [['message.read', { conversationId: sent.kind === 'sent' ? sent.view.message.conversationId : 0, userId: b.id, messageId: id, readAt: at }]]);
    clear();
    clock.advance(5000);
    const again = await core.messages.readPage(b.id, { userId: a.id }, {}, page);
    assert.deepEqual(again.items[0]!.readBy, [{ userId: b.id, readAt: at }]);
    assert.deepEqual(events, [], 'nothing new to say');
    // Marked read through another document too: still the sender never shows.
    await core.messages.markRead(a.id, id);
    assert.deepEqual((await core.messages.readPage(a.id, { userId: b.id }, {}, page)).items[0]!.readBy.map((r) => r.userId), [b.id]);
    // A user with whom nothing was exchanged: an empty page; an unknown one: USER_NOT_FOUND.
    const c = await user();
    assert.deepEqual(await core.messages.readPage(a.id, { userId: c.id }, {}, page), { items: [], total: 0 });
    await assert.rejects(core.messages.readPage(a.id, { userId: 99_999_999 }, {}, page), code('USER_NOT_FOUND'));
  });

  it('groups by id: a private chat is no group, outsiders are not members, notices are left out with byUsers', async () => {
    const { core, user } = t();
    const [a, b, outsider] = [await user(), await user(), await user()];
    const g = (await core.conversations.create(a.id, { type: 'group', name: 'g', members: [] })).conversation.id;
    await core.messages.sendToGroup(a.id, g, { type: 'text', content: 'hi' });
    const all = await core.messages.readPage(a.id, { groupId: g }, {}, page);
    assert.deepEqual(all.items.map((v) => v.message.type), ['text', 'system']);
    const byUsers = await core.messages.readPage(a.id, { groupId: g }, { byUsers: true }, page);
    assert.deepEqual([byUsers.items.map((v) => v.message.content), byUsers.total], [['hi'], 1]);
    await assert.rejects(core.messages.sendToGroup(outsider.id, g, { type: 'text', content: 'x' }), code('NOT_A_MEMBER'));
    await assert.rejects(core.messages.readPage(outsider.id, { groupId: g }, {}, page), code('NOT_A_MEMBER'));
    const dm = await core.messages.sendTo(a.id, b.id, { type: 'text', content: 'x' });
    const pair = dm.kind === 'sent' ? dm.view.message.conversationId : 0;
    await assert.rejects(core.messages.sendToGroup(a.id, pair, { type: 'text', content: 'x' }), code('CHAT_NOT_FOUND'));
    await assert.rejects(core.messages.readPage(outsider.id, { groupId: pair }, {}, page), code('CHAT_NOT_FOUND'));
    await assert.rejects(core.messages.sendToGroup(a.id, 99_999_999, { type: 'text', content: 'x' }), code('CHAT_NOT_FOUND'));
  });

  it('addMembers by the creator: others are refused before users are checked; unknown users add nobody', async () => {
    const { core, user } = t();
    const [a, b, c] = [await user(), await user(), await user()];
    const g = (await core.conversations.create(a.id, { type: 'group', name: 'g', members: [b.id] })).conversation.id;
    // An admin may add by the managers' rule, not by the creator's.
    await core.conversations.setRole(a.id, g, b.id, 'admin');
    await assert.rejects(core.conversations.addMembers(b.id, g, [c.id], { by: 'creator' }), code('FORBIDDEN'));
    await assert.rejects(core.conversations.addMembers(c.id, g, [99_999_999], { by: 'creator' }), code('NOT_A_MEMBER'));
    await assert.rejects(core.conversations.addMembers(a.id, g, [c.id, 99_999_999], { by: 'creator' }), code('USER_NOT_FOUND'));
    assert.equal((await core.conversations.detail(a.id, g)).members.length, 2);
    const added = await core.conversations.addMembers(a.id, g, [c.id, b.id], { by: 'creator' });
    assert.deepEqual(added.members.map((m) => m.userId).sort(), [a.id, b.id, c.id].sort());
    const dm = await core.messages.sendTo(a.id, b.id, { type: 'text', content: 'x' });
    const pair = dm.kind === 'sent' ? dm.view.message.conversationId : 0;
    await assert.rejects(core.conversations.addMembers(a.id, pair, [c.id], { by: 'creator' }), code('CHAT_NOT_FOUND'));
  });

  it('addMembers by the managers: a plain member is refused before the users are checked, so unknown ids tell them nothing', async () => {
    const { core, user } = t();
    const [a, b, c] = [await user(), await user(), await user()];
    const g = (await core.conversations.create(a.id, { type: 'group', name: 'g', members: [b.id] })).conversation.id;
    await assert.rejects(core.conversations.addMembers(b.id, g, [99_999_999]), code('FORBIDDEN'));
    await assert.rejects(core.conversations.addMembers(b.id, g, [c.id]), code('FORBIDDEN'));
    await assert.rejects(core.conversations.addMembers(a.id, g, [99_999_999]), code('USER_NOT_FOUND'));
  });

  it('a sender or receiver acts only on messages between two users: a group message is not found there, even by its members', async () => {
    const { core, user, events, clear } = t();
    const [a, b] = [await user(), await user()];
    const g = (await core.conversations.create(a.id, { type: 'group', name: 'g', members: [b.id] })).conversation.id;
    const inGroup = await core.messages.send(a.id, g, { type: 'text', content: 'to the group' });
    const id = inGroup.kind === 'sent' ? inGroup.view.message.id : 0;
    clear();
    await assert.rejects(core.messages.markReceivedRead(b.id, id), code('MESSAGE_NOT_FOUND'));
    await assert.rejects(core.messages.deleteAsParty(a.id, id), code('MESSAGE_NOT_FOUND'));
    assert.deepEqual(events, [], 'nothing changed');
    // Between two users, the receiver reads and the sender deletes for both.
    const dm = await core.messages.sendTo(a.id, b.id, { type: 'text', content: 'between us' });
    const dmId = dm.kind === 'sent' ? dm.view.message.id : 0;
    await core.messages.markReceivedRead(b.id, dmId);
    assert.equal(await core.messages.deleteAsParty(a.id, dmId), 'deleted');
  });
});
