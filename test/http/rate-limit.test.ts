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
