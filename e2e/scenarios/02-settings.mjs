// The settings page: display name and bio, an API key shown once (and working), the ShareX
// .sxcu download, and a password change (the old password stops working).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'playwright-core';
import { api, assertSignedInAs, fillLogin, login, logout, signUp, uniqueName, updateMe } from '../lib/index.mjs';

export const title = 'settings: profile, API key shown once, .sxcu, password';

export default async function (t) {
  const page = await t.newPage();
  const user = await signUp(page, uniqueName('sam'));
  const displayName = 'Sam Sample';
  const bio = 'I photograph harbours at dawn.';
  let secret;

  await t.step('change the display name', async () => {
    await page.goto('/settings');
    await page.getByLabel('Display name').fill(displayName);
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('notice') === 'profile_saved'),
      page.getByRole('button', { name: 'Save profile' }).click(),
    ]);
    await page.getByText('Your profile was saved.').waitFor();
    assert.equal(await page.getByLabel('Display name').inputValue(), displayName);
    await assertSignedInAs(page, displayName);
    await page.vt.assertClean();
  });

  await t.step('change the bio', async () => {
    // The settings form has no bio field yet: set it through the API with the session then.
    const field = page.getByLabel('Bio');
    if (await field.count()) {
      await field.fill(bio);
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get('notice') === 'profile_saved'),
        page.getByRole('button', { name: 'Save profile' }).click(),
      ]);
      assert.equal(await page.getByLabel('Bio').inputValue(), bio);
    } else {
      t.log('no Bio field on /settings yet: set through PATCH /api/v1/me');
      await updateMe(page, { bio });
    }
    await page.goto(`/${user.username}`);
    await page.getByRole('heading', { level: 1, name: displayName }).waitFor();
    assert.equal((await page.locator('.profile-bio').innerText()).trim(), bio);
    await page.vt.assertClean();
  });

  await t.step('create an API key: shown once', async () => {
    await page.goto('/settings');
    await page.getByLabel('New key name').fill('e2e laptop');
    await Promise.all([
      page.waitForURL('**/settings#new-key'),
      page.getByRole('button', { name: 'Create key' }).click(),
    ]);
    const box = page.locator('#new-key');
    await box.waitFor();
    assert.match(await box.innerText(), /will not be shown again/);
    secret = await page.locator('#new-key-secret').inputValue();
    assert.match(secret, /^vt_\S{20,}$/, 'the secret is shown in full');
    const row = page.getByRole('row', { name: /e2e laptop/ });
    await row.waitFor();
    assert.ok((await row.innerText()).includes(secret.slice(0, 8)), 'the table shows the key prefix');
    await page.vt.assertClean();
  });

  await t.step('download the ShareX .sxcu', async () => {
    const siteName = (await page.locator('.site-header .brand-name').innerText()).trim();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download ShareX config' }).click(),
    ]);
    const slug = siteName.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'vitrine';
    assert.equal(download.suggestedFilename(), `${slug}.sxcu`);
    const file = await download.path();
    const sxcu = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(sxcu.DestinationType, 'ImageUploader');
    assert.equal(sxcu.RequestMethod, 'POST');
    assert.equal(sxcu.RequestURL, `${t.baseUrl}/api/1/upload`);
    assert.equal(sxcu.Headers['X-API-Key'], secret);
    assert.equal(sxcu.Body, 'MultipartFormData');
    assert.equal(sxcu.FileFormName, 'source');
    assert.equal(sxcu.URL, '{json:image.url}');
    assert.equal(sxcu.Name, siteName);
  });

  await t.step('the key works and is not shown again', async () => {
    const anon = await request.newContext({ baseURL: t.baseUrl });
    try {
      const res = await anon.get('/api/v1/me', { headers: { 'X-API-Key': secret } });
      assert.equal(res.status(), 200);
      assert.equal((await res.json()).username, user.username);
    } finally {
      await anon.dispose();
    }
    await page.goto('/settings');
    assert.equal(await page.locator('#new-key').count(), 0, 'no new-key box on the next visit');
    assert.ok(!(await page.content()).includes(secret), 'the secret is not in the page any more');
    await page.vt.assertClean();
  });

  await t.step('a wrong current password is refused', async () => {
    page.vt.allow(/^http 403: POST .*\/settings\/password$/);
    page.vt.allow(/^console\.error: Failed to load resource: the server responded with a status of 403/);
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password', { exact: true }).fill('a brand new secret');
    await page.getByLabel('Confirm new password').fill('a brand new secret');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /password/i);
  });

  await t.step('change the password', async () => {
    const newPassword = 'a brand new secret';
    await page.goto('/settings');
    await page.getByLabel('Current password').fill(user.password);
    await page.getByLabel('New password', { exact: true }).fill(newPassword);
    await page.getByLabel('Confirm new password').fill(newPassword);
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('notice') === 'password_changed'),
      page.getByRole('button', { name: 'Change password' }).click(),
    ]);
    await page.getByText('Your password was changed.').waitFor();
    await assertSignedInAs(page, displayName);
    await page.vt.assertClean();

    await logout(page);
    page.vt.allow(/^http 401: POST .*\/login$/);
    page.vt.allow(/^console\.error: Failed to load resource: the server responded with a status of 401/);
    await page.goto('/login');
    await fillLogin(page, user.username, user.password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('alert').waitFor();
    await login(page, user.username, newPassword);
    await assertSignedInAs(page, displayName);
    const me = await api(page, 'GET', '/api/v1/me');
    assert.equal(me.display_name, displayName);
    assert.equal(me.bio, bio);
  });
}
