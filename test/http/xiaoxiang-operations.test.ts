import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { dropPrefix, sharedRedisUrl, uniquePrefix } from '../support/cluster.ts';
import { png } from '../support/files.ts';
import { runCli } from '../support/process.ts';
import { describeEachStore, startServerOn, type TestServer } from '../support/server.ts';
import { scratch, storeKinds, type Scratch } from '../support/stores.ts';
import { xxError, xxUpload, xxUser } from '../support/xiaoxiang.ts';

/**
 * The xiaoxiang profile (document 003) as an operator runs it: accounts and departments made with
 * `parley user add` and `parley org`, the health check with Redis, and the document's rate-limit
 * classes at their documented numbers (the defaults).
 */

for (const kind of storeKinds) {
  describe(`xiaoxiang accounts provisioned by an operator [${kind}]`, () => {
    let dir: Scratch;
    let server: TestServer;
    const cli = (args: string[], input?: string) => runCli(args, { LOG_LEVEL: 'warn', DATA_DIR: dir.dataDir, DATABASE_URL: dir.databaseUrl }, input);
    const login = (email: string, deviceId: string) =>
      server.api.post('/xiaoxiang/v1/auth/login', { email, password: 'operator-pass-1', deviceId, deviceInfo: { platform: 'android', version: '14', model: 'Pixel 8' } });

    it('parley user add --email --department --position: the account logs in here, placed in the directory', async () => {
      dir = await scratch(kind);
      server = await startServerOn(dir, kind);
      try {
        const added = await cli(['user', 'add', '--email', 'wang.wu@corp.example', '--nickname', '王五', '--department', '工程部/后端组', '--position', '架构师', '--password-stdin'], 'operator-pass-1\n');
        assert.equal(added.code, 0, added.stderr);
        const colleague = await cli(['user', 'add', '--email', 'zhao.liu@corp.example', '--nickname', '赵六', '--department', '工程部', '--password', 'operator-pass-1']);
        assert.equal(colleague.code, 0, colleague.stderr);

        const res = await login('wang.wu@corp.example', 'phone-1');
        assert.equal(res.status, 200, res.text);
        const { user, accessToken } = res.body.data;
        assert.deepEqual([user.email, user.name, user.department, user.position, user.permissions], ['wang.wu@corp.example', '王五', '后端组', '架构师', ['chat.read', 'chat.write', 'contacts.read']]);
        const token = { token: accessToken as string };

        const tree = (await server.api.get('/xiaoxiang/v1/organization/departments', token)).body.data.departments;
        const top = tree.find((d: { name: string }) => d.name === '工程部');
        assert.deepEqual([top.level, top.memberCount, top.members.map((m: { name: string }) => m.name)], [1, 2, ['赵六']]);
        assert.deepEqual(
          top.children.map((d: { name: string; level: number; memberCount: number; members: { name: string; position: string }[] }) => [d.name, d.level, d.memberCount, d.members.map((m) => [m.name, m.position])]),
          [['后端组', 2, 1, [['王五', '架构师']]]],
        );

        // The operator reshapes the tree; the API shows it at once.
        const backend = top.children[0].id as string;
        assert.equal((await cli(['org', 'rename', backend, '服务端组'])).code, 0);
        assert.equal((await server.api.get('/xiaoxiang/v1/users/me', token)).body.data.department, '服务端组');
        const assigned = await cli(['org', 'assign', 'wang.wu@corp.example', '工程部', '--position', '技术总监']);
        assert.equal(assigned.code, 0, assigned.stderr);
        const me = (await server.api.get('/xiaoxiang/v1/users/me', token)).body.data;
        assert.deepEqual([me.department, me.position], ['工程部', '技术总监']);
        const members = await server.api.get(`/xiaoxiang/v1/organization/departments/${top.id}/members`, token);
        assert.deepEqual(members.body.data.members.map((m: { name: string }) => m.name).sort(), ['王五', '赵六'].sort());
        assert.deepEqual(members.body.meta.pagination, { page: 1, limit: 50, total: 2, hasNext: false });
        // Empty now, the sub-department can go; the listing no longer has it.
        assert.equal((await cli(['org', 'delete', backend])).code, 0);
        const after = (await server.api.get('/xiaoxiang/v1/organization/departments', token)).body.data.departments.find((d: { name: string }) => d.name === '工程部');
        assert.deepEqual([after.children, after.memberCount], [[], 2]);

        xxError(await server.api.post('/xiaoxiang/v1/auth/login', { email: 'wang.wu@corp.example', password: 'wrong-password', deviceId: 'phone-1' }), 401, 'UNAUTHORIZED');
      } finally {
        await server.close();
        await dir.cleanup();
      }
    });
  });
}

const prefix = uniquePrefix();
after(() => dropPrefix(sharedRedisUrl, prefix));

describeEachStore(
  'xiaoxiang health with Redis configured',
  (server) => {
    it('answers services.redis healthy, database and websocket too, without a token or an envelope', async () => {
      const res = await server().api.get('/xiaoxiang/v1/health');
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(Object.keys(res.body).sort(), ['services', 'status', 'timestamp', 'version']);
      assert.deepEqual([res.body.status, res.body.services], ['healthy', { database: 'healthy', redis: 'healthy', websocket: 'healthy' }]);
    });
  },
  { env: () => ({ REDIS_URL: sharedRedisUrl, REDIS_PREFIX: prefix, NODE_ID: `xx-health-${process.pid}` }) },
);

