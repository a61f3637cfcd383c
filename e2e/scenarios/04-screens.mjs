// Screenshots of the main pages, light and dark, desktop and phone (UI.md: every page gets
// one), into artifacts/screens/. Each page is also checked for console errors.
import assert from 'node:assert/strict';
import { createAlbum, screenshotAll, signUp, uniqueName, updateMe, uploadViaApi } from '../lib/index.mjs';

export const title = 'screenshots of the main pages';
export const timeout = 180_000;

export default async function (t) {
  const images = await t.images();

  const visitor = await t.newPage();
  for (const [name, path] of [['home-signed-out', '/'], ['login', '/login'], ['signup', '/signup'], ['forgot-password', '/forgot-password'], ['not-found', '/this/page/does-not-exist']]) {
    await t.step(name, async () => {
      if (name === 'not-found') {
        visitor.vt.allow(/^http 404: GET .*\/this\/page\/does-not-exist$/);
        visitor.vt.allow(/^console\.error: Failed to load resource: the server responded with a status of 404/);
      }
      const res = await visitor.goto(path);
      assert.equal(res.status(), name === 'not-found' ? 404 : 200, path);
      await screenshotAll(visitor, name);
      await visitor.vt.assertClean(path);
    });
  }

  const page = await t.newPage();
  const user = await signUp(page, uniqueName('rio'));
  let album;
  const uploads = {};

  await t.step('content: profile, album, four images', async () => {
    await updateMe(page, {
      display_name: 'Rio Ramos',
      bio: 'Landscapes, mostly. Shot on whatever is in my pocket.',
      website: 'https://example.org/rio',
    });
    album = await createAlbum(page, { title: 'Hills at dusk', description: 'A week of walks above the town, in every light.', privacy: 'public' });
    const titles = { landscape: 'Valley under a blue sky', portrait: 'Evening, looking west', square: 'Square hills', panorama: 'The long ridge' };
    for (const key of ['landscape', 'portrait', 'square', 'panorama']) {
      uploads[key] = await uploadViaApi(page, images[key], { title: titles[key], description: `${titles[key]}: a test image of ${images[key].width}×${images[key].height}.`, album: album.id, tags: 'hills,test' });
    }
  });

  const shots = [
    ['home-signed-in', '/'],
    ['settings', '/settings'],
    ['profile', `/${user.username}`],
    ['album', () => `/album/${album.id}`],
    ['image-landscape', () => `/image/${uploads.landscape.id}`],
    ['image-portrait', () => `/image/${uploads.portrait.id}`],
    ['image-panorama', () => `/image/${uploads.panorama.id}`],
    ['delete-confirm', () => new URL(uploads.square.delete_url).pathname],
  ];
  for (const [name, path] of shots) {
    await t.step(name, async () => {
      const p = typeof path === 'function' ? path() : path;
      const res = await page.goto(p);
      assert.equal(res.status(), 200, p);
      await screenshotAll(page, name);
      await page.vt.assertClean(p);
    });
  }

  // Pages the header links to that have no named shot above (the UI grows): page-SLUG.
  await t.step('other pages linked from the header', async () => {
    await page.goto('/');
    const covered = new Set(['/', '/settings', `/${user.username}`]);
    const links = await page.locator('.site-header a[href], .site-footer a[href]').evaluateAll((as) => as.map((a) => a.href));
    const paths = [...new Set(links.map((h) => new URL(h)).filter((u) => u.origin === new URL(t.baseUrl).origin).map((u) => u.pathname + u.search))]
      .filter((p) => !covered.has(p) && !p.startsWith('/api/'));
    for (const p of paths) {
      const res = await page.goto(p);
      assert.equal(res.status(), 200, p);
      const slug = p.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '');
      await screenshotAll(page, `page-${slug}`);
      await page.vt.assertClean(p);
    }
    t.log(`header/footer pages: ${paths.join(' ') || '(none)'}`);
  });

  await t.step('settings with a new API key', async () => {
    await page.goto('/settings');
    await page.getByLabel('New key name').fill('ShareX on my laptop');
    await Promise.all([page.waitForURL('**/settings#new-key'), page.getByRole('button', { name: 'Create key' }).click()]);
    await screenshotAll(page, 'settings-new-key');
    await page.vt.assertClean();
  });

  await t.step('album-locked (password album, as a visitor)', async () => {
    const locked = await createAlbum(page, { title: 'Family only', privacy: 'password', password: 'open sesame' });
    const guest = await t.newPage();
    guest.vt.allow(/^http 403: GET .*\/album\//);
    guest.vt.allow(/^console\.error: Failed to load resource: the server responded with a status of 403/);
    const res = await guest.goto(`/album/${locked.id}`);
    assert.equal(res.status(), 403);
    await guest.getByLabel('Album password').waitFor();
    await screenshotAll(guest, 'album-locked');
    await guest.vt.assertClean();
  });
}
