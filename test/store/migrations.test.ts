import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import { Migrator, sql, TableNode, type Kysely } from 'kysely';
import { openDatabase, type OpenDatabase } from '../../src/store/database.ts';
import { knownMigrations, migrateToLatest, migrationStatus, oldestCompatibleVersion, SchemaMismatchError } from '../../src/store/migrate.ts';
import { applyFutureMigration, futureMigration } from '../support/future-schema.ts';
import { scratch, storeKinds, type Scratch } from '../support/stores.ts';

const recordedNames = async (db: Kysely<unknown>) =>
  (await sql<{ name: string }>`select name from parley_migrations order by name`.execute(db)).rows.map((r) => r.name);

for (const kind of storeKinds) {
  describe(`migrations across builds [${kind}]`, () => {
    let dir: Scratch;
    let database: OpenDatabase;
    const raw = () => database.db as unknown as Kysely<unknown>;

    before(async () => {
      dir = await scratch(kind);
      database = openDatabase({ url: dir.databaseUrl });
    });
    after(async () => {
      await database.close();
      await dir.cleanup();
    });

    it('a fresh database: every migration pending, nothing written by looking', async () => {
      const status = await migrationStatus(database.db);
      assert.deepEqual(status.known.map((m) => m.appliedAt), knownMigrations.map(() => null));
      assert.deepEqual(status.unknown, []);
      assert.equal(status.problem, null);
      const tables = await database.db.introspection.getTables();
      assert.equal(tables.length, 0, 'migrationStatus created tables');
    });

    it('migrates, records each migration with its time, and the oldest build that can read the schema', async () => {
      const report = await migrateToLatest(database.db, database.dialect);
      assert.deepEqual(report, { applied: [...knownMigrations], unknown: [] });
      const status = await migrationStatus(database.db);
      for (const m of status.known) assert.ok(m.appliedAt && Date.now() - Date.parse(m.appliedAt) < 60_000, `${m.name} applied at ${m.appliedAt}`);
      assert.equal(status.oldestCompatibleVersion, oldestCompatibleVersion);
    });

    it("Kysely's own migrator refuses a database a newer build migrated (why migrate.ts checks for itself)", async () => {
      await applyFutureMigration(raw(), database.dialect);
      const stock = new Migrator({
        db: database.db,
        provider: { getMigrations: async () => Object.fromEntries(knownMigrations.map((name) => [name, { up: async () => undefined }])) },
        migrationTableName: 'parley_migrations',
        migrationLockTableName: 'parley_migrations_lock',
      });
      const { error } = await stock.migrateToLatest();
      assert.match(String(error), new RegExp(`previously executed migration ${futureMigration} is missing`));
    });

    it("runs on a newer build's schema: names the unknown migrations and changes nothing", async () => {
      const before = await recordedNames(raw());
      assert.deepEqual(await migrateToLatest(database.db, database.dialect), { applied: [], unknown: [futureMigration] });
      assert.deepEqual(await recordedNames(raw()), before);
      const status = await migrationStatus(database.db);
      assert.deepEqual(status.unknown.map((m) => m.name), [futureMigration]);
      assert.ok(status.known.every((m) => m.appliedAt !== null));
      assert.equal(status.problem, null);
    });

    it('refuses an unknown migration sorting among its own, and leaves the database as it was', async () => {
      const branch = `${knownMigrations[2]}_branch`;
      await sql`insert into parley_migrations (name, timestamp) values (${branch}, ${new Date().toISOString()})`.execute(raw());
      try {
        const before = await recordedNames(raw());
        await assert.rejects(migrateToLatest(database.db, database.dialect), (err: unknown) => err instanceof SchemaMismatchError && err.message.includes(branch));
        assert.deepEqual(await recordedNames(raw()), before);
        assert.match((await migrationStatus(database.db)).problem ?? '', new RegExp(`migration ${branch}, which this build of Parley does not know`));
      } finally {
        await sql`delete from parley_migrations where name = ${branch}`.execute(raw());
      }
    });

    it('refuses a database where one of its own migrations is missing below applied ones', async () => {
      const skipped = knownMigrations[4]!;
      const row = (await sql<{ timestamp: string }>`select timestamp from parley_migrations where name = ${skipped}`.execute(raw())).rows[0]!;
      await sql`delete from parley_migrations where name = ${skipped}`.execute(raw());
      try {
        await assert.rejects(migrateToLatest(database.db, database.dialect), new RegExp(`migration ${skipped} was never applied to the database`));
        assert.ok(!(await recordedNames(raw())).includes(skipped), 'the skipped migration ran');
      } finally {
        await sql`insert into parley_migrations (name, timestamp) values (${skipped}, ${row.timestamp})`.execute(raw());
      }
    });

    it('refuses a schema a newer build marked as unreadable by older builds, and raises an older mark to its own', async () => {
      await sql`update settings set value = '99.0.0' where key = 'schema.oldest_compatible_version'`.execute(raw());
      await assert.rejects(migrateToLatest(database.db, database.dialect), /the database schema needs Parley 99.0.0 or newer/);
      assert.match((await migrationStatus(database.db)).problem ?? '', /needs Parley 99.0.0/);
      assert.equal((await migrationStatus(database.db)).oldestCompatibleVersion, '99.0.0');
      await sql`update settings set value = '0.0.1' where key = 'schema.oldest_compatible_version'`.execute(raw());
      await migrateToLatest(database.db, database.dialect);
      assert.equal((await migrationStatus(database.db)).oldestCompatibleVersion, oldestCompatibleVersion);
    });
  });
}

describe('migrations: a newer node records a migration while this one waits for the lock [sqlite]', () => {
  let dir: Scratch;
  let database: OpenDatabase;
  before(async () => {
    dir = await scratch('sqlite');
    database = openDatabase({ url: dir.databaseUrl });
    await migrateToLatest(database.db, database.dialect);
  });
  after(async () => {
    await database.close();
    await dir.cleanup();
  });

  it("looks again when the migrator finds a migration recorded after this build's check, and runs on", async () => {
    // Kysely's own read of the migrations table (the only one without an order) comes after this
    // build's check: the newer node's record lands just before it, from another connection.
    const other = new SQLite(dir.databaseUrl.replace(/^sqlite:/, ''));
    let raced = false;
    const racing = database.db.withPlugin({
      transformQuery({ node }) {
        const from = node.kind === 'SelectQueryNode' ? node.from?.froms[0] : undefined;
        const table = from && TableNode.is(from) ? from.table.identifier.name : undefined;
        if (!raced && node.kind === 'SelectQueryNode' && table === 'parley_migrations' && !node.orderBy) {
          raced = true;
          other.prepare('insert into parley_migrations (name, timestamp) values (?, ?)').run(futureMigration, new Date().toISOString());
        }
        return node;
      },
      transformResult: async ({ result }) => result,
    });
    try {
      assert.deepEqual(await migrateToLatest(racing, database.dialect), { applied: [], unknown: [futureMigration] });
      assert.ok(raced, 'the race was not staged');
    } finally {
      other.close();
    }
  });
});
