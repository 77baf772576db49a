import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { program } from '../../support/requires.ts';
import { repoRoot } from '../../support/process.ts';

/** Where a failed test leaves its screenshot and page HTML (gitignored; CI keeps it as an artifact). */
export const resultsDir = path.join(repoRoot, 'test-results/browser');

/** Debian's chromium, headless, driven by playwright-core (no browser download). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: program('chromium'),
    headless: true,
    // Containers run as root, where chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** A fresh context (its own storage, so its own session) in English at a laptop's size. */
export function newContext(browser: Browser, options: { locale?: string } = {}): Promise<BrowserContext> {
  return browser.newContext({ locale: options.locale ?? 'en-US', viewport: { width: 1280, height: 800 } });
}

const slug = (text: string) => text.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);

/** Saves what every open page of the contexts shows, named after the test. */
export async function saveArtifacts(name: string, contexts: readonly BrowserContext[]): Promise<string[]> {
  await mkdir(resultsDir, { recursive: true });
  const saved: string[] = [];
  let n = 0;
  for (const context of contexts) {
    for (const page of context.pages()) {
      const base = path.join(resultsDir, `${slug(name)}-${n++}`);
      try {
        await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 5000 });
        await writeFile(`${base}.html`, await page.content());
        saved.push(base);
      } catch {
        // A page that crashed or closed has nothing to show.
      }
    }
  }
  return saved;
}

/**
 * A test whose failure leaves a screenshot and the HTML of every page it opened in
 * test-results/browser/. The body gets a fresh context per call of `open`.
 */
export function browserTest(name: string, browser: () => Browser, body: (open: (options?: { locale?: string }) => Promise<Page>) => Promise<void>): void {
  it(name, async () => {
    const contexts: BrowserContext[] = [];
    const open = async (options?: { locale?: string }) => {
      const context = await newContext(browser(), options);
      contexts.push(context);
      return context.newPage();
    };
    try {
      await body(open);
    } catch (err) {
      const saved = await saveArtifacts(name, contexts);
      if (saved.length && err instanceof Error) err.message += `\n(screenshots and HTML: ${saved.map((s) => path.relative(repoRoot, s)).join(', ')})`;
      throw err;
    } finally {
      await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    }
  });
}
