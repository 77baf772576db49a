import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { it } from 'node:test';
import type { Call } from '../../src/domain/types.ts';
import { TestClock } from '../support/clock.ts';
import { describeEachStore, type TestServer } from '../support/server.ts';
import { assertError, assertKeys, isoSecondsRe, okData } from '../support/shapes.ts';
import { registerUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';

const clock = new TestClock();
const TURN_SECRET = 'turn-shared-secret-for-tests';
const candidate = 'candidate:1 1 UDP 2113667326 192.168.1.100 54400 typ host';

async function people(s: TestServer, n: number) {
  return Promise.all(Array.from({ length: n }, () => registerUser(s.api)));
}

/** Collects the ended calls the call service has recorded, in place of the call messages. */
function recordEnds(s: TestServer): Call[] {
  const ended: Call[] = [];
  s.core.messages.recordCall = async (call) => {
    ended.push(call);
    return null;
  };
  return ended;
}

async function offer(from: WsClient, toUserId: number, clientId?: string) {
  from.send({ type: 'call.offer', data: { to_user_id: toUserId, call_type: 'video', sdp: 'v=0 offer', ...(clientId && { client_id: clientId }) } });
}

describeEachStore(
  'calls',
  (server) => {
    it('runs a full call: ring on every device, answer on one, ICE between the two ends, hang up with duration', async () => {
      const s = server();
      const ended = recordEnds(s);
      const [c, d, e] = await people(s, 3);
      const cc = await WsClient.connect(s.url, c!.token);
      const d1 = await WsClient.connect(s.url, d!.token);
      const d2 = await WsClient.connect(s.url, d!.token);
      const ce = await WsClient.connect(s.url, e!.token);

      await offer(cc, d!.id, 'k1');
      const ringing = await cc.next('call.ringing');
      assertKeys(ringing.data, ['call_id', 'from_user_id', 'to_user_id', 'call_type', 'client_id', 'timestamp']);
      const callId = ringing.data.call_id as string;
      assert.match(callId, /^call_[A-Za-z0-9_-]+$/);
      assert.deepEqual([ringing.data.from_user_id, ringing.data.to_user_id, ringing.data.client_id], [c!.id, d!.id, 'k1']);
      for (const x of [d1, d2]) {
        const f = await x.next('call.offer');
        assertKeys(f.data, ['call_id', 'from_user_id', 'to_user_id', 'call_type', 'sdp', 'from_user', 'timestamp']);
        assert.deepEqual([f.data.call_id, f.data.from_user_id, f.data.to_user_id, f.data.call_type, f.data.sdp], [callId, c!.id, d!.id, 'video', 'v=0 offer']);
        assertKeys(f.data.from_user, ['id', 'username', 'nickname', 'avatar']);
        assert.match(f.data.timestamp, isoSecondsRe);
      }

      // Before the answer, the caller's candidates reach every ringing device.
      cc.send({ type: 'call.ice', data: { call_id: callId, candidate, sdp_mid: '0', sdp_mline_index: 0 } });
      for (const x of [d1, d2]) {
        const f = await x.next('call.ice');
        assertKeys(f.data, ['call_id', 'from_user_id', 'to_user_id', 'candidate', 'sdp_mid', 'sdp_mline_index', 'timestamp']);
        assert.deepEqual([f.data.from_user_id, f.data.to_user_id, f.data.candidate, f.data.sdp_mid, f.data.sdp_mline_index], [c!.id, d!.id, candidate, '0', 0]);
      }

      d1.send({ type: 'call.answer', data: { call_id: callId, sdp: 'v=0 answer' } });
      const answer = await cc.next('call.answer');
      assertKeys(answer.data, ['call_id', 'from_user_id', 'to_user_id', 'sdp', 'timestamp']);
      assert.deepEqual([answer.data.call_id, answer.data.from_user_id, answer.data.to_user_id, answer.data.sdp], [callId, d!.id, c!.id, 'v=0 answer']);
      const elsewhere = await d2.next('call.end');
      assert.deepEqual([elsewhere.data.call_id, elsewhere.data.reason, elsewhere.data.duration], [callId, 'answered_elsewhere', 0]);
      d2.send({ type: 'call.answer', data: { call_id: callId, sdp: 'v=0 late' } });
      const late = await d2.next('error');
      assert.deepEqual([late.data.code, late.data.ref, late.data.call_id], [409, 'call.answer', callId]);

      // After the answer, candidates travel only between the two connections in the call.
      d1.send({ type: 'call.ice', data: { call_id: callId, candidate: { candidate, sdpMid: '1', sdpMLineIndex: 1 } } });
      const fromCallee = await cc.next('call.ice');
      assert.deepEqual([fromCallee.data.from_user_id, fromCallee.data.to_user_id, fromCallee.data.sdp_mid], [d!.id, c!.id, '1']);
      cc.send({ type: 'call.ice', data: { call_id: callId, candidate } });
      assert.equal((await d1.next('call.ice')).data.from_user_id, c!.id);
      d2.send({ type: 'call.ice', data: { call_id: callId, candidate } });
      assert.equal((await d2.next('error')).data.code, 409);
      ce.send({ type: 'call.ice', data: { call_id: callId, candidate } });
      assert.equal((await ce.next('error')).data.code, 404);
      await d2.quiet('call.ice', 'call.answer');
      await ce.quiet();
      await cc.quiet('call.ice');

      clock.advance(90_000);
      cc.send({ type: 'call.end', data: { call_id: callId, reason: 'user_hangup' } });
      for (const x of [cc, d1]) {
        const f = await x.next('call.end');
        assertKeys(f.data, ['call_id', 'reason', 'duration', 'from_user_id', 'to_user_id', 'ended_by', 'timestamp']);
        assert.deepEqual([f.data.call_id, f.data.reason, f.data.duration, f.data.ended_by], [callId, 'user_hangup', 90, c!.id]);
      }
      await d2.quiet('call.end');
      cc.send({ type: 'call.end', data: { call_id: callId } });
      assert.equal((await cc.next('error')).data.code, 409);

      await s.core.calls.idle();
      assert.deepEqual(
        ended.map((x) => [x.id, x.state, x.endReason, x.duration]),
        [[callId, 'ended', 'user_hangup', 90]],
      );
      const row = await s.core.store.calls.byId(callId);
      assert.deepEqual([row?.state, row?.callerId, row?.calleeId, row?.media], ['ended', c!.id, d!.id, 'video']);
      for (const x of [cc, d1, d2, ce]) await x.close();
    });

    it('ends calls to or from someone already in a call as busy', async () => {
      const s = server();
      const ended = recordEnds(s);
      const [c, d, e, f] = await people(s, 4);
      const [cc, cd, ce, cf] = await Promise.all([c, d, e, f].map((u) => WsClient.connect(s.url, u!.token)));
      await offer(cc!, d!.id);
      const callId = (await cc!.next('call.ringing')).data.call_id;
      await cd!.next('call.offer');

      await offer(ce!, d!.id, 'k2');
      const busy = await ce!.next('call.end');
      assert.deepEqual([busy.data.reason, busy.data.duration, busy.data.client_id, busy.data.to_user_id], ['busy', 0, 'k2', d!.id]);
      await offer(cf!, c!.id, 'k3');
      assert.equal((await cf!.next('call.end')).data.reason, 'busy');
      await cd!.quiet('call.offer', 'call.end');
      await cc!.quiet('call.offer');

      cc!.send({ type: 'call.end', data: { call_id: callId } });
      for (const x of [cc!, cd!]) assert.deepEqual([(await x.next('call.end')).data.reason], ['cancelled']);
      await s.core.calls.idle();
      assert.deepEqual(ended.map((x) => x.endReason).sort(), ['busy', 'busy', 'cancelled']);
      for (const x of [cc, cd, ce, cf]) await x!.close();
    });

    it('ends a call rejected on one device on every device; offline callees are unavailable', async () => {
      const s = server();
      const [c, d, offline] = await people(s, 3);
      const cc = await WsClient.connect(s.url, c!.token);
      const d1 = await WsClient.connect(s.url, d!.token);
      const d2 = await WsClient.connect(s.url, d!.token);
      await offer(cc, d!.id);
      const callId = (await cc.next('call.ringing')).data.call_id;
      await d1.next('call.offer');
      await d2.next('call.offer');
      d2.send({ type: 'call.end', data: { call_id: callId } });
      for (const x of [cc, d1, d2]) {
        const f = await x.next('call.end');
        assert.deepEqual([f.data.reason, f.data.ended_by], ['rejected', d!.id]);
      }
      await offer(cc, offline!.id, 'k4');
      const none = await cc.next('call.end');
      assert.deepEqual([none.data.reason, none.data.client_id], ['unavailable', 'k4']);
      for (const x of [cc, d1, d2]) await x.close();
    });

    it('ends a call whose connection drops', async () => {
      const s = server();
      const [c, d] = await people(s, 2);
      const cc = await WsClient.connect(s.url, c!.token);
      const cd = await WsClient.connect(s.url, d!.token);
      await offer(cc, d!.id);
      const callId = (await cc.next('call.ringing')).data.call_id;
      await cd.next('call.offer');
      cd.send({ type: 'call.answer', data: { call_id: callId, sdp: 'v=0 answer' } });
      await cc.next('call.answer');
      cc.ws.terminate();
      const f = await cd.next('call.end');
      assert.deepEqual([f.data.call_id, f.data.reason, f.data.ended_by], [callId, 'disconnected', c!.id]);
      await cd.close();
    });

    it('refuses bad offers with error frames', async () => {
      const s = server();
      const [c] = await people(s, 1);
      const cc = await WsClient.connect(s.url, c!.token);
      await offer(cc, c!.id);
      assert.equal((await cc.next('error')).data.code, 422);
      await offer(cc, 987_654_321);
      assert.deepEqual([(await cc.next('error')).data.code], [10001]);
      cc.send({ type: 'call.offer', data: { to_user_id: 1, call_type: 'hologram', sdp: 'x' } });
      assert.equal((await cc.next('error')).data.code, 422);
      cc.send({ type: 'call.answer', data: { call_id: 'call_nope', sdp: 'x' } });
      const unknown = await cc.next('error');
      assert.deepEqual([unknown.data.code, unknown.data.call_id], [404, 'call_nope']);
      await cc.close();
    });

    it('returns ICE servers with time-limited TURN credentials', async () => {
      const s = server();
      const [u] = await people(s, 1);
      assertError(await s.api.get('/api/calls/ice-servers'), 401);
      const asked = Math.floor(clock.now() / 1000);
      const data = okData(await s.api.get('/api/calls/ice-servers', { token: u!.token }), '获取 ICE 服务器成功');
      assertKeys(data, ['ice_servers', 'ttl', 'expires_at']);
      assert.deepEqual(data.ice_servers[0], { urls: ['stun:stun.example.org:3478'] });
      const turn = data.ice_servers[1];
      assertKeys(turn, ['urls', 'username', 'credential']);
      assert.deepEqual(turn.urls, ['turn:turn.example.org:3478', 'turns:turn.example.org:5349']);
      const [expiry, userId] = turn.username.split(':').map(Number);
      assert.equal(userId, u!.id);
      assert.ok(expiry! >= asked + 600 && expiry! <= Math.floor(clock.now() / 1000) + 600);
      assert.equal(turn.credential, createHmac('sha1', TURN_SECRET).update(turn.username).digest('base64'));
      assert.equal(data.ttl, 600);
      assert.match(data.expires_at, isoSecondsRe);
    });
  },
  {
    env: {
      ICE_SERVERS: 'stun:stun.example.org:3478',
      TURN_URLS: 'turn:turn.example.org:3478,turns:turn.example.org:5349',
      TURN_SECRET,
      TURN_TTL: '10m',
    },
    options: () => ({ clock }),
  },
);

describeEachStore(
  'calls nobody answers',
  (server) => {
    it('end with timeout after the ring timeout, on the caller and every ringing device', async () => {
      const s = server();
      const ended = recordEnds(s);
      const [c, d] = await people(s, 2);
      const cc = await WsClient.connect(s.url, c!.token);
      const d1 = await WsClient.connect(s.url, d!.token);
      const d2 = await WsClient.connect(s.url, d!.token);
      const started = Date.now();
      await offer(cc, d!.id);
      const callId = (await cc.next('call.ringing')).data.call_id;
      for (const x of [cc, d1, d2]) {
        const f = await x.next('call.end');
        assert.deepEqual([f.data.call_id, f.data.reason, f.data.duration, f.data.ended_by], [callId, 'timeout', 0, null]);
      }
      assert.ok(Date.now() - started >= 250);
      await s.core.calls.idle();
      assert.deepEqual(ended.map((x) => [x.id, x.endReason]), [[callId, 'timeout']]);
      d1.send({ type: 'call.answer', data: { call_id: callId, sdp: 'v=0' } });
      assert.equal((await d1.next('error')).data.code, 409);
      for (const x of [cc, d1, d2]) await x.close();
    });
  },
  { env: { CALL_RING_TIMEOUT: '300ms' } },
);
