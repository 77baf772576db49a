import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachStore } from '../support/server.ts';
import { assertError, assertKeys, isoSecondsRe, okData } from '../support/shapes.ts';
import { registerUser, uniquePhone } from '../support/users.ts';

const meKeys = ['id', 'phone', 'email', 'username', 'nickname', 'bio', 'avatar', 'online', 'status', 'status_message', 'last_seen', 'language', 'theme', 'created_at', 'updated_at'];
const publicKeys = ['id', 'username', 'nickname', 'avatar', 'bio', 'online', 'status', 'status_message', 'last_seen', 'is_contact'];

describeEachStore('users', (server) => {
  it('GET /api/users/me returns the documented fields', async () => {
    const u = await registerUser(server().api);
    const me = okData(await server().api.get('/api/users/me', { token: u.token }), '获取用户信息成功');
    assertKeys(me, meKeys);
    assert.equal(me.id, u.id);
    assert.equal(me.phone, u.phone);
    assert.equal(me.username, u.username);
    assert.equal(me.bio, '');
    assert.equal(me.language, 'zh-CN');
    assert.equal(me.theme, 'auto');
    assert.equal(me.online, false);
    for (const k of ['last_seen', 'created_at', 'updated_at']) assert.match(me[k], isoSecondsRe);
  });

  it('PUT /api/users/me updates the profile and answers with empty data', async () => {
    const u = await registerUser(server().api);
    const patch = { nickname: '新昵称', bio: '新的个人简介', avatar: 'https://example.com/a.jpg', language: 'en-US', theme: 'dark', status: 'away', status_message: '开会中' };
    const data = okData(await server().api.put('/api/users/me', patch, { token: u.token }), '用户信息更新成功');
    assert.deepEqual(data, {});
    const me = okData(await server().api.get('/api/users/me', { token: u.token }));
    assert.equal(me.nickname, '新昵称');
    assert.equal(me.bio, '新的个人简介');
    assert.equal(me.avatar, 'https://example.com/a.jpg');
    assert.equal(me.language, 'en-US');
    assert.equal(me.theme, 'dark');
    assert.equal(me.status, 'away');
    assert.equal(me.status_message, '开会中');
  });

  it('PUT /api/users/me validates every field and changes nothing on error', async () => {
    const u = await registerUser(server().api);
    const before = okData(await server().api.get('/api/users/me', { token: u.token }));
    const bad: [Record<string, unknown>, string][] = [
      [{}, 'body'],
      [{ nickname: '' }, 'nickname'],
      [{ nickname: 'n'.repeat(65) }, 'nickname'],
      [{ bio: 'b'.repeat(501) }, 'bio'],
      [{ theme: 'purple' }, 'theme'],
      [{ status: 'sleeping' }, 'status'],
      [{ language: 'not a language' }, 'language'],
      [{ nickname: 42 }, 'nickname'],
      [{ username: 'x' }, 'username'],
      [{ nickname: 'ok', bio: 'b'.repeat(501) }, 'bio'],
    ];
    for (const [body, field] of bad) {
      const res = await server().api.put('/api/users/me', body, { token: u.token });
      assertError(res, 422);
      assert.ok(res.body.details.some((d: { field: string }) => d.field === field), `${JSON.stringify(body)} -> ${res.text}`);
    }
    assert.deepEqual(okData(await server().api.get('/api/users/me', { token: u.token })), before);
  });

  it('PUT /api/users/me refuses a username (10006) or email (409) that someone else has', async () => {
    const a = await registerUser(server().api, { email: `${uniquePhone()}@example.com` });
    const b = await registerUser(server().api);
    assertError(await server().api.put('/api/users/me', { username: a.username.toUpperCase() }, { token: b.token }), 409, 10006);
    const me = okData(await server().api.get('/api/users/me', { token: a.token }));
    assertError(await server().api.put('/api/users/me', { email: me.email }, { token: b.token }), 409, 409);
    okData(await server().api.put('/api/users/me', { username: a.username }, { token: a.token }));
  });

  it("GET /api/users/{id} shows public fields; phone and email only between mutual contacts", async () => {
    const api = server().api;
    const a = await registerUser(api, { email: `${uniquePhone()}@example.com` });
    const b = await registerUser(api);
    const seen = okData(await api.get(`/api/users/${a.id}`, { token: b.token }), '获取用户信息成功');
    assertKeys(seen, publicKeys);
    assert.equal(seen.id, a.id);
    assert.equal(seen.is_contact, false);
    assert.equal(seen.status, 'offline');

    okData(await api.post('/api/contacts', { phone: a.phone }, { token: b.token }));
    const oneSided = okData(await api.get(`/api/users/${a.id}`, { token: b.token }));
    assert.equal(oneSided.is_contact, true);
    assert.equal(oneSided.phone, undefined);

    okData(await api.post('/api/contacts', { phone: b.phone }, { token: a.token }));
    const mutual = okData(await api.get(`/api/users/${a.id}`, { token: b.token }));
    assertKeys(mutual, [...publicKeys, 'phone', 'email']);
    assert.equal(mutual.phone, a.phone);
  });

  it('GET /api/users/{id} answers 10001 for an unknown user and 422 for a malformed id', async () => {
    const u = await registerUser(server().api);
    assertError(await server().api.get('/api/users/99999999', { token: u.token }), 404, 10001);
    assertError(await server().api.get('/api/users/abc', { token: u.token }), 422);
    assertError(await server().api.get('/api/users/0', { token: u.token }), 422);
  });

  it('searches by username or nickname prefix and by exact phone, paginated', async () => {
    const api = server().api;
    const tag = `s${Date.now().toString(36)}`;
    const me = await registerUser(api, { username: `${tag}_me` });
    const found = [];
    for (let i = 0; i < 5; i++) found.push(await registerUser(api, { username: `${tag}_${i}`, nickname: `搜索${tag}${i}` }));

    const page1 = okData(await api.get(`/api/users/search?q=${tag.toUpperCase()}&limit=3`, { token: me.token }));
    assertKeys(page1, ['users', 'total', 'has_more']);
    assert.equal(page1.total, 5, 'excludes the searcher');
    assert.equal(page1.users.length, 3);
    assert.equal(page1.has_more, true);
    assertKeys(page1.users[0], publicKeys);
    const page2 = okData(await api.get(`/api/users/search?q=${tag}&limit=3&offset=3`, { token: me.token }));
    assert.equal(page2.users.length, 2);
    assert.equal(page2.has_more, false);
    const ids = [...page1.users, ...page2.users].map((u: { id: number }) => u.id).sort((x: number, y: number) => x - y);
    assert.deepEqual(ids, found.map((u) => u.id));

    const byNick = okData(await api.get(`/api/users/search?q=${encodeURIComponent(`搜索${tag}3`)}`, { token: me.token }));
    assert.deepEqual(byNick.users.map((u: { id: number }) => u.id), [found[3]!.id]);

    const byPhone = okData(await api.get(`/api/users/search?q=${found[1]!.phone}`, { token: me.token }));
    assert.deepEqual(byPhone.users.map((u: { id: number }) => u.id), [found[1]!.id]);
    assert.equal(byPhone.users[0].phone, undefined, 'a phone search does not reveal the number of a non-contact beyond the match');
    const partialPhone = okData(await api.get(`/api/users/search?q=${found[1]!.phone.slice(0, 6)}x`, { token: me.token }));
    assert.equal(partialPhone.total, 0);

    const wildcard = okData(await api.get(`/api/users/search?q=${encodeURIComponent('%')}`, { token: me.token }));
    assert.equal(wildcard.total, 0, '% is matched literally');
    const underscore = okData(await api.get(`/api/users/search?q=${tag}${encodeURIComponent('_')}`, { token: me.token }));
    assert.equal(underscore.total, 5, '_ is matched literally');
  });

  it('validates search parameters', async () => {
    const u = await registerUser(server().api);
    assertError(await server().api.get('/api/users/search', { token: u.token }), 422);
    assertError(await server().api.get('/api/users/search?q=', { token: u.token }), 422);
    assertError(await server().api.get('/api/users/search?q=a&limit=101', { token: u.token }), 422);
    assertError(await server().api.get('/api/users/search?q=a&offset=-1', { token: u.token }), 422);
    assertError(await server().api.get(`/api/users/search?q=${'a'.repeat(65)}`, { token: u.token }), 422);
  });

  it('requires authentication on every user endpoint', async () => {
    for (const [method, path] of [['GET', '/api/users/me'], ['PUT', '/api/users/me'], ['GET', '/api/users/1'], ['GET', '/api/users/search?q=a']] as const) {
      assertError(await server().api.request(method, path, { body: method === 'PUT' ? { nickname: 'x' } : undefined }), 401, 401);
    }
  });
});
