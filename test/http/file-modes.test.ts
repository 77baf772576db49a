import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { file, kind, png, uploaded } from '../support/files.ts';
import { startServerOn } from '../support/server.ts';
import { registerUser } from '../support/users.ts';

const modeOf = (p: string) => statSync(p).mode & 0o777;

/** Every directory and file below `dir`, each with its mode. */
function walk(dir: string): { path: string; dir: boolean; mode: number }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    const here = { path: p, dir: e.isDirectory(), mode: modeOf(p) };
    return e.isDirectory() ? [here, ...walk(p)] : [here];
  });
}

it('creates the data directory, the SQLite database (with -wal and -shm) and stored files readable by their owner only', async () => {
  const parent = mkdtempSync(path.join(tmpdir(), 'parley-modes-'));
  // A data directory that does not exist yet: the server creates it.
  const dataDir = path.join(parent, 'data');
  const db = path.join(dataDir, 'parley.db');
  const server = await startServerOn({ dataDir, databaseUrl: `sqlite:${db}`, cleanup: async () => undefined }, 'sqlite');
  try {
    const u = await registerUser(server.api);
    await uploaded(server, u, [kind('image'), file(await png(320, 240), 'p.png', 'image/png')]);
    assert.equal(modeOf(dataDir), 0o700);
    for (const f of [db, `${db}-wal`, `${db}-shm`]) assert.equal(modeOf(f), 0o600, f);
    const stored = walk(path.join(dataDir, 'files'));
    assert.ok(stored.filter((e) => !e.dir).length >= 2, 'the image and its thumbnail');
    for (const e of stored) assert.equal(e.mode, e.dir ? 0o700 : 0o600, e.path);
    assert.equal(modeOf(path.join(dataDir, 'files')), 0o700);
  } finally {
    await server.close();
    rmSync(parent, { recursive: true, force: true });
  }
});
