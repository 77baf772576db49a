import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/domain/errors.ts';
import { zhihang } from '../../src/profiles/zhihang/index.ts';
import { openObjects } from '../support/contract.ts';
import { photoFixture } from '../support/fixtures.ts';
import { codecOf } from '../support/kit.ts';
import { frameProblems } from '../support/verify.ts';

/**
 * The zhihang socket's declared frame schemas (socket.frames): closed objects, and the frames of
 * the connection itself (connect, pong, error, resumed, refetch, message.ack) conform to them.
 * Event and signal frames are checked through the services in test/http/frame-contract.test.ts.
 */

const at = Date.UTC(2024, 11, 19, 10, 30, 0);
const codec = codecOf(zhihang);
const sender = { id: 2, username: 'sender', nickname: '发送者', avatar: '' };
const photo = photoFixture(at);

/** Asserts the frame conforms to its declared schema; returns its data. */
function conforming(text: string, type: string): any {
  const { frame, problems } = frameProblems(zhihang, text);
  assert.deepEqual(problems, [], text);
  assert.equal(frame?.type, type);
  return frame?.data;
}

describe('zhihang frame schemas', () => {
  it('declares only closed objects, so a leaked field fails', () => {
    const frames = zhihang.socket!.frames;
    assert.ok(Object.keys(frames).length >= 32, 'every frame the socket renders has a schema');
    for (const [type, schema] of Object.entries(frames)) assert.deepEqual(openObjects(schema), [], `${type} has open objects`);
  });

  it('catches a leaked field, a missing field, a wrong type and an undeclared frame type', () => {
    const typing = { type: 'typing', data: { chat_id: 1, user_id: 2, is_typing: true, timestamp: '2024-12-19T10:30:00Z' } };
    assert.deepEqual(frameProblems(zhihang, JSON.stringify(typing)).problems, []);
    assert.deepEqual(frameProblems(zhihang, JSON.stringify({ ...typing, data: { ...typing.data, is_read: false } })).problems, ['is_read: is not declared (additionalProperties: false)']);
    assert.deepEqual(frameProblems(zhihang, JSON.stringify({ ...typing, data: { ...typing.data, timestamp: undefined } })).problems, ['timestamp: is required']);
    assert.equal(frameProblems(zhihang, JSON.stringify({ ...typing, data: { ...typing.data, chat_id: '1' } })).problems.length, 1);
    assert.deepEqual(frameProblems(zhihang, JSON.stringify({ type: 'typing.started', data: {} })).problems, ['frame "typing.started" has no declared schema (socket.frames)']);
  });

  it('connect, pong, resumed and refetch conform', () => {
    const hello = conforming(codec.connect({ userId: 7, connectionId: 'n:1', latestSeq: 0, heartbeatMs: 30_000, at })!, 'connect');
    assert.deepEqual(hello, { status: 'connected', timestamp: '2024-12-19T10:30:00Z', user_id: 7, seq: 0, heartbeat_interval: 30 });
    assert.equal(conforming(codec.pong('b1', at), 'pong').client_timestamp, 'b1');
    assert.equal(conforming(codec.pong(1734604200, at), 'pong').client_timestamp, 1734604200);
    assert.equal('client_timestamp' in conforming(codec.pong(undefined, at), 'pong'), false);
    conforming(codec.resumed({ since: 3, seq: 9, count: 6, at })!, 'resumed');
    for (const reason of ['expired', 'unknown_seq'] as const) conforming(codec.refetch({ reason, since: 3, seq: 9, at }), 'refetch');
  });

  it('error frames conform: the REST error body and what they answer', () => {
    const bad = codec.decode(JSON.stringify({ type: 'message.send', data: { chat_id: 'x', client_id: 'c-9' } }));
    assert.equal(bad.ok, false);
    if (bad.ok) return;
    const e = conforming(codec.error(bad.error, bad.ref), 'error');
    assert.deepEqual([e.code, e.ref, e.client_id, e.details[0].field], [422, 'message.send', 'c-9', 'chat_id']);
    conforming(codec.error(new AppError('CALL_NOT_FOUND', 'no such call'), { type: 'call.end', callId: 'call_1' }), 'error');
    conforming(codec.error(new AppError('RATE_LIMITED', 'slow down'), {}), 'error');
  });

  it('message.ack conforms for a sent and for a scheduled message', () => {
    const sent = conforming(codec.ack({ kind: 'sent', view: { message: photo, sender, isRead: false } }, { type: 'message.send', clientId: 'c-1' })!, 'message.ack');
    assert.deepEqual([sent.client_id, sent.message.id, sent.message.is_read, sent.message.sender], ['c-1', 101, false, sender]);
    const { type, content, caption, attachment, replyToId, forwardFrom, ttl, isSilent, isEncrypted, metadata } = photo;
    const scheduled = { id: 5, conversationId: 1, senderId: 2, sendAt: at + 60_000, clientId: 'c-2', createdAt: at, draft: { type, content, caption, attachment, replyToId, forwardFrom, ttl, isSilent, isEncrypted, metadata } };
    const later = conforming(codec.ack({ kind: 'scheduled', scheduled, sender }, { type: 'message.send', clientId: 'c-2' })!, 'message.ack');
    assert.deepEqual([later.message.id, later.message.is_scheduled, later.message.send_at], [5, true, '2024-12-19T10:31:00Z']);
  });
});
