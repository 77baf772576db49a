import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type, type TSchema } from 'typebox';
import { AppError, type FieldProblem } from '../../src/domain/errors.ts';
import { validatorCompiler } from '../../src/http/validation.ts';
import { bare, codeMessage, codeMessageData, successData, successDataMeta, type Envelope } from '../../src/profiles/kit/envelopes.ts';
import { errorTable, snakeCase, snakeFields } from '../../src/profiles/kit/errors.ts';
import { integerId, stringId } from '../../src/profiles/kit/ids.ts';
import { cursorPaging, metaPaging, offsetMetaPaging, offsetPaging, offsetTotalPaging, pagePaging, type Paging } from '../../src/profiles/kit/paging.ts';
import { defineProfile, mountedSocket } from '../../src/profiles/kit/profile.ts';
import { route } from '../../src/profiles/kit/route.ts';
import { defineSocket } from '../../src/profiles/kit/socket.ts';
import { zhihang } from '../../src/profiles/zhihang/index.ts';
import { profiles } from '../../src/profiles/index.ts';
import { loadConfig } from '../../src/config.ts';
import { closed } from '../../src/profiles/kit/fields.ts';
import { contractProblems } from '../support/contract.ts';
import { echo } from '../support/echo.ts';

const at = Date.UTC(2024, 11, 19, 10, 30, 0, 500);

/** The AppError a call throws (fails when it throws none, or something else). */
function thrown(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an AppError, nothing was thrown');
}

describe('id codecs', () => {
  const malformedIntegers = ['0x10', '1e3', ' 12', '12 ', '012', '0', '-1', '+1', '1.0', '1_000', '', '١٢', '99999999999999999999', '9007199254740992'];

  it('integerId decodes canonical positive integers up to the largest safe one', () => {
    const id = integerId();
    assert.equal(id.decode('1', 'chat_id'), 1);
    assert.equal(id.decode('42', 'chat_id'), 42);
    assert.equal(id.decode('9007199254740991', 'chat_id'), Number.MAX_SAFE_INTEGER);
    assert.equal((id.schema as { type?: string }).type, 'string', 'the path parameter is text, decoded by the codec, not coerced by Ajv');
  });

  it('integerId refuses every other spelling as a validation error naming the parameter', () => {
    for (const raw of malformedIntegers) {
      const err = thrown(() => integerId().decode(raw, 'chat_id'));
      assert.equal(err.code, 'VALIDATION', raw);
      assert.deepEqual(err.details, [{ field: 'chat_id', message: 'must be a positive integer' }], raw);
    }
  });

  it('integerId with a not-found variant answers a malformed id as that resource’s not-found', () => {
    const id = integerId({ notFound: 'CHAT_NOT_FOUND' });
    for (const raw of ['0x10', '012', '99999999999999999999']) {
      const err = thrown(() => id.decode(raw, 'chat_id'));
      assert.deepEqual([err.code, err.status, err.message], ['CHAT_NOT_FOUND', 404, 'no such chat_id'], raw);
    }
    assert.equal(id.decode('7', 'chat_id'), 7);
  });

  it('stringId takes letters, digits, _ and - up to its maximum length', () => {
    const id = stringId();
    for (const raw of ['a', 'file_AbC-123', '0', 'x'.repeat(100)]) assert.equal(id.decode(raw, 'file_id'), raw);
    for (const raw of ['', 'x'.repeat(101), 'a b', 'a/b', 'a.b', 'é', '%41', 'a\n']) {
      const err = thrown(() => id.decode(raw, 'file_id'));
      assert.equal(err.code, 'VALIDATION', JSON.stringify(raw));
      assert.deepEqual(err.details, [{ field: 'file_id', message: 'must be an id of letters, digits, _ and -' }]);
    }
    const short = stringId('validation', undefined, 4);
    assert.equal(short.decode('abcd', 'id'), 'abcd');
    assert.equal(thrown(() => short.decode('abcde', 'id')).code, 'VALIDATION');
    const hidden = stringId({ notFound: 'FILE_NOT_FOUND' });
    assert.deepEqual([thrown(() => hidden.decode('../etc', 'file_id')).code], ['FILE_NOT_FOUND']);
  });
});

