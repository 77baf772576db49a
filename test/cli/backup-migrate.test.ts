import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import { openDatabase } from '../../src/store/database.ts';
import { knownMigrations } from '../../src/store/migrate.ts';
import { file, kind, png, uploaded } from '../support/files.ts';
import { applyFutureMigration, futureMigration } from '../support/future-schema.ts';
import { openPrivate, send } from '../support/messaging.ts';
import { runCli } from '../support/process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { scratch, storeKinds, type Scratch } from '../support/stores.ts';
import { registerUser } from '../support/users.ts';

const quiet = { LOG_LEVEL: 'warn', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' };

for (const storeKind of storeKinds) {
  describe(`parley migrate --status, and migrate on a newer or broken schema [${storeKind}]`, () => {
    let dir: Scratch;
    let env: Record<string, string>;
    const withDatabase = async (run: (db: Kysely<unknown>) => Promise<unknown>) => {
      const database = openDatabase({ url: dir.databaseUrl });
      try {
        await run(database.db as unknown as Kysely<unknown>);
      } finally {
        await database.close();
      }
    };
    before(async () => {
      dir = await scratch(storeKind);
      env = { ...quiet, DATA_DIR: dir.dataDir, DATABASE_URL: dir.databaseUrl };
    });
    after(async () => {
      await dir.cleanup();
    });

    it('lists every migration as pending on a fresh database, creating no table', async () => {
      const r = await runCli(['migrate', '--status'], env);
      assert.equal(r.code, 0, r.stderr);
      for (const name of knownMigrations) assert.match(r.stdout, new RegExp(`^${name} +pending$`, 'm'));
      assert.match(r.stdout, new RegExp(`^schema: 0 applied, ${knownMigrations.length} pending, 0 from a newer build; oldest compatible version \\(not recorded\\)`, 'm'));
      if (storeKind === 'sqlite') {
        assert.match(r.stdout, /^\(no database at .*parley\.db yet\)$/m);
        assert.equal(existsSync(path.join(dir.dataDir, 'parley.db')), false, 'the status created the database file');
      } else {
        await withDatabase(async (db) => assert.deepEqual(await db.introspection.getTables(), []));
      }
    });

    it('after migrate, lists each as applied with its time', async () => {
      assert.equal((await runCli(['migrate'], env)).code, 0);
      const r = await runCli(['migrate', '--status'], env);
      assert.equal(r.code, 0, r.stderr);
      for (const name of knownMigrations) assert.match(r.stdout, new RegExp(`^${name} +applied \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z$`, 'm'));
      assert.match(r.stdout, /oldest compatible version 0\.1\.0; this build \d+\.\d+\.\d+/);
    });

    it("names a newer build's migration; migrate runs on, warning, and changes nothing", async () => {
      await withDatabase((db) => applyFutureMigration(db, storeKind));
      const status = await runCli(['migrate', '--status'], env);
      assert.equal(status.code, 0, status.stderr);
      assert.match(status.stdout, new RegExp(`^${futureMigration} +unknown \\(newer build\\), applied `, 'm'));
      assert.match(status.stdout, /, 1 from a newer build;/);
      const migrate = await runCli(['migrate'], env);
      assert.equal(migrate.code, 0, migrate.stderr);
      assert.match(migrate.stdout, /database is up to date/);
      assert.match(migrate.stderr, new RegExp(`warning: the database schema is newer than this build .*${futureMigration}`));
    });

    it('a foreign migration among its own: --status says this build would refuse (exit 1), migrate and serve refuse (exit 2)', async () => {
      const foreign = `${knownMigrations[1]}_fork`;
      await withDatabase((db) => sql`insert into parley_migrations (name, timestamp) values (${foreign}, ${new Date().toISOString()})`.execute(db));
      const status = await runCli(['migrate', '--status'], env);
      assert.equal(status.code, 1);
      assert.match(status.stderr, new RegExp(`this build would refuse the database: the database has migration ${foreign}`));
      for (const command of [['migrate'], ['serve']]) {
        const r = await runCli(command, { ...env, PORT: '0' });
        assert.equal(r.code, 2, `${command[0]}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`^error: the database has migration ${foreign}, which this build of Parley does not know`, 'm'));
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'a stack trace');
      }
    });
  });
}

describe('parley backup through its process', () => {
  let s: TestServer;
  let env: Record<string, string>;
  let out: string;
  before(async () => {
    s = await startTestServer('sqlite');
    env = { ...quiet, DATA_DIR: s.core.config.dataDir, DATABASE_URL: s.core.config.databaseUrl };
    out = path.join(s.core.config.dataDir, 'backups');
  });
  after(async () => {
    await s?.close();
  });

  it("copies a running server's database and files while it keeps writing, and prints the manifest", async () => {
    const [ann, bob] = [await registerUser(s.api), await registerUser(s.api)];
    const chat = await openPrivate(s, ann, bob);
    const f = await uploaded(s, ann, [kind('image'), file(await png(50, 40), 'a.png')]);
    await send(s, ann, chat.id, { type: 'image', file_id: f.id });
    let writing = true;
    let sent = 0;
    const writer = (async () => {
      for (; writing; sent++) await send(s, bob, chat.id, `while backing up ${sent}`);
    })();
    const r = await runCli(['backup', path.join(out, 'first')], env);
    writing = false;
    await writer;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(sent > 0, 'the server wrote nothing while the backup ran');
    const manifest = JSON.parse(r.stdout);
    assert.equal(manifest.database.file, 'parley.db');
    assert.deepEqual([manifest.files.storage, manifest.files.count], ['local', 2]);
    assert.equal((await stat(path.join(out, 'first'))).mode & 0o777, 0o700);
    const db = new SQLite(path.join(out, 'first', 'parley.db'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      const { n } = db.prepare('select count(*) as n from messages').get() as { n: number };
      assert.ok(n >= 1 && n <= sent + 1, `${n} messages`);
    } finally {
      db.close();
    }
  });

  it('refuses a directory that is not empty, and PostgreSQL without pg_dump, with exit 2; --help runs nothing', async () => {
    const full = path.join(out, 'full');
    await mkdir(full, { recursive: true });
    await writeFile(path.join(full, 'x'), 'x');
    const notEmpty = await runCli(['backup', full], env);
    assert.equal(notEmpty.code, 2);
    assert.match(notEmpty.stderr, /^error: .*full is not empty: back up into a new or empty directory$/m);
    const pg = await runCli(['backup', path.join(out, 'pg')], { ...env, DATABASE_URL: 'postgres://parley@127.0.0.1:1/parley', PATH: '/nonexistent' });
    assert.equal(pg.code, 2, pg.stderr);
    assert.match(pg.stderr, /PostgreSQL database and pg_dump is not installed here/);
    const help = await runCli(['backup', path.join(out, 'help'), '--help'], env);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: parley backup \[options\] <dir>/);
    assert.match(help.stdout, /holds the token signing key/);
    assert.equal(existsSync(path.join(out, 'pg')) || existsSync(path.join(out, 'help')), false);
    assert.deepEqual((await readdir(out)).sort(), ['first', 'full']);
  });
});
