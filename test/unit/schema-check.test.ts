import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkSchema, newerVersion, SchemaMismatchError } from '../../src/store/schema-check.ts';

const known = ['0001_a', '0002_b', '0003_c'];
const same = { required: null, own: '0.2.0' };

describe('checkSchema: may this build run on the database', () => {
  it('brings a fresh or older database up to date', () => {
    assert.deepEqual(checkSchema(known, [], same), { pending: known, unknown: [] });
    assert.deepEqual(checkSchema(known, ['0001_a'], same), { pending: ['0002_b', '0003_c'], unknown: [] });
    assert.deepEqual(checkSchema(known, known, same), { pending: [], unknown: [] });
  });

  it("accepts a newer build's migrations that sort after all of its own, and names them", () => {
    assert.deepEqual(checkSchema(known, [...known, '0005_e', '0004_d'], same), { pending: [], unknown: ['0004_d', '0005_e'] });
  });

  it('refuses an unknown migration among its own: another line of development', () => {
    assert.throws(
      () => checkSchema(known, ['0001_a', '0002_b', '0002_x', '0003_c'], same),
      (err: unknown) => err instanceof SchemaMismatchError && /migration 0002_x, which this build of Parley does not know and which sorts before its own 0003_c/.test(err.message),
    );
  });

  it('refuses a database where one of its migrations was skipped and a later one applied', () => {
    assert.throws(() => checkSchema(known, ['0001_a', '0003_c'], same), /migration 0002_b was never applied to the database, but the later 0003_c was/);
    // Pending ones of its own below a newer build's are skipped ones too.
    assert.throws(
      () => checkSchema(known, ['0001_a', '0002_b', '0004_d'], same),
      /migration 0003_c was never applied to the database, but the later 0004_d was: 0004_d is not one of this build's, so a build from another line of development, one without 0003_c, migrated it/,
    );
  });

  it('refuses a schema whose migrating build said older builds cannot read it', () => {
    assert.throws(
      () => checkSchema(known, [...known, '0004_d'], { required: '0.3.0', own: '0.2.9' }),
      /the database schema needs Parley 0.3.0 or newer .*this is 0.2.9/,
    );
    assert.deepEqual(checkSchema(known, [...known, '0004_d'], { required: '0.2.0', own: '0.2.9' }).unknown, ['0004_d']);
  });
});

describe('newerVersion', () => {
  it('compares numerically, part by part', () => {
    assert.equal(newerVersion('0.10.0', '0.9.9'), true);
    assert.equal(newerVersion('1.0.0', '0.99.99'), true);
    assert.equal(newerVersion('0.2.1', '0.2.1'), false);
    assert.equal(newerVersion('0.2.1-rc.1', '0.2.0'), true);
    assert.equal(newerVersion('0.2.0', '0.2.1'), false);
    assert.throws(() => newerVersion('latest', '0.1.0'), /not a version: "latest"/);
  });
});
