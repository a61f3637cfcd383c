// Sign up through the form, land signed in, log out, log in again; a wrong password and a taken
// username show their errors; a signed-out visit to /settings goes through login and back.
import assert from 'node:assert/strict';
import { assertSignedInAs, assertSignedOut, fillLogin, login, logout, signUp, uniqueName, DEFAULT_PASSWORD } from '../lib/index.mjs';

export const title = 'sign up, log out, log in, wrong password';

export default async function (t) {
  const page = await t.newPage();
  const username = uniqueName('alice');

  await t.step('home page signed out offers sign-up', async () => {
    await page.goto('/');
    await assertSignedOut(page);
    await page.locator('.site-header').getByRole('link', { name: 'Sign up' }).click();
    await page.waitForURL('**/signup');
    await page.vt.assertClean();
  });

  await t.step('sign up through the form', async () => {
    await signUp(page, username);
    await assert.doesNotReject(page.getByRole('heading', { level: 1, name: `Welcome, ${username}` }).waitFor());
    await assert.doesNotReject(page.getByText('Welcome! Your account is ready.').waitFor());
    await page.vt.assertClean();
  });

  await t.step('log out', async () => {
    await logout(page);
    await assert.doesNotReject(page.getByText('You are signed out.').waitFor());
    await page.vt.assertClean();
  });

  await t.step('a wrong password shows an error and keeps the login', async () => {
    page.vt.allow(/^http 401: POST .*\/login$/);
    page.vt.allow(/^console\.error: Failed to load resource: the server responded with a status of 401/);
    await page.goto('/login');
    await fillLogin(page, username, 'not the password');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/login') && r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Log in', exact: true }).click(),
    ]);
    assert.equal(res.status(), 401);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /password/i, 'the error talks about the password');
    assert.equal(await page.getByLabel('Username or e-mail').inputValue(), username, 'the login is kept');
    assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the password is not echoed back');
    await assertSignedOut(page);
    await page.vt.assertClean();
  });

  await t.step('log in again', async () => {
    await login(page, username, DEFAULT_PASSWORD);
    assert.equal(new URL(page.url()).pathname, '/');
    await assertSignedInAs(page, username);
    await assert.doesNotReject(page.getByRole('heading', { level: 1, name: `Welcome back, ${username}` }).waitFor());
    await page.vt.assertClean();
  });

  await t.step('signed out, /settings goes to login and back', async () => {
    const visitor = await t.newPage();
    await visitor.goto('/settings');
    assert.equal(new URL(visitor.url()).pathname, '/login');
    await fillLogin(visitor, `${username}@e2e.test`, DEFAULT_PASSWORD);
    await Promise.all([
      visitor.waitForURL('**/settings'),
      visitor.getByRole('button', { name: 'Log in', exact: true }).click(),
    ]);
    await assertSignedInAs(visitor, username);
    await visitor.vt.assertClean();
  });

  await t.step('a taken username is refused on the form', async () => {
    const other = await t.newPage();
    other.vt.allow(/^http 409: POST .*\/signup$/);
    other.vt.allow(/^console\.error: Failed to load resource: the server responded with a status of 409/);
    await other.goto('/signup');
    await other.getByLabel('Username').fill(username);
    await other.getByLabel('E-mail').fill(`someone-else-${username}@e2e.test`);
    await other.getByLabel('Password', { exact: true }).fill(DEFAULT_PASSWORD);
    await other.getByLabel('Confirm password').fill(DEFAULT_PASSWORD);
    await other.getByRole('button', { name: 'Create account' }).click();
    await other.locator('.field-error').first().waitFor();
    assert.match(await other.locator('.field-error').first().innerText(), /already taken/);
    assert.equal(await other.getByLabel('Username').getAttribute('aria-invalid'), 'true');
    await assertSignedOut(other);
    await other.vt.assertClean();
  });
}
