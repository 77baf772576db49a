import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createGroup, openPrivate, send, users } from '../support/messaging.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { assertError, okData } from '../support/shapes.ts';
import { stateOf } from '../support/state.ts';
import type { TestUser } from '../support/users.ts';
import { WsClient } from '../support/ws.ts';

/**
 * The reproductions of the hardening issue: malformed multipart, framework-level routing errors,
 * and text that is not Unicode. Each must answer a 4xx in zhihang's envelope and change nothing.
 */

let s: TestServer;
let a: TestUser;
let b: TestUser;
let chatId: number;
let groupId: number;
let messageId: number;

before(async () => {
  s = await startTestServer();
  [a, b] = (await users(s, 2)) as [TestUser, TestUser];
  chatId = (await openPrivate(s, a, b)).id;
  groupId = (await createGroup(s, a, [b])).id;
  messageId = (await send(s, a, chatId, 'hello')).id;
  okData(await s.api.post('/api/contacts', { phone: b.phone }, { token: a.token }));
});
after(() => s.close());

/** Sends `request`, expects the zhihang error envelope with `status`, and no change of state. */
async function refusedUnchanged(status: number, request: () => Promise<{ status: number; body: any; text: string }>): Promise<any> {
  const before = await stateOf(s);
  const res = await request();
  assertError(res, status);
  assert.equal(await stateOf(s), before, 'the refused request changed nothing');
  return res.body;
}

const bytes = (text: string) => Buffer.from(text, 'latin1');

describe('malformed multipart uploads', () => {
  const form = '--XB\r\nContent-Disposition: form-data; name="type"\r\n\r\nimage\r\n--XB--\r\n';
  const filePart = '--XB\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello';
  const upload = (type: string, data: Uint8Array | string) => () => s.api.request('POST', '/api/files/upload', { token: a.token, raw: { type, data } });

  it('answers a missing, empty or wrong boundary with 400', async () => {
    for (const type of ['multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary=OTHER']) {
      const body = await refusedUnchanged(400, upload(type, form));
      assert.match(body.error, /multipart body is malformed/);
    }
  });

  it('answers truncated bodies and garbage with 400, keeping nothing of the file', async () => {
    for (const data of [filePart, `${filePart}\r\n--XB`, `${filePart}\r\n--X`, 'garbage\r\n\r\nmore', '--XB\r\nno headers end']) {
      await refusedUnchanged(400, upload('multipart/form-data; boundary=XB', data));
    }
  });

  it('answers a file name that is not UTF-8 with 422', async () => {
    const data = bytes('--XB\r\nContent-Disposition: form-data; name="file"; filename="a\xff\xfeb.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XB--\r\n');
    const body = await refusedUnchanged(422, upload('multipart/form-data; boundary=XB', data));
    assert.deepEqual(body.details, [{ field: 'file', message: 'is not valid UTF-8 text' }]);
  });

  it('still takes a well-formed upload with a UTF-8 name', async () => {
    const data = Buffer.from('--XB\r\nContent-Disposition: form-data; name="file"; filename="文件.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XB--\r\n');
    const file = okData(await s.api.request('POST', '/api/files/upload', { token: a.token, raw: { type: 'multipart/form-data; boundary=XB', data } }));
    assert.equal(file.name, '文件.txt');
  });
});

