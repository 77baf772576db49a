import assert from 'node:assert/strict';
import { it } from 'node:test';
import sharp from 'sharp';
import { createGroup, listMessages, send, users } from '../support/messaging.ts';
import { describeEachStore } from '../support/server.ts';
import { assertError, okData } from '../support/shapes.ts';

/**
 * One outsider walks every chat, message and file endpoint of a group they do not belong to.
 * Chats answer 20002 (the chat exists, you are not in it); messages 20003 and files 30001, which
 * say nothing about whether the id exists at all.
 */
describeEachStore('access of non-members', (server) => {
  it('denies a non-member on every chat, message and file endpoint, changing nothing', async () => {
    const s = server();
    const [owner, member, outsider] = await users(s, 3);
    const g = await createGroup(s, owner!, [member!]);
    const image = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#00ff00' } }).png().toBuffer();
    const form = new FormData();
    form.append('type', 'image');
    form.append('file', new Blob([image]), 'secret.png');
    const uploaded = await fetch(`${s.url}/api/files/upload`, { method: 'POST', body: form, headers: { authorization: `Bearer ${owner!.token}` } });
    const f = okData({ status: uploaded.status, body: await uploaded.json(), text: '' });
    const m = await send(s, owner!, g.id, { type: 'image', content: 'for members', file_id: f.id });
    const scheduled = await send(s, owner!, g.id, { content: 'later', send_at: new Date(Date.now() + 3_600_000).toISOString() });
    const before = await s.core.store.events.latestSeq();

    const t = { token: outsider!.token };
    const chatCases: [string, Promise<any>][] = [
      ['GET chat', s.api.get(`/api/chats/${g.id}`, t)],
      ['PUT chat', s.api.put(`/api/chats/${g.id}`, { name: 'mine now' }, t)],
      ['POST members', s.api.post(`/api/chats/${g.id}/members`, { members: [outsider!.id] }, t)],
      ['DELETE member', s.api.delete(`/api/chats/${g.id}/members/${member!.id}`, t)],
      ['DELETE self', s.api.delete(`/api/chats/${g.id}/members/${outsider!.id}`, t)],
      ['PUT member role', s.api.put(`/api/chats/${g.id}/members/${outsider!.id}`, { role: 'owner' }, t)],
      ['PUT settings', s.api.put(`/api/chats/${g.id}/settings`, { is_pinned: true }, t)],
      ['GET messages', s.api.get(`/api/chats/${g.id}/messages`, t)],
      ['POST message', s.api.post(`/api/chats/${g.id}/messages`, { content: 'intrude' }, t)],
      ['GET scheduled', s.api.get(`/api/chats/${g.id}/scheduled`, t)],
    ];
    for (const [name, res] of chatCases) {
      const r = await res;
      assert.equal(r.body.code, 20002, `${name}: ${r.text}`);
      assertError(r, 403, 20002);
    }

    const messageCases: [string, Promise<any>][] = [
      ['GET message', s.api.get(`/api/messages/${m.id}`, t)],
      ['PUT message', s.api.put(`/api/messages/${m.id}`, { content: 'x' }, t)],
      ['DELETE message', s.api.delete(`/api/messages/${m.id}`, t)],
      ['DELETE message for me', s.api.delete(`/api/messages/${m.id}?scope=me`, t)],
      ['GET history', s.api.get(`/api/messages/${m.id}/history`, t)],
      ['POST read', s.api.post(`/api/messages/${m.id}/read`, undefined, t)],
      ['POST pin', s.api.post(`/api/messages/${m.id}/pin`, undefined, t)],
      ['DELETE pin', s.api.delete(`/api/messages/${m.id}/pin`, t)],
      ['POST recall', s.api.post(`/api/messages/${m.id}/recall`, undefined, t)],
      ['forward', s.api.post(`/api/chats/${(await createGroup(s, outsider!, [])).id}/messages`, { forward_from: m.id }, t)],
      ['DELETE scheduled', s.api.delete(`/api/chats/${g.id}/scheduled/${scheduled.id}`, t)],
    ];
    for (const [name, res] of messageCases) {
      const r = await res;
      assert.equal(r.body.code, 20003, `${name}: ${r.text}`);
      assertError(r, 404, 20003);
    }

    for (const path of [`/api/files/${f.id}`, `/api/files/thumb_${f.id}`]) {
      const r = await s.api.get(path, t);
      assertError(r, 404, 30001);
    }
    assertError(await s.api.delete(`/api/files/${f.id}`, t), 404, 30001);
    const search = okData(await s.api.get('/api/messages/search?q=members', t));
    assert.equal(search.total, 0);
    assert.equal(okData(await s.api.get('/api/chats', t)).total, 1, 'only the chat the outsider created');

    const events = await s.core.store.db.selectFrom('events').select('type').where('seq', '>', before).execute();
    assert.deepEqual(
      events.map((e) => e.type),
      ['conversation.created', 'message.created'],
      "only the outsider's own group",
    );
    const list = await listMessages(s, member!, g.id);
    assert.deepEqual(
      list.messages.map((x: any) => [x.id, x.content, x.is_pinned]),
      [
        [m.id, 'for members', false],
        [list.messages[1].id, list.messages[1].content, false],
      ],
    );
    assert.equal(list.total, 2);
  });
});
