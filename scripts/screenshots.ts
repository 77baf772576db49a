// `npm run screenshots`: the pictures of the chat client and the admin console in the README
// (docs/images/client-*.png, console-*.png), taken in Debian's chromium from a built Parley with a
// few made-up users and messages. Run it again after changing how either looks.
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { launchBrowser } from '../test/browser/support/browser.ts';
import { api, register, sharedSession, startParley, type Account } from '../test/browser/support/parley.ts';
import { repoRoot } from '../test/support/process.ts';

const out = path.join(repoRoot, 'docs/images');
// Each picture stays small, so the README (and every clone) stays light.
const maxBytes = 150 * 1024;

const people = ['Li Wei', 'Zhang Min', 'Ana Souza', 'Tom Becker', 'Wang Fang', 'Priya Nair', 'Chen Jing', 'Omar Haddad'];
const lines = ['Morning! Standup in 10?', 'Pushed the fix, CI is green', 'Can you review #482?', 'Lunch at 12:30', 'Release notes are up', 'Thanks!'];

const parley = await startParley();
const sockets: WebSocket[] = [];
try {
  const boss = await register(parley, 'Operations');
  await parley.cli(['user', 'make-admin', String(boss.id)]);
  const users = [];
  for (const name of people) users.push(await register(parley, name));
  for (let i = 0; i < users.length - 1; i++) {
    const [a, b] = [users[i]!, users[i + 1]!];
    const chat = await api<{ id: number }>(parley, 'POST', '/api/chats', a.token, { members: [b.id] });
    for (const [n, content] of lines.slice(0, 2 + (i % 4)).entries()) await api(parley, 'POST', `/api/chats/${chat.data.id}/messages`, (n % 2 ? b : a).token, { type: 'text', content });
  }
  await api(parley, 'POST', `/api/admin/users/${users[3]!.id}/disable`, boss.token);
  for (const u of users.filter((_, i) => i !== 3).slice(0, 5)) {
    const socket = new WebSocket(`${parley.url.replace(/^http/, 'ws')}/ws?token=${u.token}`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    sockets.push(socket);
  }

  const browser = await launchBrowser();
  await mkdir(out, { recursive: true });
  // The client opens the chat between the first two people, who wrote to each other last.
  const openChat = async (page: Page) => {
    await page.getByTestId('chat-list').getByRole('button', { name: new RegExp(people[1]!) }).click();
    await page.getByTestId('message').first().waitFor();
  };
  const shots: { file: string; path: string; scheme: 'light' | 'dark'; locale: string; as: Account; phone?: boolean; open?: (page: Page) => Promise<void> }[] = [
    { file: 'client-chat.png', path: '/app/', scheme: 'light', locale: 'en-US', as: users[0]!, open: openChat },
    { file: 'client-phone-dark.png', path: '/app/', scheme: 'dark', locale: 'en-US', as: users[0]!, phone: true, open: openChat },
    { file: 'console-overview.png', path: '/app/admin/', scheme: 'light', locale: 'en-US', as: boss },
    { file: 'console-users.png', path: '/app/admin/users', scheme: 'light', locale: 'en-US', as: boss },
    { file: 'console-chat-dark.png', path: '/app/admin/chats', scheme: 'dark', locale: 'en-US', as: boss },
  ];
  for (const shot of shots) {
    const viewport = shot.phone ? { width: 390, height: 760 } : { width: 1100, height: 720 };
    const context = await browser.newContext({ viewport, colorScheme: shot.scheme, locale: shot.locale });
    const page = await context.newPage();
    await page.addInitScript((entries) => {
      for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value);
    }, sharedSession(shot.as));
    await page.goto(`${parley.url}${shot.path}`);
    if (shot.path.endsWith('/chats')) {
      await page.getByLabel('Chat id').fill('3');
      await page.getByRole('form', { name: 'Find a chat by id' }).getByRole('button', { name: 'Find' }).click();
      await page.getByLabel('Message id').fill('9');
      await page.getByRole('form', { name: 'Find a message by id' }).getByRole('button', { name: 'Find' }).click();
      await page.locator('.report').nth(1).waitFor();
    }
    if (shot.open) await shot.open(page);
    else await page.locator('.card, table, .report').first().waitFor();
    await page.waitForLoadState('networkidle');
    const file = path.join(out, shot.file);
    await page.screenshot({ path: file });
    const { size } = await stat(file);
    console.log(`screenshots: ${path.relative(repoRoot, file)} ${Math.round(size / 1024)} KB`);
    if (size > maxBytes) process.exitCode = 1;
    await context.close();
  }
  await browser.close();
} finally {
  for (const s of sockets) s.close();
  await parley.stop();
}
if (process.exitCode) console.error(`screenshots: a picture is over ${maxBytes / 1024} KB; make the view smaller`);
