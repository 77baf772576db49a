import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../support/process.ts';

describe('parley config show and check', () => {
  let dir: string;
  let file: string;
  let env: Record<string, string>;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'parley-config-'));
    file = path.join(dir, 'parley.json');
    writeFileSync(file, JSON.stringify({ PORT: 7000, TURN_SECRET: 'file-turn-s3cret-value', PROT: 1 }));
    env = {
      PARLEY_CONFIG: file,
      DATA_DIR: path.join(dir, 'never-created'),
      JWT_SECRET: 'a-jwt-s3cret-that-is-long-enough-to-use',
      DATABASE_URL: 'postgres://parley:db-pa55word@127.0.0.1:1/parley',
      S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      S3_SECRET_ACCESS_KEY: 's3-s3cret',
      OAUTH_GITHUB_CLIENT_SECRET: 'gh-s3cret',
      DATABSE_POOL_SIZE: '5',
    };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const secrets = ['file-turn-s3cret', 'jwt-s3cret', 'db-pa55word', 'AKIAEXAMPLE', 's3-s3cret', 'gh-s3cret'];

  it('shows every setting, its value and its source, secrets masked, without connecting to anything', async () => {
    const r = await runCli(['config', 'show'], env);
    assert.equal(r.code, 0, r.stderr);
    const line = (variable: string) => r.stdout.split('\n').find((l) => l.startsWith(`${variable} `))?.split(/\s{2,}/);
    assert.deepEqual(line('PORT'), ['PORT', '7000', `PARLEY_CONFIG (${file})`]);
    assert.deepEqual(line('DATABASE_URL'), ['DATABASE_URL', 'postgres://parley:[redacted]@127.0.0.1:1/parley', 'env']);
    assert.deepEqual(line('JWT_SECRET'), ['JWT_SECRET', '[redacted]', 'env']);
    assert.deepEqual(line('TURN_SECRET'), ['TURN_SECRET', '[redacted]', `PARLEY_CONFIG (${file})`]);
    assert.deepEqual(line('LOG_LEVEL'), ['LOG_LEVEL', 'info', 'default']);
    for (const s of secrets) assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `printed ${s}`);
    assert.match(r.stderr, /warning: DATABSE_POOL_SIZE is set but Parley has no such variable; did you mean DATABASE_POOL_SIZE\?/);
    assert.match(r.stderr, /warning: PARLEY_CONFIG: .* has an unknown key PROT, ignored; did you mean PORT\?/);

    const json = await runCli(['config', 'show', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as { variable: string; value: string; source: string }[];
    assert.deepEqual(rows.find((x) => x.variable === 'S3_SECRET_ACCESS_KEY'), { variable: 'S3_SECRET_ACCESS_KEY', value: '[redacted]', source: 'env' });
    assert.equal(rows.length, r.stdout.trimEnd().split('\n').length);
    for (const s of secrets) assert.ok(!json.stdout.includes(s), `printed ${s}`);
    assert.equal(existsSync(env.DATA_DIR!), false, 'nothing was opened');
  });

  it('checks: OK with the warnings, exit 0 (2 with --strict); every problem named, exit 2', async () => {
    const ok = await runCli(['config', 'check'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, `configuration OK (2 settings from ${file}, 2 warnings)\n`);
    assert.equal(ok.stderr.trimEnd().split('\n').length, 2);
    assert.equal((await runCli(['config', 'check', '--strict'], env)).code, 2);
    assert.equal((await runCli(['config', 'check', '--strict'], { DATA_DIR: env.DATA_DIR! })).code, 0);

    const bad = await runCli(['config', 'check'], { ...env, SHUTDOWN_TIMEOUT: 'whenever', JWT_SECRET: 'short-jwt-s3cret', FILE_STORAGE: 's3' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /SHUTDOWN_TIMEOUT: must be a duration/);
    assert.match(bad.stderr, /JWT_SECRET: must be at least 32 characters \(got a value of 16 characters, not shown: it is secret\)/);
    assert.match(bad.stderr, /S3_BUCKET: must be set when FILE_STORAGE=s3/);
    assert.match(bad.stderr, /warning: DATABSE_POOL_SIZE/, 'warnings come with the errors');
    assert.doesNotMatch(bad.stdout, /configuration OK/);

    const profiles = await Promise.all(
      ['zhihang@/,chat8@/,lite@/', 'zhihang@/,nosuch@/x', 'zhihang@/,lite@:7000'].map((p) => runCli(['config', 'check'], { ...env, PROFILES: p })),
    );
    for (const r of profiles) assert.equal(r.code, 2, r.stdout);
    assert.match(profiles[0]!.stderr, /PROFILES: chat8@\/ and lite@\/ both claim/);
    assert.match(profiles[1]!.stderr, /PROFILES: unknown profile "nosuch"/);
    assert.match(profiles[2]!.stderr, /PROFILES: lite@:7000 asks for the port of the main listener \(PORT=7000\)/);
    for (const r of [ok, bad, ...profiles]) for (const s of secrets) assert.ok(!r.stdout.includes(s) && !r.stderr.includes(s), `printed ${s}`);
    assert.equal(existsSync(env.DATA_DIR!), false, 'nothing was opened');
  });
});
