// The uploader's other ways in and its errors: drop files on any page (the uploader opens in a
// dialog), paste an image, a non-image and a truncated image fail on their own with a clear
// message while the good files go up, and a lightbox opens from the grid.
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { screenshotAll, signUp, uniqueName } from '../lib/index.mjs';

export const title = 'a folder into nested albums, drop anywhere, paste, per-file errors, lightbox';
export const timeout = 180_000;

function filePayload(files) {
  return files.map((f) => ({ name: f.name, type: f.mimeType, b64: Buffer.from(f.buffer).toString('base64') }));
}

async function dataTransfer(page, files) {
  return page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const f of items) {
      const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return dt;
  }, filePayload(files));
}

export default async function (t) {
  const images = await t.images();
  const page = await t.newPage();
  await signUp(page, uniqueName('dora'));

  await t.step('upload a folder of photos into a new album, then nest an album inside it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vitrine-folder-'));
    const folder = path.join(dir, 'Harbour trip');
    await mkdir(path.join(folder, 'day two'), { recursive: true });
    await writeFile(path.join(folder, 'one.png'), images.landscape.buffer);
    await writeFile(path.join(folder, 'two.jpg'), images.portrait.buffer);
    await writeFile(path.join(folder, 'day two', 'three.png'), images.square.buffer);
    await writeFile(path.join(folder, 'notes.txt'), 'not a photo');
    await page.goto('/upload');
    await page.locator('[data-folder-input]').setInputFiles(folder);
    const items = page.locator('[data-upload-item]');
    await items.nth(2).waitFor();
    assert.equal(await items.count(), 3, 'the three photos of the folder and its sub-folder, not the text file');
    await page.locator('[data-album-select]').selectOption('__new');
    await page.locator('[data-new-album-name]').fill('Harbour trip');
    await page.locator('[data-create-album]').click();
    await page.waitForFunction(() => document.querySelector('[data-album-select]').selectedOptions[0]?.textContent === 'Harbour trip');
    await page.locator('[data-start]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-upload-item][data-status="done"]').length === 3, null, { timeout: 60_000 });
    await rm(dir, { recursive: true, force: true });
    const albumId = await page.locator('[data-album-select]').inputValue();
    await page.goto(`/album/${albumId}`);
    assert.equal(await page.locator('[data-grid] .thumb-cell').count(), 3);
    await page.locator('summary', { hasText: 'New album inside' }).click();
    await page.locator(`#af-title-new${albumId}`).fill('Day two');
    await Promise.all([page.waitForURL(/notice=album_created/), page.getByRole('button', { name: 'Create album' }).click()]);
    const inner = new URL(page.url()).pathname.split('/').pop();
    assert.deepEqual(await page.locator('.breadcrumb a').allTextContents(), [await page.locator('.breadcrumb a').first().textContent(), 'Harbour trip']);
    // Move one photo into the nested album from its viewer page.
    await page.goto(`/album/${albumId}`);
    const first = await page.locator('[data-grid] .thumb-cell').first().getAttribute('data-id');
    await page.goto(`/image/${first}`);
    await page.locator('summary', { hasText: 'Edit details' }).click();
    await page.locator('#edit-album').selectOption({ label: 'Harbour trip / Day two' });
    await Promise.all([page.waitForURL(/notice=media_saved/), page.getByRole('button', { name: 'Save changes' }).click()]);
    assert.deepEqual((await page.locator('.viewer-head .breadcrumb a').allTextContents()).slice(1), ['Harbour trip', 'Day two']);
    await page.goto(`/album/${albumId}`);
    assert.equal(await page.locator('[data-grid] .thumb-cell').count(), 2);
    assert.equal(await page.locator('.album-grid .album-cell').count(), 1, 'the nested album is listed');
    assert.ok(inner);
    await page.vt.assertClean('folder upload');
  });

  await t.step('drop a file on the home page: the uploader opens in a dialog', async () => {
    await page.goto('/');
    const dt = await dataTransfer(page, [images.landscape]);
    for (const type of ['dragenter', 'dragover']) await page.dispatchEvent('main', type, { dataTransfer: dt });
    assert.ok(await page.locator('.drop-overlay').isVisible(), 'the page shows where to drop');
    await page.dispatchEvent('main', 'drop', { dataTransfer: dt });
    const dialog = page.locator('dialog.upload-dialog');
    await dialog.waitFor({ state: 'visible' });
    assert.ok(await page.locator('.drop-overlay').isHidden());
    await dialog.locator('[data-upload-item]').first().waitFor();
    await dialog.locator('[data-start]').click();
    await dialog.locator('[data-upload-item][data-status="done"]').waitFor();
    assert.match(await dialog.locator('[data-results-codes]').inputValue(), /\/image\/\w+/);
    await screenshotAll(page, 'upload-dialog', { fullPage: false });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.vt.assertClean('drop anywhere');
  });

  await t.step('paste an image and send bad files with good ones', async () => {
    await page.goto('/upload');
    const pasted = await dataTransfer(page, [{ ...images.square, name: 'image.png' }]);
    await page.evaluate((dt) => {
      document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, pasted);
    await page.locator('[data-upload-item]').first().waitFor();
    assert.match(await page.locator('.upload-name').first().textContent(), /^pasted-\d+-0\.png$/);
    const notImage = { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('just words') };
    const truncated = { name: 'broken.png', mimeType: 'image/png', buffer: images.landscape.buffer.subarray(0, 2000) };
    await page.locator('[data-file-input]').setInputFiles([notImage, truncated, images.portrait]);
    const items = page.locator('[data-upload-item]');
    await items.nth(3).waitFor();
    // Refused before sending: not an image.
    assert.equal(await items.nth(1).getAttribute('data-status'), 'error');
    assert.match(await items.nth(1).locator('.upload-status').textContent(), /Not an image file/);
    page.vt.allow(/^http 422: POST .*\/api\/v1\/media$/);
    page.vt.allow(/^http 415: POST .*\/api\/v1\/media$/);
    page.vt.allow(/^console\.error: Failed to load resource: the server responded with a status of 4(22|15)/);
    await page.locator('[data-start]').click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-upload-item]')].every((li) => ['done', 'error'].includes(li.dataset.status)), null, { timeout: 60_000 });
    const statuses = await items.evaluateAll((lis) => lis.map((li) => li.dataset.status));
    assert.deepEqual(statuses, ['done', 'error', 'error', 'done']);
    const message = await items.nth(2).locator('.upload-status').textContent();
    assert.ok(message.length > 10 && !/undefined|\[object/.test(message), `clear error: ${message}`);
    assert.ok(await items.nth(2).locator('[data-retry]').isHidden(), 'a file the server judged bad is not offered again');
    assert.match(await page.locator('[data-summary]').textContent(), /2 of 4 uploaded, 2 failed/);
    await screenshotAll(page, 'upload-errors');
    await page.vt.assertClean('errors');
  });

  await t.step('the lightbox browses the grid with the keyboard', async () => {
    await page.goto('/');
    const tiles = page.locator('[data-grid] .thumb-link');
    assert.ok(await tiles.count() >= 3);
    await tiles.first().click();
    const box = page.locator('dialog.lightbox');
    await box.waitFor({ state: 'visible' });
    const firstTitle = await box.locator('.lightbox-title').textContent();
    await page.keyboard.press('ArrowRight');
    assert.notEqual(await box.locator('.lightbox-title').textContent(), firstTitle);
    await screenshotAll(page, 'lightbox', { fullPage: false });
    await page.keyboard.press('Escape');
    await box.waitFor({ state: 'hidden' });
    await page.vt.assertClean('lightbox');
  });
}
