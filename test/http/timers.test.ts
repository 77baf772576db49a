import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { TestClock } from '../support/clock.ts';
import { eventsAfter, latestSeq, listMessages, openPrivate, send, users } from '../support/messaging.ts';
import { describeEachStore, startServerOn, type TestServer } from '../support/server.ts';
import { assertError, okData } from '../support/shapes.ts';
import { scratch, storeKinds, type Scratch } from '../support/stores.ts';
import { registerUser } from '../support/users.ts';

const clock = new TestClock();
const inSeconds = (s: number) => new Date(clock.now() + s * 1000).toISOString();

/** Polls until `check` passes or the deadline ends (the timers run on their own here). */
async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describeEachStore(
  'timers',
  (server) => {
    it('keeps a scheduled message invisible until due, then delivers it as a new message', async () => {
      const s = server();
      const [me, other] = await users(s, 2);
      const chat = await openPrivate(s, me!, other!);
      const early = await send(s, other!, chat.id, 'before');
      const before = await latestSeq(s);
      const sendAt = inSeconds(60);
      const res = await send(s, me!, chat.id, { content: 'happy new year', send_at: sendAt, client_id: 'sched-1' });
      assert.equal(res.is_scheduled, true);
      assert.equal(res.content, 'happy new year');
      assert.equal(res.send_at, sendAt.replace(/\.\d{3}Z$/, 'Z'));
      assert.equal((await send(s, me!, chat.id, { content: 'happy new year', send_at: sendAt, client_id: 'sched-1' })).id, res.id, 'idempotent');
      const queued = await eventsAfter(s, before);
      assert.deepEqual(
        queued.map((e) => [e.type, e.audience]),
        [['message.scheduled', `user:${me!.id}`]],
        'only the sender hears of it',
      );

      for (const u of [me!, other!]) assert.deepEqual((await listMessages(s, u, chat.id)).messages.map((m: any) => m.id), [early.id]);
      const pending = okData(await s.api.get(`/api/chats/${chat.id}/scheduled`, { token: me!.token }), '获取定时消息成功');
      assert.deepEqual(
        pending.messages.map((m: any) => [m.id, m.is_scheduled]),
        [[res.id, true]],
      );
      assert.deepEqual(okData(await s.api.get(`/api/chats/${chat.id}/scheduled`, { token: other!.token })).messages, []);

      clock.advance(30_000);
      await s.core.timers.runNow();
      assert.equal((await listMessages(s, other!, chat.id)).total, 1, 'not yet');

      clock.advance(31_000);
      await s.core.timers.runNow();
      const list = await listMessages(s, other!, chat.id);
      assert.equal(list.total, 2);
      const delivered = list.messages[0];
      assert.equal(delivered.content, 'happy new year');
      assert.equal(delivered.is_scheduled, false);
      assert.equal(delivered.send_at, res.send_at);
      assert.equal(delivered.client_id, 'sched-1');
      assert.ok(delivered.id > early.id);
      const sent = await eventsAfter(s, before);
      assert.deepEqual(
        sent.slice(1).map((e) => [e.type, e.audience]),
        [
          ['message.created', `conversation:${chat.id}`],
          ['message.unscheduled', `user:${me!.id}`],
        ],
      );
      assert.deepEqual(sent[2]!.data, { scheduledId: res.id, conversationId: chat.id, reason: 'sent', messageId: delivered.id });
      assert.deepEqual(okData(await s.api.get(`/api/chats/${chat.id}/scheduled`, { token: me!.token })).messages, []);
      const replay = await send(s, me!, chat.id, { content: 'happy new year', send_at: inSeconds(60), client_id: 'sched-1' });
      assert.deepEqual([replay.id, replay.is_scheduled], [delivered.id, false], 'the client id now names the delivered message');
      await s.core.timers.runNow();
      assert.equal((await listMessages(s, other!, chat.id)).total, 2, 'delivered once');
    });

    it('cancels a scheduled message (its sender only); a send_at in the past sends at once', async () => {
      const s = server();
      const [me, other] = await users(s, 2);
      const chat = await openPrivate(s, me!, other!);
      const res = await send(s, me!, chat.id, { content: 'never mind', send_at: inSeconds(120) });
      assertError(await s.api.delete(`/api/chats/${chat.id}/scheduled/${res.id}`, { token: other!.token }), 404, 20003);
      const before = await latestSeq(s);
      okData(await s.api.delete(`/api/chats/${chat.id}/scheduled/${res.id}`, { token: me!.token }), '定时消息已取消');
      assert.deepEqual(
        (await eventsAfter(s, before)).map((e) => [e.type, e.data.reason]),
        [['message.unscheduled', 'cancelled']],
      );
      assertError(await s.api.delete(`/api/chats/${chat.id}/scheduled/${res.id}`, { token: me!.token }), 404, 20003);
      clock.advance(121_000);
      await s.core.timers.runNow();
      assert.equal((await listMessages(s, other!, chat.id)).total, 0);

      const now = await send(s, me!, chat.id, { content: 'late', send_at: new Date(clock.now() - 5000).toISOString() });
      assert.equal(now.is_scheduled, false);
      assert.equal(now.send_at, null);
      assert.equal((await listMessages(s, other!, chat.id)).total, 1);
    });

    it('drops a scheduled message whose sender left the chat before it was due', async () => {
      const s = server();
      const [owner, leaver] = await users(s, 2);
      const g = okData(await s.api.post('/api/chats', { name: 'g', members: [leaver!.id] }, { token: owner!.token }));
      const res = await send(s, leaver!, g.id, { content: 'from beyond', send_at: inSeconds(10) });
      okData(await s.api.delete(`/api/chats/${g.id}/members/${leaver!.id}`, { token: leaver!.token }));
      const before = await latestSeq(s);
      clock.advance(11_000);
      await s.core.timers.runNow();
      assert.equal((await listMessages(s, owner!, g.id, 'search=beyond')).total, 0);
      assert.deepEqual(
        (await eventsAfter(s, before)).map((e) => [e.type, e.audience, e.data.reason, e.data.scheduledId]),
        [['message.unscheduled', `user:${leaver!.id}`, 'dropped', res.id]],
      );
    });

    it('self-destructs: the ttl clock starts at sending, then the message is deleted for everyone', async () => {
      const s = server();
      const [me, other] = await users(s, 2);
      const chat = await openPrivate(s, me!, other!);
      const keep = await send(s, me!, chat.id, 'stays');
      const m = await send(s, me!, chat.id, { content: 'burn after reading', ttl: 30 });
      assert.equal(m.ttl, 30);
      assert.equal(Date.parse(m.expires_at) - Date.parse(m.created_at), 30_000);
      const chatsOf = async () => okData(await s.api.get('/api/chats', { token: other!.token })).chats[0];
      assert.equal((await chatsOf()).unread_count, 2);

      // Taken before the clock moves: the timers' own poll may run the expiry at any moment after.
      const before = await latestSeq(s);
      clock.advance(31_000);
      // Hidden as soon as it is due, even before the sweep.
      assert.deepEqual((await listMessages(s, other!, chat.id)).messages.map((x: any) => x.id), [keep.id]);
      assert.equal((await chatsOf()).unread_count, 1);
      assertError(await s.api.get(`/api/messages/${m.id}`, { token: other!.token }), 404, 20003);

      await s.core.timers.runNow();
      const events = await eventsAfter(s, before);
      assert.deepEqual(
        events.map((e) => [e.type, e.audience, e.data.messageId, e.data.reason, e.data.by]),
        [['message.deleted', `conversation:${chat.id}`, m.id, 'expired', null]],
      );
      const row = await s.core.store.db.selectFrom('messages').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
      assert.equal(row.content, '', 'the content is gone from the database');
      assert.notEqual(row.deleted_at, null);
      assert.equal((await chatsOf()).last_message.id, keep.id);
      await s.core.timers.runNow();
      assert.equal((await eventsAfter(s, before)).length, 1, 'expired once');
    });

    it('starts the ttl of a scheduled message at its delivery', async () => {
      const s = server();
      const [me, other] = await users(s, 2);
      const chat = await openPrivate(s, me!, other!);
      await send(s, me!, chat.id, { content: 'brief', send_at: inSeconds(100), ttl: 20 });
      clock.advance(101_000);
      await s.core.timers.runNow();
      const delivered = (await listMessages(s, other!, chat.id)).messages[0];
      assert.equal(delivered.content, 'brief');
      assert.equal(Date.parse(delivered.expires_at) - Date.parse(delivered.created_at), 20_000);
      clock.advance(21_000);
      await s.core.timers.runNow();
      assert.equal((await listMessages(s, other!, chat.id)).total, 0);
    });
  },
  { options: () => ({ clock }) },
);

