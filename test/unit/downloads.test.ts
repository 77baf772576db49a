import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentDisposition, parseRange } from '../../src/http/downloads.ts';

describe('parseRange', () => {
  it('reads one byte range and clips it to the file', () => {
    assert.deepEqual(parseRange('bytes=0-99', 1000), { start: 0, end: 99 });
    assert.deepEqual(parseRange('bytes=900-', 1000), { start: 900, end: 999 });
    assert.deepEqual(parseRange('bytes=-100', 1000), { start: 900, end: 999 });
    assert.deepEqual(parseRange('bytes=-5000', 1000), { start: 0, end: 999 });
    assert.deepEqual(parseRange('bytes=990-5000', 1000), { start: 990, end: 999 });
    assert.deepEqual(parseRange(' bytes=1-1 ', 1000), { start: 1, end: 1 });
  });

  it('is unsatisfiable past the end, and ignored when malformed or multiple', () => {
    assert.equal(parseRange('bytes=1000-', 1000), 'unsatisfiable');
    assert.equal(parseRange('bytes=-0', 1000), 'unsatisfiable');
    assert.equal(parseRange('bytes=0-', 0), 'unsatisfiable');
    for (const h of [undefined, '', 'bytes=', 'bytes=-', 'bytes=5-1', 'items=0-1', 'bytes=0-1,3-4', 'bytes=a-b']) {
      assert.equal(parseRange(h, 1000), undefined, String(h));
    }
  });
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the exact UTF-8 name', () => {
    assert.equal(contentDisposition('inline', 'a.png'), `inline; filename="a.png"; filename*=UTF-8''a.png`);
    assert.equal(contentDisposition('attachment', '报告 "final".pdf'), `attachment; filename="__ _final_.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%22final%22.pdf`);
    assert.equal(contentDisposition('attachment', "it's (1).txt"), `attachment; filename="it's (1).txt"; filename*=UTF-8''it%27s%20%281%29.txt`);
  });
});
