import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import SQLite from 'better-sqlite3';
import { backup, BackupRefused, type BackupManifest } from '../../src/store/backup.ts';
import { openDatabase } from '../../src/store/database.ts';
import { knownMigrations, migrateToLatest } from '../../src/store/migrate.ts';
import { gitSha, version } from '../../src/version.ts';
import { download, file, kind, png, uploaded } from '../support/files.ts';
import { listMessages, openPrivate, send } from '../support/messaging.ts';
import { startServerOn, startTestServer, type TestServer } from '../support/server.ts';
import { okData } from '../support/shapes.ts';
import { scratch, storeKinds, type Scratch, type StoreKind } from '../support/stores.ts';
import { needs } from '../support/requires.ts';
import { registerUser, type TestUser } from '../support/users.ts';

const mode = async (p: string) => (await stat(p)).mode & 0o777;

/** The restore docs/backup.md describes: the database (file, or pg_restore into an empty database), then the files. */
async function restore(from: string, into: Scratch, storeKind: StoreKind): Promise<void> {
  if (storeKind === 'sqlite') await cp(path.join(from, 'parley.db'), path.join(into.dataDir, 'parley.db'));
  else await promisify(execFile)('pg_restore', ['--no-owner', `--dbname=${into.databaseUrl}`, path.join(from, 'parley.dump')]);
  await cp(path.join(from, 'files'), path.join(into.dataDir, 'files'), { recursive: true });
}

