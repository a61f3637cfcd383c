// The admin area in the browser: rename the site (every page shows it), find a user and ban
// them (their session ends), and screenshots of the admin pages.
import assert from 'node:assert/strict';
import { ADMIN, login, screenshotAll, signUp, uniqueName } from '../lib/index.mjs';

export const title = 'admin area: site name, users, screenshots';
export const timeout = 150_000;

export default async function (t) {
  const member = await t.newPage();
  const user = await signUp(member, uniqueName('mel'));

  const admin = await t.newPage();
  await login(admin, ADMIN.username, ADMIN.password);

  await t.step('rename the site', async () => {
    await admin.goto('/admin/settings');
    await admin.locator('#f-name').fill('Harbour <Photos>');
    await Promise.all([admin.waitForURL(/\/admin\/settings/), admin.getByRole('button', { name: 'Save site settings' }).click()]);
    await member.goto('/');
    assert.equal(await member.locator('.brand-name').textContent(), 'Harbour <Photos>');
    assert.match(await member.title(), /· Harbour <Photos>$/);
    await admin.vt.assertClean('site settings');
  });

  await t.step('find a user and ban them', async () => {
    await admin.goto('/admin/users');
    await admin.locator('#f-q').fill(user.username);
    await Promise.all([admin.waitForURL(/q=/), admin.getByRole('button', { name: 'Search' }).click()]);
    await screenshotAll(admin, 'admin-users');
    await Promise.all([admin.waitForLoadState(), admin.getByRole('button', { name: `Ban @${user.username}` }).click()]);
    assert.ok(await admin.getByRole('button', { name: `Unban @${user.username}` }).isVisible());
    await member.goto('/settings');
    assert.ok(new URL(member.url()).pathname === '/login', 'the banned member is signed out');
    await admin.vt.assertClean('users');
  });

  await t.step('screenshots of the admin pages', async () => {
    for (const [name, path] of [['admin', '/admin'], ['admin-settings', '/admin/settings'], ['admin-uploads', '/admin/uploads']]) {
      assert.equal((await admin.goto(path)).status(), 200, path);
      await screenshotAll(admin, name);
    }
    await admin.vt.assertClean('admin pages');
  });
}
