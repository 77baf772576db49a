import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, configurationTable, gatherEnv, loadConfig, readConfigSources, parseDuration, parseRateRule, parseSize, settings } from '../../src/config.ts';
import { trustProxyOption } from '../../src/http/trust-proxy.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  it('has working defaults: SQLite and files under ./data, port 8080', () => {
    const c = loadConfig({});
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.port, 8080);
    assert.equal(c.dataDir, path.resolve('data'));
    assert.equal(c.databaseUrl, `sqlite:${path.resolve('data', 'parley.db')}`);
    assert.equal(c.filesDir, path.resolve('data', 'files'));
    assert.equal(c.jwtSecret, undefined);
    assert.equal(c.accessTokenTtl, 3600);
    assert.deepEqual(c.rateLimits.auth, { limit: 5, windowMs: 60_000 });
    assert.deepEqual(c.rateLimits.send, { limit: 100, windowMs: 60_000 });
    assert.deepEqual(c.rateLimits.upload, { limit: 10, windowMs: 60_000 });
    assert.deepEqual(c.rateLimits.query, { limit: 1000, windowMs: 60_000 });
    assert.equal(c.registration, 'open');
    assert.equal(c.sqliteSynchronous, 'FULL');
    assert.equal(c.sqliteMmapSize, 256 * 1024 ** 2);
  });

  it('reads and converts every kind of value', () => {
    const c = loadConfig({
      PORT: '9000',
      DATA_DIR: '/srv/parley',
      DATABASE_URL: 'postgres://parley@db:5432/parley',
      ACCESS_TOKEN_TTL: '15m',
      REFRESH_TOKEN_TTL: '7d',
      RATE_LIMIT_AUTH: '10/30s',
      RATE_LIMIT_SEND: 'off',
      CORS_ORIGINS: 'https://a.example.com, https://b.example.com/',
      BODY_LIMIT: '256kb',
      TRUST_PROXY: 'yes',
      CODE_SENDER: 'webhook',
      CODE_WEBHOOK_URL: 'https://sms.example.com/send/',
      SQLITE_MMAP_SIZE: '0',
    });
    assert.equal(c.port, 9000);
    assert.equal(c.sqliteMmapSize, 0);
    assert.equal(c.filesDir, '/srv/parley/files');
    assert.equal(c.databaseUrl, 'postgres://parley@db:5432/parley');
    assert.equal(c.accessTokenTtl, 900);
    assert.equal(c.refreshTokenTtl, 7 * 86400);
    assert.deepEqual(c.rateLimits.auth, { limit: 10, windowMs: 30_000 });
    assert.equal(c.rateLimits.send, null);
    assert.deepEqual(c.corsOrigins, ['https://a.example.com', 'https://b.example.com']);
    assert.equal(c.bodyLimit, 256 * 1024);
    assert.equal(c.trustProxy, true);
    assert.equal(c.codeWebhookUrl, 'https://sms.example.com/send');
  });

  it('names each bad variable and what is allowed, all at once', () => {
    const problems = problemsOf({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', JWT_SECRET: 'short', RATE_LIMIT_AUTH: 'lots' });
    assert.equal(problems.length, 5);
    assert.match(problems.find((p) => p.startsWith('PORT:'))!, /integer from 0 to 65535.*"eighty"/);
    assert.match(problems.find((p) => p.startsWith('LOG_LEVEL:'))!, /info/);
    assert.match(problems.find((p) => p.startsWith('DATABASE_URL:'))!, /sqlite:<path> or postgres/);
    assert.match(problems.find((p) => p.startsWith('JWT_SECRET:'))!, /at least 32 characters/);
    assert.match(problems.find((p) => p.startsWith('RATE_LIMIT_AUTH:'))!, /5\/min/);
    assert.match(new ConfigError(problems).message, /^Invalid configuration:\n {2}- /);
  });

  it('never prints a secret in its errors: secrets not at all, URLs without their password', () => {
    const secrets = {
      JWT_SECRET: 'short-jwt-secret',
      TURN_SECRET: 'turn-s3cret',
      TURN_PASSWORD: `turn-password-${'x'.repeat(600)}`,
      CODE_WEBHOOK_SECRET: 'hook-s3cret',
      S3_ACCESS_KEY_ID: `AKIA${'K'.repeat(300)}`,
      S3_SECRET_ACCESS_KEY: `s3-s3cret-${'y'.repeat(300)}`,
      DATABASE_URL: 'postgres://parley:db-pa55word@db:port/parley',
      REDIS_URL: 'redis://:redis-pa55word@',
      CODE_WEBHOOK_URL: 'ftp://sms:hook-pa55word@sms.example.com/send?api_key=hook-api-key',
    };
    const problems = problemsOf(secrets);
    assert.equal(problems.length, Object.keys(secrets).length);
    const text = new ConfigError(problems).message;
    for (const value of ['short-jwt-secret', 'turn-s3cret', 'turn-password', 'hook-s3cret', 'AKIAKKK', 's3-s3cret', 'db-pa55word', 'redis-pa55word', 'hook-pa55word', 'hook-api-key']) {
      assert.ok(!text.includes(value), `${value} printed in:\n${text}`);
    }
    assert.match(text, /JWT_SECRET: must be at least 32 characters \(got a value of 16 characters, not shown: it is secret\)/);
    assert.match(text, /DATABASE_URL: .*\(got "postgres:\/\/parley:\[redacted\]@db:port\/parley"\)/);
    assert.match(text, /CODE_WEBHOOK_URL: .*"ftp:\/\/sms:\[redacted\]@sms.example.com\/send\?api_key=\[redacted\]"/);

    // A configuration file that is not JSON: its text is not quoted either.
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-config-'));
    const file = path.join(dir, 'parley.json');
    writeFileSync(file, '{"JWT_SECRET": file-jwt-secret-that-is-long-enough}');
    const err = (() => {
      try {
        gatherEnv({ PARLEY_CONFIG: file });
      } catch (e) {
        return e as Error;
      }
      assert.fail('expected a ConfigError');
    })();
    assert.match(err.message, /PARLEY_CONFIG: cannot read JSON from .* \(not valid JSON/);
    assert.doesNotMatch(err.message, /file-jwt-secret/);
  });

  it('marks every setting that holds a key, password or secret as secret', () => {
    for (const s of Object.values(settings)) {
      if (/SECRET|PASSWORD|_KEY/.test(s.env)) assert.equal((s as { secret?: true }).secret, true, s.env);
    }
  });

  it('checks values that depend on each other', () => {
    assert.deepEqual(problemsOf({ CODE_SENDER: 'webhook' }), ['CODE_WEBHOOK_URL: must be set when CODE_SENDER=webhook']);
    assert.equal(problemsOf({ PORT: '70000' }).length, 1);
    assert.equal(problemsOf({ ACCESS_TOKEN_TTL: '1s' }).length, 1);
  });

  it('reads the cluster settings: Redis, node id and timeout, S3 storage', () => {
    const single = loadConfig({});
    assert.equal(single.redisUrl, undefined);
    assert.equal(single.redisPrefix, 'parley:');
    assert.match(single.nodeId, new RegExp(`-${process.pid}$`));
    assert.equal(single.nodeTimeoutMs, 20_000);
    assert.equal(single.fileStorage, 'local');

    const c = loadConfig({
      REDIS_URL: 'redis://:secret@cache:6380/2',
      REDIS_PREFIX: 'chat-prod:',
      NODE_ID: 'web-3',
      NODE_TIMEOUT: '30s',
      FILE_STORAGE: 's3',
      S3_ENDPOINT: 'http://minio:9000/',
      S3_BUCKET: 'parley-files',
      S3_REGION: 'eu-west-1',
      S3_ACCESS_KEY_ID: 'AKIA',
      S3_SECRET_ACCESS_KEY: 'shh',
      S3_FORCE_PATH_STYLE: 'true',
      S3_PREFIX: 'uploads/',
    });
    assert.deepEqual([c.redisUrl, c.redisPrefix, c.nodeId, c.nodeTimeoutMs, c.fileStorage], ['redis://:secret@cache:6380/2', 'chat-prod:', 'web-3', 30_000, 's3']);
    assert.deepEqual(c.s3, {
      endpoint: 'http://minio:9000',
      bucket: 'parley-files',
      region: 'eu-west-1',
      accessKeyId: 'AKIA',
      secretAccessKey: 'shh',
      forcePathStyle: true,
      keyPrefix: 'uploads/',
    });

    assert.deepEqual(problemsOf({ FILE_STORAGE: 's3' }), ['S3_BUCKET: must be set when FILE_STORAGE=s3']);
    assert.deepEqual(problemsOf({ S3_ACCESS_KEY_ID: 'AKIA' }), ['S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both or neither']);
    const bad = problemsOf({ REDIS_URL: 'http://cache:6379', NODE_ID: 'web_3', NODE_TIMEOUT: '100ms', FILE_STORAGE: 'ftp', S3_BUCKET: 'B' });
    assert.deepEqual(bad.map((p) => p.split(':')[0]), ['REDIS_URL', 'NODE_ID', 'NODE_TIMEOUT', 'FILE_STORAGE', 'S3_BUCKET']);
  });

  it('reads an optional JSON file named by PARLEY_CONFIG, with the environment taking precedence', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parley-config-'));
    const file = path.join(dir, 'parley.json');
    writeFileSync(file, JSON.stringify({ PORT: 7000, HOST: '127.0.0.1', TRUST_PROXY: true }));
    const c = loadConfig(gatherEnv({ PARLEY_CONFIG: file, HOST: '::1' }));
    assert.equal(c.port, 7000);
    assert.equal(c.host, '::1');
    assert.equal(c.trustProxy, true);

    // An unknown key is set aside, for a warning (test/unit/config-warnings.test.ts), not refused.
    writeFileSync(file, JSON.stringify({ PROT: 7000, PORT: 7001 }));
    const sources = readConfigSources({ PARLEY_CONFIG: file, HOST: '::1' });
    assert.deepEqual(sources.unknownFileKeys, ['PROT']);
    assert.deepEqual([...sources.fromFile], ['PORT']);
    assert.equal(loadConfig(sources.env).port, 7001);
    writeFileSync(file, '{not json');
    assert.throws(() => gatherEnv({ PARLEY_CONFIG: file }), /PARLEY_CONFIG: cannot read JSON/);
    assert.throws(() => gatherEnv({ PARLEY_CONFIG: path.join(dir, 'missing.json') }), ConfigError);
  });

  it('reads TRUST_PROXY as true/false, a hop count, or the proxies\' addresses and networks', () => {
    const trust = (v: string) => loadConfig({ TRUST_PROXY: v }).trustProxy;
    assert.equal(trust('true'), true);
    assert.equal(trust('off'), false);
    assert.equal(trust('0'), false);
    assert.deepEqual(trust('1'), { hops: 1 });
    assert.deepEqual(trust('2'), { hops: 2 });
    assert.deepEqual(trust('10.0.0.5'), { addresses: ['10.0.0.5'] });
    assert.deepEqual(trust('10.0.0.5, 10.1.0.0/16,::1,fd00::/8,loopback'), { addresses: ['10.0.0.5', '10.1.0.0/16', '::1', 'fd00::/8', 'loopback'] });
    assert.deepEqual(trust('192.168.0.0/255.255.0.0'), { addresses: ['192.168.0.0/255.255.0.0'] });
    for (const bad of ['nginx.local', '10.0.0.0/33', '::1/129', '10.0.0.1/8/8', '100', '1.2.3', ',']) {
      assert.equal(problemsOf({ TRUST_PROXY: bad }).length, 1, bad);
    }

    // Fastify refuses a bare count; it becomes a test trusting the nearest hops.
    const hops = trustProxyOption({ hops: 1 }) as (address: string, hop: number) => boolean;
    assert.deepEqual([hops('10.0.0.5', 0), hops('203.0.113.9', 1)], [true, false]);
    assert.deepEqual(trustProxyOption({ addresses: ['10.0.0.5'] }), ['10.0.0.5']);
    assert.equal(trustProxyOption(false), false);
  });

  it('parses durations, sizes and rate rules', () => {
    assert.equal(parseDuration('90'), 90_000);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('soon'), undefined);
    assert.equal(parseSize('1mb'), 1024 ** 2);
    assert.equal(parseSize('2GiB'), 2 * 1024 ** 3);
    assert.equal(parseSize('10 parsecs'), undefined);
    assert.deepEqual(parseRateRule('5/min'), { limit: 5, windowMs: 60_000 });
    assert.deepEqual(parseRateRule('100/10s'), { limit: 100, windowMs: 10_000 });
    assert.equal(parseRateRule('off'), null);
    assert.equal(parseRateRule('5 per minute'), undefined);
  });

  it('renders the configuration table for the README from the same declarations', () => {
    const table = configurationTable();
    for (const s of Object.values(settings)) assert.ok(table.includes(`\`${s.env}\``), s.env);
  });
});

describe('README', () => {
  it('shows the current configuration table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];
    assert.equal(section, configurationTable(), 'regenerate with npm run docs:config');
  });
});
