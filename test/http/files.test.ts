import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import sharp from 'sharp';
import { assertDownloadError, download, file, kind, png, silentWav, upload, uploaded } from '../support/files.ts';
import { createGroup, listMessages, openPrivate, send, users } from '../support/messaging.ts';
import { describeEachStore } from '../support/server.ts';
import { assertError, assertKeys, isoSecondsRe, okData } from '../support/shapes.ts';

/** A real (silent) WAV and the opening of an MP4: enough for their signatures. */

function mp4(): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write('ftypisom', 4);
  ftyp.writeUInt32BE(512, 12);
  ftyp.write('isomiso2', 16);
  return Buffer.concat([ftyp, Buffer.alloc(5000)]);
}

const fileKeys = ['id', 'name', 'size', 'type', 'url', 'thumbnail', 'created_at', 'mime_type', 'width', 'height'];
const disguisedHtml = new TextEncoder().encode('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>');

describeEachStore(
  'files',
  (server) => {
    it('uploads a real image: documented shape, sniffed type, dimensions and a thumbnail', async () => {
      const s = server();
      const [me] = await users(s, 1);
      const image = await png(800, 600);
      const f = await uploaded(s, me!, [kind('image'), file(image, '照片.png', 'application/octet-stream')]);
      assertKeys(f, fileKeys);
      assert.match(f.id, /^file_[A-Za-z0-9_-]{16,}$/);
      assert.equal(f.name, '照片.png');
      assert.equal(f.size, image.length);
      assert.equal(f.type, 'image');
      assert.equal(f.mime_type, 'image/png', 'from the bytes, not the declared part type');
      assert.equal(f.width, 800);
      assert.equal(f.height, 600);
      assert.equal(f.url, `${s.url}/api/files/${f.id}`);
      assert.equal(f.thumbnail, `${s.url}/api/files/thumb_${f.id}`);
      assert.match(f.created_at, isoSecondsRe);

      const original = await download(s, me, f.url);
      assert.equal(original.status, 200);
      assert.equal(original.headers.get('content-type'), 'image/png');
      assert.equal(original.headers.get('x-content-type-options'), 'nosniff');
      assert.match(original.headers.get('content-disposition')!, /^inline; filename="__\.png"; filename\*=UTF-8''%E7%85%A7%E7%89%87\.png$/);
      assert.equal(original.headers.get('accept-ranges'), 'bytes');
      assert.deepEqual(Buffer.from(original.bytes), image);

      const thumb = await download(s, me, f.thumbnail);
      assert.equal(thumb.status, 200);
      assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
      const meta = await sharp(thumb.bytes).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 320, 240]);
    });

    it('measures images as displayed (EXIF orientation) and keeps small ones unscaled in the thumbnail', async () => {
      const s = server();
      const [me] = await users(s, 1);
      const rotated = await sharp({ create: { width: 400, height: 100, channels: 3, background: '#3366aa' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer();
      const f = await uploaded(s, me!, [kind('image'), file(rotated, 'phone.jpg')]);
      assert.deepEqual([f.mime_type, f.width, f.height], ['image/jpeg', 100, 400]);
      const thumb = await sharp((await download(s, me, f.thumbnail)).bytes).metadata();
      assert.deepEqual([thumb.width, thumb.height], [80, 320]);

      const small = await uploaded(s, me!, [kind('image'), file(await png(40, 30, true), 'icon.png')]);
      const smallThumb = await sharp((await download(s, me, small.thumbnail)).bytes).metadata();
      assert.deepEqual([small.width, small.height, smallThumb.width, smallThumb.height], [40, 30, 40, 30]);
    });

    it('accepts the type field after the file part and infers the type when it is missing', async () => {
      const s = server();
      const [me] = await users(s, 1);
      const after = await uploaded(s, me!, [file(await png(10, 10), 'a.png'), kind('image')]);
      assert.deepEqual([after.type, after.width], ['image', 10]);
      const inferred = await uploaded(s, me!, [file(await png(12, 12), 'b.png')]);
      assert.equal(inferred.type, 'image');
      const doc = await uploaded(s, me!, [kind('document'), file(new TextEncoder().encode('plain notes\n'), 'notes.txt')]);
      assert.deepEqual([doc.type, doc.mime_type, doc.thumbnail, doc.width], ['document', 'text/plain', '', null]);
      const pic = await uploaded(s, me!, [kind('document'), file(await png(5, 5), 'as-document.png')]);
      assert.deepEqual([pic.type, pic.mime_type], ['document', 'image/png'], 'any content may be sent as a document');
    });

    it('refuses a disguised file (HTML named .jpg) as an image with 30002, and serves it safely as a document', async () => {
      const s = server();
      const [me] = await users(s, 1);
      for (const parts of [
        [kind('image'), file(disguisedHtml, 'cute-cat.jpg', 'image/jpeg')],
        [file(disguisedHtml, 'cute-cat.jpg', 'image/jpeg'), kind('image')],
      ]) {
        const res = await upload(s, me, parts);
        assertError(res, 415, 30002);
        assert.match(res.body.error, /text\/html/);
      }
      const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>');
      assertError(await upload(s, me, [kind('image'), file(svg, 'logo.svg', 'image/svg+xml')]), 415, 30002);
      assertError(await upload(s, me, [kind('video'), file(await png(8, 8), 'clip.mp4')]), 415, 30002);
      assertError(await upload(s, me, [kind('audio'), file(randomBytes(2000), 'voice.mp3')]), 415, 30002);
      const broken = Buffer.concat([(await png(300, 300)).subarray(0, 200)]);
      assertError(await upload(s, me, [kind('image'), file(broken, 'broken.png')]), 415, 30002);

      const stored = await uploaded(s, me!, [file(disguisedHtml, 'cute-cat.jpg', 'image/jpeg')]);
      assert.deepEqual([stored.type, stored.mime_type], ['document', 'text/html']);
      const res = await download(s, me, stored.url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.match(res.headers.get('content-disposition')!, /^attachment;/);
      assert.match(res.headers.get('content-security-policy')!, /sandbox/);
      const svgDoc = await uploaded(s, me!, [kind('document'), file(svg, 'logo.svg')]);
      assert.equal(svgDoc.mime_type, 'image/svg+xml');
      assert.match((await download(s, me, svgDoc.url)).headers.get('content-disposition')!, /^attachment;/);
    });

    it('refuses a file over UPLOAD_MAX_SIZE with 30003 and keeps nothing of it', async () => {
      const s = server();
      const [me] = await users(s, 1);
      const filesDir = path.join(s.core.config.dataDir, 'files');
      const stored = () => readdirSync(filesDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
      const before = stored();
      const res = await upload(s, me, [kind('document'), file(randomBytes(300 * 1024), 'big.bin')]);
      assertError(res, 413, 30003);
      assert.match(res.body.error, /256 KiB/);
      const exact = await uploaded(s, me!, [kind('document'), file(randomBytes(256 * 1024), 'exact.bin')]);
      assert.equal(exact.size, 256 * 1024, 'exactly the limit is allowed');
      assert.equal(stored(), before + 1, 'only the accepted file is stored');
      const rows = await s.core.store.db.selectFrom('files').select('name').where('owner_id', '=', me!.id).execute();
      assert.deepEqual(
        rows.map((r) => r.name),
        ['exact.bin'],
      );
    });

    it('answers malformed uploads with clear 4xx errors', async () => {
      const s = server();
      const [me] = await users(s, 1);
      assertError(await upload(s, me, [kind('image')]), 422);
      assertError(await upload(s, me, [kind('sticker'), file(await png(4, 4), 'a.png')]), 422);
      assertError(await upload(s, me, [kind('document'), file(new Uint8Array(0), 'empty.txt')]), 422);
      assertError(await upload(s, undefined, [kind('image'), file(await png(4, 4), 'a.png')]), 401);
      assertError(await s.api.post('/api/files/upload', { file: 'abc' }, { token: me!.token }), 415);
      const two = await upload(s, me, [file(await png(4, 4), 'a.png'), file(await png(4, 4), 'b.png')]);
      assertError(two, 422);
      assert.match(JSON.stringify(two.body), /only one file/);
    });

    it('serves Range requests, revalidation and HEAD', async () => {
      const s = server();
      const [me] = await users(s, 1);
      const data = randomBytes(10_000);
      const f = await uploaded(s, me!, [kind('document'), file(data, 'data.bin')]);
      const part = await download(s, me, f.url, { range: 'bytes=100-199' });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), 'bytes 100-199/10000');
      assert.equal(part.headers.get('content-length'), '100');
      assert.deepEqual(Buffer.from(part.bytes), data.subarray(100, 200));
      const suffix = await download(s, me, f.url, { range: 'bytes=-10' });
      assert.deepEqual([suffix.status, suffix.headers.get('content-range')], [206, 'bytes 9990-9999/10000']);
      assert.deepEqual(Buffer.from(suffix.bytes), data.subarray(9990));
      const open = await download(s, me, f.url, { range: 'bytes=9000-' });
      assert.deepEqual([open.status, open.bytes.length], [206, 1000]);
      const clipped = await download(s, me, f.url, { range: 'bytes=9990-20000' });
      assert.deepEqual([clipped.status, clipped.headers.get('content-range')], [206, 'bytes 9990-9999/10000']);
      const beyond = await download(s, me, f.url, { range: 'bytes=10000-' });
      await assertDownloadError(beyond, 416, 416);
      assert.equal(beyond.headers.get('content-range'), 'bytes */10000');
      const multi = await download(s, me, f.url, { range: 'bytes=0-1,5-6' });
      assert.deepEqual([multi.status, multi.bytes.length], [200, 10_000], 'multiple ranges: the whole file');
      assert.equal((await download(s, me, f.url, { range: 'bytes=0-9', 'if-range': '"stale"' })).status, 200);

      const full = await download(s, me, f.url);
      assert.equal(full.headers.get('content-disposition'), 'attachment; filename="data.bin"; filename*=UTF-8\'\'data.bin');
      const etag = full.headers.get('etag')!;
      assert.match(etag, /^"[0-9a-f]{64}"$/);
      assert.equal((await download(s, me, f.url, { 'if-none-match': etag })).status, 304);
      const head = await fetch(f.url, { method: 'HEAD', headers: { authorization: `Bearer ${me!.token}` } });
      assert.deepEqual([head.status, head.headers.get('content-length')], [200, '10000']);
    });

    it('lets only the owner and members of chats where the file was sent download it', async () => {
      const s = server();
      const [owner, friend, outsider, third] = await users(s, 4);
      const f = await uploaded(s, owner!, [kind('image'), file(await png(64, 64), 'private.png')]);
      for (const url of [f.url, f.thumbnail]) {
        await assertDownloadError(await download(s, friend, url), 404, 30001);
        await assertDownloadError(await download(s, undefined, url), 401, 401);
      }
      await assertDownloadError(await download(s, owner, '/api/files/file_doesnotexist0000'), 404, 30001);
      await assertDownloadError(await download(s, owner, '/api/files/thumb_file_doesnotexist0000'), 404, 30001);

      const chat = await openPrivate(s, owner!, friend!);
      const m = await send(s, owner!, chat.id, { type: 'image', content: '', file_url: f.url });
      assert.equal((await download(s, friend, f.url)).status, 200);
      assert.equal((await download(s, friend, f.thumbnail)).status, 200);
      await assertDownloadError(await download(s, outsider, f.url), 404, 30001);

      // A forward carries the file to the members of another chat.
      const g = await createGroup(s, friend!, [third!]);
      await send(s, friend!, g.id, { forward_from: m.id });
      assert.equal((await download(s, third, f.url)).status, 200);

      // Once the messages are gone, so is the access.
      okData(await s.api.delete(`/api/messages/${m.id}`, { token: owner!.token }));
      await assertDownloadError(await download(s, outsider, f.url), 404, 30001);
      assert.equal((await download(s, friend, f.url)).status, 200, 'the forward still carries it');
      assert.equal((await download(s, owner, f.url)).status, 200);
    });

    it('deletes a file (owner only): afterwards nobody can download it', async () => {
      const s = server();
      const [owner, friend, outsider] = await users(s, 3);
      const f = await uploaded(s, owner!, [kind('image'), file(await png(20, 20), 'gone.png')]);
      const chat = await openPrivate(s, owner!, friend!);
      await send(s, owner!, chat.id, { type: 'image', file_id: f.id });
      assertError(await s.api.delete(`/api/files/${f.id}`, { token: friend!.token }), 403);
      assertError(await s.api.delete(`/api/files/${f.id}`, { token: outsider!.token }), 404, 30001);
      okData(await s.api.delete(`/api/files/${f.id}`, { token: owner!.token }), '文件删除成功');
      for (const u of [owner!, friend!]) {
        await assertDownloadError(await download(s, u, f.url), 404, 30001);
        await assertDownloadError(await download(s, u, f.thumbnail), 404, 30001);
      }
      assertError(await s.api.delete(`/api/files/${f.id}`, { token: owner!.token }), 404, 30001);
      assertError(await s.api.post(`/api/chats/${chat.id}/messages`, { type: 'image', file_id: f.id }, { token: owner!.token }), 404, 30001);
    });

    it('answers 30001, not 500, when the stored bytes of a file are missing', async () => {
      const s = server();
      const [me] = await users(s, 1);
      const f = await uploaded(s, me!, [kind('image'), file(await png(9, 9), 'lost.png')]);
      const row = await s.core.store.db.selectFrom('files').select(['storage_key', 'thumbnail_key']).where('id', '=', f.id).executeTakeFirstOrThrow();
      for (const key of [row.storage_key, row.thumbnail_key!]) rmSync(path.join(s.core.config.filesDir, ...key.split('/')));
      await assertDownloadError(await download(s, me, f.url), 404, 30001);
      await assertDownloadError(await download(s, me, f.thumbnail), 404, 30001);
    });

    it('sends media messages that refer to an uploaded file the sender owns', async () => {
      const s = server();
      const [me, other] = await users(s, 2);
      const chat = await openPrivate(s, me!, other!);
      const img = await uploaded(s, me!, [kind('image'), file(await png(300, 200), 'view.png')]);
      const doc = await uploaded(s, me!, [kind('document'), file(new TextEncoder().encode('report'), 'report.txt')]);
      const m = await send(s, me!, chat.id, { type: 'image', content: 'look', file_url: img.url, file_name: '', file_size: 1, thumbnail: 'ignored' });
      assert.deepEqual(
        [m.type, m.content, m.file_name, m.file_size, m.file_url, m.thumbnail, m.file_id, m.mime_type, m.width, m.height],
        ['image', 'look', 'view.png', img.size, img.url, img.thumbnail, img.id, 'image/png', 300, 200],
      );
      const d = await send(s, me!, chat.id, { type: 'document', file_id: doc.id, file_name: '季度报告.txt' });
      assert.deepEqual([d.type, d.file_name, d.thumbnail], ['document', '季度报告.txt', '']);
      const asDoc = await send(s, me!, chat.id, { type: 'document', file_id: img.id });
      assert.equal(asDoc.type, 'document');
      const voice = await uploaded(s, me!, [kind('audio'), file(silentWav(1), 'voice.wav')]);
      const clip = await uploaded(s, me!, [kind('video'), file(mp4(), 'clip.mp4')]);
      assert.deepEqual([voice.type, voice.mime_type, clip.type, clip.mime_type, clip.thumbnail], ['audio', 'audio/wav', 'video', 'video/mp4', '']);
      const a = await send(s, me!, chat.id, { type: 'audio', file_id: voice.id });
      const v = await send(s, me!, chat.id, { type: 'video', file_url: clip.url, is_silent: true });
      assert.deepEqual([a.type, a.mime_type, v.type, v.mime_type, v.is_silent], ['audio', 'audio/wav', 'video', 'video/mp4', true]);
      assertError(await s.api.post(`/api/chats/${chat.id}/messages`, { type: 'audio', file_id: clip.id }, { token: me!.token }), 415, 30002);
      const media = await download(s, other, clip.url, { range: 'bytes=0-23' });
      assert.deepEqual([media.status, media.headers.get('content-type'), media.headers.get('content-disposition')!.split(';')[0]], [206, 'video/mp4', 'inline']);
      const listed = await listMessages(s, other!, chat.id, 'type=document');
      assert.deepEqual(
        listed.messages.map((x: any) => x.id),
        [asDoc.id, d.id],
      );
      assertError(await s.api.post(`/api/chats/${chat.id}/messages`, { type: 'image', file_id: doc.id }, { token: me!.token }), 415, 30002);
      assertError(await s.api.post(`/api/chats/${chat.id}/messages`, { type: 'video', file_url: img.url }, { token: me!.token }), 415, 30002);
      assertError(await s.api.post(`/api/chats/${chat.id}/messages`, { type: 'image', file_id: img.id }, { token: other!.token }), 404, 30001);
      assertError(await s.api.post(`/api/chats/${chat.id}/messages`, { type: 'text', content: 'x', file_id: img.id }, { token: me!.token }), 422);
    });
  },
  { env: { UPLOAD_MAX_SIZE: '256kb' } },
);

describeEachStore(
  'file links with PUBLIC_URL',
  (server) => {
    it('builds file links from PUBLIC_URL when it is configured', async () => {
      const s = server();
      const [me, other] = await users(s, 2);
      const f = await uploaded(s, me!, [kind('image'), file(await png(10, 10), 'x.png')]);
      assert.equal(f.url, `https://chat.example.com/api/files/${f.id}`);
      assert.equal(f.thumbnail, `https://chat.example.com/api/files/thumb_${f.id}`);
      const chat = await openPrivate(s, me!, other!);
      const m = await send(s, me!, chat.id, { type: 'image', file_url: f.url });
      assert.equal(m.file_url, f.url);
      assert.equal((await download(s, other, `/api/files/${f.id}`)).status, 200);
    });
  },
  { env: { PUBLIC_URL: 'https://chat.example.com/' } },
);