describe('envelopes', () => {
  const envelopes: [Envelope, number | string][] = [
    [codeMessageData, 20001],
    [codeMessage, 404],
    [successData, 'AUTH_001'],
    [successDataMeta, 'VALIDATION_ERROR'],
    [bare, 'not_found'],
  ];
  const Item = Type.Object({ id: Type.Integer(), name: Type.String() });
  const details: FieldProblem[] = [{ field: 'chat_id', message: 'is required' }];

  /** Validates against the schema with every object closed, so a field the schema omits fails too. */
  const conforms = (schema: TSchema, body: unknown, what: string) => assert.deepEqual(contractProblems(closed(schema), body), [], `${what}: ${JSON.stringify(body)}`);

  for (const [envelope, code] of envelopes) {
    it(`${envelope.name}: success and error bodies match their own schemas`, () => {
      conforms(envelope.successSchema(Item), envelope.success({ id: 1, name: 'x' }, '成功', 200, at), 'success');
      conforms(envelope.successSchema(Type.Array(Item)), envelope.success([{ id: 1, name: 'x' }], 'ok', 201, at), 'success of a list');
      const parts = { status: 422, code, message: '数据验证失败', detail: 'chat_id: is required', requestId: 'req_1', at };
      conforms(envelope.errorSchema, envelope.error(parts), 'error');
      conforms(envelope.errorSchema, envelope.error({ ...parts, details }), 'error with details');
      // The body's fields are the schema's: a code that is neither a number nor a string fails.
      const wrongCode = { nested: 1 } as unknown as string;
      assert.notDeepEqual(contractProblems(envelope.errorSchema, envelope.error({ ...parts, code: wrongCode })), [], 'a code of the wrong type is caught');
    });
  }

  it('each error body carries the detail and the field problems where its document puts them', () => {
    const parts = { status: 422, code: 422, message: '数据验证失败', detail: 'chat_id: is required', details, requestId: 'req_9', at };
    assert.deepEqual(codeMessageData.error(parts), {
      code: 422,
      message: '数据验证失败',
      error: 'chat_id: is required',
      timestamp: '2024-12-19T10:30:00Z',
      success: false,
      details,
    });
    assert.deepEqual(codeMessage.error(parts), { code: 422, message: '数据验证失败', error: 'chat_id: is required', details });
    assert.deepEqual(successData.error({ ...parts, code: 'VALIDATION_001' }), {
      success: false,
      error: { code: 'VALIDATION_001', message: 'chat_id: is required', details: { fields: details } },
      timestamp: '2024-12-19T10:30:00Z',
    });
    assert.deepEqual(successDataMeta.error({ ...parts, code: 'VALIDATION_ERROR' }), {
      success: false,
      error: { code: 'VALIDATION_ERROR', message: 'chat_id: is required', details, requestId: 'req_9', timestamp: '2024-12-19T10:30:00Z' },
    });
    assert.deepEqual(bare.error({ ...parts, code: 400 }), { code: 400, message: '数据验证失败', details: 'chat_id: is required' });
    assert.deepEqual(bare.error({ ...parts, code: 400, detail: '' }), { code: 400, message: '数据验证失败', details: null });
  });

  it('success-data-meta lifts a route’s meta (paging) beside its data, and only that', () => {
    const Meta = Type.Object({ pagination: Type.Object({ page: Type.Integer(), hasNext: Type.Boolean() }) });
    const meta = { pagination: { page: 1, hasNext: false } };
    const paged = successDataMeta.success({ things: [{ id: 1, name: 'x' }], meta }, 'ok', 200, at);
    assert.deepEqual(paged, { success: true, data: { things: [{ id: 1, name: 'x' }] }, meta });
    conforms(successDataMeta.successSchema(Type.Object({ things: Type.Array(Item), meta: Meta })), paged, 'paged');
    // Data without meta is data as it is, whatever its fields are called.
    const Wrapped = Type.Object({ data: Type.String() });
    const wrapped = successDataMeta.success({ data: 'x' }, 'ok', 200, at);
    assert.deepEqual(wrapped, { success: true, data: { data: 'x' } });
    conforms(successDataMeta.successSchema(Wrapped), wrapped, 'data with a field named data');
  });
});

