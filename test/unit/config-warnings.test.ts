import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { effectiveSettings } from '../../src/config-effective.ts';
import { configWarnings, editDistance } from '../../src/config-warnings.ts';
import { loadConfig, readConfigSources, settings, type Env } from '../../src/config.ts';

const warningsOf = (environment: Env) => configWarnings(readConfigSources(environment), environment);

describe('configuration warnings', () => {
  it('counts insertions, deletions, replacements and swapped neighbours as one edit each', () => {
    assert.equal(editDistance('DATABSE_URL', 'DATABASE_URL'), 1);
    assert.equal(editDistance('DATAABSE_URL', 'DATABASE_URL'), 1);
    assert.equal(editDistance('UPLOAD_MAX_SZE', 'UPLOAD_MAX_SIZE'), 1);
    assert.equal(editDistance('REDIS_URI', 'REDIS_URL'), 1);
    assert.equal(editDistance('TURN_URL', 'TURN_URLS'), 1);
    assert.equal(editDistance('HOSTNAME', 'HOST'), 3, 'more than two is not computed exactly');
  });

  it('names a variable a letter or two from one of Parley\'s, and every unknown PARLEY_ variable', () => {
    const warnings = warningsOf({ DATABSE_URL: 'x', UPLOAD_MAX_SZE: '1mb', database_url: 'y', PARLEY_CONFG: 'p.json', PARLEY_DEBUG: '1', TURN_URL: 'turn:x' });
    assert.deepEqual(
      warnings.map((w) => [w.variable, w.suggestion]),
      [
        ['DATABSE_URL', 'DATABASE_URL'],
        ['PARLEY_CONFG', 'PARLEY_CONFIG'],
        ['PARLEY_DEBUG', undefined],
        ['TURN_URL', 'TURN_URLS'],
        ['UPLOAD_MAX_SZE', 'UPLOAD_MAX_SIZE'],
        ['database_url', 'DATABASE_URL'],
      ],
    );
    assert.equal(warnings[0]!.message, 'DATABSE_URL is set but Parley has no such variable; did you mean DATABASE_URL?');
    assert.equal(warnings[2]!.message, 'PARLEY_DEBUG is set but Parley has no such variable');
  });

  it('leaves alone Parley\'s own variables, short names, other software\'s and what Kubernetes sets for a service named parley', () => {
    const environment: Env = {
      ...Object.fromEntries(Object.values(settings).map((s) => [s.env, 'x'])),
      PATH: '/bin', HOME: '/root', HOSTNAME: 'h', PWD: '/', OLDPWD: '/', NODE_ENV: 'production', NODE_IP: '10.0.0.1', NODE_OPTIONS: '',
      TEST_DATABASE_URL: 'postgres://x', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'k', npm_config_cache: '/c', PORTS: '1',
      PARLEY_SERVICE_HOST: '10.0.0.2', PARLEY_SERVICE_PORT: '8080', PARLEY_SERVICE_PORT_HTTP: '8080', PARLEY_PORT: 'tcp://10.0.0.2:8080',
      PARLEY_PORT_8080_TCP: 'tcp://10.0.0.2:8080', PARLEY_PORT_8080_TCP_PROTO: 'tcp', PARLEY_PORT_8080_TCP_ADDR: '10.0.0.2',
      PARLEY_BENCH_SQL_FILE: '/tmp/sql.jsonl',
    };
    assert.deepEqual(warningsOf(environment), []);
  });

  it('names the keys of the PARLEY_CONFIG file that are no variable, with the nearest one', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-config-')), 'parley.json');
    writeFileSync(file, JSON.stringify({ PROT: 7000, LOGLEVEL: 'warn', COLOUR: 'blue', HOST: '::1' }));
    const warnings = warningsOf({ PARLEY_CONFIG: file });
    assert.deepEqual(warnings.map((w) => [w.variable, w.suggestion]), [['PROT', 'PORT'], ['LOGLEVEL', 'LOG_LEVEL'], ['COLOUR', undefined]]);
    assert.equal(warnings[0]!.message, `PARLEY_CONFIG: ${file} has an unknown key PROT, ignored; did you mean PORT?`);
  });
});

describe('effective settings', () => {
  it('gives every setting with its source, secrets and URL passwords masked, paths as the server resolves them', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'parley-config-')), 'parley.json');
    writeFileSync(file, JSON.stringify({ PORT: 7000, HOST: '127.0.0.1', TURN_SECRET: 'file-turn-s3cret-value' }));
    const environment: Env = {
      PARLEY_CONFIG: file,
      HOST: '::1',
      DATA_DIR: 'relative-data',
      JWT_SECRET: 'a-jwt-s3cret-that-is-long-enough-to-use',
      REDIS_URL: 'redis://:redis-pa55word@cache:6379',
      CODE_SENDER: 'webhook',
      CODE_WEBHOOK_URL: 'https://sms.example.com/send?api_key=hook-k3y',
    };
    const sources = readConfigSources(environment);
    const rows = effectiveSettings(sources, loadConfig(sources.env));
    assert.deepEqual(rows.map((r) => r.variable), Object.values(settings).map((s) => s.env));
    const row = (variable: string) => rows.find((r) => r.variable === variable);
    assert.deepEqual(row('PORT'), { variable: 'PORT', value: '7000', source: 'file' });
    assert.deepEqual(row('HOST'), { variable: 'HOST', value: '::1', source: 'env' });
    assert.deepEqual(row('DATA_DIR'), { variable: 'DATA_DIR', value: path.resolve('relative-data'), source: 'env' });
    assert.deepEqual(row('DATABASE_URL'), { variable: 'DATABASE_URL', value: `sqlite:${path.resolve('relative-data', 'parley.db')}`, source: 'default' });
    assert.deepEqual(row('JWT_SECRET'), { variable: 'JWT_SECRET', value: '[redacted]', source: 'env' });
    assert.deepEqual(row('TURN_SECRET'), { variable: 'TURN_SECRET', value: '[redacted]', source: 'file' });
    assert.deepEqual(row('REDIS_URL'), { variable: 'REDIS_URL', value: 'redis://:[redacted]@cache:6379', source: 'env' });
    assert.deepEqual(row('CODE_WEBHOOK_URL'), { variable: 'CODE_WEBHOOK_URL', value: 'https://sms.example.com/send?api_key=[redacted]', source: 'env' });
    assert.deepEqual(row('RATE_LIMIT_SEND'), { variable: 'RATE_LIMIT_SEND', value: '100/min', source: 'default' });
    const text = JSON.stringify(rows);
    for (const secret of ['jwt-s3cret', 'turn-s3cret', 'redis-pa55word', 'hook-k3y']) assert.ok(!text.includes(secret), secret);
  });
});
