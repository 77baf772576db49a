import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get as get_ } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.ts';
import { repoRoot } from '../support/process.ts';

/** A stand-in for dist/web: the two pages and one hashed asset, each saying which file it is. */
async function fakeBuild(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'parley-web-'));
  await mkdir(path.join(dir, 'admin'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>client page</title><script type="module" src="/app/assets/client-Ab12Cd.js"></script>');
  await writeFile(path.join(dir, 'admin/index.html'), '<!doctype html><title>admin page</title>');
  await writeFile(path.join(dir, 'assets/client-Ab12Cd.js'), 'console.log("client")');
  await writeFile(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  return dir;
}

describe('Parley Web at /app', () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    dir = await fakeBuild();
    server = await startTestServer('sqlite', { WEB_APP_DIR: dir });
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const get = (p: string, headers: Record<string, string> = {}) => fetch(`${server.url}${p}`, { headers });

  it('serves the client page at /app and /app/, never cached, under a policy that lets it run', async () => {
    for (const p of ['/app', '/app/']) {
      const res = await get(p);
      assert.equal(res.status, 200, p);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(res.headers.get('cache-control'), 'no-cache');
      assert.match(await res.text(), /client page/);
      const csp = res.headers.get('content-security-policy') ?? '';
      const host = new URL(server.url).host;
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, new RegExp(`connect-src 'self' ws://${host.replace(/\./g, '\\.')} wss://${host.replace(/\./g, '\\.')}`));
      assert.match(csp, /img-src 'self' blob: data:/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer', 'file links carry the token');
    }
  });

  it('caches hashed assets for a year, immutable, with a validator', async () => {
    const res = await get('/app/assets/client-Ab12Cd.js');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(res.headers.get('content-type') ?? '', /javascript/);
    assert.ok(res.headers.get('etag'));
    assert.equal(await res.text(), 'console.log("client")');
    // Through node:http: fetch adds cache-control: no-cache to a conditional request, which forbids 304.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get_(`${server.url}/app/assets/client-Ab12Cd.js`, { headers: { 'if-none-match': res.headers.get('etag')! } }, (r) => {
        r.resume();
        resolve(r.statusCode);
      }).on('error', reject);
    });
    assert.equal(status, 304);
  });

  it('serves other files of the build unhashed, revalidated at each use', async () => {
    const res = await get('/app/favicon.svg');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
  });

  it('answers a client-side route with its page: the console below /app/admin, the client elsewhere', async () => {
    for (const [p, title] of [
      ['/app/chats/42', 'client page'],
      ['/app/settings', 'client page'],
      ['/app/admin', 'admin page'],
      ['/app/admin/', 'admin page'],
      ['/app/admin/users/7', 'admin page'],
    ] as const) {
      const res = await get(p);
      assert.equal(res.status, 200, p);
      assert.equal(res.headers.get('cache-control'), 'no-cache', p);
      assert.match(await res.text(), new RegExp(title), p);
    }
  });

  it('answers 404 in the primary envelope for a missing asset or file, rather than a page', async () => {
    for (const p of ['/app/assets/client-Old999.js', '/app/logo.png']) {
      const res = await get(p);
      assert.equal(res.status, 404, p);
      const body = (await res.json()) as { code: number; message: string };
      assert.equal(body.code, 404, p);
      assert.equal(typeof body.message, 'string');
    }
  });

  it('serves nothing from outside the build', async () => {
    for (const p of ['/app/../package.json', '/app/%2e%2e/package.json', '/app/assets/..%2f..%2fpackage.json', '/app/.hidden']) {
      const res = await get(p);
      const text = await res.text();
      assert.doesNotMatch(text, /"name": "parley"/, p);
    }
  });

  it('links the landing page to the client and the console', async () => {
    const html = await (await get('/', { accept: 'text/html' })).text();
    assert.match(html, /href="\/app\/"/);
    assert.match(html, /href="\/app\/admin\/"/);
    const json = (await (await get('/', { accept: 'application/json' })).json()) as { web: unknown };
    assert.deepEqual(json.web, { client: '/app/', admin: '/app/admin/' });
  });

  it('leaves the APIs as they were', async () => {
    const res = await get('/health');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-security-policy'), null);
  });
});

describe('Parley Web switched off (WEB_APP=off)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite', { WEB_APP: 'off', PROFILES: 'zhihang@/,lite@/app/lite' });
  });
  after(async () => server?.close());

  it('answers /app with the primary API\'s 404, and lets a profile be mounted there', async () => {
    for (const p of ['/app', '/app/', '/app/admin/']) {
      const res = await fetch(`${server.url}${p}`);
      assert.equal(res.status, 404, p);
      const body = (await res.json()) as { code: number };
      assert.equal(body.code, 404, p);
    }
    const landing = (await (await fetch(`${server.url}/`, { headers: { accept: 'application/json' } })).json()) as { web: unknown };
    assert.equal(landing.web, null);
  });
});

describe('Parley Web not built', () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'parley-web-empty-'));
    server = await startTestServer('sqlite', { WEB_APP_DIR: path.join(dir, 'missing') });
  });
  after(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts anyway and answers /app with 503 saying how to build, until a build appears', async () => {
    const res = await fetch(`${server.url}/app/admin/`);
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(await res.text(), /npm run build/);
    assert.equal((await fetch(`${server.url}/health`)).status, 200);
    await mkdir(path.join(dir, 'missing'));
    await writeFile(path.join(dir, 'missing/index.html'), '<!doctype html><title>built later</title>');
    const later = await fetch(`${server.url}/app/`);
    assert.equal(later.status, 200);
    assert.match(await later.text(), /built later/);
  });
});

describe('Parley Web and the profiles\' mounts', () => {
  it('refuses to start with a profile mounted under /app, naming WEB_APP=off', async () => {
    await assert.rejects(startTestServer('sqlite', { PROFILES: 'zhihang@/,lite@/app' }), /lite@\/app is mounted under \/app.*WEB_APP=off/);
  });
});

describe('Parley Web as built by npm run build', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer('sqlite');
  });
  after(async () => server?.close());

  it('serves both pages and every script they load', async () => {
    for (const page of ['/app/', '/app/admin/']) {
      const res = await fetch(`${server.url}${page}`);
      assert.equal(res.status, 200, `${page} (run npm run build first)`);
      const html = await res.text();
      const scripts = [...html.matchAll(/(?:src|href)="(\/app\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      assert.ok(scripts.length > 0, `${page} loads no asset`);
      for (const asset of scripts) {
        const a = await fetch(`${server.url}${asset}`);
        assert.equal(a.status, 200, asset);
        assert.equal(a.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      }
    }
    // The built page is what the build wrote.
    const built = await readFile(path.join(repoRoot, 'dist/web/admin/index.html'), 'utf8');
    assert.equal(await (await fetch(`${server.url}/app/admin/`)).text(), built);
  });
});
