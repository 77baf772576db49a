import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachStore } from '../support/server.ts';
import { assertError, assertKeys, isoSecondsRe, okData } from '../support/shapes.ts';
import { registerUser, uniquePhone } from '../support/users.ts';

const recordKeys = ['id', 'user_id', 'contact_id', 'nickname', 'is_blocked', 'is_muted', 'created_at'];

describeEachStore('contacts', (server) => {
  it('starts empty, adds by phone in the documented shape, and lists the contact', async () => {
    const api = server().api;
    const a = await registerUser(api);
    const b = await registerUser(api);
    assert.deepEqual(okData(await api.get('/api/contacts', { token: a.token }), '获取联系人列表成功'), { contacts: [], total: 0, has_more: false });

    const added = okData(await api.post('/api/contacts', { phone: b.phone, nickname: '新好友' }, { token: a.token }), '联系人添加成功');
    assertKeys(added, recordKeys);
    assert.equal(added.user_id, a.id);
    assert.equal(added.contact_id, b.id);
    assert.equal(added.nickname, '新好友');
    assert.equal(added.is_blocked, false);
    assert.equal(added.is_muted, false);
    assert.match(added.created_at, isoSecondsRe);

    const list = okData(await api.get('/api/contacts', { token: a.token }));
    assert.equal(list.total, 1);
    assert.equal(list.has_more, false);
    const entry = list.contacts[0];
    assertKeys(entry, [...recordKeys, 'contact']);
    assert.equal(entry.id, added.id);
    assertKeys(entry.contact, ['id', 'username', 'nickname', 'avatar', 'online', 'last_seen']);
    assert.equal(entry.contact.id, b.id);
    assert.equal(entry.contact.username, b.username);
    assert.equal(entry.contact.online, false);

    // One-directional: b's list is unchanged.
    assert.equal(okData(await api.get('/api/contacts', { token: b.token })).total, 0);
  });

  it('adds by user_id as well, and shows the phone once the contact is mutual', async () => {
    const api = server().api;
    const a = await registerUser(api);
    const b = await registerUser(api);
    okData(await api.post('/api/contacts', { user_id: b.id }, { token: a.token }));
    okData(await api.post('/api/contacts', { user_id: a.id }, { token: b.token }));
    const entry = okData(await api.get('/api/contacts', { token: a.token })).contacts[0];
    assert.equal(entry.contact.phone, b.phone);
  });

  it('answers 10001 for an unknown phone, 409 for an existing contact and 422 for yourself or no target', async () => {
    const api = server().api;
    const a = await registerUser(api);
    const b = await registerUser(api);
    assertError(await api.post('/api/contacts', { phone: uniquePhone() }, { token: a.token }), 404, 10001);
    okData(await api.post('/api/contacts', { phone: b.phone }, { token: a.token }));
    assertError(await api.post('/api/contacts', { phone: b.phone }, { token: a.token }), 409, 409);
    assertError(await api.post('/api/contacts', { phone: a.phone }, { token: a.token }), 422);
    assertError(await api.post('/api/contacts', {}, { token: a.token }), 422);
    assertError(await api.post('/api/contacts', { phone: b.phone, nickname: 'n'.repeat(65) }, { token: a.token }), 422);
    assert.equal(okData(await api.get('/api/contacts', { token: a.token })).total, 1);
  });

  it('updates nickname, blocked and muted flags', async () => {
    const api = server().api;
    const a = await registerUser(api);
    const b = await registerUser(api);
    okData(await api.post('/api/contacts', { phone: b.phone }, { token: a.token }));
    const updated = okData(await api.put(`/api/contacts/${b.id}`, { nickname: '老王', is_blocked: true, is_muted: true }, { token: a.token }), '联系人更新成功');
    assertKeys(updated, [...recordKeys, 'contact']);
    assert.equal(updated.nickname, '老王');
    assert.equal(updated.is_blocked, true);
    assert.equal(updated.is_muted, true);
    const partial = okData(await api.put(`/api/contacts/${b.id}`, { is_blocked: false }, { token: a.token }));
    assert.equal(partial.is_blocked, false);
    assert.equal(partial.is_muted, true);
    assert.equal(partial.nickname, '老王');
    assert.equal(await server().core.store.contacts.isBlocked(a.id, b.id), false);
    okData(await api.put(`/api/contacts/${b.id}`, { is_blocked: true }, { token: a.token }));
    assert.equal(await server().core.store.contacts.isBlocked(a.id, b.id), true);
  });

  it('refuses updates to a non-contact (404) and malformed updates (422)', async () => {
    const api = server().api;
    const a = await registerUser(api);
    const b = await registerUser(api);
    assertError(await api.put(`/api/contacts/${b.id}`, { is_muted: true }, { token: a.token }), 404, 404);
    okData(await api.post('/api/contacts', { phone: b.phone }, { token: a.token }));
    assertError(await api.put(`/api/contacts/${b.id}`, {}, { token: a.token }), 422);
    assertError(await api.put(`/api/contacts/${b.id}`, { is_blocked: 'yes' }, { token: a.token }), 422);
    assertError(await api.put('/api/contacts/nope', { is_blocked: true }, { token: a.token }), 422);
    const entry = okData(await api.get('/api/contacts', { token: a.token })).contacts[0];
    assert.equal(entry.is_blocked, false);
  });

  it('deletes a contact by its user id', async () => {
    const api = server().api;
    const a = await registerUser(api);
    const b = await registerUser(api);
    okData(await api.post('/api/contacts', { phone: b.phone }, { token: a.token }));
    assert.deepEqual(okData(await api.delete(`/api/contacts/${b.id}`, { token: a.token }), '联系人删除成功'), {});
    assert.equal(okData(await api.get('/api/contacts', { token: a.token })).total, 0);
    assertError(await api.delete(`/api/contacts/${b.id}`, { token: a.token }), 404, 404);
  });

  it('paginates the list', async () => {
    const api = server().api;
    const a = await registerUser(api);
    const others = [];
    for (let i = 0; i < 3; i++) others.push(await registerUser(api));
    for (const o of others) okData(await api.post('/api/contacts', { phone: o.phone }, { token: a.token }));
    const first = okData(await api.get('/api/contacts?limit=2', { token: a.token }));
    assert.equal(first.contacts.length, 2);
    assert.equal(first.total, 3);
    assert.equal(first.has_more, true);
    const rest = okData(await api.get('/api/contacts?limit=2&offset=2', { token: a.token }));
    assert.deepEqual(rest.contacts.map((c: { contact_id: number }) => c.contact_id), [others[2]!.id]);
    assert.equal(rest.has_more, false);
  });

  it('requires authentication', async () => {
    assertError(await server().api.get('/api/contacts'), 401, 401);
    assertError(await server().api.post('/api/contacts', { phone: uniquePhone() }), 401, 401);
    assertError(await server().api.put('/api/contacts/1', { is_muted: true }), 401, 401);
    assertError(await server().api.delete('/api/contacts/1'), 401, 401);
  });
});
