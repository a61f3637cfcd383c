// The JSON API, called with the page's own session cookie (page.request shares the browser
// context's cookies). Unsafe requests made with a cookie must show they come from the site
// (crates/server/src/csrf.rs), so every call sends the site's Origin.
import assert from 'node:assert/strict';

function originOf(page) {
  return new URL(page.vt.baseUrl).origin;
}

/**
 * Calls the API as the page's user. `expect` is the status that must come back (default: any
 * 2xx). Returns the parsed JSON body (or null when there is none).
 */
export async function api(page, method, path, { json, multipart, headers = {}, expect } = {}) {
  const res = await page.request.fetch(path, {
    method,
    headers: { Origin: originOf(page), Accept: 'application/json', ...headers },
    data: json,
    multipart,
    failOnStatusCode: false,
  });
  const text = await res.text();
  const what = `${method} ${path} answered ${res.status()}: ${text.slice(0, 500)}`;
  if (expect !== undefined) assert.equal(res.status(), expect, what);
  else assert.ok(res.ok(), what);
  return text ? JSON.parse(text) : null;
}

/**
 * Uploads `file` ({ name, mimeType, buffer }, see images.mjs) to POST /api/v1/media with the
 * page's session. `fields` adds form fields (title, description, tags, album, privacy...).
 * Returns the created media (id, url, files, delete_url...).
 */
export async function uploadViaApi(page, file, fields = {}) {
  const multipart = { file: { name: file.name, mimeType: file.mimeType, buffer: file.buffer } };
  for (const [k, v] of Object.entries(fields)) multipart[k] = String(v);
  const media = await api(page, 'POST', '/api/v1/media', { multipart, expect: 201 });
  assert.ok(media.id && media.url, 'the upload answer has an id and a viewer url');
  return media;
}

/** Creates an album (POST /api/v1/albums): { title, description, privacy, ... }. */
export async function createAlbum(page, fields) {
  return api(page, 'POST', '/api/v1/albums', { json: fields, expect: 201 });
}

/** PATCH /api/v1/media/{id}. */
export async function updateMedia(page, id, fields) {
  return api(page, 'PATCH', `/api/v1/media/${id}`, { json: fields });
}

/** PATCH /api/v1/me (display_name, bio, website, private_profile). */
export async function updateMe(page, fields) {
  return api(page, 'PATCH', '/api/v1/me', { json: fields });
}
