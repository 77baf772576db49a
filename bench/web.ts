/**
 * Parley Web's first impressions: `npm run bench:web [-- --runs N]`.
 *
 * Builds nothing: it measures dist/web as `npm run build` left it. It prints the gzipped size of
 * what the client's page loads before it can render (its entry script, the modules it preloads
 * and its style sheets; the budget is 300 KB of JavaScript), then starts a built Parley
 * on a fresh data directory and times, in Debian's chromium, the first render from navigation
 * start of the sign-in page (no session) and of the chat list (a session with one chat), warm:
 * each page is loaded once before the timed runs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { freePort, waitForOk } from '../test/support/process.ts';
import { num, table } from './lib/report.ts';
import { percentile } from './lib/stats.ts';
import { repoRoot } from './lib/target.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, chromium: { type: 'string', default: '/usr/bin/chromium' } } });
const runs = Number(values.runs);
const web = path.join(repoRoot, 'dist/web');

/** The files the client's index.html makes the browser fetch before the app runs. */
function initialAssets(): { js: string[]; css: string[] } {
  const html = readFileSync(path.join(web, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="\/app\/([^"]+)"/g)].map((m) => m[1]!);
  return { js: refs.filter((r) => r.endsWith('.js')), css: refs.filter((r) => r.endsWith('.css')) };
}

const gzipKiB = (files: string[]) => files.reduce((sum, f) => sum + gzipSync(readFileSync(path.join(web, f))).length, 0) / 1024;

const assets = initialAssets();
console.log(table('initial load of /app (gzipped)', [
  ['JavaScript', `${num(gzipKiB(assets.js), 1)} KiB in ${assets.js.length} files (budget 300 KB)`],
  ['CSS', `${num(gzipKiB(assets.css), 1)} KiB in ${assets.css.length} files`],
]));

const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-web-'));
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, [path.join(repoRoot, 'bin/parley.js'), 'serve'], {
  cwd: repoRoot,
  env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_AUTH: 'off' },
  stdio: 'ignore',
});
const browser = await chromium.launch({ executablePath: values.chromium, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
try {
  await waitForOk(`${url}/health`, 30_000);
  const register = async (phone: string) => {
    const res = await fetch(`${url}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone, password: 'correct-horse-9', nickname: `N${phone.slice(-4)}` }) });
    return ((await res.json()) as { data: { access_token: string; user: { id: number } & Record<string, unknown> } }).data;
  };
  const me = await register('13900000001');
  const friend = await register('13900000002');
  await fetch(`${url}/api/messages/send`, {
    method: 'POST',
    headers: { authorization: `Bearer ${friend.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ receiver_id: me.user.id, content: 'hello' }),
  });
  const session = JSON.stringify({ token: me.access_token, user: me.user });

  /** Milliseconds from navigation start until `ready` is visible, over `runs` fresh pages after one warm-up. */
  const time = async (signedIn: boolean, ready: string) => {
    const context = await browser.newContext({ locale: 'en-US' });
    if (signedIn) await context.addInitScript((s) => localStorage.setItem('parley.session', s), session);
    const samples: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const page = await context.newPage();
      await page.goto(`${url}/app/`);
      await page.locator(ready).first().waitFor();
      const at = await page.evaluate(() => performance.now());
      if (i > 0) samples.push(at);
      await page.close();
    }
    await context.close();
    return samples.sort((a, b) => a - b);
  };
  const signIn = await time(false, 'input[type=password]');
  const chats = await time(true, '[data-testid=chat-list] button');
  const row = (s: number[]): string => `p50 ${num(percentile(s, 50))} ms, p90 ${num(percentile(s, 90))} ms, max ${num(s[s.length - 1]!)} ms`;
  console.log(table(`first render from navigation start, warm server (${runs} runs each, load ${loadavg().map((l) => l.toFixed(1)).join(' ')})`, [
    ['sign-in page', row(signIn)],
    ['chat list with a chat', row(chats)],
  ]));
} finally {
  await browser.close();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.on('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
