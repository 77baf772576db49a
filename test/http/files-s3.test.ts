import { HeadObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import sharp from 'sharp';
import { AppError } from '../../src/domain/errors.ts';
import { S3Storage } from '../../src/services/storage/s3.ts';
import { StorageMissError } from '../../src/services/storage/storage.ts';
import { clusterDatabase } from '../support/cluster-db.ts';
import { download, file, kind, png, uploaded } from '../support/files.ts';
import { freePort } from '../support/process.ts';
import { startServerOn, type TestServer } from '../support/server.ts';
import { OwnS3 } from '../support/s3.ts';
import type { Scratch } from '../support/stores.ts';
import { registerUser } from '../support/users.ts';
import { needs } from '../support/requires.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** `data` in chunks of `chunk` bytes, failing after `failAfter` bytes when given. */
function stream(data: Buffer, chunk: number, failAfter?: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (failAfter !== undefined && sent >= failAfter) return this.destroy(new Error('client went away'));
      if (sent >= data.length) return this.push(null);
      this.push(data.subarray(sent, sent + chunk));
      sent += chunk;
    },
  });
}

describe('S3 storage driver (against s3rver)', () => {
  let s3: OwnS3;
  let storage: S3Storage;
  before(async () => {
    s3 = await OwnS3.start();
    storage = new S3Storage(s3.config('node-files/'));
  });
  after(async () => {
    storage?.close();
    await s3?.stop();
  });

  it('stores, sizes, reads whole or by range, and deletes; an absent key is a miss', async () => {
    const put = await storage.put('ab/cdef', Readable.from([Buffer.from('hello '), Buffer.from('object store')]));
    assert.equal(put.size, 18);
    assert.deepEqual(await storage.stat('ab/cdef'), { size: 18 });
    assert.equal(await text(await storage.get('ab/cdef')), 'hello object store');
    assert.equal(await text(await storage.get('ab/cdef', { start: 6, end: 11 })), 'object');
    const raw = await storage.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'node-files/ab/cdef' }));
    assert.equal(raw.ContentLength, 18, 'kept under the key prefix');
    await storage.delete('ab/cdef');
    await storage.delete('ab/cdef');
    await assert.rejects(storage.stat('ab/cdef'), StorageMissError);
    await assert.rejects(storage.get('ab/cdef'), StorageMissError);
    await assert.rejects(storage.put('../escape', Readable.from([])), /invalid storage key/);
  });

  it('streams a large upload as a multipart upload and reads back the same bytes', async () => {
    const data = randomBytes(11 * 1024 * 1024 + 12_345);
    const put = await storage.put('big/one', stream(data, 64 * 1024));
    assert.equal(put.size, data.length);
    assert.equal((await storage.stat('big/one')).size, data.length);
    const back: Buffer[] = [];
    for await (const c of await storage.get('big/one')) back.push(c as Buffer);
    assert.equal(sha(Buffer.concat(back)), sha(data));
    const tail = await storage.get('big/one', { start: data.length - 10, end: data.length - 1 });
    const bytes: Buffer[] = [];
    for await (const c of tail) bytes.push(c as Buffer);
    assert.deepEqual(Buffer.concat(bytes), data.subarray(data.length - 10));
    await storage.delete('big/one');
  });

  it('answers UNAVAILABLE (503), not an internal error, when the store cannot be reached', async () => {
    const away = new S3Storage({ ...s3.config(), endpoint: `http://127.0.0.1:${await freePort()}` });
    try {
      const attempts = [() => away.stat('ab/x'), () => away.get('ab/x'), () => away.put('ab/x', Readable.from([Buffer.from('x')])), () => away.delete('ab/x')];
      for (const attempt of attempts) {
        await assert.rejects(attempt, (err: unknown) => err instanceof AppError && err.code === 'UNAVAILABLE' && err.status === 503);
      }
    } finally {
      away.close();
    }
  });

  it('leaves nothing when the upload fails midway, small or multipart', async () => {
    const data = randomBytes(12 * 1024 * 1024);
    await assert.rejects(storage.put('fail/small', stream(data, 64 * 1024, 1024 * 1024)), /client went away/);
    await assert.rejects(storage.put('fail/multi', stream(data, 64 * 1024, 10 * 1024 * 1024)), /client went away/);
    for (const key of ['fail/small', 'fail/multi']) await assert.rejects(storage.stat(key), StorageMissError);
  });
});

describe('files across two nodes on S3 storage', await needs('postgres'), () => {
  let s3: OwnS3;
  let db: Scratch;
  const nodes: TestServer[] = [];
  before(async () => {
    s3 = await OwnS3.start();
    db = await clusterDatabase();
    for (const id of ['a', 'b']) nodes.push(await startServerOn(db, 'postgres', { ...s3.env(), NODE_ID: `files-${id}` }));
  });
  after(async () => {
    for (const n of nodes) await n.close();
    await db?.cleanup();
    await s3?.stop();
  });

  it('serves on node B what was uploaded through node A: original, Range, thumbnail; a delete on B is seen on A', async () => {
    const [a, b] = nodes as [TestServer, TestServer];
    const me = await registerUser(a.api);
    const image = await png(640, 480);
    const f = await uploaded(a, me, [kind('image'), file(image, 'shared.png')]);
    assert.deepEqual([f.mime_type, f.width, f.height], ['image/png', 640, 480]);
    const path = `/api/files/${f.id}`;

    const whole = await download(b, me, path);
    assert.equal(whole.status, 200);
    assert.equal(sha(whole.bytes), sha(image));
    const part = await download(b, me, path, { range: 'bytes=100-199' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-199/${image.length}`);
    assert.deepEqual(Buffer.from(part.bytes), image.subarray(100, 200));
    const thumb = await download(b, me, `/api/files/thumb_${f.id}`);
    assert.equal(thumb.status, 200);
    assert.deepEqual([(await sharp(thumb.bytes).metadata()).width, (await sharp(thumb.bytes).metadata()).height], [320, 240]);

    const gone = await fetch(`${b.url}${path}`, { method: 'DELETE', headers: { authorization: `Bearer ${me.token}` } });
    assert.equal(gone.status, 200);
    assert.equal((await download(a, me, path)).status, 404);
  });
});
