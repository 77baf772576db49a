import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { needs } from '../support/requires.ts';
import { signedIn, startAdminRig, stopAdminRig, type AdminRig } from './support/admin.ts';
import { browserTest } from './support/browser.ts';
import { api, register, type Account, type Parley } from './support/parley.ts';


/** Resolves with the close code once the socket closes; rejects after `ms`. */
function closeOf(socket: WebSocket, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    if (socket.readyState === WebSocket.CLOSED) return reject(new Error('closed before being watched'));
    const timer = setTimeout(() => reject(new Error(`the socket stayed open for ${ms} ms`)), ms);
    socket.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('admin console (/app/admin) in chromium', await needs('chromium'), () => {
  let rig: AdminRig | undefined;
  let parley: Parley;
  let browser: Browser;
  let boss: Account;
  before(async () => {
    // The first administrator is the operator's to make, at the command line.
    rig = await startAdminRig('Boss');
    ({ parley, browser, boss } = rig);
  });
  after(() => stopAdminRig(rig));

  browserTest('an admin signs in, finds a user and disables them: the user\'s open chat client is signed out, their socket closes and their token is refused', () => browser, async (open) => {
    const tag = `v${Date.now().toString(36)}`;
    const victim = await register(parley, `Victim ${tag}`);
    const socket = new WebSocket(`${parley.url.replace(/^http/, 'ws')}/ws?token=${victim.token}`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = closeOf(socket, 15_000);
    // The victim also has the chat client open, in a browser of their own.
    const client = await open();
    await signedIn(client, `${parley.url}/app/`, victim);
    await client.getByRole('button', { name: 'New chat' }).waitFor();
    const clientPassword = client.locator('input[type="password"]');
    assert.equal(await clientPassword.count(), 0, 'the victim\'s client starts signed in');

    const page = await open();
    await page.goto(`${parley.url}/app/admin/`);
    await page.getByLabel('Phone, username or email').fill(boss.phone);
    await page.getByLabel('Password').fill(boss.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Users' }).click();
    assert.equal(new URL(page.url()).pathname, '/app/admin/users');
    await page.getByRole('searchbox', { name: 'Search users' }).fill(tag);
    const row = page.getByRole('row', { name: `Victim ${tag}` });
    await row.getByText('active').waitFor();
    assert.equal(await page.getByRole('row').count(), 2, 'the header and the one user found');

    await row.getByRole('button', { name: `Disable: Victim ${tag}` }).click();
    const dialog = page.getByRole('dialog');
    assert.match((await dialog.textContent()) ?? '', new RegExp(`Disable Victim ${tag}\\?`));
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').filter({ hasText: 'sessions ended' }).waitFor();
    await row.getByText('disabled', { exact: true }).waitFor();

    assert.equal(await closed, 4401, 'the socket is closed as unauthorized');
    await clientPassword.first().waitFor({ timeout: 15_000 });
    assert.equal((await api(parley, 'GET', '/api/users/me', victim.token)).status, 401);
    const login = await fetch(`${parley.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: victim.phone, password: victim.password }) });
    assert.equal(login.status, 403);

    // Enabled again from the same row, they may sign in.
    await row.getByRole('button', { name: `Enable: Victim ${tag}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await row.getByText('active', { exact: true }).waitFor();
    const again = await fetch(`${parley.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone: victim.phone, password: victim.password }) });
    assert.equal(again.status, 200);
  });

  browserTest('a disabled user\'s chat client returns to its sign-in form', () => browser, async (open) => {
    const victim = await register(parley, `Client user ${Date.now().toString(36)}`);
    const client = await open();
    await signedIn(client, `${parley.url}/app/`, victim);
    const password = client.locator('form').filter({ has: client.locator('input[type="password"]') });
    // Signed in: the client shows no sign-in form.
    await client.waitForLoadState('networkidle');
    assert.equal(await password.count(), 0, 'the client asks for a password although its session is good');

    const { status } = await api(parley, 'POST', `/api/admin/users/${victim.id}/disable`, boss.token);
    assert.equal(status, 200);
    await password.first().waitFor({ timeout: 15_000 });
  });

  browserTest('the overview shows the counts, health and the day\'s charts, in the shared session', () => browser, async (open) => {
    const [a, b] = [await register(parley, 'Ann'), await register(parley, 'Ben')];
    const chat = await api<{ id: number }>(parley, 'POST', '/api/chats', a.token, { members: [b.id] });
    for (const text of ['one', 'two', 'three']) assert.equal((await api(parley, 'POST', `/api/chats/${chat.data.id}/messages`, a.token, { type: 'text', content: text })).status, 200);
    const stats = await api<{ users: { total: number }; messages: { total: number } }>(parley, 'GET', '/api/admin/stats', boss.token);

    const page = await open();
    // Signed in by the chat client: the console takes the same session without asking.
    await signedIn(page, `${parley.url}/app/admin/`, boss);
    const card = (label: string) => page.locator('.card').filter({ has: page.getByText(label, { exact: true }) });
    await card('Users').waitFor();
    assert.equal(await card('Users').locator('.value').textContent(), String(stats.data.users.total));
    assert.equal(await card('Messages').locator('.value').textContent(), String(stats.data.messages.total));
    assert.match((await page.getByRole('status').first().textContent()) ?? '', /Health: healthy.*Database \(sqlite\): healthy.*Redis: not used/);
    const bars = page.getByRole('img', { name: /^Messages per hour, last 24 h: 3; peak 3 at \d\d:00$/ });
    await bars.waitFor();
    assert.equal(await bars.locator('rect.bar').count(), 24);
    await page.getByRole('img', { name: /^Open connections on this node: \d+ now/ }).waitFor();

    // Switched to Chinese, the same figures in the other language, kept across a reload.
    await page.getByRole('combobox', { name: 'Language' }).selectOption('zh');
    await page.getByRole('link', { name: '用户' }).waitFor();
    await page.reload();
    await page.getByText('每小时消息数（最近 24 小时）').waitFor();
  });

  browserTest('a chat is found by id and deleted after a confirmation; a message is deleted by id', () => browser, async (open) => {
    const [a, b] = [await register(parley, 'Cleo'), await register(parley, 'Dev')];
    const chat = await api<{ id: number }>(parley, 'POST', '/api/chats', a.token, { members: [b.id] });
    const sent = await api<{ id: number }>(parley, 'POST', `/api/chats/${chat.data.id}/messages`, a.token, { type: 'text', content: 'spam' });
    await api(parley, 'POST', `/api/chats/${chat.data.id}/messages`, b.token, { type: 'text', content: 'reply' });

    const page = await open();
    await signedIn(page, `${parley.url}/app/admin/chats`, boss);
    await page.getByLabel('Message id').fill(String(sent.data.id));
    await page.getByRole('form', { name: 'Find a message by id' }).getByRole('button', { name: 'Find' }).click();
    const shown = page.getByRole('article', { name: `Message ${sent.data.id}` });
    await shown.getByText('spam', { exact: true }).waitFor();
    await shown.getByText(`Cleo #${a.id}`).waitFor();
    await shown.getByRole('button', { name: 'Delete this message' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').filter({ hasText: `Message ${sent.data.id} deleted.` }).waitFor();
    const left = await api<{ messages: { id: number }[] }>(parley, 'GET', `/api/chats/${chat.data.id}/messages`, b.token);
    assert.ok(!left.data.messages.some((m) => m.id === sent.data.id), 'the message is gone for its members');

    await page.getByLabel('Chat id').fill(String(chat.data.id));
    await page.getByRole('form', { name: 'Find a chat by id' }).getByRole('button', { name: 'Find' }).click();
    const report = page.getByRole('article');
    await report.getByText('Cleo').waitFor();
    await report.getByText('Dev').waitFor();
    await report.getByRole('button', { name: 'Delete this chat' }).click();
    // Cancelled first: nothing happens.
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await api(parley, 'GET', `/api/admin/chats/${chat.data.id}`, boss.token)).status, 200);
    await report.getByRole('button', { name: 'Delete this chat' }).click();
    assert.match((await page.getByRole('dialog').textContent()) ?? '', /with its messages \(1\)/);
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('status').filter({ hasText: `Chat ${chat.data.id} deleted; members told: 2.` }).waitFor();
    assert.equal((await api(parley, 'GET', `/api/admin/chats/${chat.data.id}`, boss.token)).status, 404);
  });

  browserTest('a user who is not an administrator is told so, in their language', () => browser, async (open) => {
    const plain = await register(parley, 'Plain');
    const page = await open({ locale: 'zh-CN' });
    await signedIn(page, `${parley.url}/app/admin/users`, plain);
    await page.getByRole('heading', { name: '不是管理员' }).waitFor();
    assert.equal(await page.getByRole('link', { name: '用户' }).count(), 0, 'no console navigation');
  });
});
