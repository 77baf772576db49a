/**
 * What the client's browser tests need until the shared browser harness lands: a Parley server
 * with a fresh database, a front that serves dist/web under /app and forwards the API and the
 * socket to it (as the server itself will once it serves /app), and Debian's chromium driven by
 * playwright-core.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.ts';

const webRoot = path.resolve(import.meta.dirname, '../../dist/web');
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

export interface ClientRig {
  url: string;
  parley: TestServer;
  browser: Browser;
  close(): Promise<void>;
}

export async function startRig(): Promise<ClientRig> {
  if (!existsSync(path.join(webRoot, 'index.html'))) throw new Error('dist/web is missing: run npm run build');
  const parley = await startTestServer('sqlite');
  const target = new URL(parley.url);
  const front = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://front');
    if (url.pathname.startsWith('/app')) {
      void serveStatic(url.pathname).then(([status, type, body]) => {
        res.writeHead(status, { 'content-type': type });
        res.end(body);
      });
      return;
    }
    const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  // The socket: the upgrade request is replayed to Parley and the two connections are joined.
  front.on('upgrade', (req, socket, head) => {
    const upstream = connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`), '', ''];
      upstream.write(lines.join('\r\n'));
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  const address = front.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  return {
    url: `http://127.0.0.1:${address.port}`,
    parley,
    browser,
    async close() {
      await browser.close();
      await closeServer(front);
      await parley.close();
    },
  };
}

async function serveStatic(pathname: string): Promise<[number, string, Buffer | string]> {
  const relative = pathname.replace(/^\/app\/?/, '');
  const file = path.join(webRoot, relative);
  if (relative && file.startsWith(webRoot) && existsSync(file) && path.extname(file)) {
    return [200, types[path.extname(file)] ?? 'application/octet-stream', await readFile(file)];
  }
  // Client routes fall back to the app's page.
  const page = relative.startsWith('admin') ? 'admin/index.html' : 'index.html';
  return [200, 'text/html', await readFile(path.join(webRoot, page))];
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

let phoneCounter = 0;

/** A fresh phone number per account in a run. */
export function newPhone(): string {
  phoneCounter += 1;
  return `139${String(Date.now() % 1e6).padStart(6, '0')}${String(phoneCounter).padStart(2, '0')}`;
}

/** Registers through the sign-in page and waits for the chat list. */
export async function registerIn(page: Page, base: string, phone: string, name: string): Promise<void> {
  await page.goto(`${base}/app/`);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('Phone number').fill(phone);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Password').fill('correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('button', { name: 'New chat' }).waitFor();
}

/** Opens (or creates) the private chat with someone found by name. */
export async function startChatWith(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.getByRole('searchbox', { name: 'Username, name or phone' }).fill(name);
  await page.getByRole('searchbox', { name: 'Username, name or phone' }).press('Enter');
  await page.getByTestId('user-result').filter({ hasText: name }).getByRole('button', { name: 'Message' }).click();
  await page.getByRole('textbox', { name: 'Write a message…' }).waitFor();
}

export async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Write a message…' });
  await box.fill(text);
  await box.press('Enter');
}
