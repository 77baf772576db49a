import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, it } from 'node:test';
import { TestClock } from '../support/clock.ts';
import { describeEachStore } from '../support/server.ts';
import { assertError, assertKeys, okData } from '../support/shapes.ts';
import { registerUser, uniquePhone } from '../support/users.ts';
import { WebhookSink } from '../support/webhook.ts';

const sink = new WebhookSink();
const clock = new TestClock();
const SECRET = 'webhook-signing-secret';

before(async () => {
  await sink.start();
});
after(async () => {
  await sink.close();
});

describeEachStore(
  'verification codes',
  (server) => {
    async function requestCode(phone: string): Promise<string> {
      const before = sink.received.length;
      const data = okData(await server().api.post('/api/auth/code', { phone }), '验证码已发送');
      assertKeys(data, ['expires_in', 'resend_after']);
      assert.equal(data.expires_in, 300);
      assert.equal(sink.received.length, before + 1);
      return sink.last().body.code as string;
    }

    it('posts a signed 6-digit code to the webhook, and the code logs the user in once', async () => {
      const u = await registerUser(server().api);
      const code = await requestCode(u.phone);
      const hit = sink.last();
      assert.match(code, /^\d{6}$/);
      assert.deepEqual(hit.body, { channel: 'sms', target: u.phone, code, expires_in: 300 });
      assert.equal(hit.headers['x-parley-signature'], `sha256=${createHmac('sha256', SECRET).update(hit.raw).digest('hex')}`);

      const data = okData(await server().api.post('/api/auth/login', { phone: u.phone, code }), '登录成功');
      assert.equal(data.user.id, u.id);
      okData(await server().api.get('/api/users/me', { token: data.access_token }));
      assertError(await server().api.post('/api/auth/login', { phone: u.phone, code }), 401, 10003);
    });

    it('refuses a second code within the resend interval with 429, 40001 and Retry-After', async () => {
      const phone = uniquePhone();
      await requestCode(phone);
      const res = await server().api.post('/api/auth/code', { phone });
      assertError(res, 429, 40001);
      const retry = Number(res.headers.get('retry-after'));
      assert.ok(retry > 0 && retry <= 60, `retry-after ${retry}`);
      clock.advance(61_000);
      await requestCode(phone);
    });

    it('voids a code after 5 wrong tries, even for the right code', async () => {
      const u = await registerUser(server().api);
      const code = await requestCode(u.phone);
      const wrong = code === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) {
        const res = await server().api.post('/api/auth/login', { phone: u.phone, code: wrong });
        assertError(res, 401, 10003);
      }
      assertError(await server().api.post('/api/auth/login', { phone: u.phone, code }), 401, 10003);
    });

    it('rejects an expired code', async () => {
      const u = await registerUser(server().api);
      clock.advance(61_000);
      const code = await requestCode(u.phone);
      clock.advance(301_000);
      assertError(await server().api.post('/api/auth/login', { phone: u.phone, code }), 401, 10003);
    });

    it('a newer code replaces the older one', async () => {
      const u = await registerUser(server().api);
      clock.advance(61_000);
      const first = await requestCode(u.phone);
      clock.advance(61_000);
      const second = await requestCode(u.phone);
      if (first !== second) assertError(await server().api.post('/api/auth/login', { phone: u.phone, code: first }), 401, 10003);
      okData(await server().api.post('/api/auth/login', { phone: u.phone, code: second }));
    });

    it('answers 503 when the webhook fails, and does not hold the number in cooldown', async () => {
      const phone = uniquePhone();
      sink.status = 500;
      try {
        assertError(await server().api.post('/api/auth/code', { phone }), 503);
      } finally {
        sink.status = 200;
      }
      await requestCode(phone);
    });

    it('validates the phone', async () => {
      assertError(await server().api.post('/api/auth/code', { phone: 'abc' }), 422);
      assertError(await server().api.post('/api/auth/code', {}), 422);
    });
  },
  {
    env: () => ({ CODE_SENDER: 'webhook', CODE_WEBHOOK_URL: sink.url, CODE_WEBHOOK_SECRET: SECRET }),
    options: () => ({ clock }),
  },
);
