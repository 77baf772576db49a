import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachStore } from '../support/server.ts';
import { assertError, okData } from '../support/shapes.ts';
import { uniquePhone } from '../support/users.ts';

describeEachStore(
  'rate limits',
  (server) => {
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });

    async function createUser() {
      const phone = uniquePhone();
      const user = await server().core.auth.createUser({ phone, password: 'password123' });
      return { phone, id: user.id };
    }

    it('allows 5 auth requests a minute per client; wrong passwords count; the 6th gets 429 40001 with Retry-After', async () => {
      const api = server().api;
      const u = await createUser();
      for (let i = 0; i < 5; i++) {
        const res = await api.post('/api/auth/login', { phone: u.phone, password: 'wrong-password' }, from('10.0.0.1'));
        assertError(res, 401, 10002);
        assert.equal(res.headers.get('x-ratelimit-limit'), '5');
        assert.equal(res.headers.get('x-ratelimit-remaining'), String(4 - i));
      }
      const limited = await api.post('/api/auth/login', { phone: u.phone, password: 'password123' }, from('10.0.0.1'));
      assertError(limited, 429, 40001);
      assert.equal(limited.body.message, '请求过于频繁');
      const retry = Number(limited.headers.get('retry-after'));
      assert.ok(retry >= 1 && retry <= 60, `retry-after ${retry}`);
      // Registration and code requests share the class.
      assertError(await api.post('/api/auth/register', { phone: uniquePhone(), password: 'password123' }, from('10.0.0.1')), 429, 40001);
      // Another client is not affected.
      okData(await api.post('/api/auth/login', { phone: u.phone, password: 'password123' }, from('10.0.0.2')));
    });

    it('wrong verification codes count as well', async () => {
      const api = server().api;
      const u = await createUser();
      for (let i = 0; i < 5; i++) {
        assertError(await api.post('/api/auth/login', { phone: u.phone, code: '000000' }, from('10.0.1.1')), 401, 10003);
      }
      assertError(await api.post('/api/auth/login', { phone: u.phone, code: '000000' }, from('10.0.1.1')), 429, 40001);
    });

    it('limits other requests per user under the query class', async () => {
      const api = server().api;
      const a = await createUser();
      const b = await createUser();
      const tokenA = (await server().core.auth.login({ identifier: { phone: a.phone }, password: 'password123' }, {})).accessToken;
      const tokenB = (await server().core.auth.login({ identifier: { phone: b.phone }, password: 'password123' }, {})).accessToken;
      for (let i = 0; i < 4; i++) okData(await api.get('/api/users/me', { token: tokenA }));
      const limited = await api.get('/api/contacts', { token: tokenA });
      assertError(limited, 429, 40001);
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      okData(await api.get('/api/users/me', { token: tokenB }));
    });
  },
  { env: { RATE_LIMIT_AUTH: '5/min', RATE_LIMIT_QUERY: '4/min', TRUST_PROXY: 'true' } },
);

describeEachStore(
  'failed logins per account',
  (server) => {
    const from = (ip: string) => ({ headers: { 'x-forwarded-for': ip } });
    const login = (phone: string, password: string, ip: string) => server().api.post('/api/auth/login', { phone, password }, from(ip));

    async function createUser() {
      const phone = uniquePhone();
      const user = await server().core.auth.createUser({ phone, email: `${phone}@example.com`, username: `a${phone}`, password: 'password123' });
      return { phone, id: user.id };
    }

    it('refuses an account after 3 failures from any addresses, with Retry-After, whatever the next password; other accounts go on', async () => {
      const [victim, other] = [await createUser(), await createUser()];
      for (let i = 1; i <= 3; i++) assertError(await login(victim.phone, 'wrong-password', `198.51.100.${i}`), 401, 10002);
      const limited = await login(victim.phone, 'password123', '198.51.100.9');
      assertError(limited, 429, 40001);
      const retry = Number(limited.headers.get('retry-after'));
      assert.ok(retry > 14 * 60 && retry <= 15 * 60, `retry-after ${retry}`);
      // The account's email and username share its budget; a code does not get around it either.
      const api = server().api;
      assertError(await api.post('/api/auth/login', { email: `${victim.phone}@example.com`, password: 'password123' }), 429, 40001);
      assertError(await api.post('/api/auth/login', { username: `a${victim.phone}`, password: 'password123' }), 429, 40001);
      assertError(await api.post('/api/auth/login', { phone: victim.phone, code: '123456' }), 429, 40001);
      // Another account logs in from the same address, and its success resets nothing of the first's.
      okData(await login(other.phone, 'password123', '198.51.100.1'));
      assertError(await login(victim.phone, 'password123', '198.51.100.1'), 429, 40001);
      // Unknown accounts are not counted, and keep their own answer.
      for (let i = 0; i < 5; i++) assertError(await login(uniquePhone(), 'wrong-password', '198.51.100.1'), 404, 10001);
    });

    it('does not count successful logins, nor reset the failures counted before them', async () => {
      const u = await createUser();
      for (let i = 0; i < 5; i++) okData(await login(u.phone, 'password123', '198.51.100.20'));
      assertError(await login(u.phone, 'wrong-password', '198.51.100.20'), 401, 10002);
      assertError(await login(u.phone, 'wrong-password', '198.51.100.21'), 401, 10002);
      okData(await login(u.phone, 'password123', '198.51.100.22'));
      assertError(await login(u.phone, 'wrong-password', '198.51.100.23'), 401, 10002);
      assertError(await login(u.phone, 'password123', '198.51.100.24'), 429, 40001);
    });

    it('lets no more than 3 guesses through when 12 arrive at once', async () => {
      const u = await createUser();
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => login(u.phone, `wrong-password-${i}`, `198.51.100.${40 + i}`)));
      const statuses = answers.map((r) => r.status).sort();
      assert.deepEqual(statuses, [...Array(3).fill(401), ...Array(9).fill(429)]);
    });
  },
  { env: { RATE_LIMIT_LOGIN_FAILURES: '3/15m', TRUST_PROXY: 'true' } },
);
