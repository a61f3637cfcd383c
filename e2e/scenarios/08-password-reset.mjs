// Forgot password: the log-in page's link, the request form, the e-mailed link (read from the
// server's mail folder), the new-password form, and logging in with the new password.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { assertSignedInAs, login, logout, signUp, uniqueName } from '../lib/index.mjs';

export const title = 'password reset: e-mailed link, new password, old one refused';

/** The reset link in the newest message to `to`, waiting for it to be written. */
async function resetLink(mailDir, to, baseUrl) {
  for (let i = 0; i < 100; i++) {
    const files = (await readdir(mailDir).catch(() => [])).filter((f) => f.endsWith('.eml'));
    for (const f of files) {
      const text = (await readFile(path.join(mailDir, f), 'utf8')).replace(/=\r?\n/g, '');
      const m = text.match(new RegExp(`${baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/reset/[A-Za-z0-9_-]{43}`));
      if (text.includes(`To: ${to}`) && m) return m[0];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no reset message for ${to} in ${mailDir}`);
}

export default async function (t) {
  const page = await t.newPage();
  const user = await signUp(page, uniqueName('rita'));
  await logout(page);
  const newPassword = 'a brand new passphrase';
  let link;

  await t.step('ask for a link from the log-in page', async () => {
    await page.goto('/login');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL('**/forgot-password');
    await page.getByLabel('Username or e-mail').fill(user.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByText('If an account matches, a link is on its way').waitFor();
    await page.vt.assertClean();
    link = await resetLink(t.mailDir, user.email, t.baseUrl);
  });

  await t.step('choose a new password through the link', async () => {
    await page.goto(link);
    await page.getByText(`For the account ${user.username}.`, { exact: false }).waitFor();
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Repeat the new password').fill(newPassword);
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('notice') === 'password_reset'),
      page.getByRole('button', { name: 'Set the password' }).click(),
    ]);
    await page.getByText('Log in with the new one').waitFor();
    await page.vt.assertClean();
  });

  await t.step('the old password is refused, the new one works, the link is spent', async () => {
    page.vt.allow(/^http 401: POST .*\/login$/);
    page.vt.allow(/^http 410: GET .*\/reset\//);
    page.vt.allow(/^console\.error: Failed to load resource: the server responded with a status of (401|410)/);
    await page.getByLabel('Username or e-mail').fill(user.username);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByText('Wrong username/e-mail or password').waitFor();
    await login(page, user.username, newPassword);
    await assertSignedInAs(page, user.username);
    const res = await page.goto(link);
    assert.equal(res.status(), 410);
    await page.getByText('ask for a new one').waitFor();
  });
}
