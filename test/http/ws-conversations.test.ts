import assert from 'node:assert/strict';
import { it } from 'node:test';
import { addMembers, createConversation, removeMember, renameConversation } from '../support/conversations.ts';
import { mountsWithProbe, probeStats } from '../support/probe.ts';
import { describeEachStore } from '../support/server.ts';
import { assertKeys, isoSecondsRe } from '../support/shapes.ts';
import { registerUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';

const probe = { path: '/probe/ws' };
const convEvents = ['conversation.created', 'conversation.updated', 'member.added', 'member.removed'];

describeEachStore(
  'websocket conversation delivery and typing',
  (server) => {
    const users = async (n: number) => Promise.all(Array.from({ length: n }, () => registerUser(server().api)));

    it('delivers conversation events to the members only, encoding each once per profile', async () => {
      const [a, b, outsider] = await users(3);
      const group = await createConversation(server(), a!, [b!]);
      const ca = await WsClient.connect(server().url, a!.token, probe);
      const cb1 = await WsClient.connect(server().url, b!.token, probe);
      const cb2 = await WsClient.connect(server().url, b!.token, probe);
      const co = await WsClient.connect(server().url, outsider!.token, probe);
      const zh = await WsClient.connect(server().url, b!.token);
      probeStats.encoded = 0;
      const name = await renameConversation(server(), group, a!);
      for (const c of [ca, cb1, cb2]) {
        const f = await c.next('conversation.updated');
        assert.deepEqual(f.audience, { kind: 'conversation', id: group });
        assert.ok(f.seq! > c.hello.data.seq);
      }
      assert.equal(probeStats.encoded, 1, 'one encoding for three connections');
      await co.quiet(...convEvents);
      assert.equal((await zh.next('chat.updated')).data.name, name, 'the zhihang connection gets its own encoding');
      await zh.barrier();
      assert.deepEqual(zh.drain().filter((f) => f.seq !== undefined), [], 'no other durable frame');
      for (const c of [ca, cb1, cb2, co, zh]) await c.close();
    });

    it('follows membership: created, added and removed members start and stop receiving at once', async () => {
      const [a, b, c] = await users(3);
      const ca = await WsClient.connect(server().url, a!.token, probe);
      const cb = await WsClient.connect(server().url, b!.token, probe);
      const cc = await WsClient.connect(server().url, c!.token, probe);

      const group = await createConversation(server(), a!, [b!]);
      for (const x of [ca, cb]) assert.equal((await x.next('conversation.created')).data.conversation.id, group);
      await renameConversation(server(), group, a!);
      for (const x of [ca, cb]) await x.next('conversation.updated');
      await cc.quiet(...convEvents);

      await addMembers(server(), group, a!, [c!]);
      for (const x of [ca, cb, cc]) assert.deepEqual((await x.next('member.added')).data.members.map((m: any) => m.userId), [c!.id]);
      await renameConversation(server(), group, a!);
      for (const x of [ca, cb, cc]) await x.next('conversation.updated');

      await removeMember(server(), group, a!, b!);
      const own = await cb.next('member.removed');
      assert.deepEqual(own.audience, { kind: 'user', id: b!.id });
      for (const x of [ca, cc]) assert.deepEqual((await x.next('member.removed')).audience, { kind: 'conversation', id: group });
      await renameConversation(server(), group, a!);
      for (const x of [ca, cc]) await x.next('conversation.updated');
      await cb.quiet(...convEvents);
      await ca.quiet(...convEvents);
      for (const x of [ca, cb, cc]) await x.close();
    });

    it('replays conversation events on resume for current memberships only', async () => {
      const [a, b, c] = await users(3);
      const group = await createConversation(server(), a!, [b!, c!]);
      const cb = await WsClient.connect(server().url, b!.token, probe);
      const cc = await WsClient.connect(server().url, c!.token, probe);
      const since = cb.hello.data.seq as number;
      await cb.close();
      await cc.close();
      await renameConversation(server(), group, a!);
      await removeMember(server(), group, a!, c!);
      await renameConversation(server(), group, a!);

      const rb = await WsClient.connect(server().url, b!.token, { ...probe, since });
      assert.deepEqual(
        (await rb.take((f) => f.seq !== undefined, 4)).map((f) => f.type),
        ['conversation.updated', 'message.created', 'member.removed', 'conversation.updated'],
        'the removal posts its system notice before it takes effect',
      );
      assert.equal((await rb.next('resumed')).data.count, 4);
      const rc = await WsClient.connect(server().url, c!.token, { ...probe, since });
      const mine = await rc.take((f) => f.seq !== undefined, 1);
      assert.deepEqual(mine.map((f) => [f.type, f.audience.kind]), [['member.removed', 'user']]);
      assert.equal((await rc.next('resumed')).data.count, 1);
      for (const x of [rb, rc]) await x.close();
    });

    it('relays typing to the other members only; non-members get an error frame', async () => {
      const [a, b, outsider] = await users(3);
      const group = await createConversation(server(), a!, [b!]);
      const a1 = await WsClient.connect(server().url, a!.token);
      const a2 = await WsClient.connect(server().url, a!.token);
      const b1 = await WsClient.connect(server().url, b!.token);
      const b2 = await WsClient.connect(server().url, b!.token, probe);
      const o = await WsClient.connect(server().url, outsider!.token);

      a1.send({ type: 'typing', data: { chat_id: group, is_typing: true } });
      for (const x of [b1, b2]) {
        const f = await x.next('typing');
        assertKeys(f, ['type', 'data']);
        assertKeys(f.data, ['chat_id', 'user_id', 'is_typing', 'timestamp']);
        assert.deepEqual([f.data.chat_id, f.data.user_id, f.data.is_typing], [group, a!.id, true]);
        assert.match(f.data.timestamp, isoSecondsRe);
      }
      a1.send({ type: 'typing', data: { chat_id: group, is_typing: false } });
      for (const x of [b1, b2]) assert.equal((await x.next('typing')).data.is_typing, false);
      await a1.quiet('typing');
      await a2.quiet('typing');
      await o.quiet('typing');

      o.send({ type: 'typing', data: { chat_id: group } });
      const refused = await o.next('error');
      assert.deepEqual([refused.data.code, refused.data.ref], [20002, 'typing']);
      await a1.quiet('typing');

      await removeMember(server(), group, a!, b!);
      b1.send({ type: 'typing', data: { chat_id: group } });
      assert.equal((await b1.next('error')).data.code, 20002);
      a1.send({ type: 'typing', data: { chat_id: group } });
      await a1.barrier();
      await b1.quiet('typing');
      await b2.quiet('typing');
      for (const x of [a1, a2, b1, b2, o]) await x.close();
    });
  },
  { options: () => ({ mounts: mountsWithProbe() }) },
);
