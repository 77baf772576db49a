import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliPath, exited, freePort, runCli, type Finished } from '../support/process.ts';
import { scratch, type Scratch } from '../support/stores.ts';

/** One line on stderr, the variable to look at first, no stack trace. */
function assertOneLine(r: Finished, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stdout + r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, pattern);
}

describe('start-up errors an operator can fix', () => {
  let dir: Scratch;
  let held: Server;
  let heldPort: number;
  before(async () => {
    dir = await scratch('sqlite');
    held = createServer();
    await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', resolve));
    heldPort = (held.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise((resolve) => held.close(resolve));
    await dir.cleanup();
  });

  it('a port in use: names PORT, or the profile holding it in PROFILES; misspelt variables were warned about first', async () => {
    const env = { HOST: '127.0.0.1', DATA_DIR: dir.dataDir, LOG_LEVEL: 'warn' };
    const main = await runCli(['serve'], { ...env, PORT: String(heldPort), UPLOAD_MAX_SZE: '1mb' });
    assertOneLine(main, new RegExp(`^error: PORT: port ${heldPort} on 127\\.0\\.0\\.1 is already in use by another process; stop it or set PORT to another port$`));
    const warning = main.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.variable === 'UPLOAD_MAX_SZE');
    assert.equal(warning?.level, 'warn', main.stdout);
    assert.equal(warning?.suggestion, 'UPLOAD_MAX_SIZE');

    const own = await runCli(['serve'], { ...env, PORT: '0', PROFILES: `zhihang@/,lite@:${heldPort}` });
    assertOneLine(own, new RegExp(`^error: PROFILES: port ${heldPort} \\(lite@:${heldPort}\\) on 127\\.0\\.0\\.1 is already in use .*give it another port in PROFILES$`));
    const unknown = await runCli(['serve'], { ...env, PORT: '0', PROFILES: 'zhihang@/,nosuch@/x' });
    assertOneLine(unknown, /^error: PROFILES: unknown profile "nosuch" \(known: /);
  });

  it('a database that does not answer: retried for DATABASE_CONNECT_TIMEOUT, then named with its password masked', async () => {
    const closed = await freePort();
    const started = Date.now();
    const r = await runCli(['serve'], { DATABASE_URL: `postgres://parley:db-pa55word@127.0.0.1:${closed}/parley`, DATABASE_CONNECT_TIMEOUT: '1s', LOG_LEVEL: 'warn' });
    const took = Date.now() - started;
    assertOneLine(r, new RegExp(`^error: DATABASE_URL: cannot reach the database at postgres://parley:\\[redacted\\]@127\\.0\\.0\\.1:${closed}/parley: .*ECONNREFUSED`));
    assert.ok(took >= 1000, `gave up after ${took} ms`);
    assert.match(r.stdout, /database not answering yet; retrying/);
    assert.ok(!(r.stdout + r.stderr).includes('db-pa55word'));
    // The commands that need the database say the same.
    const migrate = await runCli(['migrate'], { DATABASE_URL: `postgres://parley:db-pa55word@127.0.0.1:${closed}/parley`, DATABASE_CONNECT_TIMEOUT: '0s' });
    assertOneLine(migrate, /^error: DATABASE_URL: cannot reach the database at postgres:\/\/parley:\[redacted\]@/);
  });

  it('SIGTERM while still waiting for the database ends the process at once, as the signal would (PID 1 in a container included)', async () => {
    const closed = await freePort();
    const child = spawn(process.execPath, [cliPath, 'serve'], {
      env: { ...process.env, DATABASE_URL: `postgres://parley@127.0.0.1:${closed}/parley`, DATABASE_CONNECT_TIMEOUT: '60s', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    while (!out.includes('database not answering yet')) await new Promise((r) => setTimeout(r, 50));
    const sent = Date.now();
    child.kill('SIGTERM');
    assert.equal(await exited(child), 143);
    assert.ok(Date.now() - sent < 3000, `exited ${Date.now() - sent} ms after the signal`);
    assert.match(out, /"signal":"SIGTERM".*"msg":"stopped while starting"/);
  });

  it('an SQLite file that cannot be created: names DATA_DIR, or DATABASE_URL when that chose the file', async () => {
    const file = path.join(dir.dataDir, 'a-file');
    writeFileSync(file, '');
    const underData = await runCli(['serve'], { DATA_DIR: path.join(file, 'data') });
    assertOneLine(underData, new RegExp(`^error: DATA_DIR: cannot open the SQLite database ${path.join(file, 'data', 'parley.db')}: ENOTDIR`));
    const named = await runCli(['user', 'enable', 'x'], { DATA_DIR: dir.dataDir, DATABASE_URL: `sqlite:${path.join(file, 'x.db')}` });
    assertOneLine(named, /^error: DATABASE_URL: cannot open the SQLite database sqlite:.*a-file\/x\.db: /);
  });
});
