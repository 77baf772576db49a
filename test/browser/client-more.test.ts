import assert from 'node:assert/strict';
import { after, before, describe, test as nodeTest } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { needs } from '../support/requires.ts';
import { WebhookSink } from '../support/webhook.ts';
import { WsClient } from '../support/ws.ts';
import { historyCounts, keepingArtifacts, newPhone, registerIn, send, sessionOf, startChatWith, startRig, type ClientRig } from './client-support.ts';

const messagesOf = (page: Page) => page.getByTestId('message');
const chatRow = (page: Page, name: string | RegExp) => page.getByTestId('chat-list').getByRole('button', { name });

describe('Parley Web client, more of what it does', { timeout: 120_000, ...(await needs('chromium')) }, () => {
  let rig: ClientRig;
  let ann: Page;
  let bob: Page;
  const suffix = Date.now().toString(36);
  const annName = `Ann ${suffix}`;
  const bobName = `Bob ${suffix}`;
  // Every page of every context this suite opened is kept when a test fails.
  const contexts: BrowserContext[] = [];
  const test = (name: string, body: () => Promise<void>): void => void nodeTest(name, () => keepingArtifacts(name, () => contexts, body));

  async function person(name: string): Promise<Page> {
    const ctx = await rig.browser.newContext({ locale: 'en-US' });
    contexts.push(ctx);
    const page = await ctx.newPage();
    await registerIn(page, rig.url, newPhone(), name);
    return page;
  }

  /** Calls the API as the person signed in on `page`. */
  async function apiAs(page: Page, method: string, path: string, body?: unknown): Promise<{ id: number }> {
    const { token } = await sessionOf(page);
    const res = await fetch(`${rig.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    assert.equal(res.status, 200, `${method} ${path}`);
    return ((await res.json()) as { data: { id: number } }).data;
  }

  before(async () => {
    rig = await startRig();
    ann = await person(annName);
    bob = await person(bobName);
    // The private chat every test below may use, with a first message so it is in both lists.
    await startChatWith(ann, bobName);
    await send(ann, 'first words');
    await chatRow(bob, new RegExp(`^${annName}`)).waitFor();
  });

  after(async () => {
    await rig?.close();
  });

  test('a message deleted for everyone goes on the other side, and both chat lists preview the one before it', async () => {
    await chatRow(ann, new RegExp(`^${bobName}`)).click();
    await send(ann, 'kept for the record');
    await send(ann, 'sent by mistake');
    // Bob's chat list, with the chat closed, previews the newest message.
    const bobsRow = chatRow(bob, new RegExp(`^${annName}`));
    await bobsRow.getByText('sent by mistake').waitFor();

    const bubble = messagesOf(ann).filter({ hasText: 'sent by mistake' });
    await bubble.hover();
    await bubble.getByRole('button', { name: 'Delete' }).click();
    // It asks first; cancelled, nothing is deleted.
    const question = ann.getByRole('dialog', { name: 'Delete this message? This cannot be undone.' });
    await question.getByRole('button', { name: 'Cancel' }).click();
    await question.waitFor({ state: 'hidden' });
    assert.equal(await bubble.count(), 1);
    await bubble.hover();
    await bubble.getByRole('button', { name: 'Delete' }).click();
    await question.getByRole('button', { name: 'Confirm' }).click();
    await bubble.waitFor({ state: 'detached' });
    await chatRow(ann, new RegExp(`^${bobName}`)).getByText('You: kept for the record').waitFor();
    await bobsRow.getByText('kept for the record').waitFor();
    assert.equal(await bobsRow.getByText('sent by mistake').count(), 0);

    await bobsRow.click();
    await messagesOf(bob).filter({ hasText: 'kept for the record' }).waitFor();
    assert.equal(await messagesOf(bob).filter({ hasText: 'sent by mistake' }).count(), 0);

    // Deleted while Bob has the chat open: it goes from his view and from his preview alike.
    await send(ann, 'another slip');
    await messagesOf(bob).filter({ hasText: 'another slip' }).waitFor();
    const slip = messagesOf(ann).filter({ hasText: 'another slip' });
    await slip.hover();
    await slip.getByRole('button', { name: 'Delete' }).click();
    await ann.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await messagesOf(bob).filter({ hasText: 'another slip' }).waitFor({ state: 'detached' });
    await bobsRow.getByText('kept for the record').waitFor();
  });

  test('a message forwarded to a group arrives there marked as forwarded; a pinned message shows pinned on both sides', async () => {
    await apiAs(ann, 'POST', '/api/chats', { name: `Forwards ${suffix}`, type: 'group', members: [(await sessionOf(bob)).user.id] });
    await chatRow(ann, new RegExp(`^${bobName}`)).click();
    await send(ann, 'worth passing on');
    const original = messagesOf(ann).filter({ hasText: 'worth passing on' });
    await original.hover();
    await original.getByRole('button', { name: 'Forward' }).click();
    await ann.getByRole('dialog', { name: 'Forward to…' }).getByRole('button', { name: `Forwards ${suffix}` }).click();

    await chatRow(bob, `Forwards ${suffix}`).click();
    const forwarded = messagesOf(bob).filter({ hasText: 'worth passing on' });
    await forwarded.waitFor();
    assert.equal(await forwarded.locator('.forwarded').count(), 1);

    await chatRow(ann, new RegExp(`^${bobName}`)).click();
    await chatRow(bob, new RegExp(`^${annName}`)).click();
    await original.hover();
    await original.getByRole('button', { name: 'Pin message' }).click();
    await original.getByLabel('pinned').waitFor();
    await messagesOf(bob).filter({ hasText: 'worth passing on' }).getByLabel('pinned').waitFor();
    await original.hover();
    await original.getByRole('button', { name: 'Unpin message' }).click();
    await messagesOf(bob).filter({ hasText: 'worth passing on' }).getByLabel('pinned').waitFor({ state: 'detached' });
  });

  test('a group owner makes a member admin and removes another, who sees the group go; a member leaves', async () => {
    const cat = await person(`Cat ${suffix}`);
    const group = `Roles ${suffix}`;
    const [bobId, catId] = [(await sessionOf(bob)).user.id, (await sessionOf(cat)).user.id];
    await apiAs(ann, 'POST', '/api/chats', { name: group, type: 'group', members: [bobId, catId] });
    await chatRow(cat, group).click();
    await cat.getByRole('heading', { name: group }).waitFor();

    await chatRow(ann, group).click();
    await ann.getByRole('button', { name: 'Group info' }).click();
    const dialog = ann.getByRole('dialog', { name: 'Group info' });
    const bobsEntry = dialog.getByRole('listitem').filter({ hasText: bobName });
    await bobsEntry.getByRole('button', { name: 'Make admin' }).click();
    await bobsEntry.getByText('(admin)').waitFor();
    await bobsEntry.getByRole('button', { name: 'Make member' }).waitFor();

    // Bob, now an admin, may rename the group: his dialog offers Save.
    await chatRow(bob, group).click();
    await bob.getByRole('button', { name: 'Group info' }).click();
    await bob.getByRole('dialog', { name: 'Group info' }).getByRole('button', { name: 'Save' }).waitFor();
    await bob.keyboard.press('Escape');

    await dialog.getByRole('listitem').filter({ hasText: `Cat ${suffix}` }).getByRole('button', { name: 'Remove' }).click();
    await dialog.getByText('2 members').waitFor();
    await cat.getByRole('heading', { name: group }).waitFor({ state: 'detached' });
    await chatRow(cat, group).waitFor({ state: 'detached' });
    await ann.keyboard.press('Escape');

    await bob.getByRole('button', { name: 'Group info' }).click();
    await bob.getByRole('dialog', { name: 'Group info' }).getByRole('button', { name: 'Leave group' }).click();
    await chatRow(bob, group).waitFor({ state: 'detached' });
    await ann.getByTestId('subtitle').filter({ hasText: /^1 member$/ }).waitFor();
  });

  test('presence: the other person shows online, then "last seen" once their page is closed', async () => {
    const dan = await person(`Dan ${suffix}`);
    await startChatWith(dan, annName);
    await send(dan, 'hello from Dan');
    await chatRow(ann, new RegExp(`^Dan ${suffix}`)).click();
    await ann.getByTestId('subtitle').filter({ hasText: 'online' }).waitFor();
    await dan.context().close();
    await ann.getByTestId('subtitle').filter({ hasText: /^last seen / }).waitFor();
  });

  test('a message typed offline survives a reload while still offline, and is sent once when back', async () => {
    const ctx = ann.context();
    let reachable = true;
    await ctx.route(/\/api\//, (route) => (reachable ? route.continue() : route.abort('internetdisconnected')));
    await ctx.routeWebSocket(/\/ws/, (ws) => (reachable ? ws.connectToServer() : ws.close()));
    try {
      await chatRow(ann, new RegExp(`^${bobName}`)).click();
      await ctx.setOffline(true);
      await ann.getByTestId('connection-banner').filter({ hasText: 'Offline' }).waitFor();
      await send(ann, 'outlives the reload');
      await ann.getByTestId('pending-message').filter({ hasText: 'outlives the reload' }).waitFor();
      // Still unreachable, but the page itself loads: the server is cut off, the app is not.
      reachable = false;
      await ctx.setOffline(false);
      await ann.reload();
      await ann.getByTestId('connection-banner').waitFor();
      const kept = await ann.evaluate(() => localStorage.getItem('parley.outbox'));
      assert.match(kept ?? '', /outlives the reload/);

      reachable = true;
      // A real 'online' event, as the browser fires when the network comes back.
      await ctx.setOffline(true);
      await ctx.setOffline(false);
      await chatRow(bob, new RegExp(`^${annName}`)).click();
      await messagesOf(bob).filter({ hasText: 'outlives the reload' }).waitFor();
      await chatRow(ann, new RegExp(`^${bobName}`)).click();
      await messagesOf(ann).filter({ hasText: 'outlives the reload' }).waitFor();
      await ann.getByTestId('connection-banner').waitFor({ state: 'detached' });
      // The server's record, not a wait: a second flush of the restored outbox would be stored twice.
      assert.deepEqual(await historyCounts(ann, rig.url, ['outlives the reload']), { 'outlives the reload': 1 });
      assert.equal(await messagesOf(bob).filter({ hasText: 'outlives the reload' }).count(), 1);
      assert.equal(await messagesOf(ann).filter({ hasText: 'outlives the reload' }).count(), 1);
      assert.equal(await ann.getByTestId('pending-message').count(), 0);
    } finally {
      reachable = true;
      await ctx.unrouteAll();
    }
  });

  test('a muted chat shows its unread count muted', async () => {
    await chatRow(bob, new RegExp(`^${annName}`)).click();
    await bob.getByRole('button', { name: 'Mute', exact: true }).click();
    await bob.getByRole('button', { name: 'Unmute', exact: true }).waitFor();
    const row = chatRow(bob, new RegExp(`^${annName}`));
    await row.getByLabel('muted').waitFor();
    // Away from the chat, a new message counts as unread, shown muted.
    await chatRow(bob, `Forwards ${suffix}`).click();
    await chatRow(ann, new RegExp(`^${bobName}`)).click();
    await send(ann, 'quietly');
    await row.getByText('quietly').waitFor();
    const badge = row.getByTestId('unread');
    assert.equal(await badge.textContent(), '1');
    assert.match((await badge.getAttribute('class')) ?? '', /\bmuted\b/);

    await row.click();
    await bob.getByRole('button', { name: 'Unmute', exact: true }).click();
    await row.getByLabel('muted').waitFor({ state: 'detached' });
  });

  test('people are found by username; a muted contact\'s chat shows muted in the list', async () => {
    // An account made elsewhere (the client's own sign-up asks for no username).
    const username = `zoe_${suffix}`;
    const made = await fetch(`${rig.url}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: newPhone(), username, nickname: `Zoe ${suffix}`, password: 'correct horse battery' }),
    });
    assert.equal(made.status, 200);
    await bob.getByRole('button', { name: 'New chat' }).click();
    const search = bob.getByRole('searchbox', { name: 'Username, name or phone' });
    await search.fill(username);
    await search.press('Enter');
    const found = bob.getByTestId('user-result').filter({ hasText: `Zoe ${suffix}` });
    await found.getByRole('button', { name: 'Add contact' }).click();
    await found.getByText('Added to contacts').waitFor();
    await found.getByRole('button', { name: 'Message' }).click();
    await send(bob, 'hello Zoe');
    const row = chatRow(bob, new RegExp(`^Zoe ${suffix}`));
    await row.getByText('hello Zoe').waitFor();
    assert.equal(await row.getByLabel('muted').count(), 0);

    await bob.getByRole('button', { name: 'Contacts' }).click();
    const entry = bob.getByTestId('contact').filter({ hasText: `Zoe ${suffix}` });
    await entry.getByRole('button', { name: 'Mute' }).click();
    await entry.getByRole('button', { name: 'Unmute' }).waitFor();
    await row.getByLabel('muted').waitFor();
    await entry.getByRole('button', { name: 'Unmute' }).click();
    await entry.getByRole('button', { name: 'Mute' }).waitFor();
    await row.getByLabel('muted').waitFor({ state: 'detached' });
    await bob.keyboard.press('Escape');
  });

  test('a group\'s announcement and a member added later reach the members; the newcomer signs out and back in', async () => {
    const eliPhone = newPhone();
    const ctx = await rig.browser.newContext({ locale: 'en-US' });
    contexts.push(ctx);
    const eli = await ctx.newPage();
    await registerIn(eli, rig.url, eliPhone, `Eli ${suffix}`);
    const group = `Notice ${suffix}`;
    await apiAs(ann, 'POST', '/api/chats', { name: group, type: 'group', members: [(await sessionOf(bob)).user.id] });
    await chatRow(bob, group).click();
    await bob.getByRole('heading', { name: group }).waitFor();

    await chatRow(ann, group).click();
    await ann.getByRole('button', { name: 'Group info' }).click();
    const dialog = ann.getByRole('dialog', { name: 'Group info' });
    await dialog.getByLabel('Announcement').fill('Standup moves to ten');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await bob.getByText('📢 Standup moves to ten').waitFor();

    const search = dialog.getByRole('searchbox', { name: 'Add members' });
    await search.fill(`Eli ${suffix}`);
    await search.press('Enter');
    await dialog.getByRole('listitem').filter({ hasText: `Eli ${suffix}` }).getByRole('button', { name: 'Add members' }).click();
    await dialog.getByText('3 members').waitFor();
    await ann.keyboard.press('Escape');
    await chatRow(eli, group).click();
    await eli.getByText('📢 Standup moves to ten').waitFor();

    // Signing out from the menu, then in again with phone and password, brings the same chats back.
    await eli.getByLabel('Settings').click();
    await eli.getByRole('button', { name: 'Sign out' }).click();
    await eli.getByLabel('Phone or username').fill(eliPhone);
    await eli.getByLabel('Password').fill('correct horse battery');
    await eli.getByRole('button', { name: 'Sign in', exact: true }).click();
    await chatRow(eli, group).waitFor();
    assert.equal((await sessionOf(eli)).user.nickname, `Eli ${suffix}`);
  });

  test('a call shows in the chat as who called', async () => {
    const { token } = await sessionOf(bob);
    const annId = (await sessionOf(ann)).user.id;
    const caller = await WsClient.connect(rig.url, token);
    try {
      caller.send({ type: 'call.offer', data: { to_user_id: annId, call_type: 'video', sdp: 'v=0 offer' } });
      const callId = (await caller.next('call.ringing')).data.call_id;
      caller.send({ type: 'call.end', data: { call_id: callId } });
      await caller.next('call.end');
    } finally {
      await caller.close();
    }
    await chatRow(ann, new RegExp(`^${bobName}`)).click();
    await ann.getByTestId('call-record').filter({ hasText: `Missed Video call from ${bobName}` }).waitFor();
  });

  test('keyboard only: signing up, finding someone and sending them a message need no mouse', async () => {
    const ctx = await rig.browser.newContext({ locale: 'en-US' });
    contexts.push(ctx);
    const page = await ctx.newPage();
    /** Presses Tab until `target` has the focus: it must be reachable, in the page's tab order. */
    const tabTo = async (target: Locator, what: string) => {
      await target.waitFor();
      for (let presses = 0; presses < 40; presses++) {
        if (await target.evaluate((el) => el.matches(':focus'))) return;
        await page.keyboard.press('Tab');
      }
      assert.fail(`${what} is never reached with Tab`);
    };
    const name = `Kay ${suffix}`;
    await page.goto(`${rig.url}/app/`);
    await tabTo(page.getByRole('button', { name: 'Create an account' }), 'the switch to sign-up');
    await page.keyboard.press('Enter');
    await tabTo(page.getByLabel('Phone number'), 'the phone field');
    await page.keyboard.type(newPhone());
    await tabTo(page.getByLabel('Your name'), 'the name field');
    await page.keyboard.type(name);
    await tabTo(page.getByLabel('Password'), 'the password field');
    await page.keyboard.type('correct horse battery');
    await page.keyboard.press('Enter');

    await tabTo(page.getByRole('button', { name: 'New chat' }), 'New chat');
    await page.keyboard.press('Enter');
    const search = page.getByRole('searchbox', { name: 'Username, name or phone' });
    await tabTo(search, 'the people search');
    await page.keyboard.type(annName);
    await page.keyboard.press('Enter');
    await tabTo(page.getByTestId('user-result').filter({ hasText: annName }).getByRole('button', { name: 'Message' }), 'the found person\'s Message button');
    await page.keyboard.press('Enter');
    await tabTo(page.getByRole('textbox', { name: 'Write a message…' }), 'the message box');
    await page.keyboard.type('typed without a mouse');
    await page.keyboard.press('Enter');

    await chatRow(ann, new RegExp(`^${name}`)).getByText('typed without a mouse').waitFor();
    await page.getByTestId('message').filter({ hasText: 'typed without a mouse' }).waitFor();
  });

  test('another tab signing out, or in as someone else, signs this tab out', async () => {
    const first = await person(`Cam ${suffix}`);
    const second = await first.context().newPage();
    await second.goto(`${rig.url}/app/`);
    await second.getByRole('button', { name: 'New chat' }).waitFor();
    // A storage event reaches the other pages of the origin, not the one that wrote.
    await first.evaluate(() => localStorage.removeItem('parley.session'));
    await second.getByRole('button', { name: 'Create an account' }).waitFor();

    const third = await first.context().newPage();
    await registerIn(third, rig.url, newPhone(), `Dee ${suffix}`);
    await first.getByRole('button', { name: 'Create an account' }).waitFor();
    // Signed out by another tab's change, the first tab leaves the shared storage alone: the
    // session there is Dee's, and Dee's tab stays signed in.
    const stored = await third.evaluate(() => (JSON.parse(localStorage.getItem('parley.session') ?? 'null') as { user: { nickname: string } } | null)?.user.nickname);
    assert.equal(stored, `Dee ${suffix}`);
    await third.reload();
    await third.getByRole('button', { name: 'New chat' }).waitFor();
  });
});

