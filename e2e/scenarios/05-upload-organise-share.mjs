// The whole journey of issue 6 in the browser alone: sign up, upload three files through the
// file input and one by drag-and-drop while watching the progress bars, open the viewer and
// copy the BBCode, create an album and move the media into it, make it private (a fresh
// logged-out browser reaches neither the album nor its files), protect it with a password and
// unlock it, and delete a media item.
import assert from 'node:assert/strict';
import { screenshotAll, signUp, uniqueName } from '../lib/index.mjs';

export const title = 'upload, organise and share in the browser';
export const timeout = 240_000;

/** Slows the page's uploads so progress can be watched (loopback is otherwise instant). */
async function throttle(page, bytesPerSecond) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: bytesPerSecond,
  });
  return cdp;
}

/** Drops `files` ({name, mimeType, buffer}) on `selector` the way a browser drop does. */
async function dropFiles(page, selector, files) {
  const payload = files.map((f) => ({ name: f.name, type: f.mimeType, b64: f.buffer.toString('base64') }));
  const dataTransfer = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const f of items) {
      const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return dt;
  }, payload);
  for (const type of ['dragenter', 'dragover', 'drop']) {
    await page.dispatchEvent(selector, type, { dataTransfer });
  }
}

async function status(page, path) {
  const res = await page.request.get(path, { maxRedirects: 0 });
  return res.status();
}

