// Checks on the rendered DOM that any scenario can reuse.
import assert from 'node:assert/strict';

/** Strings that would run script if a page put them into HTML unescaped. */
export const XSS_PAYLOADS = [
  '<img src=x onerror=alert(1)>',
  '"><script>alert(1)</script>',
  "'onmouseover='alert(1)",
  '</title><svg onload=alert(1)>',
];

/**
 * Asserts the page holds no trace of injected markup: no element with an inline event handler
 * (our pages have none: the CSP forbids them), no <script> but our own /static/ files, no
 * javascript: link, no <img src=x> or <svg onload>, no dialog opened.
 */
export async function assertNoInjectedMarkup(page, label = page.url()) {
  const found = await page.evaluate((origin) => {
    const out = [];
    for (const el of document.querySelectorAll('*')) {
      for (const attr of el.attributes) {
        if (/^on/i.test(attr.name)) out.push(`<${el.tagName.toLowerCase()} ${attr.name}="${attr.value}">`);
      }
    }
    for (const s of document.scripts) {
      const src = s.getAttribute('src');
      let ok = false;
      if (src) {
        const url = new URL(src, document.baseURI);
        ok = url.origin === origin && url.pathname.startsWith('/static/');
      }
      if (!ok) out.push(`script not from /static/: ${s.outerHTML.slice(0, 200)}`);
    }
    for (const el of document.querySelectorAll('[href], [src], [action], [formaction]')) {
      for (const name of ['href', 'src', 'action', 'formaction']) {
        const v = el.getAttribute(name);
        if (v && /^\s*(javascript|vbscript|data:text\/html)/i.test(v)) out.push(`script URL in ${name}: ${el.outerHTML.slice(0, 200)}`);
      }
    }
    for (const img of document.querySelectorAll('img')) {
      if (img.getAttribute('src') === 'x') out.push(`injected <img src=x>: ${img.outerHTML.slice(0, 200)}`);
    }
    return out;
  }, new URL(page.vt.baseUrl).origin);
  assert.deepEqual(found, [], `${label}: injected markup found`);
  const alerts = page.vt.dialogs.filter((d) => d.type !== 'beforeunload');
  assert.deepEqual(alerts, [], `${label}: a dialog opened`);
}

/** The visible text of the page contains every one of `texts`, as text. */
export async function assertVisibleText(page, texts, label = page.url()) {
  const body = await page.locator('body').innerText();
  for (const t of [].concat(texts)) {
    assert.ok(body.includes(t), `${label}: the visible text should contain ${JSON.stringify(t)}`);
  }
}

/** Paths a crawl never follows: files, the API and its docs, actions, static assets. */
export const CRAWL_EXCLUDE = [/^\/i\//, /^\/api\//, /^\/static\//, /^\/delete\//, /^\/logout/, /^\/oembed/, /^\/healthz|^\/readyz|^\/metrics/];

/**
 * Visits `startPaths`, then every same-origin page they link to (breadth first, up to
 * `maxPages`), calling `check(page, path)` on each. Returns the paths visited. A link that
 * answers an error status fails the page's assertClean, which is the point: no broken links.
 */
export async function crawl(page, startPaths, check, { maxPages = 60, exclude = CRAWL_EXCLUDE } = {}) {
  const origin = new URL(page.vt.baseUrl).origin;
  const seen = new Set();
  const queue = [...startPaths];
  const visited = [];
  while (queue.length && visited.length < maxPages) {
    const target = queue.shift();
    const key = target.replace(/#.*$/, '');
    if (seen.has(key)) continue;
    seen.add(key);
    await page.goto(key);
    visited.push(key);
    await check(page, key);
    const links = await page.evaluate(() => [...document.querySelectorAll('a[href]')].map((a) => a.href));
    for (const href of links) {
      const url = new URL(href);
      if (url.origin !== origin || url.protocol !== 'http:') continue;
      const path = url.pathname + url.search;
      if (exclude.some((re) => re.test(url.pathname)) || seen.has(path)) continue;
      queue.push(path);
    }
  }
  return visited;
}
