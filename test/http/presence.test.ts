import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TestClock } from '../support/clock.ts';
import { createConversation } from '../support/conversations.ts';
import { describeEachStore, type TestServer } from '../support/server.ts';
import { assertKeys, isoSecondsRe, okData } from '../support/shapes.ts';
import { registerUser, type TestUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';

const clock = new TestClock();

async function watch(s: TestServer, watcher: TestUser, target: TestUser): Promise<void> {
  okData(await s.api.post('/api/contacts', { user_id: target.id }, { token: watcher.token }));
}

async function restView(s: TestServer, viewer: TestUser, target: TestUser) {
  return okData(await s.api.get(`/api/users/${target.id}`, { token: viewer.token }));
}

describeEachStore('presence', (server) => {
  it('goes online with the first connection and offline with the last; REST agrees', async () => {
    const s = server();
    const a = await registerUser(s.api);
    const w = await registerUser(s.api);
    await watch(s, w, a);
    const cw = await WsClient.connect(s.url, w.token);
    assert.equal((await restView(s, w, a)).online, false);

    const a1 = await WsClient.connect(s.url, a.token);
    const online = await cw.next('presence');
    assertKeys(online, ['type', 'data']);
    assertKeys(online.data, ['user_id', 'is_online', 'status', 'status_message', 'last_seen', 'timestamp']);
    assert.deepEqual([online.data.user_id, online.data.is_online, online.data.status], [a.id, true, 'online']);
    assert.match(online.data.last_seen, isoSecondsRe);
    assert.match(online.data.timestamp, isoSecondsRe);
    assert.equal((await restView(s, w, a)).online, true);

    const a2 = await WsClient.connect(s.url, a.token);
    await a1.close();
    assert.equal((await restView(s, w, a)).online, true, 'one connection is still open');
    await a2.close();
    const offline = await cw.next('presence');
    assert.deepEqual([offline.data.user_id, offline.data.is_online, offline.data.status], [a.id, false, 'offline']);
    const view = await restView(s, w, a);
    assert.equal(view.online, false);
    assert.equal(view.last_seen, offline.data.last_seen);
    await cw.quiet('presence');
    await cw.close();
  });

  it('reaches co-members as well as watchers, and nobody else', async () => {
    const s = server();
    const [a, m, stranger] = [await registerUser(s.api), await registerUser(s.api), await registerUser(s.api)];
    await createConversation(s, m, [a]);
    // Each arrival's own presence is announced before the next connects, so that ca cannot
    // catch m's (to a co-member, rightly) and make the quiet check below fail by a race.
    const cm = await WsClient.connect(s.url, m.token);
    await s.core.presence.idle();
    const cs = await WsClient.connect(s.url, stranger.token);
    await s.core.presence.idle();
    const ca = await WsClient.connect(s.url, a.token);
    const f = await cm.next((x) => x.type === 'presence' && x.data.user_id === a.id);
    assert.equal(f.data.is_online, true);
    await cs.quiet('presence');
    await ca.quiet('presence');
    for (const c of [cm, cs, ca]) await c.close();
  });

  it('shows away / custom status from REST and from the status.update frame; appearing offline hides presence', async () => {
    const s = server();
    const a = await registerUser(s.api);
    const w = await registerUser(s.api);
    await watch(s, w, a);
    const cw = await WsClient.connect(s.url, w.token);
    const ca = await WsClient.connect(s.url, a.token);
    assert.equal((await cw.next('presence')).data.status, 'online');

    okData(await s.api.put('/api/users/me', { status: 'away' }, { token: a.token }));
    const away = await cw.next('presence');
    assert.deepEqual([away.data.is_online, away.data.status], [true, 'away']);
    assert.equal((await ca.next('user.updated')).data.status, 'away');

    ca.send({ type: 'status.update', data: { status: 'online', status_message: '开会中' } });
    const me = await ca.next('user.updated');
    assert.deepEqual([me.data.status, me.data.status_message], ['online', '开会中']);
    const custom = await cw.next('presence');
    assert.deepEqual([custom.data.is_online, custom.data.status, custom.data.status_message], [true, 'online', '开会中']);

    ca.send({ type: 'status.update', data: { status: 'sleeping' } });
    assert.equal((await ca.next('error')).data.code, 422);

    okData(await s.api.put('/api/users/me', { status: 'offline' }, { token: a.token }));
    const hidden = await cw.next('presence');
    assert.deepEqual([hidden.data.is_online, hidden.data.status], [false, 'offline']);
    assert.equal((await restView(s, w, a)).online, false);
    const seenWhileHidden = (await restView(s, w, a)).last_seen;

    // Coming and going while appearing offline shows nothing and leaves last_seen alone.
    clock.advance(120_000);
    await ca.close();
    const again = await WsClient.connect(s.url, a.token);
    await s.core.presence.idle();
    assert.equal((await restView(s, w, a)).last_seen, seenWhileHidden);
    okData(await s.api.put('/api/users/me', { status: 'online' }, { token: a.token }));
    const back = await cw.next('presence');
    assert.deepEqual([back.data.is_online, back.data.status], [true, 'online']);
    await cw.quiet('presence');
    await again.close();
    const gone = await cw.next('presence');
    assert.equal(gone.data.is_online, false);
    assert.notEqual(gone.data.last_seen, seenWhileHidden, 'seen again once visible');
    await cw.close();
  });

  it('does not tell people the user blocked', async () => {
    const s = server();
    const a = await registerUser(s.api);
    const blocked = await registerUser(s.api);
    const friend = await registerUser(s.api);
    await watch(s, blocked, a);
    await watch(s, friend, a);
    await watch(s, a, blocked);
    okData(await s.api.put(`/api/contacts/${blocked.id}`, { is_blocked: true }, { token: a.token }));
    const cb = await WsClient.connect(s.url, blocked.token);
    const cf = await WsClient.connect(s.url, friend.token);
    const ca = await WsClient.connect(s.url, a.token);
    assert.equal((await cf.next('presence')).data.user_id, a.id);
    await cb.quiet('presence');
    for (const c of [cb, cf, ca]) await c.close();
  });
}, { options: () => ({ clock }) });
