import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SignJWT, decodeJwt } from 'jose';
import { describeEachStore, type TestServer } from '../support/server.ts';
import { assertError, assertKeys, isoSecondsRe, okData } from '../support/shapes.ts';
import { registerUser, uniquePhone } from '../support/users.ts';

const JWT_SECRET = 'test-secret-that-is-long-enough-0123456789';

async function userCount(s: TestServer): Promise<number> {
  const row = await s.core.store.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

describeEachStore(
  'auth',
  (server) => {
    it('registers with the documented response shape', async () => {
      const phone = uniquePhone();
      const res = await server().api.post('/api/auth/register', { phone, username: `reg${phone}`, password: 'password123', nickname: '测试用户' });
      const data = okData(res, '注册成功');
      assertKeys(data, ['user', 'access_token', 'token', 'refresh_token', 'expires_in']);
      assertKeys(data.user, ['id', 'phone', 'username', 'nickname', 'avatar', 'online', 'last_seen']);
      assert.equal(data.user.phone, phone);
      assert.equal(data.user.username, `reg${phone}`);
      assert.equal(data.user.nickname, '测试用户');
      assert.equal(data.user.avatar, '');
      assert.equal(data.user.online, false);
      assert.match(data.user.last_seen, isoSecondsRe);
      assert.equal(typeof data.user.id, 'number');
      assert.equal(data.access_token.split('.').length, 3);
      assert.equal(data.token, data.access_token);
      assert.equal(data.expires_in, 3600);
      assert.notEqual(data.refresh_token, data.access_token);
      const me = okData(await server().api.get('/api/users/me', { token: data.access_token }));
      assert.equal(me.id, data.user.id);
    });

    it('refuses a taken phone (10005) or username (10006) with 409', async () => {
      const u = await registerUser(server().api);
      const before = await userCount(server());
      assertError(await server().api.post('/api/auth/register', { phone: u.phone, password: 'password123' }), 409, 10005);
      assertError(
        await server().api.post('/api/auth/register', { phone: uniquePhone(), username: u.username.toUpperCase(), password: 'password123' }),
        409,
        10006,
      );
      assert.equal(await userCount(server()), before);
    });

    it('answers invalid fields with 422 and a field detail, changing nothing', async () => {
      const before = await userCount(server());
      const cases: [Record<string, unknown>, string][] = [
        [{ password: 'password123' }, 'phone'],
        [{ phone: uniquePhone() }, 'password'],
        [{ phone: uniquePhone(), password: 'short' }, 'password'],
        [{ phone: 'not-a-phone', password: 'password123' }, 'phone'],
        [{ phone: Number(uniquePhone()), password: 'password123' }, 'phone'],
        [{ phone: uniquePhone(), password: 'password123', username: 'bad name!' }, 'username'],
        [{ phone: uniquePhone(), password: 'password123', nickname: 'x'.repeat(65) }, 'nickname'],
        [{ phone: uniquePhone(), password: 'password123', nickname: '' }, 'nickname'],
        [{ phone: uniquePhone(), password: 'p'.repeat(129) }, 'password'],
        [{ phone: uniquePhone(), password: 'password123', email: 'nope' }, 'email'],
      ];
      for (const [body, field] of cases) {
        const res = await server().api.post('/api/auth/register', body);
        assertError(res, 422);
        assert.equal(res.body.message, '数据验证失败');
        assert.ok(res.body.details.some((d: { field: string }) => d.field === field), `${JSON.stringify(body)} -> ${res.text}`);
      }
      assert.equal(await userCount(server()), before);
    });

    it('answers malformed JSON with 400, a non-JSON body with 415 and an oversize body with 413', async () => {
      const before = await userCount(server());
      const api = server().api;
      assertError(await api.request('POST', '/api/auth/register', { raw: { data: '{"phone": "1380', type: 'application/json' } }), 400);
      assertError(await api.request('POST', '/api/auth/register', { raw: { data: 'phone=1', type: 'text/plain' } }), 415);
      assertError(await api.request('POST', '/api/auth/register', { raw: { data: '[1,2]', type: 'application/json' } }), 422);
      const huge = JSON.stringify({ phone: uniquePhone(), password: 'password123', nickname: 'x'.repeat(2 * 1024 * 1024) });
      assertError(await api.request('POST', '/api/auth/register', { raw: { data: huge, type: 'application/json' } }), 413);
      assert.equal(await userCount(server()), before);
    });

    it('logs in with phone and password in the documented shape', async () => {
      const u = await registerUser(server().api);
      const data = okData(await server().api.post('/api/auth/login', { phone: u.phone, password: u.password }), '登录成功');
      assertKeys(data, ['user', 'access_token', 'token', 'refresh_token', 'expires_in']);
      assertKeys(data.user, ['id', 'phone', 'username', 'nickname', 'avatar', 'online', 'last_seen']);
      assert.equal(data.user.id, u.id);
      assert.notEqual(data.refresh_token, u.refreshToken);
      okData(await server().api.get('/api/users/me', { token: data.access_token }));
    });

    it('accepts username or email in place of phone, and checks the password when a code is sent too', async () => {
      const email = `${uniquePhone()}@example.com`;
      const u = await registerUser(server().api, { email });
      okData(await server().api.post('/api/auth/login', { username: u.username.toUpperCase(), password: u.password }));
      okData(await server().api.post('/api/auth/login', { email: email.toUpperCase(), password: u.password }));
      okData(await server().api.post('/api/auth/login', { phone: u.phone, code: '123456', password: u.password }));
      assertError(await server().api.post('/api/auth/login', { phone: u.phone, code: '123456', password: 'wrong-password' }), 401, 10002);
    });

    it('answers login errors with 10001, 10002 and 422', async () => {
      const u = await registerUser(server().api);
      assertError(await server().api.post('/api/auth/login', { phone: uniquePhone(), password: 'password123' }), 404, 10001);
      assertError(await server().api.post('/api/auth/login', { phone: u.phone, password: 'wrong-password' }), 401, 10002);
      assertError(await server().api.post('/api/auth/login', { phone: u.phone }), 422);
      assertError(await server().api.post('/api/auth/login', { password: 'password123' }), 422);
      assertError(await server().api.post('/api/auth/login', { phone: u.phone, code: '000000' }), 401, 10003);
    });

    it('rotates refresh tokens, and a reused one ends the whole session', async () => {
      const api = server().api;
      const u = await registerUser(api);
      const first = okData(await api.post('/api/auth/refresh', { refresh_token: u.refreshToken }), '令牌刷新成功');
      assertKeys(first, ['access_token', 'token', 'refresh_token', 'expires_in']);
      assert.notEqual(first.refresh_token, u.refreshToken);
      okData(await api.get('/api/users/me', { token: first.access_token }));

      const second = okData(await api.post('/api/auth/refresh', { refresh_token: first.refresh_token }));
      okData(await api.get('/api/users/me', { token: second.access_token }));

      // The first refresh token is presented again: someone holds a copy. Everything ends.
      assertError(await api.post('/api/auth/refresh', { refresh_token: u.refreshToken }), 401, 10008);
      assertError(await api.get('/api/users/me', { token: second.access_token }), 401, 10008);
      assertError(await api.post('/api/auth/refresh', { refresh_token: second.refresh_token }), 401, 10008);
      assertError(await api.post('/api/auth/refresh', { refresh_token: 'rt_not-a-token' }), 401, 10008);
    });

    it('two concurrent refreshes with one token cannot both succeed', async () => {
      const api = server().api;
      const u = await registerUser(api);
      const results = await Promise.all([1, 2].map(() => api.post('/api/auth/refresh', { refresh_token: u.refreshToken })));
      const statuses = results.map((r) => r.status).sort();
      assert.ok(statuses[0] === 200 ? statuses[1] === 401 : statuses.every((s) => s === 401), statuses.join(','));
    });

    it('logout makes the access and refresh tokens of that session fail at once, and only that session', async () => {
      const api = server().api;
      const u = await registerUser(api);
      const other = okData(await api.post('/api/auth/login', { phone: u.phone, password: u.password }));
      okData(await api.post('/api/auth/logout', undefined, { token: u.token }), '登出成功');
      assertError(await api.get('/api/users/me', { token: u.token }), 401, 10008);
      assertError(await api.post('/api/auth/refresh', { refresh_token: u.refreshToken }), 401, 10008);
      assertError(await api.post('/api/auth/logout', undefined, { token: u.token }), 401, 10008);
      okData(await api.get('/api/users/me', { token: other.access_token }));
      // An empty JSON body is accepted as "no body".
      okData(await api.request('POST', '/api/auth/logout', { token: other.access_token, raw: { data: '', type: 'application/json' } }));
    });

    it('refuses missing, malformed, tampered and expired tokens', async () => {
      const api = server().api;
      const u = await registerUser(api);
      assertError(await api.get('/api/users/me'), 401, 401);
      assertError(await api.get('/api/users/me', { headers: { authorization: 'Basic abc' } }), 401, 401);
      assertError(await api.get('/api/users/me', { token: 'garbage' }), 401, 10008);

      const [h, p, sig] = u.token.split('.') as [string, string, string];
      const flipped = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + sig.at(-1);
      assertError(await api.get('/api/users/me', { token: `${h}.${p}.${flipped}` }), 401, 10008);
      const claims = decodeJwt(u.token);
      const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: String(u.id + 1) })).toString('base64url');
      assertError(await api.get('/api/users/me', { token: `${h}.${forgedPayload}.${sig}` }), 401, 10008);

      const key = new TextEncoder().encode(JWT_SECRET);
      const past = Math.floor(Date.now() / 1000) - 7200;
      const expired = await new SignJWT({ sid: claims.sid })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer('parley')
        .setSubject(String(u.id))
        .setIssuedAt(past)
        .setExpirationTime(past + 60)
        .sign(key);
      assertError(await api.get('/api/users/me', { token: expired }), 401, 10007);

      const wrongKey = await new SignJWT({ sid: claims.sid })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('parley')
        .setSubject(String(u.id))
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('another-secret-another-secret-another'));
      assertError(await api.get('/api/users/me', { token: wrongKey }), 401, 10008);

      const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
      assertError(await api.get('/api/users/me', { token: unsigned }), 401, 10008);
    });

    it('a disabled account cannot log in (10004) and its live tokens stop working', async () => {
      const api = server().api;
      const u = await registerUser(api);
      await server().core.store.users.update(u.id, { isDisabled: true }, Date.now());
      assertError(await api.post('/api/auth/login', { phone: u.phone, password: u.password }), 403, 10004);
      assertError(await api.get('/api/users/me', { token: u.token }), 403, 10004);
      assertError(await api.post('/api/auth/login', { phone: u.phone, password: 'wrong-password' }), 401, 10002);
    });
  },
  { env: { JWT_SECRET } },
);
