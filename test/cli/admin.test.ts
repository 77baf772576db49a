import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverBeside } from '../support/beside.ts';
import { within } from '../support/cluster.ts';
import { createGroup, send } from '../support/messaging.ts';
import { runCli } from '../support/process.ts';
import { assertError, okData } from '../support/shapes.ts';
import { storeKinds } from '../support/stores.ts';
import { registerUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';

const quiet = { LOG_LEVEL: 'warn', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };

/** Administration through the real `parley` process, beside a running server on the same database (no Redis). */
for (const kind of storeKinds) {
  describe(`parley user/message/conversation administration [${kind}]`, () => {
    const beside = serverBeside(kind, quiet);

    const cli = async (args: string[], input?: string) => {
      const r = await runCli(args, beside.env(), input);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, any>);
    };
    const refused = async (args: string[], message: RegExp) => {
      const r = await runCli(args, beside.env());
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
    };

    it('make-admin grants the admin API at once and --revoke takes it back; list and show see the flag', async () => {
      const { api } = beside.server();
      const tag = `cli${Date.now().toString(36)}`;
      const u = await registerUser(api, { nickname: `Op ${tag}` });
      assertError(await api.get('/api/admin/stats', { token: u.token }), 403);
      assert.deepEqual(await cli(['user', 'make-admin', u.username]), [{ id: u.id, admin: true }]);
      okData(await api.get('/api/admin/stats', { token: u.token }));
      const [listed] = await cli(['user', 'list', '--query', tag, '--admins']);
      assert.deepEqual([listed!.id, listed!.admin, listed!.disabled, listed!.phone], [u.id, true, false, u.phone]);
      const [shown] = await cli(['user', 'show', u.phone]);
      assert.deepEqual([shown!.id, shown!.admin, shown!.liveSessions, shown!.conversations], [u.id, true, 1, 0]);
      assert.deepEqual(await cli(['user', 'make-admin', String(u.id), '--revoke']), [{ id: u.id, admin: false }]);
      assertError(await api.get('/api/admin/stats', { token: u.token }), 403);
      assert.deepEqual(await cli(['user', 'list', '--query', tag, '--admins']), []);
    });

    it('lists users a page at a time, with a note on stderr when more remain', async () => {
      const tag = `pg${Date.now().toString(36)}`;
      const made = [await registerUser(beside.server().api, { nickname: `A ${tag}` }), await registerUser(beside.server().api, { nickname: `B ${tag}` })];
      const r = await runCli(['user', 'list', '-q', tag, '--limit', '1'], beside.env());
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id),
        [made[0]!.id],
      );
      assert.match(r.stderr, /1 of 2 users shown; --offset 1 for the next ones/);
      await refused(['user', 'list', '--limit', 'lots'], /must be an integer from 1 to 1000/);
      await refused(['user', 'list', '--disabled', '--enabled'], /exclude each other/);
    });

    it('reset-password prints a generated password once, or takes one from stdin; revoke-sessions closes the sockets', async () => {
      const { api, url } = beside.server();
      const u = await registerUser(api);
      const socket = await WsClient.connect(url, u.token);
      const [reset] = await cli(['user', 'reset-password', u.username]);
      assert.equal(reset!.id, u.id);
      assert.equal(reset!.sessionsEnded, 1);
      assert.equal((await within(socket.closed, 3000, 'the socket to close')).code, 4401);
      const again = okData(await api.post('/api/auth/login', { phone: u.phone, password: reset!.password }));
      assert.deepEqual(await cli(['user', 'reset-password', u.phone, '--password-stdin'], 'from-stdin-123\n'), [{ id: u.id, sessionsEnded: 1 }]);
      assertError(await api.get('/api/users/me', { token: again.access_token }), 401, 10008);
      const fresh = okData(await api.post('/api/auth/login', { phone: u.phone, password: 'from-stdin-123' }));
      const open = await WsClient.connect(url, fresh.access_token);
      assert.deepEqual(await cli(['user', 'revoke-sessions', String(u.id)]), [{ id: u.id, sessionsEnded: 1 }]);
      assert.equal((await within(open.closed, 3000, 'the socket to close')).code, 4401);
      okData(await api.post('/api/auth/login', { phone: u.phone, password: 'from-stdin-123' }));
    });

    it('message delete and conversation show/delete: --yes required, members told, bad ids refused', async () => {
      const { api, url } = beside.server();
      const [u, v] = [await registerUser(api), await registerUser(api)];
      const chat = await createGroup(beside.server(), u, [v]);
      const m = await send(beside.server(), u, chat.id, 'moderate me');
      // Without Redis the server reads the command's events from the log: the open socket hears.
      const live = await WsClient.connect(url, v.token);
      await refused(['message', 'delete', String(m.id)], /deleting message \d+ is permanent; add --yes/);
      okData(await api.get(`/api/messages/${m.id}`, { token: v.token }));
      assert.deepEqual(await cli(['message', 'delete', String(m.id), '--yes']), [{ id: m.id, deleted: true }]);
      const frame = await within(live.next('message.delete'), 3000, 'message.delete on the open socket');
      assert.deepEqual([frame.data.id, frame.data.deleted_by], [m.id, null]);
      await refused(['message', 'delete', String(m.id), '--yes'], new RegExp(`error: message ${m.id} does not exist`));
      await refused(['message', 'delete', 'x1', '--yes'], /a message id is a positive integer/);

      const [shown] = await cli(['conversation', 'show', String(chat.id)]);
      assert.deepEqual(
        [shown!.id, shown!.type, shown!.messageCount, shown!.members.map((x: { id: number; role: string }) => `${x.id}:${x.role}`)],
        [chat.id, 'group', 1, [`${u.id}:owner`, `${v.id}:member`]],
      );
      await refused(['conversation', 'delete', String(chat.id)], /add --yes/);
      assert.deepEqual(await cli(['conversation', 'delete', String(chat.id), '--yes']), [{ id: chat.id, members: 2 }]);
      assert.equal((await within(live.next('member.removed'), 3000, 'member.removed on the open socket')).data.chat_id, chat.id);
      assertError(await api.get(`/api/chats/${chat.id}`, { token: v.token }), 404, 20001);
      await refused(['conversation', 'show', String(chat.id)], /does not exist/);
      await live.close();
    });

    it('user delete needs --yes, then removes the account for real and closes its sockets', async () => {
      const { api, url } = beside.server();
      const u = await registerUser(api);
      const socket = await WsClient.connect(url, u.token);
      await refused(['user', 'delete', u.username], /permanent; add --yes/);
      okData(await api.get('/api/users/me', { token: u.token }));
      const [deleted] = await cli(['user', 'delete', u.username, '--yes']);
      assert.deepEqual(deleted, { userId: u.id, sessionsEnded: 1, messagesDeleted: 0, conversationsDeleted: 0, groupsLeft: 0, filesDeleted: 0 });
      assert.equal((await within(socket.closed, 3000, 'the socket of the deleted user to close')).code, 4401);
      assertError(await api.post('/api/auth/login', { phone: u.phone, password: u.password }), 404, 10001);
      await refused(['user', 'show', String(u.id)], /no user has the id/);
    });
  });
}
