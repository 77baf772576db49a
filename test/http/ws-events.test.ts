import assert from 'node:assert/strict';
import { it } from 'node:test';
import { burstUserUpdates } from '../support/bursts.ts';
import { TestClock } from '../support/clock.ts';
import { describeEachStore, type TestServer } from '../support/server.ts';
import { assertKeys, isoSecondsRe, okData } from '../support/shapes.ts';
import { registerUser, type TestUser } from '../support/users.ts';
import { WsClient, type Frame } from '../support/ws.ts';

const clock = new TestClock();

const seqs = (frames: Frame[]) => frames.map((f) => f.seq!);

function assertIncreasing(values: number[]): void {
  for (let i = 1; i < values.length; i++) assert.ok(values[i]! > values[i - 1]!, `seq ${values[i]} after ${values[i - 1]}`);
}

async function befriend(s: TestServer): Promise<[TestUser, TestUser]> {
  const u = await registerUser(s.api);
  const v = await registerUser(s.api);
  okData(await s.api.post('/api/contacts', { phone: v.phone }, { token: u.token }));
  return [u, v];
}

/** Toggles u's contact v `n` times in sequence (each a contact.updated event for u). */
async function toggleMuted(s: TestServer, u: TestUser, v: TestUser, n: number): Promise<void> {
  for (let i = 0; i < n; i++) okData(await s.api.put(`/api/contacts/${v.id}`, { is_muted: i % 2 === 0 }, { token: u.token }));
}

