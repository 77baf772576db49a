import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { gitSha, version } from '../../src/version.ts';
import { cliPath, exited, freePort, repoRoot } from '../support/process.ts';

/** Runs `parley serve` until its start-up line, which it returns parsed; then stops it. */
async function startupLine(env: Record<string, string>): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, [cliPath, 'serve'], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start-up line within 60 s:\n${out}`)), 60_000);
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.includes('"parley is serving"'));
        if (!line) return;
        clearTimeout(timer);
        resolve(JSON.parse(line) as Record<string, unknown>);
      });
      child.on('exit', (code) => reject(new Error(`exited with ${code} before its start-up line:\n${out}`)));
    });
  } finally {
    child.kill('SIGTERM');
    await exited(child);
  }
}

it('`parley serve` logs one start-up line saying what runs, on what, for whom and where it is watched', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-startup-'));
  try {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const line = await startupLine({
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      NODE_ID: 'summary-node',
      REGISTRATION: 'closed',
      METRICS_PORT: String(metricsPort),
      PROFILES: 'zhihang@/,lite@/lite',
    });
    const url = `http://127.0.0.1:${port}`;
    assert.deepEqual(
      { ...line, time: undefined, pid: undefined, hostname: undefined },
      {
        level: 'info',
        service: 'parley',
        msg: 'parley is serving',
        version,
        commit: gitSha,
        node: 'summary-node',
        url,
        store: `sqlite:${path.join(dataDir, 'parley.db')}`,
        redis: 'off',
        storage: `local:${path.join(dataDir, 'files')}`,
        registration: 'closed',
        profiles: { zhihang: `${url}/`, lite: `${url}/lite/` },
        metrics: `http://127.0.0.1:${metricsPort}/metrics`,
        time: undefined,
        pid: undefined,
        hostname: undefined,
      },
    );
    assert.match(String(gitSha), /^[0-9a-f]{40}$/, 'the checkout gives the commit');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
