import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gitSha, version } from '../../src/version.ts';
import { describeEachStore, startTestServer, type TestServer } from '../support/server.ts';
import { assertError, okData } from '../support/shapes.ts';
import { registerUser } from '../support/users.ts';

describeEachStore('HTTP plumbing', (server) => {
  it('GET /health reports database and Redis status, node, version, commit and uptime', async () => {
    const res = await server().api.get('/health');
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.body).sort(), ['commit', 'node', 'services', 'status', 'timestamp', 'uptime', 'version']);
    assert.equal(res.body.status, 'healthy');
    assert.equal(res.body.version, version);
    // The tests run in a checkout, whose HEAD names the commit.
    assert.match(res.body.commit, /^[0-9a-f]{40}$/);
    assert.equal(res.body.commit, gitSha);
    assert.equal(res.body.node, server().core.nodeId);
    assert.deepEqual(res.body.services, { database: 'healthy', redis: 'not_configured' });
    assert.ok(Number.isInteger(res.body.uptime) && res.body.uptime >= 0);
    assert.equal((await server().api.get('/health/live')).status, 200);
  });

  it('GET / is a landing page: what this is, its version, every mounted profile with its docs, health', async () => {
    const html = await fetch(`${server().url}/`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
    const text = await html.text();
    assert.ok(text.includes(`Parley <small>${version}</small>`));
    for (const link of ['href="/docs"', 'href="/health">healthy<', 'href="/openapi/zhihang.json"', 'href="/openapi/xiaoxiang.json"', '<code>/flutter/v1</code>', '<code>/lite/api/v1/ws</code>']) {
      assert.ok(text.includes(link), `${link} in the page`);
    }
    const json = await server().api.get('/', { headers: { accept: 'application/json' } });
    assert.equal(json.status, 200);
    assert.deepEqual([json.body.name, json.body.version, json.body.commit, json.body.health, json.body.docs], ['parley', version, gitSha, 'healthy', '/docs']);
    assert.ok(text.includes(`commit <code>${gitSha!.slice(0, 12)}</code>`));
    const names = json.body.profiles.map((p: { name: string }) => p.name);
    assert.deepEqual(names.sort(), ['chat8', 'flutter', 'lite', 'xiaoxiang', 'zhihang']);
    const zhihang = json.body.profiles.find((p: { name: string }) => p.name === 'zhihang');
    assert.deepEqual(zhihang, { name: 'zhihang', title: zhihang.title, document: '000_dd2d73b757a0b72f.txt', rest: '/api', websocket: '/ws', openapi: '/openapi/zhihang.json' });
    for (const p of json.body.profiles) assert.equal((await server().api.get(p.openapi)).status, 200, p.openapi);
  });

  it('answers unknown routes and methods with the envelope', async () => {
    const u = await registerUser(server().api);
    assertError(await server().api.get('/api/nothing-here'), 404, 404);
    assertError(await server().api.get('/nothing'), 404, 404);
    assertError(await server().api.delete('/api/users/me', { token: u.token }), 404, 404);
    assertError(await server().api.request('PATCH', '/api/auth/login', { body: {} }), 404, 404);
  });

  it('answers CORS preflight requests', async () => {
    const res = await fetch(`${server().url}/api/users/me`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /PUT/);
    assert.match((res.headers.get('access-control-allow-headers') ?? '').toLowerCase(), /authorization/);
    const plain = await server().api.get('/health', { headers: { origin: 'https://app.example.com' } });
    assert.equal(plain.headers.get('access-control-allow-origin'), '*');
  });

  it('sets security headers and echoes a request id', async () => {
    const res = await server().api.get('/api/users/me');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.ok(res.headers.get('strict-transport-security'));
    assert.ok(res.headers.get('referrer-policy'));
    assert.match(res.headers.get('x-request-id') ?? '', /^req_[0-9a-f]{32}$/);
    const given = await server().api.get('/health', { headers: { 'x-request-id': 'client-trace-42' } });
    assert.equal(given.headers.get('x-request-id'), 'client-trace-42');
    const hostile = await server().api.get('/health', { headers: { 'x-request-id': 'bad id\twith spaces' } });
    assert.match(hostile.headers.get('x-request-id') ?? '', /^req_/);
  });

  it('publishes an OpenAPI document and interactive docs', async () => {
    const doc = await server().api.get('/openapi.json');
    assert.equal(doc.status, 200);
    assert.match(doc.body.openapi, /^3\./);
    for (const path of ['/api/auth/login', '/api/auth/register', '/api/auth/refresh', '/api/auth/logout', '/api/auth/code', '/api/users/me', '/api/users/{user_id}', '/api/users/search', '/api/contacts', '/api/contacts/{contact_id}', '/health']) {
      assert.ok(doc.body.paths[path], `missing ${path}`);
    }
    assert.ok(doc.body.components.securitySchemes.bearerAuth);
    assert.deepEqual(doc.body.paths['/api/users/me'].get.security, [{ bearerAuth: [] }]);
    assert.equal(doc.body.paths['/api/auth/login'].post.security, undefined);
    const login = doc.body.paths['/api/auth/login'].post;
    assert.ok(login.requestBody.content['application/json'].schema.properties.phone);
    assert.ok(login.responses['200'].content['application/json'].schema.properties.data);

    const page = await fetch(`${server().url}/docs`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /swagger/i);
  });

  it('never answers 500 for garbage input', async () => {
    const u = await registerUser(server().api);
    const bodies = ['null', '"string"', '12', '{"__proto__": {"x": 1}}', '{"constructor": {"prototype": {}}}', '{"nickname": {"$gt": ""}}', '\u0000', '{"a":'.repeat(50)];
    for (const data of bodies) {
      for (const path of ['/api/auth/login', '/api/auth/register', '/api/contacts']) {
        const res = await server().api.request('POST', path, { raw: { data, type: 'application/json' }, token: u.token });
        assert.ok(res.status >= 400 && res.status < 500, `${path} ${data} -> ${res.status} ${res.text}`);
        assert.equal(res.body.success, false);
      }
      const put = await server().api.request('PUT', '/api/users/me', { raw: { data, type: 'application/json' }, token: u.token });
      assert.ok(put.status >= 400 && put.status < 500, `PUT ${data} -> ${put.status}`);
    }
  });
});

describe('CORS with configured origins', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer('sqlite', { CORS_ORIGINS: 'https://app.example.com,https://admin.example.com' });
  });
  after(async () => {
    await s.close();
  });

  it('allows only the listed origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${s.url}/api/users/me`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
    assert.equal((await preflight('https://admin.example.com')).headers.get('access-control-allow-origin'), 'https://admin.example.com');
    assert.equal((await preflight('https://evil.example.com')).headers.get('access-control-allow-origin'), null);
  });
});

describe('request body limit', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer('sqlite', { BODY_LIMIT: '2kb' });
  });
  after(async () => {
    await s.close();
  });

  it('refuses bodies over BODY_LIMIT with 413 in the envelope', async () => {
    const u = await registerUser(s.api);
    const res = await s.api.put('/api/users/me', { bio: 'x'.repeat(3000) }, { token: u.token });
    assertError(res, 413);
    okData(await s.api.put('/api/users/me', { bio: 'x'.repeat(400) }, { token: u.token }));
  });
});
