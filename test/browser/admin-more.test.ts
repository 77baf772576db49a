import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { needs } from '../support/requires.ts';
import { signedIn, startAdminRig, stopAdminRig, type AdminRig } from './support/admin.ts';
import { browserTest } from './support/browser.ts';
import { api, register, type Account, type Parley } from './support/parley.ts';


/** A sign-in through the primary API, as the chat client makes it. */
async function login(parley: Parley, phone: string, password: string): Promise<{ status: number; token?: string }> {
  const res = await fetch(`${parley.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone, password }) });
  const body = (await res.json()) as { data?: { access_token?: string } };
  return { status: res.status, token: body.data?.access_token };
}

/** The console's user list, signed in as `admin`, searched for `query`. */
async function usersFound(page: Page, parley: Parley, admin: Account, query: string): Promise<void> {
  await signedIn(page, `${parley.url}/app/admin/users`, admin);
  await page.getByRole('searchbox', { name: 'Search users' }).fill(query);
}

/** Answers the confirmation dialog, after checking it asks what it should. */
async function confirm(page: Page, question: RegExp): Promise<void> {
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.match((await dialog.textContent()) ?? '', question);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
}

/** Waits until the list shows just the one row named `name` (the search settles after a moment). */
async function onlyRow(page: Page, name: string): Promise<void> {
  await page.getByRole('row', { name, exact: true }).waitFor();
  await page.locator('tbody tr').nth(1).waitFor({ state: 'detached' });
  assert.equal(await page.locator('tbody tr').count(), 1);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('admin console (/app/admin) in chromium: more of what an admin does to users', await needs('chromium'), () => {
  let rig: AdminRig | undefined;
  let parley: Parley;
  let browser: Browser;
  let boss: Account;
  before(async () => {
    // The first administrator is the operator's to make, at the command line.
    rig = await startAdminRig('Chief');
    ({ parley, browser, boss } = rig);
  });
  after(() => stopAdminRig(rig));

  browserTest('a password reset shows the new password once: it signs in and the old one no longer does', () => browser, async (open) => {
    const name = `Forgetful ${Date.now().toString(36)}`;
    const user = await register(parley, name);
    const page = await open();
    await usersFound(page, parley, boss, name);
    const row = page.getByRole('row', { name, exact: true });
    await row.getByRole('button', { name: `Reset password: ${name}` }).click();
    await confirm(page, new RegExp(`Reset the password of ${escape(name)}\\?`));
    const status = page.getByRole('status').filter({ hasText: 'shown once' });
    await status.waitFor();
    const shown = /New password for (.+) \(shown once\): (\S+) · (\d+) sessions ended/.exec((await status.textContent()) ?? '');
    assert.ok(shown, `the notice names the new password: ${await status.textContent()}`);
    const [, whose, password = '', ended] = shown;
    assert.equal(whose, name);
    assert.equal(ended, '1', 'the session of the registration ended');

    assert.equal((await api(parley, 'GET', '/api/users/me', user.token)).status, 401, 'the old session is over');
    assert.equal((await login(parley, user.phone, user.password)).status, 401, 'the old password is refused');
    const fresh = await login(parley, user.phone, password);
    assert.equal(fresh.status, 200, 'the password shown signs in');
    assert.equal((await api(parley, 'GET', '/api/users/me', fresh.token!)).status, 200);

    // Shown once: dismissed, it is gone from the page.
    await status.getByRole('button', { name: 'Done' }).click();
    await status.waitFor({ state: 'detached' });
    assert.equal(await page.getByText(password).count(), 0);
  });

  browserTest('an admin\'s own row offers no password reset and no signing out everywhere (they would end the console\'s own session)', () => browser, async (open) => {
    const name = `Self ${Date.now().toString(36)}`;
    const self = await register(parley, name);
    assert.equal((await api(parley, 'PUT', `/api/admin/users/${self.id}/admin`, boss.token)).status, 200);
    const page = await open();
    await usersFound(page, parley, self, name);
    const row = page.getByRole('row', { name, exact: true });
    await row.getByText('you', { exact: true }).waitFor();
    for (const label of ['Reset password', 'Sign out everywhere', 'Disable', 'Delete']) {
      assert.equal(await row.getByRole('button', { name: `${label}: ${name}` }).count(), 0, `${label} on one's own row`);
    }
    // The same actions are there on someone else's row.
    const other = `Other ${Date.now().toString(36)}`;
    await register(parley, other);
    await page.getByRole('searchbox', { name: 'Search users' }).fill(other);
    const theirs = page.getByRole('row', { name: other, exact: true });
    await theirs.getByRole('button', { name: `Reset password: ${other}` }).waitFor();
    await theirs.getByRole('button', { name: `Sign out everywhere: ${other}` }).waitFor();
  });

  browserTest('signing a user out everywhere ends their sessions: their tokens are refused, but they may sign in again', () => browser, async (open) => {
    const name = `Roamer ${Date.now().toString(36)}`;
    const user = await register(parley, name);
    const second = await login(parley, user.phone, user.password);
    assert.equal(second.status, 200);
    const page = await open();
    await usersFound(page, parley, boss, name);
    const row = page.getByRole('row', { name, exact: true });
    await row.getByRole('button', { name: `Sign out everywhere: ${name}` }).click();
    await confirm(page, new RegExp(`Sign ${escape(name)} out on every device\\?`));
    await page.getByRole('status').filter({ hasText: `${name}: 2 sessions ended` }).waitFor();

    assert.equal((await api(parley, 'GET', '/api/users/me', user.token)).status, 401);
    assert.equal((await api(parley, 'GET', '/api/users/me', second.token!)).status, 401);
    const refresh = await fetch(`${parley.url}/api/auth/refresh`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: user.refreshToken }) });
    assert.equal(refresh.status, 401, 'the refresh token is refused too');
    // Not disabled: the row still says active, and the same password signs in.
    await row.getByText('active', { exact: true }).waitFor();
    const again = await login(parley, user.phone, user.password);
    assert.equal(again.status, 200);
    assert.equal((await api(parley, 'GET', '/api/users/me', again.token!)).status, 200);
  });

  browserTest('making a user an admin and revoking it: the row shows the role and the admin API lets them in, then not', () => browser, async (open) => {
    const name = `Deputy ${Date.now().toString(36)}`;
    const user = await register(parley, name);
    const statsAs = async () => (await api(parley, 'GET', '/api/admin/stats', user.token)).status;
    assert.equal(await statsAs(), 403);

    const page = await open();
    await usersFound(page, parley, boss, name);
    const row = page.getByRole('row', { name, exact: true });
    await row.getByText('active', { exact: true }).waitFor();
    assert.equal(await row.getByText('admin', { exact: true }).count(), 0, 'no role shown yet');
    await row.getByRole('button', { name: `Make admin: ${name}` }).click();
    await confirm(page, new RegExp(`Make ${escape(name)} a server administrator\\?`));
    await page.getByRole('status').filter({ hasText: `admin: ${name}` }).waitFor();
    await row.getByText('admin', { exact: true }).waitFor();
    assert.equal(await statsAs(), 200, 'the flag takes effect at once');

    // The new admin's own console now opens on the overview.
    const theirs = await open();
    await signedIn(theirs, `${parley.url}/app/admin/`, user);
    await theirs.getByRole('link', { name: 'Users' }).waitFor();

    await row.getByRole('button', { name: `Revoke admin: ${name}` }).click();
    await confirm(page, new RegExp(`Revoke the administrator role of ${escape(name)}\\?`));
    await page.getByRole('status').filter({ hasText: `Revoke admin: ${name}` }).waitFor();
    await row.getByRole('button', { name: `Make admin: ${name}` }).waitFor();
    assert.equal(await row.getByText('admin', { exact: true }).count(), 0, 'the role is no longer shown');
    assert.equal(await statsAs(), 403);
    await theirs.reload();
    await theirs.getByRole('heading', { name: 'Not an administrator' }).waitFor();

    // An admin's own row offers no way to revoke their own role.
    await page.getByRole('searchbox', { name: 'Search users' }).fill('Chief');
    const mine = page.getByRole('row', { name: 'Chief', exact: true });
    await mine.getByText('you', { exact: true }).waitFor();
    await mine.getByText('admin', { exact: true }).waitFor();
    assert.equal(await mine.getByRole('button', { name: 'Revoke admin: Chief' }).count(), 0);
  });

  browserTest('deleting a user asks first; confirmed, the user leaves the list and cannot sign in', () => browser, async (open) => {
    const name = `Leaver ${Date.now().toString(36)}`;
    const user = await register(parley, name);
    const page = await open();
    await usersFound(page, parley, boss, name);
    const row = page.getByRole('row', { name, exact: true });
    await row.getByRole('button', { name: `Delete: ${name}` }).click();
    // Cancelled first: nothing happens.
    const dialog = page.getByRole('dialog');
    assert.match((await dialog.textContent()) ?? '', new RegExp(`Delete ${escape(name)} for good.*cannot be undone`));
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await api(parley, 'GET', `/api/admin/users/${user.id}`, boss.token)).status, 200);
    await row.waitFor();

    await row.getByRole('button', { name: `Delete: ${name}` }).click();
    await confirm(page, new RegExp(`Delete ${escape(name)} for good`));
    await page.getByRole('status').filter({ hasText: `Delete: ${name}` }).waitFor();
    await page.getByText('No users match.').waitFor();
    assert.equal(await row.count(), 0);

    assert.equal((await api(parley, 'GET', `/api/admin/users/${user.id}`, boss.token)).status, 404);
    assert.equal((await api(parley, 'GET', '/api/users/me', user.token)).status, 401);
    const refused = await login(parley, user.phone, user.password);
    assert.notEqual(refused.status, 200, 'a deleted user cannot sign in');
    assert.equal(refused.token, undefined);
  });

  browserTest('the user list filters disabled users and admins, and pages through more than a page', () => browser, async (open) => {
    const tag = `p${Date.now().toString(36)}`;
    // 22 users: one more page than the console's 20.
    const made: Account[] = [];
    for (let i = 1; i <= 22; i++) made.push(await register(parley, `Pager ${tag} ${String(i).padStart(2, '0')}`));
    assert.equal((await api(parley, 'POST', `/api/admin/users/${made[2]!.id}/disable`, boss.token)).status, 200);
    assert.equal((await api(parley, 'PUT', `/api/admin/users/${made[4]!.id}/admin`, boss.token)).status, 200);

    const page = await open();
    await usersFound(page, parley, boss, tag);
    const pager = page.getByRole('navigation', { name: 'Users' });
    const rows = page.getByRole('row');
    await pager.getByText('1–20 of 22').waitFor();
    assert.equal(await rows.count(), 21, 'the header and a page of 20');
    await page.getByRole('row', { name: `Pager ${tag} 01`, exact: true }).waitFor();
    assert.ok(await pager.getByRole('button', { name: 'Previous' }).isDisabled(), 'no page before the first');

    await pager.getByRole('button', { name: 'Next' }).click();
    await pager.getByText('21–22 of 22').waitFor();
    assert.equal(await rows.count(), 3, 'the header and the last two');
    await page.getByRole('row', { name: `Pager ${tag} 22`, exact: true }).waitFor();
    assert.equal(await page.getByRole('row', { name: `Pager ${tag} 01`, exact: true }).count(), 0);
    assert.ok(await pager.getByRole('button', { name: 'Next' }).isDisabled(), 'no page after the last');

    // A filter starts again from the first page, with only the disabled one.
    await page.getByRole('checkbox', { name: 'Disabled only' }).check();
    await onlyRow(page, `Pager ${tag} 03`);
    await page.getByRole('row', { name: `Pager ${tag} 03`, exact: true }).getByText('disabled', { exact: true }).waitFor();
    assert.equal(await pager.count(), 0, 'one page needs no pager');

    await page.getByRole('checkbox', { name: 'Disabled only' }).uncheck();
    await page.getByRole('checkbox', { name: 'Admins only' }).check();
    await onlyRow(page, `Pager ${tag} 05`);
    const admin = page.getByRole('row', { name: `Pager ${tag} 05`, exact: true });
    await admin.getByText('admin', { exact: true }).waitFor();

    // Both: nobody is disabled and an admin.
    await page.getByRole('checkbox', { name: 'Disabled only' }).check();
    await page.getByText('No users match.').waitFor();
    assert.equal(await rows.count(), 0);

    // Without the search, the admins are this one and the console's own admin.
    await page.getByRole('checkbox', { name: 'Disabled only' }).uncheck();
    await page.getByRole('searchbox', { name: 'Search users' }).fill('');
    await page.getByRole('row', { name: 'Chief', exact: true }).waitFor();
    await admin.waitFor();
    const admins = await api<{ users: { id: number }[]; total: number }>(parley, 'GET', '/api/admin/users?admin=true', boss.token);
    assert.equal(await rows.count(), admins.data.total + 1);

    // Back to the whole tagged list, the pager returns.
    await page.getByRole('checkbox', { name: 'Admins only' }).uncheck();
    await page.getByRole('searchbox', { name: 'Search users' }).fill(tag);
    await pager.getByText('1–20 of 22').waitFor();
  });

  browserTest('deleting the only user on the last page goes back to the page before, which still has users', () => browser, async (open) => {
    const tag = `l${Date.now().toString(36)}`;
    for (let i = 1; i <= 21; i++) await register(parley, `Last ${tag} ${String(i).padStart(2, '0')}`);
    const page = await open();
    await usersFound(page, parley, boss, tag);
    const pager = page.getByRole('navigation', { name: 'Users' });
    await pager.getByText('1–20 of 21').waitFor();
    await pager.getByRole('button', { name: 'Next' }).click();
    await pager.getByText('21–21 of 21').waitFor();
    await page.getByRole('button', { name: `Delete: Last ${tag} 21` }).click();
    await confirm(page, new RegExp(`Delete Last ${escape(tag)} 21 for good`));
    await page.getByRole('status').filter({ hasText: `Delete: Last ${tag} 21` }).waitFor();
    const left = await api<{ total: number }>(parley, 'GET', `/api/admin/users?q=${tag}`, boss.token);
    assert.equal(left.data.total, 20, 'the other 20 are still there');
    // The list should not claim that nobody matches while 20 do.
    await page.getByRole('row', { name: `Last ${tag} 01`, exact: true }).waitFor({ timeout: 10_000 });
    assert.equal(await page.getByText('No users match.').count(), 0);
    assert.equal(await page.locator('tbody tr').count(), 20);
  });

  browserTest('signing out of the console returns to its sign-in form and ends the session the chat client shares', () => browser, async (open) => {
    const page = await open();
    await page.goto(`${parley.url}/app/admin/`);
    await page.getByLabel('Phone, username or email').fill(boss.phone);
    await page.getByLabel('Password').fill(boss.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Users' }).waitFor();
    const token = await page.evaluate(() => (JSON.parse(localStorage.getItem('parley.session') ?? 'null') as { token: string } | null)?.token);
    assert.ok(token, 'the console keeps its session');
    assert.equal((await api(parley, 'GET', '/api/admin/stats', token)).status, 200);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Password').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0, 'no console navigation');
    const kept = await page.evaluate(() => [localStorage.getItem('parley.session'), localStorage.getItem('parley.refresh')]);
    assert.deepEqual(kept, [null, null], 'the shared session is cleared');
    assert.equal((await api(parley, 'GET', '/api/admin/stats', token)).status, 401, 'the session is ended at the server too');

    // The chat client, in the same browser, asks to sign in.
    await page.goto(`${parley.url}/app/`);
    await page.locator('input[type="password"]').first().waitFor();
    // And so does the console on a reload.
    await page.goto(`${parley.url}/app/admin/`);
    await page.getByRole('form', { name: 'Sign in' }).waitFor();
  });

  browserTest('the overview\'s sign-ins chart counts the sign-ins just made', () => browser, async (open) => {
    type Series = { hours: { at: string; sign_ins: number }[] };
    const signIns = async () => (await api<Series>(parley, 'GET', '/api/admin/stats/series?hours=24', boss.token)).data.hours;
    const total = (hours: Series['hours']) => hours.reduce((s, h) => s + h.sign_ins, 0);
    const before = total(await signIns());
    const someone = await register(parley, `Regular ${Date.now().toString(36)}`);
    for (let i = 0; i < 3; i++) assert.equal((await login(parley, someone.phone, someone.password)).status, 200);
    const hours = await signIns();
    // The registration and three logins are four sessions started.
    assert.equal(total(hours), before + 4);

    const page = await open();
    await signedIn(page, `${parley.url}/app/admin/`, boss);
    const current = hours.at(-1)!;
    const chart = page.getByRole('img', { name: new RegExp(`^Sign-ins per hour, last 24 h: ${before + 4}; peak \\d+ at \\d\\d:\\d\\d$`) });
    await chart.waitFor();
    const bars = chart.locator('rect.bar');
    assert.equal(await bars.count(), 24);
    // This hour's bar is titled with its local time and count, and drawn.
    const at = new Date(current.at);
    const label = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
    assert.ok(current.sign_ins >= 4, 'this hour holds the sign-ins just made');
    const bar = bars.filter({ has: page.locator('title', { hasText: `${label}: ${current.sign_ins}` }) });
    assert.equal(await bar.count(), 1, `a bar titled "${label}: ${current.sign_ins}" among ${JSON.stringify(await bars.locator('title').allTextContents())}`);
    assert.ok(Number(await bar.getAttribute('height')) > 0, 'the bar is drawn');
    const figure = page.locator('figure').filter({ has: page.getByText('Sign-ins per hour, last 24 h') });
    assert.equal(await figure.locator('.total').textContent(), `Σ ${before + 4}`);
  });
});