describe('error tables', () => {
  const table = errorTable(codeMessage, {
    codes: { CHAT_NOT_FOUND: { code: 20001, message: '聊天不存在' }, USER_NOT_FOUND: { code: 10001, message: '用户不存在', status: 400 } },
    statuses: { VALIDATION: 400 },
    byStatus: (status) => ({ code: status, message: `status ${status}` }),
    fieldName: snakeFields({ fileId: 'file_url', media: 'call_type' }),
  });
  const problems: FieldProblem[] = [
    { field: 'chatId', message: 'must be a positive integer' },
    { field: 'input.fileId', message: 'is required' },
    { field: 'members.0.userId', message: 'is unknown' },
    { field: 'media', message: 'must be audio or video' },
  ];

  it('maps core field names to the document’s, in the details and in a message made from them', () => {
    const p = table.parts(AppError.validation(problems), 'req_1', at);
    assert.deepEqual(
      p.details?.map((d) => d.field),
      ['chat_id', 'input.file_url', 'members.0.user_id', 'call_type'],
    );
    assert.equal(p.detail, 'chat_id: must be a positive integer; input.file_url: is required; members.0.user_id: is unknown; call_type: must be audio or video');
    assert.deepEqual([p.status, p.code, p.message], [400, 400, 'status 400'], 'the statuses override applies to a code without its own entry');
  });

  it('keeps a message the service wrote itself, mapping only the details', () => {
    const p = table.parts(AppError.validation(problems.slice(0, 1), 'the chat id is odd'), 'req_1', at);
    assert.equal(p.detail, 'the chat id is odd');
    assert.deepEqual(p.details, [{ field: 'chat_id', message: 'must be a positive integer' }]);
  });

  it('uses the document’s code for a core code, its status override, else the code of the status', () => {
    const chat = table.render(new AppError('CHAT_NOT_FOUND', 'no chat 9'), 'req_1', at);
    assert.deepEqual(chat, { status: 404, body: { code: 20001, message: '聊天不存在', error: 'no chat 9' } });
    assert.equal(table.render(new AppError('USER_NOT_FOUND'), 'r', at).status, 400);
    assert.deepEqual(table.render(new AppError('CONFLICT', 'taken'), 'r', at), { status: 409, body: { code: 409, message: 'status 409', error: 'taken' } });
  });

  it('zhihang: validation is 422 with the document’s names and text', () => {
    const r = zhihang.errors.render(AppError.validation([{ field: 'fileId', message: 'is not ours' }, { field: 'replyToId', message: 'is gone' }]), 'req_1', at);
    assert.equal(r.status, 422);
    assert.deepEqual(r.body, {
      code: 422,
      message: '数据验证失败',
      error: 'file_url: is not ours; reply_to_id: is gone',
      timestamp: '2024-12-19T10:30:00Z',
      success: false,
      details: [
        { field: 'file_url', message: 'is not ours' },
        { field: 'reply_to_id', message: 'is gone' },
      ],
    });
    assert.deepEqual(contractProblems(closed(zhihang.envelope.errorSchema), r.body), []);
    assert.equal(snakeCase('statusMessage'), 'status_message');
  });
});

