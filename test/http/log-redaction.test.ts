import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createLogger } from '../../src/logger.ts';
import { startTestServer } from '../support/server.ts';
import { okData } from '../support/shapes.ts';
import { registerUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';

it('logs no token, password or other credential-like query value, at debug level, on any line', async () => {
  const lines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void lines.push(line) });
  const s = await startTestServer('sqlite', { LOG_LEVEL: 'debug' }, { logger });
  let refreshToken: string | undefined;
  try {
    const u = await registerUser(s.api, { password: 'pa55word-in-a-body' });
    refreshToken = u.refreshToken;
    okData(await s.api.get(`/api/users/me?token=${u.token}&since=1`));
    await s.api.get(`/ws?token=${u.token}`);
    await s.api.get(`/api/nowhere?access_token=${u.token}&api_key=k3y-value`);
    await s.api.post('/api/auth/refresh', { refresh_token: u.refreshToken });
    const ws = await WsClient.connect(s.url, u.token);
    await ws.close();
    await WsClient.refused(WsClient.url(s.url, `${u.token}x`));
  } finally {
    await s.close();
  }
  const log = lines.join('');
  assert.ok(lines.length > 10);
  // Access tokens are JWTs: eyJ... in three parts.
  for (const secret of [/eyJ[\w-]+\.[\w-]+\.[\w-]+/, /pa55word-in-a-body/, /k3y-value/]) assert.doesNotMatch(log, secret);
  assert.ok(refreshToken && !log.includes(refreshToken));
  const entries = lines.map((l) => JSON.parse(l) as { msg: string; req?: { url: string }; url?: string });
  const incoming = entries.filter((e) => e.msg === 'incoming request').map((e) => e.req!.url);
  assert.ok(incoming.includes('/api/users/me?token=[redacted]&since=1'), incoming.join('\n'));
  assert.ok(incoming.includes('/ws?token=[redacted]'));
  assert.ok(incoming.includes('/api/nowhere?access_token=[redacted]&api_key=[redacted]'));
  const completed = entries.filter((e) => e.msg === 'request completed').map((e) => e.url);
  assert.ok(completed.includes('/api/users/me?token=[redacted]&since=1'), completed.join('\n'));
});