describeEachStore(
  'xiaoxiang rate-limit classes at the document\'s numbers (the defaults)',
  (server) => {
    const api = () => server().api;
    const limited = (res: Awaited<ReturnType<TestServer['api']['get']>>) => {
      xxError(res, 429, 'RATE_LIMITED');
      assert.ok(Number(res.headers.get('retry-after')) > 0, res.text);
    };

    it('message sending: 100 per minute per user, POST /messages and /sync/upload alike; other classes go on', async () => {
      const [u, v] = [await xxUser(api(), 'Sender'), await xxUser(api(), 'Receiver')];
      const chat = (await api().post('/xiaoxiang/v1/chats', { type: 'private', participantIds: [v.id] }, { token: u.token })).body.data.id as string;
      const send = (i: number) => api().post('/xiaoxiang/v1/messages', { chatId: chat, type: 'text', content: `n${i}` }, { token: u.token });
      for (let i = 0; i < 90; i += 10) assert.deepEqual((await Promise.all(Array.from({ length: 10 }, (_, k) => send(i + k)))).map((r) => r.status), Array(10).fill(201));
      const uploads = Array.from({ length: 10 }, (_, i) => ({ type: 'message', action: 'create', clientId: `q${i}`, data: { chatId: chat, type: 'text', content: `u${i}` } }));
      for (let i = 0; i < 10; i++) assert.equal((await api().post('/xiaoxiang/v1/sync/upload', { changes: [uploads[i]] }, { token: u.token })).status, 200);
      limited(await send(100));
      limited(await api().post('/xiaoxiang/v1/sync/upload', { changes: uploads }, { token: u.token }));
      assert.equal((await api().get(`/xiaoxiang/v1/messages?chatId=${chat}&limit=100`, { token: u.token })).body.data.messages.length, 100, 'nothing of a refused call was stored');
      assert.equal((await api().post('/xiaoxiang/v1/messages', { chatId: chat, type: 'text', content: 'mine' }, { token: v.token })).status, 201, 'each user has their own budget');
    });

    it('file upload: 10 per minute per user', async () => {
      const u = await xxUser(api(), 'Uploader');
      const image = await png(4, 4);
      for (let i = 0; i < 10; i++) assert.equal((await xxUpload(server().url, u.token, { file: { data: image, name: `p${i}.png`, type: 'image/png' } })).status, 201);
      const eleventh = await xxUpload(server().url, u.token, { file: { data: image, name: 'p10.png', type: 'image/png' } });
      assert.equal(eleventh.status, 429, eleventh.text);
      assert.equal(eleventh.body.error.code, 'RATE_LIMITED');
    });

    it('queries: 1000 per minute per user', async () => {
      const u = await xxUser(api(), 'Reader');
      for (let i = 0; i < 1000; i += 50) {
        const statuses = (await Promise.all(Array.from({ length: 50 }, () => api().get('/xiaoxiang/v1/users/me', { token: u.token })))).map((r) => r.status);
        assert.ok(statuses.every((s) => s === 200), `request ${i}: ${statuses.join()}`);
      }
      limited(await api().get('/xiaoxiang/v1/chats', { token: u.token }));
    });
  },
  { env: { RATE_LIMIT_SEND: undefined, RATE_LIMIT_UPLOAD: undefined, RATE_LIMIT_QUERY: undefined } },
);

describeEachStore(
  'xiaoxiang security requirements: strict CORS, input never read as SQL',
  (server) => {
    it('answers CORS only to the configured origins, never with credentials', async () => {
      const preflight = (origin: string) =>
        fetch(`${server().url}/xiaoxiang/v1/auth/login`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' } });
      const allowed = await preflight('https://im.corp.example');
      assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://im.corp.example');
      assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /authorization/i);
      assert.equal(allowed.headers.get('access-control-allow-credentials'), null);
      assert.equal((await preflight('https://evil.example')).headers.get('access-control-allow-origin'), null);
      const u = await xxUser(server().api);
      const read = await fetch(`${server().url}/xiaoxiang/v1/users/me`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${u.token}` } });
      assert.equal(read.headers.get('access-control-allow-origin'), null);
    });

    it('takes quotes, wildcards and SQL as plain text: nothing more is found, nobody gets in', async () => {
      const api = server().api;
      const u = await xxUser(api, 'Quote Tester');
      await xxUser(api, 'Someone Else');
      for (const q of ['%', '_', "' OR '1'='1", '\\', '"; DROP TABLE users; --']) {
        const res = await api.get(`/xiaoxiang/v1/users/search?q=${encodeURIComponent(q)}`, { token: u.token });
        assert.equal(res.status, 200, res.text);
        assert.deepEqual([res.body.data.users, res.body.meta.pagination.total], [[], 0], q);
      }
      xxError(await api.post('/xiaoxiang/v1/auth/login', { email: "' OR '1'='1", password: "' OR '1'='1", deviceId: 'd' }), 401, 'UNAUTHORIZED');
      xxError(await api.get(`/xiaoxiang/v1/chats/${encodeURIComponent('1 OR 1=1')}`, { token: u.token }), 404, 'NOT_FOUND');
      xxError(await api.get(`/xiaoxiang/v1/messages?chatId=${encodeURIComponent("1' OR '1'='1")}`, { token: u.token }), 404, 'NOT_FOUND');
      const since = await api.get(`/xiaoxiang/v1/sync/changes?since=${encodeURIComponent("2024-01-01T00:00:00Z' OR 1=1 --")}`, { token: u.token });
      xxError(since, 400, 'VALIDATION_ERROR');
      assert.deepEqual(since.body.error.details.map((d: { field: string }) => d.field), ['since']);
      assert.equal((await api.get('/xiaoxiang/v1/users/me', { token: u.token })).status, 200, 'the users table is still there');
    });
  },
  { env: { CORS_ORIGINS: 'https://im.corp.example' } },
);
