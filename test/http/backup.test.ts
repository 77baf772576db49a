import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { backup, BackupRefused, type BackupManifest } from '../../src/store/backup.ts';
import { gitSha, version } from '../../src/version.ts';
import { download, file, kind, png, uploaded } from '../support/files.ts';
import { listMessages, openPrivate, send } from '../support/messaging.ts';
import { startServerOn, startTestServer, type TestServer } from '../support/server.ts';
import { okData } from '../support/shapes.ts';
import { scratch, type Scratch } from '../support/stores.ts';
import { registerUser, type TestUser } from '../support/users.ts';

const mode = async (p: string) => (await stat(p)).mode & 0o777;

/** Every path under `dir`, relative to it. */
async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describe('parley backup (SQLite), and a restore from it', () => {
  let s: TestServer;
  let restoredDir: Scratch;
  let restored: TestServer | undefined;
  let target: string;
  let ann: TestUser;
  let bob: TestUser;
  let chatId: number;
  let image: Buffer;
  let fileId: string;
  let manifest: BackupManifest;
  let sentBefore: number;
  let sentAfter: number;

  before(async () => {
    s = await startTestServer('sqlite');
    restoredDir = await scratch('sqlite');
    target = path.join(restoredDir.dataDir, 'backup', 'nested');
    [ann, bob] = [await registerUser(s.api), await registerUser(s.api)];
    chatId = (await openPrivate(s, ann, bob)).id;
    await send(s, ann, chatId, 'before the backup');
    image = await png(80, 60);
    fileId = (await uploaded(s, ann, [kind('image'), file(image, 'kept.png')])).id;
    await send(s, ann, chatId, { type: 'image', file_id: fileId });
    sentBefore = 2;

    // The server keeps writing messages and files while the backup runs.
    let writing = true;
    let sent = 0;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        if (i % 3 === 0) {
          const f = await uploaded(s, bob, [kind('image'), file(await png(16 + (i % 7), 16), `w${i}.png`)]);
          await send(s, bob, chatId, { type: 'image', file_id: f.id });
        } else {
          await send(s, bob, chatId, `during the backup ${i}`);
        }
        sent += 1;
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    manifest = await backup(s.core.config, target);
    writing = false;
    await writer;
    sentAfter = sentBefore + sent;
    assert.ok(sent > 0, 'nothing was written during the backup');
  });
  after(async () => {
    await restored?.close();
    await s?.close();
    await restoredDir?.cleanup();
  });

  it('writes the database, then the files, then a manifest naming the build, all readable by the owner only', async () => {
    assert.deepEqual(manifest.parley, { version, commit: gitSha });
    assert.equal(manifest.format, 1);
    assert.equal(manifest.signingKey, 'database');
    assert.ok(Math.abs(Date.now() - Date.parse(manifest.createdAt)) < 60_000);
    assert.equal(manifest.database.file, 'parley.db');
    assert.ok(manifest.database.migrations.includes('0001_initial'));
    assert.deepEqual(JSON.parse(await readFile(path.join(target, 'backup.json'), 'utf8')), manifest);
    const paths = await tree(target);
    assert.ok(paths.includes('parley.db') && paths.includes('files') && paths.includes('backup.json'), paths.join(', '));
    assert.ok(!paths.some((p) => p.endsWith('-wal') || p.includes('.tmp')), paths.join(', '));
    const copied = paths.filter((p) => p.startsWith('files/'));
    let files = 0;
    for (const p of [target, path.dirname(target), ...paths.map((p) => path.join(target, p))]) {
      const isDir = (await stat(p)).isDirectory();
      if (!isDir) files += p.includes(`${path.sep}files${path.sep}`) ? 1 : 0;
      assert.equal(await mode(p), isDir ? 0o700 : 0o600, p);
    }
    assert.equal(manifest.files.count, files);
    assert.ok(copied.length >= 2 && manifest.files.bytes > image.length);
    assert.equal(manifest.database.bytes, (await stat(path.join(target, 'parley.db'))).size);
  });

  it('is a consistent database in which every file a row names is in the backup', async () => {
    const db = new SQLite(path.join(target, 'parley.db'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const keys = db.prepare('select storage_key, thumbnail_key from files where deleted_at is null').all() as { storage_key: string; thumbnail_key: string | null }[];
      assert.ok(keys.length >= 1);
      for (const k of keys.flatMap((r) => [r.storage_key, r.thumbnail_key ?? []].flat())) {
        assert.ok((await stat(path.join(target, 'files', k))).isFile(), `${k} is not in the backup`);
      }
      const { n } = db.prepare('select count(*) as n from messages').get() as { n: number };
      assert.ok(n >= sentBefore && n <= sentAfter, `${n} messages, ${sentBefore} before and ${sentAfter} after`);
    } finally {
      db.close();
    }
  });

  it('restores as docs/backup.md says: the messages, the file and old tokens (the signing key) come back', async () => {
    // The documented restore: the database file into place, then the files directory.
    await cp(path.join(target, 'parley.db'), path.join(restoredDir.dataDir, 'parley.db'));
    await cp(path.join(target, 'files'), path.join(restoredDir.dataDir, 'files'), { recursive: true });
    restored = await startServerOn(restoredDir, 'sqlite');
    const me = okData(await restored.api.get('/api/users/me', { token: ann.token }));
    assert.equal(me.id, ann.id);
    const history = await listMessages(restored, ann, chatId, 'limit=100');
    const contents = history.messages.map((m: { content: string }) => m.content);
    assert.ok(contents.includes('before the backup'));
    const got = await download(restored, ann, `/api/files/${fileId}`);
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(got.bytes), image);
    // Files sent during the backup that made it into the snapshot download too.
    for (const m of history.messages.filter((m: { type: string; file_id?: string }) => m.type === 'image' && m.file_id)) {
      assert.equal((await download(restored, bob, `/api/files/${m.file_id}`)).status, 200, m.file_id);
    }
  });

  it('refuses a directory that is not empty, a PostgreSQL database and files in S3, saying what to do instead', async () => {
    const full = path.join(restoredDir.dataDir, 'full');
    await mkdir(full);
    await writeFile(path.join(full, 'something'), 'x');
    await assert.rejects(backup(s.core.config, full), (err: unknown) => err instanceof BackupRefused && /is not empty/.test(err.message));
    assert.deepEqual(await readdir(full), ['something']);
    await assert.rejects(backup({ ...s.core.config, databaseUrl: 'postgres://db/parley' }, path.join(full, 'pg')), /pg_dump -Fc/);
    await assert.rejects(backup({ ...s.core.config, fileStorage: 's3' }, path.join(full, 's3')), /aws s3 sync/);
    await assert.rejects(backup({ ...s.core.config, databaseUrl: `sqlite:${path.join(full, 'none.db')}` }, path.join(full, 'x')), /there is no database at/);
    assert.deepEqual(await readdir(full), ['something']);
  });
});