describe('paging', () => {
  const items = (n: number) => Array.from({ length: n }, (_, i) => i);
  /** The query a route's schema hands the handler: coerced from text, defaults filled. */
  function query<Q>(paging: Paging<Q, unknown>, raw: Record<string, string>): Q | string {
    const validate = validatorCompiler({ schema: Type.Object(paging.query), httpPart: 'querystring', method: 'GET', url: '/' }) as ((v: unknown) => boolean) & { errors?: unknown[] };
    const value = { ...raw };
    return validate(value) ? (value as Q) : JSON.stringify(validate.errors);
  }

  it('offset: limit/offset in, has_more while items remain after this page', () => {
    const p = offsetPaging(20);
    assert.deepEqual(query(p, {}), { limit: 20, offset: 0 });
    assert.equal(typeof query(p, { limit: '101' }), 'string', 'limit above the maximum');
    assert.equal(typeof query(p, { limit: '0' }), 'string', 'limit 0');
    assert.equal(typeof query(p, { offset: '-1' }), 'string', 'negative offset');
    assert.deepEqual(p.request({ limit: 20, offset: 40 }), { limit: 20, offset: 40 });
    assert.deepEqual(p.fields({ items: items(20), total: 41 }, { limit: 20, offset: 20 }), { total: 41, has_more: true });
    assert.deepEqual(p.fields({ items: items(20), total: 40 }, { limit: 20, offset: 20 }), { total: 40, has_more: false });
    assert.deepEqual(p.fields({ items: [], total: 0 }, { limit: 20, offset: 0 }), { total: 0, has_more: false });
    assert.deepEqual(p.fields({ items: [], total: 5 }, { limit: 20, offset: 100 }), { total: 5, has_more: false }, 'past the end');
  });

  it('offset with total only: the same query, no has_more in the result', () => {
    const p = offsetTotalPaging(20, 50);
    assert.deepEqual(query(p, { offset: '10' }), { limit: 20, offset: 10 });
    assert.equal(typeof query(p, { limit: '51' }), 'string', 'limit above its maximum');
    assert.deepEqual(p.fields({ items: items(20), total: 41 }, { limit: 20, offset: 20 }), { total: 41 });
    assert.deepEqual(Object.keys(p.result), ['total']);
  });

  it('page: pages from 1, offset (page-1)*limit, pages rounded up, under pagination', () => {
    const p = pagePaging(20, 50);
    assert.deepEqual(query(p, {}), { page: 1, limit: 20 });
    assert.equal(typeof query(p, { page: '0' }), 'string', 'page 0');
    assert.equal(typeof query(p, { limit: '51' }), 'string', 'limit above this route’s maximum');
    assert.deepEqual(p.request({ page: 1, limit: 20 }), { limit: 20, offset: 0 });
    assert.deepEqual(p.request({ page: 3, limit: 20 }), { limit: 20, offset: 40 });
    assert.deepEqual(p.fields({ items: items(1), total: 41 }, { limit: 20, offset: 40 }), { pagination: { page: 3, limit: 20, total: 41, pages: 3 } });
    assert.deepEqual(p.fields({ items: items(20), total: 40 }, { limit: 20, offset: 20 }), { pagination: { page: 2, limit: 20, total: 40, pages: 2 } });
    assert.deepEqual(p.fields({ items: [], total: 0 }, { limit: 20, offset: 0 }), { pagination: { page: 1, limit: 20, total: 0, pages: 0 } });
  });

  it('meta: page/limit in, camelCase meta.pagination with hasNext out', () => {
    const p = metaPaging(10);
    assert.deepEqual(query(p, { page: '2' }), { page: 2, limit: 10 });
    assert.deepEqual(p.request({ page: 2, limit: 10 }), { limit: 10, offset: 10 });
    assert.deepEqual(p.fields({ items: items(10), total: 21 }, { limit: 10, offset: 10 }), { meta: { pagination: { page: 2, limit: 10, total: 21, hasNext: true } } });
    assert.deepEqual(p.fields({ items: items(10), total: 20 }, { limit: 10, offset: 10 }), { meta: { pagination: { page: 2, limit: 10, total: 20, hasNext: false } } });
    assert.deepEqual(p.fields({ items: [], total: 0 }, { limit: 10, offset: 0 }), { meta: { pagination: { page: 1, limit: 10, total: 0, hasNext: false } } });
  });

  it('offset meta: limit/offset in, meta.pagination with page = floor(offset / limit) + 1 out', () => {
    const p = offsetMetaPaging(20);
    assert.deepEqual(query(p, { offset: '5' }), { limit: 20, offset: 5 });
    assert.deepEqual(p.request({ limit: 20, offset: 5 }), { limit: 20, offset: 5 });
    assert.deepEqual(p.fields({ items: items(20), total: 50 }, { limit: 20, offset: 5 }), { meta: { pagination: { page: 1, limit: 20, total: 50, hasNext: true } } });
    assert.deepEqual(p.fields({ items: items(10), total: 50 }, { limit: 10, offset: 40 }), { meta: { pagination: { page: 5, limit: 10, total: 50, hasNext: false } } });
  });

  it('cursor: limit in, has_more only after a full page with more behind it', () => {
    const p = cursorPaging(30);
    assert.deepEqual(query(p, {}), { limit: 30 });
    assert.deepEqual(p.request({ limit: 30 }), { limit: 30, offset: 0 });
    assert.deepEqual(p.fields({ items: items(30), total: 31 }, { limit: 30, offset: 0 }), { has_more: true });
    assert.deepEqual(p.fields({ items: items(30), total: 30 }, { limit: 30, offset: 0 }), { has_more: false }, 'a full page that is all there is');
    assert.deepEqual(p.fields({ items: items(29), total: 100 }, { limit: 30, offset: 0 }), { has_more: false }, 'a short page');
    assert.deepEqual(p.fields({ items: [], total: 0 }, { limit: 30, offset: 0 }), { has_more: false });
  });
});

