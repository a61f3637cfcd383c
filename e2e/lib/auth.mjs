// Signing up, logging in and out through the real forms, as a person would.
import assert from 'node:assert/strict';
import { signupLink } from './mail.mjs';

export const DEFAULT_PASSWORD = 'correct horse battery';

let counter = 0;
/** A username nobody in this run has: `prefix` plus a counter (3–32 of a–z, 0–9, _ and -). */
export function uniqueName(prefix) {
  counter += 1;
  return `${prefix}${counter}`.toLowerCase().replace(/[^a-z0-9_-]/g, '').slice(0, 32);
}

const welcomed = (url) => url.pathname === '/' && url.searchParams.get('notice') === 'welcome';

/**
 * Signs up through /signup and checks we land on the home page, signed in. On a site with
 * e-mail (the e2e server writes it to a folder) that is two steps: "Check your inbox", then
 * the e-mailed link's "Create my account" button; without e-mail the form asks for no address.
 * Returns { username, email, password }.
 */
export async function signUp(page, username, { email = `${username}@e2e.test`, password = DEFAULT_PASSWORD } = {}) {
  await page.goto('/signup');
  await page.getByLabel('Username').fill(username);
  const withEmail = (await page.getByLabel('E-mail').count()) > 0;
  if (withEmail) await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Confirm password').fill(password);
  if (withEmail) {
    await Promise.all([
      page.getByRole('heading', { level: 1, name: 'Check your inbox' }).waitFor(),
      page.getByRole('button', { name: 'Create account' }).click(),
    ]);
    await page.goto(await signupLink(email));
    await Promise.all([
      page.waitForURL(welcomed),
      page.getByRole('button', { name: 'Create my account' }).click(),
    ]);
  } else {
    await Promise.all([
      page.waitForURL(welcomed),
      page.getByRole('button', { name: 'Create account' }).click(),
    ]);
  }
  await assertSignedInAs(page, username);
  return { username, email: withEmail ? email : null, password };
}

/** Logs in through /login (optionally with ?next=) and waits to leave the login page. */
export async function login(page, loginName, password = DEFAULT_PASSWORD, { next } = {}) {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  await fillLogin(page, loginName, password);
  await Promise.all([
    page.waitForURL((url) => url.pathname !== '/login'),
    page.getByRole('button', { name: 'Log in', exact: true }).click(),
  ]);
}

/** Fills the login form without submitting it. */
export async function fillLogin(page, loginName, password) {
  await page.getByLabel('Username or e-mail').fill(loginName);
  await page.getByLabel('Password', { exact: true }).fill(password);
}

/** Logs out with the header's button and checks we are signed out. */
export async function logout(page) {
  await Promise.all([
    page.waitForURL((url) => url.searchParams.get('notice') === 'logged_out'),
    page.locator('.site-header').getByRole('button', { name: 'Log out' }).click(),
  ]);
  await assertSignedOut(page);
}

/** The header shows the account link (display name or username). */
export async function assertSignedInAs(page, name) {
  const account = page.locator('.site-header .account-link');
  await account.waitFor();
  assert.equal((await account.locator('.account-name').innerText()).trim(), name, 'the header names the signed-in account');
}

export async function assertSignedOut(page) {
  const header = page.locator('.site-header');
  assert.equal(await header.locator('.account-link').count(), 0, 'no account link in the header when signed out');
  assert.ok(await header.getByRole('link', { name: 'Log in' }).isVisible(), 'the header offers "Log in" when signed out');
}