export default async function (t) {
  const images = await t.images();
  const page = await t.newPage({ contextOptions: { permissions: ['clipboard-read', 'clipboard-write'] } });
  const user = await signUp(page, uniqueName('ada'));
  const uploaded = [];

  await t.step('queue three files with the file input and one by drag-and-drop', async () => {
    await page.goto('/upload');
    await page.locator('[data-file-input]').setInputFiles([images.landscape, images.portrait, images.square]);
    await dropFiles(page, '[data-dropzone]', [images.panorama]);
    await page.locator('[data-upload-item]').nth(3).waitFor();
    assert.equal(await page.locator('[data-upload-item][data-status="queued"]').count(), 4);
    assert.ok(await page.locator('.drop-overlay').isHidden(), 'the drop overlay goes away');
    assert.match(await page.locator('[data-start-label]').textContent(), /Upload 4 files/);
    // Per-file options before sending: a title for the dropped one.
    const dropped = page.locator('[data-upload-item]').nth(3);
    await dropped.locator('summary').click();
    await dropped.locator('[data-item-title]').fill('The long ridge');
    await dropped.locator('[data-item-expiry]').selectOption('P1D');
    await screenshotAll(page, 'upload-queue');
  });

  await t.step('upload them and watch the progress bars finish', async () => {
    const cdp = await throttle(page, 200_000);
    const seen = new Set();
    const sampler = setInterval(async () => {
      try {
        const values = await page.$$eval('[data-upload-item] progress', (bars) => bars.map((b) => b.value));
        values.forEach((v) => { if (v > 0 && v < 100) seen.add(v); });
      } catch { /* page busy */ }
    }, 50);
    await page.locator('[data-start]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-upload-item][data-status="done"]').length === 4, null, { timeout: 60_000 });
    clearInterval(sampler);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    assert.ok(seen.size >= 2, `progress was seen between 0 and 100 (saw ${[...seen].join(', ')})`);
    const finals = await page.$$eval('[data-upload-item] progress', (bars) => bars.map((b) => b.value));
    assert.deepEqual(finals, [100, 100, 100, 100]);
    assert.match(await page.locator('[data-summary]').textContent(), /4 of 4 uploaded/);
    const links = await page.locator('[data-results-codes]').inputValue();
    assert.equal(links.trim().split('\n').length, 4);
    for (const href of await page.locator('.upload-open').evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
      uploaded.push(href.split('/image/')[1]);
    }
    const media = [];
    for (const id of uploaded) media.push(await (await page.request.get(`/api/v1/media/${id}`)).json());
    assert.equal(media[3].title, 'The long ridge', 'per-file title');
    assert.ok(media[3].expires_at, 'per-file auto-delete');
    assert.ok(media.slice(0, 3).every((m) => m.expires_at === null), 'the others keep theirs');
    await screenshotAll(page, 'upload-done');
    await page.vt.assertClean('upload');
  });

  const [first] = uploaded;
  await t.step('open the viewer and copy the BBCode', async () => {
    await page.goto(`/image/${first}`);
    await page.getByRole('tab', { name: 'BBCode' }).click();
    const panel = page.locator('#panel-bbcode');
    await panel.waitFor({ state: 'visible' });
    await panel.getByRole('button', { name: /Copy Medium, linked/ }).click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.match(copied, /^\[url=http:\/\/127\.0\.0\.1:\d+\/image\/\w+\]\[img\]http:\/\/127\.0\.0\.1:\d+\/i\/\w+\.(md\.)?\w+\[\/img\]\[\/url\]$/);
    assert.ok(copied.includes(first));
    await screenshotAll(page, 'viewer-bbcode', { fullPage: false });
    await page.vt.assertClean('viewer');
  });

  let albumId;
  await t.step('create an album and move every media item into it', async () => {
    await page.goto('/albums');
    if (!(await page.locator('#af-title-new').isVisible())) await page.locator('summary', { hasText: 'New album' }).click();
    await page.locator('#af-title-new').fill('Walks <above> town');
    await page.locator('#af-privacy-new').selectOption('public');
    await Promise.all([page.waitForURL(/\/album\/\w+\?notice=album_created/), page.getByRole('button', { name: 'Create album' }).click()]);
    albumId = new URL(page.url()).pathname.split('/').pop();
    await page.goto(`/${user.username}`);
    await page.getByRole('button', { name: 'Select', exact: true }).click();
    await page.locator('[data-bulk]').waitFor({ state: 'visible' });
    assert.match(await page.locator('[data-bulk-count]').textContent(), /4 items selected/);
    await page.locator('[data-bulk-album]').selectOption(albumId);
    await Promise.all([page.waitForEvent('load'), page.locator('[data-bulk-action="move"]').click()]);
    await page.goto(`/album/${albumId}`);
    assert.equal(await page.locator('[data-grid] .thumb-cell').count(), 4);
    assert.equal(await page.locator('h1').textContent(), 'Walks <above> town');
    await screenshotAll(page, 'album-owner');
    await page.vt.assertClean('album');
  });

  const files = [];
  await t.step('make the album private: a logged-out browser reaches nothing', async () => {
    await page.locator('summary', { hasText: 'Edit album' }).click();
    await page.locator(`#af-privacy-${albumId}`).selectOption('private');
    await Promise.all([page.waitForURL(/notice=album_saved/), page.getByRole('button', { name: 'Save album' }).click()]);
    for (const id of uploaded) {
      const m = await (await page.request.get(`/api/v1/media/${id}`)).json();
      files.push(m.files.original.url, (m.files.small || m.files.original).url, m.files.thumb.url);
    }
    const stranger = await t.newPage();
    stranger.vt.allow(/^http 404: /);
    stranger.vt.allow(/^console\.error: Failed to load resource: the server responded with a status of 404/);
    assert.equal((await stranger.goto(`/album/${albumId}`)).status(), 404);
    for (const id of uploaded) assert.equal(await status(stranger, `/image/${id}`), 404, `viewer ${id}`);
    for (const url of files) assert.equal(await status(stranger, url), 404, url);
    await stranger.goto(`/${user.username}`);
    assert.equal(await stranger.locator('[data-grid] .thumb-cell').count(), 0, 'nothing listed on the profile');
    await stranger.goto('/');
    for (const id of uploaded) assert.equal(await stranger.locator(`[data-id="${id}"]`).count(), 0, 'nothing on the home page');
    await screenshotAll(stranger, 'album-private-visitor');
  });

  await t.step('protect it with a password and unlock it in a fresh browser', async () => {
    await page.locator('summary', { hasText: 'Edit album' }).click();
    await page.locator(`#af-privacy-${albumId}`).selectOption('password');
    await page.locator(`#af-password-${albumId}`).fill('open sesame');
    await Promise.all([page.waitForURL(/notice=album_saved/), page.getByRole('button', { name: 'Save album' }).click()]);
    const guest = await t.newPage();
    guest.vt.allow(/^http 403: /);
    guest.vt.allow(/^console\.error: Failed to load resource: the server responded with a status of 403/);
    assert.equal((await guest.goto(`/album/${albumId}`)).status(), 403);
    assert.notEqual(await status(guest, files[0]), 200, 'files stay locked');
    await guest.locator('#f-album-password').fill('not it');
    await Promise.all([guest.waitForURL(/\/unlock$/), guest.getByRole('button', { name: 'Unlock' }).click()]);
    assert.match(await guest.content(), /not right/);
    await guest.locator('#f-album-password').fill('open sesame');
    await Promise.all([guest.waitForURL(new RegExp(`/album/${albumId}$`)), guest.getByRole('button', { name: 'Unlock' }).click()]);
    assert.equal(await guest.locator('[data-grid] .thumb-cell').count(), 4);
    assert.equal(await status(guest, files[0]), 200, 'the unlock opens the files too');
    await screenshotAll(guest, 'album-unlocked');
  });

  await t.step('delete a media item', async () => {
    await page.goto(`/image/${first}`);
    await Promise.all([page.waitForURL(/notice=media_deleted/), page.locator('[data-delete-media]').click()]);
    assert.ok(page.url().includes(`/album/${albumId}`));
    assert.equal(await page.locator('[data-grid] .thumb-cell').count(), 3);
    assert.equal(await status(page, `/image/${first}`), 404);
    await page.vt.assertClean('after delete');
  });
}
