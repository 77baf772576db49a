import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { LogCodeSender } from '../../src/services/code-senders.ts';

describe('log code sender', () => {
  it('writes the code and its target to the server log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    await new LogCodeSender(pino({ level: 'info' }, sink)).send({ channel: 'sms', target: '13800138000', code: '042917', expiresIn: 300 });
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(entry.code, '042917');
    assert.equal(entry.target, '13800138000');
    assert.equal(entry.level, 30);
    assert.match(String(entry.msg), /verification code for 13800138000: 042917/);
  });
});
