import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { cleanFileName } from '../../src/services/files.ts';
import { fitsKind, kindOf, servesInline, sniffMime } from '../../src/services/file-types.ts';

const text = (s: string) => new TextEncoder().encode(s);

describe('sniffMime', () => {
  it('names binary formats by their signature', async () => {
    const png = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }).png().toBuffer();
    const jpeg = await sharp({ create: { width: 2, height: 2, channels: 3, background: '#000' } }).jpeg().toBuffer();
    assert.equal(await sniffMime(png), 'image/png');
    assert.equal(await sniffMime(jpeg), 'image/jpeg');
    assert.equal(await sniffMime(text('%PDF-1.7\n%âãÏÓ\n1 0 obj\n')), 'application/pdf');
  });

  it('tells active text (HTML, SVG, XML) from plain text', async () => {
    assert.equal(await sniffMime(text('<!DOCTYPE html><html></html>')), 'text/html');
    assert.equal(await sniffMime(text('\uFEFF  \n<script>alert(1)</script>')), 'text/html');
    assert.equal(await sniffMime(text('hello <b>there</b> <img src=x onerror=alert(1)>')), 'text/html');
    assert.equal(await sniffMime(text('<svg xmlns="http://www.w3.org/2000/svg"/>')), 'image/svg+xml');
    assert.equal(await sniffMime(text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>')), 'image/svg+xml');
    assert.equal(await sniffMime(text('<?xml version="1.0"?><note/>')), 'application/xml');
    assert.equal(await sniffMime(text('just some notes, 1 < 2\n')), 'text/plain');
    assert.equal(await sniffMime(text('中文内容'.repeat(2000)).subarray(0, 4100)), 'text/plain', 'a character cut at the sample end');
    assert.equal(await sniffMime(new Uint8Array([0x00, 0x01, 0x02, 0xff, 0xfe])), 'application/octet-stream');
    assert.equal(await sniffMime(new Uint8Array(0)), 'application/octet-stream');
  });
});

describe('kinds', () => {
  it('accepts content only for a kind it really is; anything may be a document', () => {
    assert.equal(kindOf('image/png'), 'image');
    assert.equal(kindOf('image/svg+xml'), 'file');
    assert.equal(kindOf('video/mp4'), 'video');
    assert.equal(kindOf('audio/mpeg'), 'audio');
    assert.equal(kindOf('text/html'), 'file');
    assert.equal(fitsKind('text/html', 'image'), false);
    assert.equal(fitsKind('image/svg+xml', 'image'), false);
    assert.equal(fitsKind('video/webm', 'audio'), true, 'recorders put sound in video containers');
    assert.equal(fitsKind('image/png', 'video'), false);
    assert.equal(fitsKind('application/x-msdownload', 'file'), true);
  });

  it('serves inline only what a browser cannot run', () => {
    for (const m of ['image/png', 'image/jpeg', 'video/mp4', 'audio/ogg', 'text/plain']) assert.equal(servesInline(m), true, m);
    for (const m of ['text/html', 'image/svg+xml', 'application/xml', 'application/pdf', 'application/octet-stream', 'text/javascript']) {
      assert.equal(servesInline(m), false, m);
    }
  });
});

describe('cleanFileName', () => {
  it('keeps the name the user sees, without paths or control characters', () => {
    assert.equal(cleanFileName('照片.png'), '照片.png');
    assert.equal(cleanFileName('../../etc/passwd'), 'passwd');
    assert.equal(cleanFileName('C:\\Users\\me\\report.docx'), 'report.docx');
    assert.equal(cleanFileName('a\u0000b\nc.txt'), 'abc.txt');
    assert.equal(cleanFileName(''), 'file');
    assert.equal(cleanFileName(undefined), 'file');
    assert.equal([...cleanFileName('名'.repeat(300))].length, 255);
  });
});
