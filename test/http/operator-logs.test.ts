import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/logger.ts';
import { until } from '../support/cluster.ts';
import { flutterSocket } from '../support/flutter.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { registerUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';

interface Line {
  level: unknown;
  msg: string;
  [field: string]: unknown;
}

/** A server whose log lines are kept, parsed, for the test to read. */
async function loggedServer(env: Record<string, string> = {}): Promise<{ s: TestServer; lines: Line[]; raw: string[] }> {
  const raw: string[] = [];
  const lines: Line[] = [];
  const logger = createLogger('debug', {
    write: (text: string) => {
      raw.push(text);
      lines.push(JSON.parse(text) as Line);
    },
  });
  // Addresses forwarded by loopback are believed, so a test can name the client's address.
  const s = await startTestServer('sqlite', { LOG_LEVEL: 'debug', TRUST_PROXY: 'loopback', ...env }, { logger });
  return { s, lines, raw };
}

const forwardedFor = (address: string) => ({ 'x-forwarded-for': address });

describe('logs for operators', () => {
  let s: TestServer;
  let lines: Line[];
  let raw: string[];
  before(async () => {
    ({ s, lines, raw } = await loggedServer());
  });
  after(async () => {
    await s?.close();
  });
  const linesAfter = (mark: number, msg: string) => lines.slice(mark).filter((l) => l.msg === msg);

  it('names levels as words', async () => {
    await s.api.get('/api/users/me');
    await s.api.post('/api/auth/login', { phone: '13900000001', password: 'whatever-1' });
    const levels = new Set(lines.map((l) => l.level));
    assert.ok(levels.has('info') && levels.has('debug') && levels.has('warn'), [...levels].join());
    for (const l of lines) assert.ok(['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(l.level as string), JSON.stringify(l));
  });

  it('writes one line per request with the client address (through TRUST_PROXY) and, once authenticated, the user id', async () => {
    const u = await registerUser(s.api);
    const mark = lines.length;
    assert.equal((await s.api.get('/api/users/me', { token: u.token, headers: forwardedFor('203.0.113.7') })).status, 200);
    assert.equal((await s.api.get('/api/users/me', { headers: forwardedFor('203.0.113.8') })).status, 401);
    const [authed, anonymous] = linesAfter(mark, 'request completed');
    assert.deepEqual(
      [authed?.level, authed?.method, authed?.url, authed?.statusCode, authed?.remoteAddress, authed?.userId],
      ['info', 'GET', '/api/users/me', 200, '203.0.113.7', u.id],
    );
    assert.equal(typeof authed?.requestId, 'string');
    assert.equal(typeof authed?.ms, 'number');
    assert.deepEqual([anonymous?.statusCode, anonymous?.remoteAddress, anonymous?.userId], [401, '203.0.113.8', undefined]);
  });

  it('warns of each refused login: how the account was named, which account, why, from where; never the password or identifier', async () => {
    const u = await registerUser(s.api, { email: `ops${Date.now()}@example.com` });
    const mark = lines.length;
    const wrong = 'not-the-Pa55word';
    await s.api.post('/api/auth/login', { phone: u.phone, password: wrong }, { headers: forwardedFor('198.51.100.4') });
    await s.api.post('/api/auth/login', { phone: '13999999999', password: wrong });
    await s.api.post('/lite/api/v1/login', { email: `nobody${Date.now()}@example.com`, password: wrong });
    const refused = linesAfter(mark, 'login refused');
    assert.deepEqual(
      refused.map((l) => [l.level, l.by, l.userId, l.reason]),
      [
        ['warn', 'phone', u.id, 'WRONG_PASSWORD'],
        ['warn', 'phone', null, 'USER_NOT_FOUND'],
        ['warn', 'email', null, 'USER_NOT_FOUND'],
      ],
    );
    assert.equal(refused[0]!.remoteAddress, '198.51.100.4');
    const text = raw.slice(mark).join('');
    assert.ok(!text.includes(wrong), 'the password is never logged');
    assert.ok(!text.includes('13999999999'), 'nor the identifier typed');
  });

  it('logs each socket opening and closing at info, with the counts of open sockets in all and per profile, and each refusal', async () => {
    const u = await registerUser(s.api);
    const mark = lines.length;
    const a = await WsClient.connect(s.url, u.token, { ws: { headers: forwardedFor('192.0.2.10') } });
    const b = await WsClient.connect(s.url, u.token);
    const f = await flutterSocket(`${s.url}/flutter`, u.token);
    await f.close();
    await until(() => linesAfter(mark, 'websocket closed').length === 1, 'the first close logged');
    await a.close();
    await until(() => linesAfter(mark, 'websocket closed').length === 2, 'the second close logged');
    const opened = linesAfter(mark, 'websocket open');
    assert.deepEqual(
      opened.map((l) => [l.level, l.profile, l.userId, l.connections, l.profileConnections]),
      [
        ['info', 'zhihang', u.id, 1, 1],
        ['info', 'zhihang', u.id, 2, 2],
        ['info', 'flutter', u.id, 3, 1],
      ],
    );
    assert.equal(opened[0]!.remoteAddress, '192.0.2.10');
    assert.equal(opened[1]!.remoteAddress, '127.0.0.1');
    const closed = linesAfter(mark, 'websocket closed');
    assert.deepEqual(
      closed.map((l) => [l.level, l.profile, l.code, l.connections, l.profileConnections]),
      [
        ['info', 'flutter', 1005, 2, 0],
        ['info', 'zhihang', 1005, 1, 1],
      ],
    );
    for (const l of closed) assert.ok(typeof l.ms === 'number' && l.ms >= 0);
    await b.close();

    await WsClient.refused(`${WsClient.url(s.url, 'not-a-token')}&since=1`, forwardedFor('192.0.2.11'));
    const [refused] = linesAfter(mark, 'websocket refused');
    assert.deepEqual(
      [refused?.level, refused?.profile, refused?.path, refused?.statusCode, refused?.reason, refused?.remoteAddress],
      ['info', 'zhihang', '/ws', 401, 'TOKEN_INVALID', '192.0.2.11'],
    );
  });
});

it('warns when an address runs out of auth requests', async () => {
  const { s, lines } = await loggedServer({ RATE_LIMIT_AUTH: '2/min' });
  try {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await s.api.post('/api/auth/login', { phone: '13900000000', password: 'whatever-1' })).status);
    assert.equal(statuses[2], 429);
    const limited = lines.filter((l) => l.msg === 'auth requests rate-limited');
    assert.deepEqual(
      limited.map((l) => [l.level, l.remoteAddress, l.route]),
      [['warn', '127.0.0.1', '/api/auth/login']],
    );
  } finally {
    await s.close();
  }
});
