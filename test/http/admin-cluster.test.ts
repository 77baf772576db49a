import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clusterDatabase } from '../support/cluster-db.ts';
import { dropPrefix, nodeEnv, sharedRedisUrl, startNode, uniquePrefix, within } from '../support/cluster.ts';
import { createGroup, send } from '../support/messaging.ts';
import type { TestServer } from '../support/server.ts';
import { assertError, okData } from '../support/shapes.ts';
import type { Scratch } from '../support/stores.ts';
import { registerUser, type TestUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';
import { needs } from '../support/requires.ts';

/**
 * Administration on two nodes sharing PostgreSQL and Redis: what an administrator does through
 * node A takes effect at once on the sockets node B holds.
 */
describe('administration across two nodes', await needs('postgres', 'redis'), () => {
  const prefix = uniquePrefix();
  let db: Scratch;
  let nodes: TestServer[] = [];
  let boss: TestUser;
  const A = () => nodes[0]!;
  const B = () => nodes[1]!;
  const asBoss = () => ({ token: boss.token });

  before(async () => {
    db = await clusterDatabase();
    nodes = [];
    for (const id of ['a', 'b']) nodes.push(await startNode(db, 'postgres', nodeEnv(sharedRedisUrl, prefix, `admin-${id}`)));
    boss = await registerUser(A().api);
    await A().core.admin.setAdmin(null, boss.id, true);
  });
  after(async () => {
    for (const n of nodes) await n.close();
    await db?.cleanup();
    await dropPrefix(sharedRedisUrl, prefix);
  });

  const closedOnB = async (u: TestUser, act: () => Promise<unknown>) => {
    const onB = await WsClient.connect(B().url, u.token);
    await act();
    assert.equal((await within(onB.closed, 3000, 'the socket on node B to close')).code, 4401);
  };

  it('disabling through node A closes the user\'s socket on node B at once; B refuses the token', async () => {
    const u = await registerUser(B().api);
    await closedOnB(u, async () => okData(await A().api.post(`/api/admin/users/${u.id}/disable`, {}, asBoss())));
    assertError(await B().api.get('/api/users/me', { token: u.token }), 401, 10008);
  });

  it('revoking sessions through node A closes the socket on node B', async () => {
    const u = await registerUser(B().api);
    await closedOnB(u, async () => okData(await A().api.post(`/api/admin/users/${u.id}/revoke-sessions`, {}, asBoss())));
  });

  it('deleting a user through node A closes their socket on node B, and B\'s members see their messages go', async () => {
    const [gone, v] = [await registerUser(B().api), await registerUser(B().api)];
    const chat = await createGroup(B(), v, [gone]);
    const m = await send(B(), gone, chat.id, 'soon gone');
    const watcher = await WsClient.connect(B().url, v.token);
    await closedOnB(gone, async () => okData(await A().api.delete(`/api/admin/users/${gone.id}`, asBoss())));
    const frame = await watcher.next((f) => f.type === 'message.delete');
    assert.equal(frame.data.id, m.id);
    assert.equal((await watcher.next((f) => f.type === 'member.removed')).data.user_id, gone.id);
    assertError(await B().api.post('/api/auth/login', { phone: gone.phone, password: gone.password }), 404, 10001);
    await watcher.close();
  });
});