describe('errors raised before a route is found', () => {
  it('answers bad percent-encoding in a path with 400 in the envelope', async () => {
    for (const path of ['/api/chats/%FF', '/api/chats/%C0%AE', '/api/chats/%ED%A0%80', '/api/users/%E4%B8']) {
      const body = await refusedUnchanged(400, () => s.api.get(path, { token: a.token }));
      assert.equal(body.error, 'the path is not valid percent-encoded UTF-8');
    }
  });

  it('answers an over-long path segment, which names nothing, with 404 in the envelope', async () => {
    const body = await refusedUnchanged(404, () => s.api.get(`/api/chats/${'9'.repeat(250)}`, { token: a.token }));
    assert.match(body.error, /longer than 200 characters/);
  });

  it('answers bad percent-encoding in a query string with 400 in the envelope', async () => {
    for (const query of ['q=%FF', 'q=%ED%A0%80', 'q=ab%E4']) {
      await refusedUnchanged(400, () => s.api.get(`/api/users/search?${query}`, { token: a.token }));
    }
    assert.equal((await s.api.get('/api/users/search?q=%E6%9D%8E', { token: a.token })).status, 200);
  });

  it('takes numbers in query strings only as plain decimals', async () => {
    for (const query of ['limit=0x2', 'limit=1e1', 'limit=%202', 'limit=2.0', 'limit=02', 'limit=', 'offset=-0x1']) {
      const body = await refusedUnchanged(422, () => s.api.get(`/api/chats/${chatId}/messages?${query}`, { token: a.token }));
      assert.match(body.details[0].message, /^must be an integer in decimal digits$|^must be >= /, query);
    }
    assert.equal(okData(await s.api.get(`/api/chats/${chatId}/messages?limit=1&offset=0`, { token: a.token })).messages.length, 1);
  });

  it('answers OPTIONS without Origin like any request, not with a plain-text 400', async () => {
    const res = await fetch(`${s.url}/api/chats`, { method: 'OPTIONS' });
    assert.equal(res.status, 204);
  });

  it('decodes ids strictly', async () => {
    for (const id of ['0x10', '1e3', '%2012', '012', '-1', '1.5', '..%2F..', '1%00']) {
      await refusedUnchanged(422, () => s.api.get(`/api/chats/${id}`, { token: a.token }));
    }
  });
});

/** Sends bytes as they are and reads the answer's status and JSON body. */
function rawExchange(bytes: string | Buffer): Promise<{ status: number; body: any; text: string }> {
  const { port } = new URL(s.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const answer = Buffer.concat(chunks).toString('utf8');
      const text = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      resolve({ status: Number(answer.split(' ')[1]), body: JSON.parse(text), text });
    });
  });
}

