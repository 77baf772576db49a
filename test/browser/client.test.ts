import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test as nodeTest } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { needs } from '../support/requires.ts';
import { historyCounts, keepingArtifacts, newPhone, registerIn, send, startChatWith, startRig, type ClientRig } from './client-support.ts';

describe('Parley Web client', { timeout: 120_000, ...(await needs('chromium')) }, () => {
  let rig: ClientRig;
  let annCtx: BrowserContext;
  let bobCtx: BrowserContext;
  let ann: Page;
  let bob: Page;
  const suffix = Date.now().toString(36);
  const annName = `Ann ${suffix}`;
  const bobName = `Bob ${suffix}`;
  const bobPhone = newPhone();

  before(async () => {
    rig = await startRig();
    annCtx = await rig.browser.newContext({ locale: 'en-US' });
    bobCtx = await rig.browser.newContext({ locale: 'en-US' });
    contexts.push(annCtx, bobCtx);
    ann = await annCtx.newPage();
    bob = await bobCtx.newPage();
    await registerIn(ann, rig.url, newPhone(), annName);
    await registerIn(bob, rig.url, bobPhone, bobName);
  });

  after(async () => {
    await rig?.close();
  });

  const messagesOf = (page: Page) => page.getByTestId('message');
  // Every page of every context this suite opened is kept when a test fails.
  const contexts: BrowserContext[] = [];
  const test = (name: string, body: () => Promise<void>): void => void nodeTest(name, () => keepingArtifacts(name, () => contexts, body));

  test('two users exchange messages live, with unread counts and read receipts', async () => {
    await startChatWith(ann, bobName);
    await send(ann, 'hello Bob');
    // Bob did not open anything: the chat appears in his list with one unread.
    const bobsChat = bob.getByTestId('chat-list').getByRole('button', { name: new RegExp(annName) });
    await bobsChat.waitFor();
    assert.equal(await bobsChat.getByTestId('unread').textContent(), '1');
    await bobsChat.click();
    await messagesOf(bob).filter({ hasText: 'hello Bob' }).waitFor();
    await send(bob, 'hi Ann');
    await messagesOf(ann).filter({ hasText: 'hi Ann' }).waitFor();
    // Bob read Ann's message: her bubble shows the read ticks.
    await ann.getByTestId('message').filter({ hasText: 'hello Bob' }).getByLabel('Read').waitFor();
    assert.equal(await messagesOf(ann).count(), 2);
    // Presence: Bob is connected, so Ann's header says he is online.
    await ann.getByTestId('subtitle').filter({ hasText: 'online' }).waitFor();
  });

  test('a reconnect loses and duplicates nothing; a message typed offline is sent once when back', async () => {
    await ann.context().setOffline(true);
    await ann.getByTestId('connection-banner').filter({ hasText: 'Offline' }).waitFor();
    await send(ann, 'typed while offline');
    await ann.getByTestId('pending-message').filter({ hasText: 'typed while offline' }).waitFor();
    for (const n of [1, 2, 3]) await send(bob, `missed ${n}`);
    await messagesOf(bob).filter({ hasText: 'missed 3' }).waitFor();
    assert.equal(await messagesOf(ann).filter({ hasText: /missed/ }).count(), 0, 'nothing arrives while offline');

    await ann.context().setOffline(false);
    await messagesOf(ann).filter({ hasText: 'missed 3' }).waitFor();
    await messagesOf(ann).filter({ hasText: 'typed while offline' }).waitFor();
    await ann.getByTestId('connection-banner').waitFor({ state: 'detached' });
    await messagesOf(bob).filter({ hasText: 'typed while offline' }).waitFor();
    // The server's record, not a wait: a retried send stored twice would be there already.
    const sent = ['missed 1', 'missed 2', 'missed 3', 'typed while offline'];
    assert.deepEqual(await historyCounts(ann, rig.url, sent), Object.fromEntries(sent.map((t) => [t, 1])));
    for (const text of ['missed 1', 'missed 2', 'missed 3', 'typed while offline']) {
      assert.equal(await messagesOf(ann).filter({ hasText: text }).count(), 1, `Ann sees "${text}" once`);
      assert.equal(await messagesOf(bob).filter({ hasText: text }).count(), 1, `Bob sees "${text}" once`);
    }
    assert.equal(await ann.getByTestId('pending-message').count(), 0);
    // The order Bob sent them in is kept.
    const texts = await messagesOf(ann).allTextContents();
    const order = ['missed 1', 'missed 2', 'missed 3'].map((m) => texts.findIndex((t) => t.includes(m)));
    assert.deepEqual([...order].sort((a, b) => a - b), order);
  });

  test('an image upload shows as a thumbnail on both sides, and opens in the viewer', async () => {
    const png = await sharp({ create: { width: 320, height: 200, channels: 3, background: '#3366cc' } }).png().toBuffer();
    await ann.getByTestId('file-input').setInputFiles({ name: 'blue.png', mimeType: 'image/png', buffer: png });
    for (const page of [ann, bob]) {
      const thumb = page.getByTestId('thumbnail').first();
      await thumb.waitFor();
      // Loaded, not just present: the thumbnail's bytes came through the token-carrying link.
      await page.waitForFunction("[...document.querySelectorAll('[data-testid=thumbnail]')].every((img) => img.complete && img.naturalWidth > 0)");
    }
    await bob.getByTestId('thumbnail').first().click();
    const viewer = bob.getByRole('dialog', { name: 'blue.png' });
    await viewer.waitFor();
    await bob.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });

    await ann.getByTestId('file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('minutes of the meeting\n') });
    const link = bob.getByRole('link', { name: /notes\.txt/ });
    await link.waitFor();
    const [download] = await Promise.all([bob.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), 'notes.txt');
    const saved = await download.path();
    assert.equal(readFileSync(saved, 'utf8'), 'minutes of the meeting\n');
  });

  test('typing shows in the other side\'s header; a group is created, used and renamed live', async () => {
    await ann.getByTestId('chat-list').getByRole('button', { name: new RegExp(bobName) }).click();
    await ann.getByRole('textbox', { name: 'Write a message…' }).fill('thinking');
    await bob.getByTestId('subtitle').filter({ hasText: `${annName} is typing…` }).waitFor();
    await ann.getByRole('textbox', { name: 'Write a message…' }).fill('');

    await ann.getByRole('button', { name: 'New chat' }).click();
    await ann.getByRole('searchbox', { name: 'Username, name or phone' }).fill(bobName);
    await ann.getByRole('searchbox', { name: 'Username, name or phone' }).press('Enter');
    await ann.getByRole('checkbox', { name: `New group: ${bobName}` }).check();
    await ann.getByRole('textbox', { name: 'Group name' }).fill('Team');
    await ann.getByRole('button', { name: 'New group (1)' }).click();
    await send(ann, 'hello team');
    const bobsGroup = bob.getByTestId('chat-list').getByRole('button', { name: /Team/ });
    await bobsGroup.waitFor();
    await bobsGroup.click();
    await messagesOf(bob).filter({ hasText: 'hello team' }).waitFor();
    assert.equal(await bob.getByTestId('subtitle').textContent(), '2 members');

    await ann.getByRole('button', { name: 'Group info' }).click();
    await ann.getByRole('textbox', { name: 'Group name' }).fill('Core team');
    await ann.getByRole('button', { name: 'Save' }).click();
    await bob.getByRole('heading', { name: 'Core team' }).waitFor();
    await ann.keyboard.press('Escape');
    await ann.getByRole('dialog').waitFor({ state: 'detached' });
  });

  test('history pages in as the person scrolls up, under a day separator', async () => {
    const { token } = JSON.parse((await ann.evaluate(() => localStorage.getItem('parley.session'))) ?? '{}') as { token: string };
    const call = async (path: string, body: unknown) => {
      const res = await fetch(`${rig.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(res.status, 200);
      return ((await res.json()) as { data: { id: number } }).data;
    };
    const group = await call('/api/chats', { name: 'Archive', type: 'group', members: [] });
    for (let n = 1; n <= 70; n++) await call(`/api/chats/${group.id}/messages`, { content: `old ${n}`, client_id: `seed-${n}` });
    await ann.getByTestId('chat-list').getByRole('button', { name: /Archive/ }).click();
    await messagesOf(ann).filter({ hasText: 'old 70' }).waitFor();
    assert.equal(await messagesOf(ann).count(), 50, 'one page first');
    await ann.getByRole('separator').filter({ hasText: 'Today' }).first().waitFor();
    await ann.getByTestId('messages').evaluate((el) => el.scrollTo(0, 0));
    await ann.getByText('This is the beginning of the chat').waitFor();
    assert.equal(await messagesOf(ann).count(), 70);
    assert.equal(await messagesOf(ann).first().locator('.text').textContent(), 'old 1');
  });

  test('an edit and a recall reach the other side', async () => {
    const openWith = (page: Page, name: string | RegExp) => page.getByTestId('chat-list').getByRole('button', { name }).click();
    await openWith(ann, new RegExp(bobName));
    await openWith(bob, new RegExp(annName));
    await send(ann, 'teh typo');
    const annsBubble = messagesOf(ann).filter({ hasText: 'teh typo' });
    await annsBubble.hover();
    await annsBubble.getByRole('button', { name: 'Edit' }).click();
    const box = ann.getByRole('textbox', { name: 'Write a message…' });
    assert.equal(await box.inputValue(), 'teh typo');
    await box.fill('the fix');
    await box.press('Enter');
    const bobsBubble = messagesOf(bob).filter({ hasText: 'the fix' });
    await bobsBubble.filter({ hasText: 'edited' }).waitFor();
    const fixed = messagesOf(ann).filter({ hasText: 'the fix' });
    await fixed.hover();
    await fixed.getByRole('button', { name: 'Recall' }).click();
    await ann.getByRole('dialog', { name: 'Recall this message? Everyone in the chat will see that it was recalled.' }).getByRole('button', { name: 'Confirm' }).click();
    await messagesOf(bob).filter({ hasText: 'This message was recalled' }).waitFor();
    assert.equal(await messagesOf(bob).filter({ hasText: 'the fix' }).count(), 0);
  });

  test('a blocked person cannot send; after unblocking, their retry goes through', async () => {
    await ann.getByRole('button', { name: 'New chat' }).click();
    await ann.getByRole('searchbox', { name: 'Username, name or phone' }).fill(bobPhone);
    await ann.getByRole('searchbox', { name: 'Username, name or phone' }).press('Enter');
    await ann.getByTestId('user-result').getByRole('button', { name: 'Add contact' }).click();
    await ann.getByTestId('user-result').getByText('Added to contacts').waitFor();
    await ann.keyboard.press('Escape');
    await ann.getByRole('button', { name: 'Contacts' }).click();
    const entry = ann.getByTestId('contact').filter({ hasText: bobName });
    await entry.getByRole('button', { name: 'Block' }).click();
    await entry.getByRole('button', { name: 'Unblock' }).waitFor();

    await send(bob, 'let me in');
    const failed = bob.getByTestId('pending-message').filter({ hasText: 'let me in' });
    await failed.getByText('Not sent').waitFor();

    await entry.getByRole('button', { name: 'Unblock' }).click();
    await entry.getByRole('button', { name: 'Block' }).waitFor();
    await ann.keyboard.press('Escape');
    await failed.getByRole('button', { name: 'Retry' }).click();
    await messagesOf(ann).filter({ hasText: 'let me in' }).waitFor();
    await failed.waitFor({ state: 'detached' });
    assert.equal(await messagesOf(bob).filter({ hasText: 'let me in' }).count(), 1);
  });

  test('an expired or broken access token is refreshed, for the API and the socket alike', async () => {
    const before = JSON.parse((await ann.evaluate(() => localStorage.getItem('parley.session'))) ?? '{}') as { token: string };
    await ann.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('parley.session') ?? '{}') as { token: string };
      localStorage.setItem('parley.session', JSON.stringify({ ...s, token: 'no-longer-valid' }));
    });
    await ann.reload();
    await ann.getByTestId('chat-list').waitFor();
    await ann.getByTestId('connection-banner').waitFor({ state: 'detached' });
    const after = JSON.parse((await ann.evaluate(() => localStorage.getItem('parley.session'))) ?? '{}') as { token: string };
    assert.notEqual(after.token, 'no-longer-valid');
    assert.notEqual(after.token, before.token);
    // Live again: a message from Bob arrives without a reload.
    await ann.getByTestId('chat-list').getByRole('button', { name: new RegExp(bobName) }).click();
    await send(bob, 'after the refresh');
    await messagesOf(ann).filter({ hasText: 'after the refresh' }).waitFor();
  });

  test('pinned chats come first; a new message moves its chat up, live', async () => {
    const names = async () => (await bob.getByTestId('chat-list').locator('.chat-name').allTextContents()).map((n) => n.replace('📌', '').trim());
    await ann.getByTestId('chat-list').getByRole('button', { name: /Core team/ }).click();
    await send(ann, 'news for the team');
    await bob.getByTestId('chat-list').locator('li').first().getByText('Core team').waitFor();
    await bob.getByTestId('chat-list').getByRole('button', { name: new RegExp(annName) }).click();
    await bob.getByRole('button', { name: 'Pin chat' }).click();
    await bob.getByRole('button', { name: 'Unpin chat' }).waitFor();
    assert.equal((await names())[0], annName);
    await send(ann, 'more news');
    await bob.getByTestId('chat-list').getByRole('button', { name: /Core team/ }).getByText('more news').waitFor();
    assert.deepEqual((await names()).slice(0, 2), [annName, 'Core team']);
  });

  test('search across chats finds a message and opens its chat; a reply quotes its original', async () => {
    await ann.getByTestId('chat-list').getByRole('button', { name: new RegExp(bobName) }).click();
    await ann.getByRole('button', { name: 'Search' }).click();
    await ann.getByRole('searchbox', { name: 'Search messages' }).fill('hello team');
    await ann.getByRole('searchbox', { name: 'Search messages' }).press('Enter');
    await ann.getByRole('dialog').getByRole('button', { name: /Core team/ }).click();
    await ann.getByRole('heading', { name: 'Core team' }).waitFor();

    const original = messagesOf(ann).filter({ hasText: 'hello team' });
    await original.hover();
    await original.getByRole('button', { name: 'Reply' }).click();
    await bob.getByTestId('chat-list').getByRole('button', { name: /Core team/ }).click();
    await send(ann, 'replying to myself');
    const reply = messagesOf(bob).filter({ hasText: 'replying to myself' });
    await reply.waitFor();
    assert.equal(await reply.locator('blockquote').textContent(), 'hello team');
  });

  test('the session is restored on reload, and a revoked session signs the client out', async () => {
    await bob.reload();
    await bob.getByTestId('chat-list').getByRole('button', { name: new RegExp(annName) }).waitFor();
    const session = JSON.parse((await bob.evaluate(() => localStorage.getItem('parley.session'))) ?? '{}') as { token: string; user: { id: number } };
    assert.ok(session.token);
    // Another device of Bob's logs this session out: the socket is closed with 4401 and the client returns to sign-in.
    const res = await fetch(`${rig.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${session.token}` } });
    assert.equal(res.status, 200);
    await bob.getByRole('heading', { name: 'Sign in' }).waitFor();
    await bob.getByRole('alert').filter({ hasText: 'signed out' }).waitFor();
    assert.equal(await bob.evaluate(() => localStorage.getItem('parley.session')), null);
  });

  test('an admin sees the console link; a user the admin disables is signed out', async () => {
    const annId = (JSON.parse((await ann.evaluate(() => localStorage.getItem('parley.session'))) ?? '{}') as { user: { id: number } }).user.id;
    await rig.parley.core.admin.setAdmin(null, annId, true);
    await ann.reload();
    await ann.getByLabel('Settings').click();
    assert.equal(await ann.getByRole('link', { name: 'Admin console' }).getAttribute('href'), '/app/admin/');

    // Bob, signed out by the previous test, signs in with his password.
    await bob.getByLabel('Phone or username').fill(bobPhone);
    await bob.getByLabel('Password').fill('correct horse battery');
    await bob.getByRole('button', { name: 'Sign in', exact: true }).click();
    await bob.getByTestId('chat-list').waitFor();
    const bobId = (JSON.parse((await bob.evaluate(() => localStorage.getItem('parley.session'))) ?? '{}') as { user: { id: number } }).user.id;

    const annToken = (JSON.parse((await ann.evaluate(() => localStorage.getItem('parley.session'))) ?? '{}') as { token: string }).token;
    const res = await fetch(`${rig.url}/api/admin/users/${bobId}/disable`, { method: 'POST', headers: { authorization: `Bearer ${annToken}` } });
    assert.equal(res.status, 200);
    await bob.getByRole('heading', { name: 'Sign in' }).waitFor();
    await bob.getByRole('alert').filter({ hasText: 'signed out' }).waitFor();
  });

  test('Chinese from the browser\'s language, a dark theme on request, one pane at a time on a phone', async () => {
    const ctx = await rig.browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    await page.goto(`${rig.url}/app/`);
    await page.getByRole('heading', { name: '登录' }).waitFor();
    await page.getByRole('button', { name: '注册新账号' }).click();
    await page.getByLabel('手机号').fill(newPhone());
    await page.getByLabel('昵称').fill(`Chen ${suffix}`);
    await page.getByLabel('密码').fill('correct horse battery');
    await page.getByRole('button', { name: '注册账号' }).click();
    await page.getByRole('button', { name: '新聊天' }).waitFor();

    await page.getByLabel('设置').click();
    await page.getByLabel('主题').selectOption('dark');
    assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
    assert.equal(await page.evaluate('getComputedStyle(document.body).backgroundColor'), 'rgb(15, 17, 21)', 'the dark palette applies');
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('button', { name: 'New chat' }).waitFor();

    await startChatWith(page, annName);
    assert.equal(await page.getByTestId('chat-list').isVisible(), false, 'the open chat takes the whole screen');
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByTestId('chat-list').waitFor();
    await ctx.close();
  });
});
