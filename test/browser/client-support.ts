/**
 * What the client's browser tests share: a Parley with a fresh database serving the built client
 * at /app itself (as a person runs it), and Debian's chromium from the shared launcher.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Env } from '../../src/config.ts';
import { repoRoot } from '../support/process.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { launchBrowser, saveArtifacts } from './support/browser.ts';

export interface ClientRig {
  url: string;
  parley: TestServer;
  browser: Browser;
  close(): Promise<void>;
}

/** `env` overrides the server's settings, for what a test exercises (registration by code, say). */
export async function startRig(env: Env = {}): Promise<ClientRig> {
  if (!existsSync(path.join(repoRoot, 'dist/web/index.html'))) throw new Error('dist/web is missing: run npm run build (npm run test:browser does)');
  const parley = await startTestServer('sqlite', env);
  const browser = await launchBrowser();
  return {
    url: parley.url,
    parley,
    browser,
    async close() {
      await browser.close();
      await parley.close();
    },
  };
}

/** Runs a test step; when it fails, what the contexts' pages show is kept in test-results/browser/. */
export async function keepingArtifacts(name: string, contexts: () => readonly BrowserContext[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const saved = await saveArtifacts(name, contexts());
    if (saved.length > 0 && err instanceof Error) err.message += `\n(screenshots and HTML: ${saved.map((f) => path.relative(repoRoot, f)).join(', ')})`;
    throw err;
  }
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

/** The signed-in session the client keeps, for setting up through the API what the UI is not under test for. */
export async function sessionOf(page: Page): Promise<{ token: string; user: { id: number; nickname: string } }> {
  return JSON.parse((await page.evaluate(() => localStorage.getItem('parley.session'))) ?? '{}') as { token: string; user: { id: number; nickname: string } };
}

/**
 * How many times each text is in the stored history of every chat `page`'s user is in: the
 * server's record, so a duplicate send shows without waiting for it to be rendered.
 */
export async function historyCounts(page: Page, base: string, texts: readonly string[]): Promise<Record<string, number>> {
  const { token } = await sessionOf(page);
  const get = async <T,>(p: string): Promise<T> => {
    const res = await fetch(`${base}${p}`, { headers: { authorization: `Bearer ${token}` } });
    return ((await res.json()) as { data: T }).data;
  };
  const counts: Record<string, number> = Object.fromEntries(texts.map((t) => [t, 0]));
  for (const chat of (await get<{ chats: { id: number }[] }>('/api/chats?limit=200')).chats) {
    const { messages } = await get<{ messages: { content: string }[] }>(`/api/chats/${chat.id}/messages?limit=100`);
    for (const m of messages) if (m.content in counts) counts[m.content]! += 1;
  }
  return counts;
}