describe('requests Node’s HTTP parser or the WebSocket handshake refuses', () => {
  it('answers malformed HTTP in the envelope of the path’s owner', async () => {
    const requests = [
      Buffer.from('GET /api/chats/\xff HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'),
      'GET /api/users/me HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'FOO /api/users/me HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /api/users/me HTTP/1.1\r\nBad Header: x\r\n\r\n',
    ];
    for (const bytes of requests) {
      const res = await rawExchange(bytes);
      assertError(res, 400);
      assert.equal(res.body.error, 'the request is not valid HTTP/1.1');
    }
    const huge = await rawExchange(`GET /api/users/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    assertError(huge, 400);
    assert.equal(huge.body.error, 'the request headers are too large');
  });

  it('answers a broken WebSocket handshake in the envelope, before ws would answer in HTML', async () => {
    const upgrade = (headers: Record<string, string>, method = 'GET') =>
      `${method} /ws?token=${a.token} HTTP/1.1\r\nHost: x\r\n${Object.entries({ Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}\r\n`;
    for (const [headers, error] of [
      [{ 'Sec-WebSocket-Key': 'short' }, 'Sec-WebSocket-Key must be 16 bytes in base64'],
      [{ 'Sec-WebSocket-Version': '99' }, 'Sec-WebSocket-Version must be 13'],
      [{ 'Sec-WebSocket-Protocol': 'a, a' }, 'Sec-WebSocket-Protocol must be a list of distinct tokens'],
    ] as const) {
      const res = await rawExchange(upgrade(headers));
      assertError(res, 400);
      assert.equal(res.body.error, error);
    }
    assertError(await rawExchange(upgrade({}, 'POST')), 405);
  });
});

describe('text that is not Unicode', () => {
  const invalidBytes = bytes('{"nickname":"A\xff\xfe\xc3(A"}');
  const json = (method: string, path: string, data: string | Uint8Array, token: string | undefined = a.token) => () =>
    s.api.request(method, path, { token, raw: { type: 'application/json', data } });

  it('refuses a body that is not UTF-8 with 400', async () => {
    const body = await refusedUnchanged(400, json('PUT', '/api/users/me', invalidBytes));
    assert.equal(body.error, 'the request body is not valid UTF-8 text');
  });

  it('refuses lone surrogates with 422 naming the field, on every route that stores text', async () => {
    const surrogates = '\\ud800'.repeat(64);
    const cases: [string, string, string, string][] = [
      ['POST', '/api/auth/register', `{"phone":"13912340000","password":"password123","nickname":"a\\ud800b"}`, 'nickname'],
      ['PUT', '/api/users/me', `{"nickname":"${surrogates}"}`, 'nickname'],
      ['PUT', '/api/users/me', `{"bio":"x\\udfffy"}`, 'bio'],
      ['PUT', `/api/contacts/${b.id}`, `{"nickname":"\\udc00"}`, 'nickname'],
      ['POST', '/api/chats', `{"name":"g\\ud83d","type":"group","members":[${b.id}]}`, 'name'],
      ['PUT', `/api/chats/${groupId}`, `{"announcement":"\\ud800"}`, 'announcement'],
      ['POST', `/api/chats/${chatId}/messages`, `{"content":"hi \\ud800","type":"text"}`, 'content'],
      ['PUT', `/api/messages/${messageId}`, `{"content":"\\udbff!"}`, 'content'],
    ];
    for (const [method, path, data, field] of cases) {
      const token = path.startsWith('/api/auth') ? undefined : a.token;
      const body = await refusedUnchanged(422, json(method, path, data, token));
      assert.deepEqual(body.details, [{ field, message: 'is not valid Unicode text (it holds a lone surrogate)' }], `${method} ${path}`);
    }
  });

  it('refuses numbers beyond a double’s range with 422 naming the field', async () => {
    const body = await refusedUnchanged(422, json('POST', `/api/chats/${chatId}/messages`, '{"content":"x","ttl":1e999}'));
    assert.deepEqual(body.details, [{ field: 'ttl', message: 'is a number too large to represent' }]);
  });

  it('keeps well-formed surrogate pairs', async () => {
    okData(await s.api.request('PUT', '/api/users/me', { token: a.token, raw: { type: 'application/json', data: '{"nickname":"\\ud83d\\ude00 ok"}' } }));
    assert.equal(okData(await s.api.get('/api/users/me', { token: a.token })).nickname, '😀 ok');
  });
});

describe('links a client will render', () => {
  it('refuses avatars that are not http(s) URLs or paths on this server', async () => {
    for (const avatar of ['javascript:alert(1)', 'JavaScript:alert(1)', 'java\tscript:alert(1)', 'data:text/html,<script>1</script>', '//evil.example/a.png', 'vbscript:x', 'file:///etc/passwd', 'https://', '/\\evil.example']) {
      const body = await refusedUnchanged(422, () => s.api.put('/api/users/me', { avatar }, { token: a.token }));
      assert.deepEqual(body.details, [{ field: 'avatar', message: 'must be an http(s) URL or a link to a file on this server' }], avatar);
      await refusedUnchanged(422, () => s.api.put(`/api/chats/${groupId}`, { avatar }, { token: a.token }));
    }
  });

  it('takes http(s) URLs, file links of this server, and an empty avatar', async () => {
    for (const avatar of ['https://cdn.example.com/a.png', 'http://例子.测试/头像.png', '/api/files/file_abcdefgh12345678', '']) {
      okData(await s.api.put('/api/users/me', { avatar }, { token: a.token }));
      assert.equal(okData(await s.api.get('/api/users/me', { token: a.token })).avatar, avatar);
    }
  });
});

describe('the WebSocket', () => {
  it('answers a frame that is not UTF-8 with an error frame and stays open', async () => {
    const ws = await WsClient.connect(s.url, a.token);
    try {
      const before = await stateOf(s);
      ws.ws.send(bytes('{"type":"message.send","data":{"chat_id":1,"content":"\xff\xfe"}}'), { binary: false });
      const error = await ws.next('error');
      assert.deepEqual([error.data.code, error.data.error], [400, 'the frame is not valid UTF-8 text']);
      ws.send(`{"type":"message.send","data":{"chat_id":${chatId},"client_id":"s-1","content":"a\\ud800"}}`);
      const invalid = await ws.next('error');
      assert.deepEqual([invalid.data.code, invalid.data.client_id], [422, 's-1']);
      assert.deepEqual(invalid.data.details, [{ field: 'data.content', message: 'is not valid Unicode text (it holds a lone surrogate)' }]);
      ws.send('{"type":"ping","data":{"timestamp":1e999}}');
      assert.deepEqual((await ws.next('error')).data.details, [{ field: 'data.timestamp', message: 'is a number too large to represent' }]);
      await ws.barrier();
      assert.equal(await stateOf(s), before);
    } finally {
      await ws.close();
    }
  });
});
