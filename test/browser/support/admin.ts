import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser.ts';
import { register, sharedSession, startParley, type Account, type Parley } from './parley.ts';

/** A built Parley with one administrator (made at the command line, as an operator does) and a browser. */
export interface AdminRig {
  parley: Parley;
  browser: Browser;
  boss: Account;
}

export async function startAdminRig(bossName: string): Promise<AdminRig> {
  const parley = await startParley();
  const browser = await launchBrowser();
  const boss = await register(parley, bossName);
  assert.deepEqual(await parley.cli(['user', 'make-admin', String(boss.id)]), { id: boss.id, admin: true });
  return { parley, browser, boss };
}

export async function stopAdminRig(rig: AdminRig | undefined): Promise<void> {
  await rig?.browser.close();
  await rig?.parley.stop();
}

/** Opens a page of Parley Web with a session already kept, as if signed in before. */
export async function signedIn(page: Page, url: string, account: Account): Promise<void> {
  await page.addInitScript((entries) => {
    for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value);
  }, sharedSession(account));
  await page.goto(url);
}