describeEachStore(
  'timers on their own',
  (server) => {
    it('deliver and expire without being asked, woken for due times shorter than the poll', async () => {
      const s = server();
      const [me, other] = await users(s, 2);
      const chat = await openPrivate(s, me!, other!);
      await send(s, me!, chat.id, { content: 'soon', send_at: new Date(Date.now() + 300).toISOString() });
      await eventually(async () => (await listMessages(s, other!, chat.id)).total === 1);
      await send(s, me!, chat.id, { content: 'brief', ttl: 1 });
      assert.equal((await listMessages(s, other!, chat.id)).total, 2);
      await eventually(async () => (await listMessages(s, other!, chat.id)).total === 1);
    });
  },
  // A long poll: only the alarm for the known due time can deliver within the deadline.
  { env: { TIMER_INTERVAL: '1m' } },
);

for (const kind of storeKinds) {
  describe(`timers across restarts and nodes [${kind}]`, () => {
    const dirs: Scratch[] = [];
    const running: TestServer[] = [];
    after(async () => {
      await Promise.all(running.map((s) => s.close()));
      for (const d of dirs) await d.cleanup();
    });
    const start = async (dir: Scratch, c: TestClock) => {
      const s = await startServerOn(dir, kind, { TIMER_INTERVAL: '1m' }, { clock: c });
      running.push(s);
      return s;
    };

    it('delivers a scheduled message after a restart on the same data', async () => {
      const dir = await scratch(kind);
      dirs.push(dir);
      const c = new TestClock();
      const first = await start(dir, c);
      const me = await registerUser(first.api);
      const other = await registerUser(first.api);
      const chat = await openPrivate(first, me, other);
      const res = await send(first, me, chat.id, { content: 'see you later', send_at: new Date(c.now() + 30 * 60_000).toISOString() });
      await first.close();

      c.advance(30 * 60_000 + 1000);
      const second = await start(dir, c);
      await second.core.timers.runNow();
      const list = await listMessages(second, other, chat.id);
      assert.equal(list.total, 1);
      assert.equal(list.messages[0].content, 'see you later');
      assert.equal(list.messages[0].send_at, res.send_at);
    });

    // Several nodes share PostgreSQL. Two SQLite handles in one process would block each other's
    // event loop inside the busy handler, which says nothing about separate processes.
    if (kind !== 'postgres') return;
    it('never delivers one scheduled message twice when two nodes run their timers at once', async () => {
      const dir = await scratch(kind);
      dirs.push(dir);
      const c = new TestClock();
      const [a, b] = [await start(dir, c), await start(dir, c)];
      const me = await registerUser(a.api);
      const other = await registerUser(a.api);
      const chat = await openPrivate(a, me, other);
      const n = 25;
      for (let i = 0; i < n; i++) await send(i % 2 ? a : b, me, chat.id, { content: `batch ${i}`, send_at: new Date(c.now() + 5000).toISOString() });
      await send(a, me, chat.id, { content: 'short-lived', ttl: 2 });
      const before = await latestSeq(a);
      c.advance(6000);
      await Promise.all([a.core.timers.runNow(), b.core.timers.runNow(), a.core.timers.runNow(), b.core.timers.runNow()]);
      const list = await listMessages(b, other, chat.id, 'limit=100');
      assert.equal(list.total, n);
      assert.deepEqual(new Set(list.messages.map((m: any) => m.content)).size, n);
      const events = await eventsAfter(a, before);
      assert.equal(events.filter((e) => e.type === 'message.created').length, n);
      assert.equal(events.filter((e) => e.type === 'message.unscheduled').length, n);
      assert.equal(events.filter((e) => e.type === 'message.deleted').length, 1, 'the self-destruct too happens once');
    });
  });
}
