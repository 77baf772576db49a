import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { zhihang } from '../../src/profiles/zhihang/index.ts';
import { Harness, checkAnswer, family } from './harness.ts';
import { Raw } from './json.ts';
import { render, routeName, type Plan, type RouteTarget } from './plans.ts';
import type { RawResponse } from './raw-http.ts';

/**
 * The fuzzer's own checks bite: a 5xx, a framework error body, an accepted request that had to
 * be refused and a refusal that changed something are each reported; the oracle refuses what the
 * route's schema and the shared text rules refuse; the state read-back sees a write and ignores
 * presence. (The fuzz tests finding nothing on main means something only if these hold.)
 */

const answer = (status: number, body: unknown): RawResponse => ({ status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) });
const envelope = { code: 422, message: '数据验证失败', error: 'nickname must be string', timestamp: '2024-01-01T00:00:00Z', success: false };

describe('fuzz: the checks themselves', () => {
  let h: Harness;
  let putMe: RouteTarget;
  let chats: RouteTarget;
  before(async () => {
    h = await Harness.start();
    const targets = new Map(h.targets().map((t) => [routeName(t), t]));
    putMe = targets.get('zhihang PUT /api/users/me')!;
    chats = targets.get('zhihang GET /api/chats')!;
  });
  after(async () => {
    await h?.close();
  });

  it('reports a 5xx, a body outside the envelope, a wrong acceptance and a refusal that changed state', () => {
    const kinds = (res: RawResponse, refuse?: string, changed: string[] = []) => checkAnswer(res, [zhihang], 'PUT', refuse, changed).map((v) => v.kind);
    assert.deepEqual(kinds(answer(500, { ...envelope, code: 50001 })), ['5xx']);
    assert.deepEqual(kinds(answer(400, { error: 'Bad Request', code: 'FST_ERR_BAD_URL', message: 'x', statusCode: 400 })), ['not-envelope']);
    assert.deepEqual(kinds(answer(422, { ...envelope, statusCode: 422 })), ['not-envelope'], 'a leaked field fails: the envelope is closed');
    assert.deepEqual(kinds(answer(200, { code: 200 }), 'the body is not valid UTF-8'), ['accepted']);
    assert.deepEqual(kinds(answer(422, envelope), 'x', ['users + [...]']), ['state-changed']);
    assert.deepEqual(kinds(answer(422, envelope), 'x'), []);
    assert.deepEqual(kinds({ status: 0, headers: {}, body: Buffer.alloc(0), transport: 'ECONNRESET' }), ['no-answer']);
  });

  it('refuses by the route schema and the shared text rules, and lets a valid body through', () => {
    const plan = (value: Plan['body']): Plan => ({
      target: putMe,
      method: 'PUT',
      path: [{ text: '' }, { text: 'api' }, { text: 'users' }, { text: 'me' }],
      query: [],
      headers: [['Authorization', 'Bearer {{token}}'], ['Content-Type', 'application/json']],
      ...(value && { body: value }),
      mutation: 'test',
    });
    const refuse = (p: Plan) => render(p, h.fixture).refuse;
    assert.equal(refuse(plan({ kind: 'json', value: { nickname: 'Ada' } })), undefined);
    assert.match(refuse(plan({ kind: 'json', value: { nickname: new Raw(Buffer.from([0x22, 0x41, 0xff, 0x22]), 'x') } }))!, /UTF-8/);
    assert.match(refuse(plan({ kind: 'json', value: { nickname: new Raw(Buffer.from('"a\\ud800b"'), 'x') } }))!, /surrogate/);
    assert.match(refuse(plan({ kind: 'json', value: { nickname: 5 } }))!, /schema/);
    assert.match(refuse(plan({ kind: 'bytes', bytes: Buffer.from('{"nickname":') }))!, /not JSON/);
    assert.match(refuse({ ...plan({ kind: 'json', value: { nickname: 'Ada' } }), headers: [['Content-Type', 'text/plain']] })!, /text\/plain/);
    const list = (limit: string): Plan => ({ target: chats, method: 'GET', path: [{ text: '' }, { text: 'api' }, { text: 'chats' }], query: [['limit', new Raw(Buffer.from(limit), limit)]], headers: [], mutation: 'test' });
    assert.equal(refuse(list('20')), undefined);
    assert.match(refuse(list('0x10'))!, /decimal integer/);
    assert.match(refuse(list('0'))!, /schema/);
  });

  it('sees a write in the read-back and not a presence timestamp', async () => {
    assert.deepEqual(await h.changes(false), []);
    await h.core.database.db.updateTable('users').set({ last_seen_at: 1 }).where('id', '=', h.fixture.userId).execute();
    assert.deepEqual(await h.changes(false), [], 'last_seen_at is presence, not a change');
    await sql`update users set bio = 'changed' where id = ${h.fixture.userId}`.execute(h.core.database.db);
    const changed = await h.changes(false);
    assert.equal(changed.length, 2, changed.join('\n'));
    assert.match(changed.join('\n'), /^users - .*\nusers \+ .*changed/);
  });

  it('groups failures by the family of their mutation', () => {
    assert.equal(family('body:nickname=invalid-utf8:ff-fe'), 'body:<field>=invalid-utf8');
    assert.equal(family('param:chat_id=id:hex'), 'param:<field>=id:*');
    assert.equal(family('field:ping.timestamp=lone-surrogate:high'), 'field:ping.timestamp=lone-surrogate');
  });
});
