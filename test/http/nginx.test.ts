import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Api } from '../support/api.ts';
import { clusterDatabase } from '../support/cluster-db.ts';
import { dropPrefix, nodeEnv, sharedRedisUrl, startNode, uniquePrefix } from '../support/cluster.ts';
import { defaultUploadMaxSize, OwnNginx, sampleBodyLimit } from '../support/nginx.ts';
import { needs } from '../support/requires.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { assertError, okData } from '../support/shapes.ts';
import type { Scratch } from '../support/stores.ts';
import { registerUser, uniquePhone, type TestUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';


/** deploy/nginx.conf, run by an nginx of the test's own, in front of two nodes. */
describe('nginx in front of two nodes (deploy/nginx.conf)', await needs('nginx', 'postgres', 'redis'), () => {
  const prefix = uniquePrefix();
  let db: Scratch;
  const nodes: TestServer[] = [];
  let nginx: OwnNginx;
  let api: Api;

  before(async () => {
    db = await clusterDatabase();
    for (const id of ['web-1', 'web-2']) nodes.push(await startNode(db, 'postgres', nodeEnv(sharedRedisUrl, prefix, id, { TRUST_PROXY: 'true' })));
    nginx = await OwnNginx.start(nodes.map((n) => new URL(n.url).host));
    api = new Api(nginx.url);
  });
  after(async () => {
    await nginx?.stop();
    for (const n of nodes) await n.close();
    await db?.cleanup();
    await dropPrefix(sharedRedisUrl, prefix);
  });

  it('serves a whole chat: register, log in, create a group, send, receive over WebSocket on either node', async () => {
    const login = async (u: TestUser) => {
      const data = okData(await api.post('/api/auth/login', { phone: u.phone, password: u.password }), '登录成功');
      return { id: data.user.id as number, token: data.access_token as string };
    };
    const alice = await login(await registerUser(api));
    const bob = await login(await registerUser(api));
    const chat = okData(await api.post('/api/chats', { name: 'via nginx', type: 'group', members: [bob.id] }, { token: alice.token }));

    const wa = await WsClient.connect(nginx.url, alice.token);
    const wb = await WsClient.connect(nginx.url, bob.token);
    // least_conn put the two sockets on different nodes: delivery crosses nodes behind nginx.
    assert.deepEqual(nodes.map((n) => n.app.gateway.stats().connections), [1, 1]);

    const sent = okData(await api.post(`/api/chats/${chat.id}/messages`, { type: 'text', content: 'hello through nginx' }, { token: alice.token }), '消息发送成功');
    for (const w of [wa, wb]) {
      const f = await w.next('message.new');
      assert.deepEqual([f.data.id, f.data.content], [sent.id, 'hello through nginx']);
    }
    const reply = okData(await api.post(`/api/chats/${chat.id}/messages`, { type: 'text', content: 'heard you' }, { token: bob.token }));
    assert.equal((await wa.next('message.new')).data.id, reply.id);

    // A node goes away: its client reconnects through nginx to the other with its last seq and
    // misses nothing sent meanwhile; plain requests fail over at once.
    const [gone, stays] = nodes as [TestServer, TestServer];
    const closing = gone.close();
    const cut = await Promise.race([wa.closed.then(() => wa), wb.closed.then(() => wb)]);
    await closing;
    assert.equal((await cut.closed).code, 1001);
    const last = cut.received.filter((f) => f.seq !== undefined).at(-1)!.seq!;
    okData(await api.get('/api/users/me', { token: bob.token }));
    const missed = okData(await api.post(`/api/chats/${chat.id}/messages`, { type: 'text', content: 'while you were away' }, { token: alice.token }));
    const back = await WsClient.connect(nginx.url, cut === wa ? alice.token : bob.token, { since: last });
    assert.equal((await back.next('message.new')).data.id, missed.id);
    assert.equal((await back.next('resumed')).data.count, 1);
    assert.equal(stays.app.gateway.stats().connections, 2);
    await back.close();
    for (const w of [wa, wb]) await w.close();
    assert.doesNotMatch(nginx.errorLog, /\[(emerg|alert|crit)\]/);
  });
});

/**
 * A client behind the sample nginx cannot pick the address it is limited by: nginx replaces its
 * X-Forwarded-For with the address it saw, so each form of TRUST_PROXY (nginx's address, one hop,
 * and even `true`) counts every attempt against the one real address.
 */
describe('login limits per client address behind nginx (deploy/nginx.conf)', await needs('nginx'), () => {
  for (const trust of ['127.0.0.1', '1', 'true']) {
    it(`TRUST_PROXY=${trust}: 10 failed logins, each with its own X-Forwarded-For, are limited from the 6th on`, async () => {
      // RATE_LIMIT_AUTH at its default (5/min), not the tests' "off".
      const node = await startTestServer('sqlite', { TRUST_PROXY: trust, RATE_LIMIT_AUTH: undefined });
      let nginx: OwnNginx | undefined;
      try {
        nginx = await OwnNginx.start([new URL(node.url).host]);
        const api = new Api(nginx.url);
        const phone = uniquePhone();
        await node.core.auth.createUser({ phone, password: 'password123' });
        const statuses: number[] = [];
        for (let i = 1; i <= 10; i++) {
          const res = await api.post('/api/auth/login', { phone, password: 'wrong-password' }, { headers: { 'x-forwarded-for': `203.0.113.${i}` } });
          statuses.push(res.status);
          if (i <= 5) {
            assertError(res, 401, 10002);
            assert.equal(res.headers.get('x-ratelimit-remaining'), String(5 - i), 'one budget, whatever the header says');
          } else {
            assertError(res, 429, 40001);
            assert.ok(Number(res.headers.get('retry-after')) >= 1);
          }
        }
        assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
      } finally {
        await nginx?.stop();
        await node.close();
      }
    });
  }
});

/** What nginx itself decides in the sample: how large a body it lets through, and what it keeps to the nodes. */
describe('uploads and metrics through the sample (deploy/nginx.conf)', await needs('nginx'), () => {
  const uploadMaxSize = 256 * 1024;
  let node: TestServer;
  let nginx: OwnNginx;
  let token: string;

  before(async () => {
    node = await startTestServer('sqlite', { UPLOAD_MAX_SIZE: '256kb' });
    // The sample's margin over UPLOAD_MAX_SIZE, kept on top of this node's smaller limit.
    nginx = await OwnNginx.start([new URL(node.url).host], { uploadMaxSize });
    const api = new Api(nginx.url);
    const user = await registerUser(api);
    token = okData(await api.post('/api/auth/login', { phone: user.phone, password: user.password })).access_token as string;
  });
  after(async () => {
    await nginx?.stop();
    await node?.close();
  });

  const send = async (size: number) => {
    const form = new FormData();
    form.append('type', 'document');
    form.append('file', new Blob([randomBytes(size)]), 'report.bin');
    const res = await fetch(`${nginx.url}/api/files/upload`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined };
  };

  it('sizes client_max_body_size above UPLOAD_MAX_SIZE by a margin for the multipart form', () => {
    const margin = sampleBodyLimit() - defaultUploadMaxSize;
    assert.ok(margin >= 64 * 1024 && margin <= 16 * 1024 ** 2, `margin of ${margin} bytes`);
  });

  it('passes a file of exactly UPLOAD_MAX_SIZE, form and all', async () => {
    const res = await send(uploadMaxSize);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data.size, uploadMaxSize);
  });

  it("lets the node refuse a file just over UPLOAD_MAX_SIZE in the API's JSON (30003), not nginx's HTML 413", async () => {
    const res = await send(uploadMaxSize + 1024);
    assertError(res, 413, 30003);
    assert.match(res.headers.get('content-type')!, /^application\/json/);
    assert.doesNotMatch(nginx.errorLog, /client intended to send too large body/);
  });

  it('refuses /metrics from outside, whatever the spelling, while the node itself still serves the path', async () => {
    for (const p of ['/metrics', '/metrics/', '/metrics?name=x', '//metrics', '/%6detrics', '/api/../metrics']) {
      const res = await fetch(`${nginx.url}${p}`);
      await res.arrayBuffer();
      assert.equal(res.status, 403, p);
    }
    const direct = await fetch(`${node.url}/metrics`);
    assert.equal(direct.status, 200, 'the node serves its metrics to whoever reaches it directly');
    assert.match(await direct.text(), /^# HELP /m);
    assert.equal((await fetch(`${nginx.url}/health`)).status, 200);
  });
});