describe('defineProfile', () => {
  const base = { ...echo, errors: { codes: {}, byStatus: (s: number) => ({ code: String(s), message: 'x' }), fieldName: (f: string) => f }, socket: undefined };
  const ping = route.get('/api/v1/things/{thing_id}', { summary: 'a thing', params: { thing_id: integerId() } }, async () => undefined);

  it('refuses a route declared twice, whatever its parameter is called', () => {
    const again = route.get('/api/v1/things/{id}', { summary: 'the same route', params: { id: integerId() } }, async () => undefined);
    assert.throws(() => defineProfile({ ...base, routes: [ping, again] }), /profile echo: GET \/api\/v1\/things\/\{id\} is declared twice/);
  });

  it('refuses a path parameter without a codec', () => {
    const bad = route.get('/api/v1/things/{thing_id}/parts/{part_id}', { summary: 'parts', params: { thing_id: integerId() } }, async () => undefined);
    assert.throws(() => defineProfile({ ...base, routes: [bad] }), /must declare a codec for each path parameter \(has thing_id\)/);
  });

  it('adds the socket’s path as a GET route that is not authenticated', () => {
    const socketRoute = echo.routes.find((r) => r.path === '/ws/{user_id}');
    assert.ok(socketRoute, 'the socket path is a route');
    assert.deepEqual([socketRoute.method, socketRoute.options.auth], ['GET', false]);
  });
});

describe('the profile registry', () => {
  it('serves every registered profile by default, each once', () => {
    const served = loadConfig({}).profiles.map((m) => m.profile);
    assert.deepEqual([...served].sort(), profiles.map((p) => p.name).sort());
  });
});

describe('defineSocket', () => {
  const base = {
    path: '/ws',
    encoders: () => ({ events: {}, signals: {} }),
    commands: {},
    pong: (_echo: unknown, at: number) => ({ type: 'pong', data: { at } }),
    error: (body: unknown) => ({ type: 'error', data: body }),
    refetch: () => ({ type: 'refetch', data: {} }),
    ack: () => ({ type: 'ack', data: {} }),
  };

  it('reads its own frames back from the default wire, and says what is not one', () => {
    const socket = defineSocket(base);
    assert.deepEqual(socket.readFrame('{"type":"pong","seq":3,"data":{"at":1}}'), { type: 'pong', data: { at: 1 } });
    assert.match(socket.readFrame('{"event":"pong"}') as string, /not a frame of this socket's wire/);
    assert.match(socket.readFrame('nope') as string, /not JSON/);
  });

  it('reads a document’s own wire through its unwire', () => {
    const socket = defineSocket({
      ...base,
      wire: { event: (f, seq) => ({ event: f.type, payload: f.data, seq }), signal: (f) => ({ event: f.type, payload: f.data }) },
      unwire: (v) => (typeof v.event === 'string' ? { type: v.event, data: v.payload } : undefined),
    });
    const deps = { services: {} as never, links: { file: (id: string) => id, thumbnail: (id: string) => id }, errors: echo.errors };
    const pong = socket.endpoint('doc', '', deps).codec.pong(undefined, 5);
    assert.deepEqual(JSON.parse(pong), { event: 'pong', payload: { at: 5 } });
    assert.deepEqual(socket.readFrame(pong), { type: 'pong', data: { at: 5 } });
  });
});

describe('mountedSocket: frames link files under the base each client connected with', () => {
  it('keeps one codec per base, PUBLIC_URL overrides, and a flood of invented hosts falls back to root-relative links', () => {
    const withBases = mountedSocket(zhihang, '', {} as never, undefined)!;
    const a = withBases.codecAt!('http://a.test');
    assert.equal(withBases.codecAt!('http://a.test'), a, 'connections with one base share a codec (one encoding per frame)');
    assert.notEqual(withBases.codecAt!('http://b.test'), a);
    for (let i = 0; i < 40; i++) withBases.codecAt!(`http://h${i}.test`);
    assert.equal(withBases.codecAt!('http://late.test'), withBases.codec, 'beyond the bound: the root-relative codec');
    assert.equal(mountedSocket(zhihang, '', {} as never, 'https://chat.example.com')!.codecAt, undefined, 'PUBLIC_URL: one codec for all');
  });
});