describe('Parley Web client on a server that asks for a verification code', { timeout: 60_000, ...(await needs('chromium')) }, () => {
  const sink = new WebhookSink();
  let rig: ClientRig;
  const contexts: BrowserContext[] = [];

  before(async () => {
    await sink.start();
    rig = await startRig({ REGISTRATION: 'code', CODE_SENDER: 'webhook', CODE_WEBHOOK_URL: sink.url });
  });

  after(async () => {
    await rig?.close();
    await sink.close();
  });

  nodeTest('signing up asks for the code sent to the phone, and the code lets the person in', () =>
    keepingArtifacts('sign-up with a code', () => contexts, async () => {
      const ctx = await rig.browser.newContext({ locale: 'en-US' });
      contexts.push(ctx);
      const page = await ctx.newPage();
      const phone = newPhone();
      await page.goto(`${rig.url}/app/`);
      await page.getByRole('button', { name: 'Create an account' }).click();
      await page.getByLabel('Phone number').fill(phone);
      await page.getByLabel('Your name').fill('Eve');
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByText('This server asks for a verification code').waitFor();

      const before = sink.received.length;
      await page.getByRole('button', { name: 'Send code' }).click();
      for (let waited = 0; sink.received.length === before && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      const sent = sink.last().body;
      assert.equal(sent.target, phone);
      await page.getByLabel('Verification code').fill(String(sent.code));
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByRole('button', { name: 'New chat' }).waitFor();
      assert.equal((await sessionOf(page)).user.id > 0, true);
    }),
  );
});