for (const storeKind of storeKinds) {
  // On PostgreSQL, `parley backup` runs pg_dump and the restore pg_restore, of the server's version or newer.
  describe(`parley backup, and a restore from it [${storeKind}]`, storeKind === 'postgres' ? await needs('pg_dump', 'pg_restore') : {}, () => {
    let s: TestServer;
    let restoredDir: Scratch;
    let restored: TestServer;
    let target: string;
    let ann: TestUser;
    let bob: TestUser;
    let chatId: number;
    let image: Buffer;
    let fileId: string;
    let manifest: BackupManifest;
    const sentBefore = 2;
    let sentAfter: number;

    before(async () => {
      s = await startTestServer(storeKind);
      restoredDir = await scratch(storeKind);
      target = path.join(restoredDir.dataDir, 'backup', 'nested');
      [ann, bob] = [await registerUser(s.api), await registerUser(s.api)];
      chatId = (await openPrivate(s, ann, bob)).id;
      await send(s, ann, chatId, 'before the backup');
      image = await png(80, 60);
      fileId = (await uploaded(s, ann, [kind('image'), file(image, 'kept.png')])).id;
      await send(s, ann, chatId, { type: 'image', file_id: fileId });

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

      await restore(target, restoredDir, storeKind);
      restored = await startServerOn(restoredDir, storeKind);
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
      const dbFile = storeKind === 'sqlite' ? 'parley.db' : 'parley.dump';
      assert.equal(manifest.database.file, dbFile);
      assert.equal(manifest.database.kind, storeKind);
      assert.ok(manifest.database.migrations.includes('0001_initial'));
      assert.deepEqual(JSON.parse(await readFile(path.join(target, 'backup.json'), 'utf8')), manifest);
      const paths = (await readdir(target, { recursive: true })).map(String).sort();
      assert.deepEqual(paths.filter((p) => !p.startsWith('files/')), ['backup.json', dbFile, 'files'].sort());
      assert.ok(!paths.some((p) => p.includes('.tmp')), paths.join(', '));
      let files = 0;
      for (const p of [target, path.dirname(target), ...paths.map((p) => path.join(target, p))]) {
        const isDir = (await stat(p)).isDirectory();
        if (!isDir && p.includes(`${path.sep}files${path.sep}`)) files += 1;
        assert.equal(await mode(p), isDir ? 0o700 : 0o600, p);
      }
      assert.equal(manifest.files.storage, 'local');
      if (manifest.files.storage !== 'local') return;
      assert.equal(manifest.files.count, files);
      assert.ok(files >= 2 && manifest.files.bytes > image.length);
      assert.equal(manifest.database.bytes, (await stat(path.join(target, dbFile))).size);
    });

    it('holds a consistent database in which every file a row names is in the backup', async () => {
      if (storeKind === 'sqlite') {
        const db = new SQLite(path.join(target, 'parley.db'), { readonly: true });
        try {
          assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
        } finally {
          db.close();
        }
      }
      const db = restored.core.store.db;
      const rows = await db.selectFrom('files').select(['storage_key', 'thumbnail_key']).where('deleted_at', 'is', null).execute();
      assert.ok(rows.length >= 1);
      for (const k of rows.flatMap((r) => (r.thumbnail_key ? [r.storage_key, r.thumbnail_key] : [r.storage_key]))) {
        assert.ok((await stat(path.join(restoredDir.dataDir, 'files', k))).isFile(), `${k} is not in the backup`);
      }
      const { n } = await db.selectFrom('messages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.ok(Number(n) >= sentBefore && Number(n) <= sentAfter, `${n} messages, ${sentBefore} before and ${sentAfter} after`);
    });

    it('restores as docs/backup.md says: the messages, the files and old tokens (the signing key) come back', async () => {
      const me = okData(await restored.api.get('/api/users/me', { token: ann.token }));
      assert.equal(me.id, ann.id);
      const history = await listMessages(restored, ann, chatId, 'limit=100');
      assert.ok(history.messages.some((m: { content: string }) => m.content === 'before the backup'));
      const got = await download(restored, ann, `/api/files/${fileId}`);
      assert.equal(got.status, 200);
      assert.deepEqual(Buffer.from(got.bytes), image);
      // Files sent during the backup that made it into the snapshot download too.
      for (const m of history.messages.filter((m: { type: string; file_id?: string }) => m.type === 'image' && m.file_id)) {
        assert.equal((await download(restored, bob, `/api/files/${m.file_id}`)).status, 200, m.file_id);
      }
    });
  });
}

describe('parley backup refuses what it cannot do, saying what to do instead', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    s = await startTestServer('sqlite');
    dir = path.join(s.core.config.dataDir, 'elsewhere');
    await mkdir(path.join(dir, 'full'), { recursive: true });
    await writeFile(path.join(dir, 'full', 'something'), 'x');
  });
  after(async () => {
    await s?.close();
  });

  it('a directory that is not empty, a database that is not there, PostgreSQL without pg_dump: nothing written', async () => {
    const config = s.core.config;
    await assert.rejects(backup(config, path.join(dir, 'full')), (err: unknown) => err instanceof BackupRefused && /is not empty/.test(err.message));
    await assert.rejects(backup({ ...config, databaseUrl: `sqlite:${path.join(dir, 'none.db')}` }, path.join(dir, 'a')), /there is no database at/);
    await assert.rejects(backup({ ...config, databaseUrl: 'postgres://db/parley' }, path.join(dir, 'b'), { pgDump: 'pg_dump-not-installed' }), (err: unknown) =>
      err instanceof BackupRefused && /pg_dump-not-installed is not installed here.*pg_dump -Fc/.test(err.message),
    );
    assert.deepEqual((await readdir(dir, { recursive: true })).map(String).sort(), ['full', 'full/something']);
  });

  it('a failure halfway (pg_dump fails) leaves the target empty, to be used again', async () => {
    const target = path.join(dir, 'failed');
    const fakeDump = path.join(dir, 'fake-pg_dump');
    // Answers --version, then fails the dump as a real one does when the server is away.
    await writeFile(fakeDump, '#!/bin/sh\n[ "$1" = --version ] && exit 0\necho "connection refused" >&2\nexit 1\n', { mode: 0o700 });
    await assert.rejects(
      backup({ ...s.core.config, databaseUrl: 'postgres://parley:secret@127.0.0.1:1/parley' }, target, { pgDump: fakeDump }),
      /fake-pg_dump failed \(exit 1\): connection refused/,
    );
    assert.deepEqual(await readdir(target), []);
  });

  it('refuses a target inside the files directory, which it would copy into itself', async () => {
    const inside = path.join(s.core.config.filesDir, 'backups', 'today');
    await assert.rejects(backup(s.core.config, inside), (err: unknown) => err instanceof BackupRefused && /is inside FILES_DIR/.test(err.message));
    assert.equal(existsSync(path.join(s.core.config.filesDir, 'backups')), false);
  });

  it('backs up a database no server has open (no -wal or -shm beside it)', async () => {
    const stopped = path.join(dir, 'stopped');
    const database = openDatabase({ url: `sqlite:${path.join(stopped, 'parley.db')}` });
    await migrateToLatest(database.db, database.dialect);
    await database.close();
    assert.deepEqual(await readdir(stopped), ['parley.db']);
    const m = await backup({ ...s.core.config, databaseUrl: `sqlite:${path.join(stopped, 'parley.db')}`, filesDir: path.join(stopped, 'files') }, path.join(stopped, 'b'));
    assert.deepEqual([m.database.migrations.length, m.files.storage === 'local' && m.files.count], [knownMigrations.length, 0]);
  });

  it('with files in S3, backs up the database and says the files are not in it', async () => {
    const m = await backup({ ...s.core.config, fileStorage: 's3', s3: { bucket: 'parley-files' } }, path.join(dir, 's3'));
    assert.deepEqual(m.files, { storage: 's3', bucket: 'parley-files', included: false });
    assert.deepEqual((await readdir(path.join(dir, 's3'))).sort(), ['backup.json', 'parley.db']);
  });
});