describeEachStore(
  'websocket durable events and resume',
  (server) => {
    it('delivers contact and profile changes to every connection of the owner only, with increasing seq', async () => {
      const api = server().api;
      const u = await registerUser(api);
      const v = await registerUser(api);
      const u1 = await WsClient.connect(server().url, u.token);
      const u2 = await WsClient.connect(server().url, u.token);
      const vc = await WsClient.connect(server().url, v.token);

      okData(await api.post('/api/contacts', { phone: v.phone, nickname: '好友' }, { token: u.token }));
      const added = await u1.next('contact.added');
      assertKeys(added, ['type', 'seq', 'data']);
      assertKeys(added.data, ['id', 'user_id', 'contact_id', 'nickname', 'is_blocked', 'is_muted', 'created_at', 'contact']);
      assert.equal(added.data.user_id, u.id);
      assert.equal(added.data.contact_id, v.id);
      assert.equal(added.data.nickname, '好友');
      assert.equal(added.data.is_muted, false);
      assert.match(added.data.created_at, isoSecondsRe);
      assertKeys(added.data.contact, ['id', 'username', 'nickname', 'avatar', 'online', 'last_seen']);
      assert.equal(added.data.contact.id, v.id);
      assert.equal(added.data.contact.online, true);

      okData(await api.put(`/api/contacts/${v.id}`, { is_muted: true }, { token: u.token }));
      const updated = await u1.next('contact.updated');
      assert.equal(updated.data.is_muted, true);
      assert.equal(updated.data.contact.id, v.id);

      okData(await api.put('/api/users/me', { nickname: '新昵称', bio: '简介' }, { token: u.token }));
      const me = await u1.next('user.updated');
      assertKeys(me.data, ['id', 'phone', 'email', 'username', 'nickname', 'bio', 'avatar', 'online', 'status', 'status_message', 'last_seen', 'language', 'theme', 'created_at', 'updated_at']);
      assert.equal(me.data.nickname, '新昵称');
      assert.equal(me.data.phone, u.phone);
      assert.equal(me.data.online, true);

      okData(await api.delete(`/api/contacts/${v.id}`, { token: u.token }));
      const removed = await u1.next('contact.removed');
      assertKeys(removed.data, ['user_id', 'contact_id', 'removed_at']);
      assert.deepEqual([removed.data.user_id, removed.data.contact_id], [u.id, v.id]);

      const seen = [added, updated, me, removed];
      assertIncreasing(seqs(seen));
      assert.ok(added.seq! > u1.hello.data.seq);
      const second = await u2.take((f) => f.seq !== undefined, 4);
      assert.deepEqual(second, seen, 'both connections get the same frames');
      await u1.quiet();
      await u2.quiet();
      await vc.quiet('contact.added', 'contact.updated', 'contact.removed', 'user.updated');
      for (const c of [u1, u2, vc]) await c.close();
    });

    it('keeps seq order under concurrent changes', async () => {
      const [u, v] = await befriend(server());
      const c = await WsClient.connect(server().url, u.token);
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => server().api.put(`/api/contacts/${v.id}`, { nickname: `n${i}` }, { token: u.token })),
      );
      const frames = await c.take('contact.updated', 30);
      assertIncreasing(seqs(frames));
      await c.quiet('contact.updated');
      await c.close();
    });

    it('resumes after a disconnect during a burst: exactly the missed events, in order, then live', async () => {
      const s = server();
      const [u, v] = await befriend(s);
      const witness = await WsClient.connect(s.url, u.token);
      const first = await WsClient.connect(s.url, u.token);
      const total = 120;
      const burst = toggleMuted(s, u, v, total);
      await first.take('contact.updated', 10);
      first.ws.terminate();
      await first.closed;
      const before = first.received.filter((f) => f.type === 'contact.updated');
      const since = before.at(-1)!.seq!;

      const second = await WsClient.connect(s.url, u.token, { since });
      await burst;
      const all = await witness.take('contact.updated', total);
      assertIncreasing(seqs(all));
      const missed = all.filter((f) => f.seq! > since);
      assert.ok(missed.length > 0);
      const after = await second.take('contact.updated', missed.length);
      assert.deepEqual(after, missed, 'the missed events, in order, each once');
      assert.deepEqual([...seqs(before), ...seqs(after)], seqs(all));
      const resumed = await second.next('resumed');
      assertKeys(resumed.data, ['since', 'seq', 'count', 'timestamp']);
      assert.equal(resumed.data.since, since);
      assert.ok(resumed.data.count <= missed.length);
      await second.quiet('contact.updated');

      await toggleMuted(s, u, v, 1);
      const live = await second.next('contact.updated');
      assert.ok(live.seq! > all.at(-1)!.seq!);
      await second.close();
      await witness.close();
    });

    it('replays on a resume frame and goes on live', async () => {
      const [u, v] = await befriend(server());
      const c = await WsClient.connect(server().url, u.token);
      await toggleMuted(server(), u, v, 3);
      const three = await c.take('contact.updated', 3);
      c.send({ type: 'resume', data: { since: three[0]!.seq } });
      const again = await c.take('contact.updated', 2);
      assert.deepEqual(again, three.slice(1));
      const resumed = await c.next('resumed');
      assert.deepEqual([resumed.data.since, resumed.data.seq, resumed.data.count], [three[0]!.seq, three[2]!.seq, 2]);
      await toggleMuted(server(), u, v, 1);
      assert.ok((await c.next('contact.updated')).seq! > three[2]!.seq!);
      await c.quiet('contact.updated');
      await c.close();
    });

    it('connecting with since equal to the last seq replays nothing', async () => {
      const u = await registerUser(server().api);
      const first = await WsClient.connect(server().url, u.token);
      const latest = first.hello.data.seq;
      await first.close();
      const c = await WsClient.connect(server().url, u.token, { since: latest });
      const resumed = await c.next('resumed');
      assert.equal(resumed.data.count, 0);
      await c.quiet();
      await c.close();
    });

    it('tells a client whose since is ahead of the log to refetch', async () => {
      const [u, v] = await befriend(server());
      const probe = await WsClient.connect(server().url, u.token);
      const latest = probe.hello.data.seq as number;
      await probe.close();
      const c = await WsClient.connect(server().url, u.token, { since: latest + 1000 });
      const refetch = await c.next('refetch');
      assertKeys(refetch.data, ['reason', 'since', 'seq', 'timestamp']);
      assert.deepEqual([refetch.data.reason, refetch.data.since, refetch.data.seq], ['unknown_seq', latest + 1000, latest]);
      await toggleMuted(server(), u, v, 1);
      assert.ok((await c.next('contact.updated')).seq! > latest);
      await c.close();
    });

    it('cuts off a consumer that stops reading (4408); it resumes without loss', async () => {
      const s = server();
      const u = await registerUser(s.api);
      const slow = await WsClient.connect(s.url, u.token);
      const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause();
      // ~12 MB of frames: more than loopback buffers hold, far more than WS_BUFFER_LIMIT.
      const burst = await burstUserUpdates(s, u.id, 5000);
      assert.equal(s.app.gateway.stats().connections, 0, 'the slow connection was dropped during the burst');
      socket.resume();
      const closed = await slow.closed;
      assert.ok([4408, 1006].includes(closed.code), `closed with ${closed.code}`);
      const got = slow.received.filter((f) => f.type === 'user.updated');
      assert.ok(got.length < burst.length);
      const since = got.length > 0 ? got.at(-1)!.seq! : slow.hello.data.seq;

      const again = await WsClient.connect(s.url, u.token, { since });
      const rest = await again.take('user.updated', burst.length - got.length, 20_000);
      assert.deepEqual([...seqs(got), ...seqs(rest)], burst);
      assert.equal(rest.at(-1)!.data.bio.split(' ')[0], '4999');
      await again.next('resumed');
      await again.quiet('user.updated');
      await again.close();
    });

    it('tells a client to refetch when its since is past retention, then continues live', async () => {
      const s = server();
      const [u, v] = await befriend(s);
      const c = await WsClient.connect(s.url, u.token);
      const old = c.hello.data.seq as number;
      await c.close();
      await toggleMuted(s, u, v, 2);
      clock.advance(8 * 86_400_000);
      assert.ok((await s.core.eventLog.prune()) >= 3);
      const login = okData(await s.api.post('/api/auth/login', { phone: u.phone, password: u.password }));
      const later = await WsClient.connect(s.url, login.access_token, { since: old });
      const refetch = await later.next('refetch');
      assert.equal(refetch.data.reason, 'expired');
      assert.equal(refetch.data.since, old);
      assert.equal(refetch.data.seq, later.hello.data.seq);
      await toggleMuted(s, { ...u, token: login.access_token }, v, 1);
      assert.ok((await later.next('contact.updated')).seq! > refetch.data.seq);
      await later.quiet('contact.updated');
      await later.close();

      const current = await WsClient.connect(s.url, login.access_token, { since: refetch.data.seq + 1 });
      assert.equal((await current.next('resumed')).data.count, 0);
      await current.close();
    });
  },
  { env: { WS_BUFFER_LIMIT: '256kb' }, options: () => ({ clock }) },
);
