// Escaping: every text a user controls (display name, bio, media title and description, album
// title and description) is set to markup that would run script if it reached the page
// unescaped; every page that shows it must show it as text and contain no injected markup.
import assert from 'node:assert/strict';
import {
  XSS_PAYLOADS, api, assertNoInjectedMarkup, assertVisibleText, crawl, createAlbum, png, signUp,
  uniqueName, updateMe, updateMedia, uploadViaApi,
} from '../lib/index.mjs';

export const title = 'user text is escaped on every page that shows it';

const ALL = XSS_PAYLOADS.join(' ');

/** Visits `path` and runs the shared checks plus `extra(page)`. */
async function visit(page, path, extra = async () => {}) {
  await page.goto(path);
  await assertNoInjectedMarkup(page, path);
  await extra(page);
  await page.vt.assertClean(path);
}

async function metaContent(page, property) {
  return page.locator(`meta[property="${property}"]`).first().getAttribute('content');
}

export default async function (t) {
  const page = await t.newPage();
  const user = await signUp(page, uniqueName('mallory'));
  const albums = [];
  const media = [];

  await t.step('set display name and bio', async () => {
    await page.goto('/settings');
    await page.getByLabel('Display name').fill(XSS_PAYLOADS[0]);
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('notice') === 'profile_saved'),
      page.getByRole('button', { name: 'Save profile' }).click(),
    ]);
    await updateMe(page, { bio: ALL });
  });

  await t.step('create an album and upload an image per payload', async () => {
    for (const [i, payload] of XSS_PAYLOADS.entries()) {
      const album = await createAlbum(page, { title: payload, description: ALL, privacy: 'public' });
      assert.equal(album.title, payload, 'the API keeps the title as given');
      albums.push(album);
      const uploaded = await uploadViaApi(page, png(480, 320, { seed: i, name: `x${i}.png` }), { album: album.id });
      const updated = await updateMedia(page, uploaded.id, { title: payload, description: ALL });
      assert.equal(updated.title, payload);
      media.push(updated);
    }
  });

  const signedInPages = async (displayName) => {
    await visit(page, '/', async () => {
      await assertVisibleText(page, `Welcome back, ${displayName}`, 'home');
      assert.equal((await page.locator('.site-header .account-name').innerText()).trim(), displayName);
    });
    await visit(page, `/${user.username}`, async () => {
      await assertVisibleText(page, [displayName, ALL], 'profile');
      assert.ok((await page.title()).startsWith(displayName), 'profile <title> holds the name as text');
      assert.equal(await metaContent(page, 'og:title'), displayName);
    });
    await visit(page, '/settings', async () => {
      assert.equal(await page.getByLabel('Display name').inputValue(), displayName);
    });
  };

  await t.step('home, profile and settings', () => signedInPages(XSS_PAYLOADS[0]));

  await t.step('album, image and oEmbed pages', async () => {
    for (const [i, payload] of XSS_PAYLOADS.entries()) {
      await visit(page, `/album/${albums[i].id}`, async () => {
        await assertVisibleText(page, [payload, ALL], `album ${i}`);
        assert.equal((await page.getByRole('heading', { level: 1 }).innerText()).trim(), payload);
        assert.ok((await page.title()).startsWith(payload), 'album <title> holds the title as text');
        assert.equal(await metaContent(page, 'og:title'), payload);
        assert.equal(await page.locator('.thumb-img').first().getAttribute('alt'), payload, 'thumbnail alt text is the title');
      });
      await visit(page, `/image/${media[i].id}`, async () => {
        await assertVisibleText(page, [payload, ALL], `image ${i}`);
        assert.equal((await page.getByRole('heading', { level: 1 }).innerText()).trim(), payload);
        assert.ok((await page.title()).startsWith(payload), 'image <title> holds the title as text');
        assert.equal(await metaContent(page, 'og:title'), payload);
        assert.equal(await metaContent(page, 'og:description'), ALL);
        assert.equal(await page.locator('.viewer-image').getAttribute('alt'), payload);
      });
      await visit(page, `/oembed?format=json&url=${encodeURIComponent(media[i].url)}`, async () => {
        const body = JSON.parse(await page.locator('body').innerText());
        assert.equal(body.title, payload, 'oEmbed title');
        assert.equal(body.author_name, user.username);
      });
    }
  });

  await t.step('the same pages for a signed-out visitor', async () => {
    const visitor = await t.newPage();
    await visit(visitor, `/${user.username}`, async () => {
      await assertVisibleText(visitor, [XSS_PAYLOADS[0], ALL], 'profile (visitor)');
      for (const payload of XSS_PAYLOADS) await visitor.locator('.album-name', { hasText: payload }).waitFor();
    });
    await visit(visitor, `/album/${albums[1].id}`, () => assertVisibleText(visitor, [XSS_PAYLOADS[1], ALL]));
    await visit(visitor, `/image/${media[3].id}`, () => assertVisibleText(visitor, [XSS_PAYLOADS[3], ALL]));
  });

  await t.step('a javascript: website is refused or made harmless', async () => {
    const res = await page.request.fetch('/api/v1/me', {
      method: 'PATCH',
      headers: { Origin: new URL(t.baseUrl).origin },
      data: { website: 'javascript:alert(1)' },
      failOnStatusCode: false,
    });
    t.log(`PATCH /api/v1/me {website: "javascript:alert(1)"} answered ${res.status()}`);
    assert.ok(res.status() === 422 || res.ok(), `unexpected status ${res.status()}`);
    await visit(page, `/${user.username}`);
  });

  await t.step('every payload as the display name', async () => {
    for (const payload of XSS_PAYLOADS.slice(1)) {
      await api(page, 'PATCH', '/api/v1/me', { json: { display_name: payload } });
      await signedInPages(payload);
    }
  });

  await t.step('every page linked from those pages', async () => {
    const visited = await crawl(page, ['/', `/${user.username}`, `/album/${albums[0].id}`, `/image/${media[0].id}`], async (p, path) => {
      await assertNoInjectedMarkup(p, path);
      await p.vt.assertClean(path);
    });
    t.log(`crawled ${visited.length} pages: ${visited.join(' ')}`);
    assert.ok(visited.length >= 8, 'the crawl reached the pages linked from home, profile, album and image');
  });

  assert.deepEqual(page.vt.dialogs, [], 'no dialog opened on any page');
}
