// Screenshots of a page in light and dark, at desktop and phone size, into
// artifacts/screens/NAME-{light,dark}-{desktop,phone}.png. Both ways of choosing a theme are
// set: the browser's colour scheme (prefers-color-scheme) and the site's own switch (the
// `vitrine-theme` key in localStorage and `data-theme` on <html>, as static/theme.js does).
// Layout problems a person would notice at once are recorded as warnings on page.vt.warnings.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { screensDir, viewports } from './config.mjs';

export const THEMES = ['light', 'dark'];
const taken = [];

/** Paths of every screenshot taken in this run. */
export function screenshotsTaken() {
  return [...taken];
}

/**
 * Scrolls through the page so lazy images load, waits for them and for fonts, back to top, then
 * waits until the layout holds still: scripts that lay out on `resize` usually debounce it
 * (the justified grid waits 120 ms), so a screenshot right after a viewport change would catch
 * the previous size's layout.
 */
export async function settle(page) {
  await page.waitForLoadState('load');
  await page.evaluate(async () => {
    const signature = () => {
      const doc = document.documentElement;
      const boxes = [...document.querySelectorAll('img, li, section')].slice(0, 200)
        .map((el) => { const r = el.getBoundingClientRect(); return `${r.x | 0},${r.y | 0},${r.width | 0},${r.height | 0}`; });
      return `${doc.scrollWidth}x${doc.scrollHeight}|${boxes.join(';')}`;
    };
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    await sleep(150);
    let last = signature();
    for (let stable = 0, i = 0; stable < 2 && i < 20; i++) {
      await sleep(80);
      const now = signature();
      stable = now === last ? stable + 1 : 0;
      last = now;
    }
  });
  await page.evaluate(async () => {
    const step = Math.max(200, window.innerHeight - 100);
    for (let y = 0; y < document.documentElement.scrollHeight; y += step) {
      window.scrollTo(0, y);
      await new Promise((r) => requestAnimationFrame(r));
    }
    window.scrollTo(0, 0);
    const pending = [...document.images].filter((img) => !img.complete);
    await Promise.race([
      Promise.all(pending.map((img) => new Promise((r) => { img.addEventListener('load', r); img.addEventListener('error', r); }))),
      new Promise((r) => setTimeout(r, 5000)),
    ]);
    if (document.fonts) await document.fonts.ready;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  });
}

async function setTheme(page, theme) {
  await page.emulateMedia({ colorScheme: theme });
  await page.evaluate((theme) => {
    try { localStorage.setItem('vitrine-theme', theme); } catch { /* storage blocked */ }
    document.documentElement.setAttribute('data-theme', theme);
  }, theme);
}

/**
 * What a person would see wrong at once: sideways scrolling, images that failed to load, text
 * too faint for its background (WCAG AA; text over images, gradients or translucent layers is
 * not judged).
 */
async function layoutProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) {
      const wide = [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > doc.clientWidth + 1)
        .filter((el) => !el.closest('.sr-only') && getComputedStyle(el).visibility !== 'hidden')
        .slice(0, 3)
        .map((el) => `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''}`);
      out.push(`scrolls sideways: ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window (${wide.join(', ')})`);
    }
    for (const img of document.images) {
      if (img.complete && img.naturalWidth === 0) out.push(`image did not load: ${img.currentSrc || img.src}`);
    }
    // Text contrast (WCAG AA: 4.5, large text 3) against the nearest solid background.
    const parse = (c) => {
      let m = c.match(/^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/);
      if (m) return [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]];
      m = c.match(/^color\(srgb ([\d.]+) ([\d.]+) ([\d.]+)(?: \/ ([\d.]+))?\)$/);
      if (m) return [m[1] * 255, m[2] * 255, m[3] * 255, m[4] === undefined ? 1 : +m[4]];
      return null;
    };
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e; e = e.parentElement) {
        const st = getComputedStyle(e);
        if (st.backgroundImage !== 'none') return null; // over an image or gradient: unknown
        const c = parse(st.backgroundColor);
        if (c === null) return null;
        if (c[3] >= 0.99) return c;
        if (c[3] > 0.05) return null; // translucent layers: too uncertain to judge
      }
      return [255, 255, 255, 1];
    };
    const low = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
      if (el.closest('.sr-only, [hidden], [aria-hidden="true"], option, script, style, noscript')) continue;
      const r = el.getBoundingClientRect();
      if (r.width < 2 || r.height < 2) continue;
      // Not shown: hidden, inside a closed <details>, or faded (hover captions).
      if (!el.checkVisibility({ contentVisibilityAuto: true, visibilityProperty: true })) continue;
      if (el.closest('details:not([open])') && !el.closest('summary')) continue;
      let opaque = true;
      for (let e = el; e; e = e.parentElement) if (+getComputedStyle(e).opacity < 0.99) { opaque = false; break; }
      if (!opaque) continue;
      const st = getComputedStyle(el);
      const fg = parse(st.color);
      const bg = background(el);
      if (!fg || !bg || fg[3] < 0.99) continue;
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const size = parseFloat(st.fontSize);
      const large = size >= 24 || (size >= 18.66 && +st.fontWeight >= 700);
      if (ratio < (large ? 3 : 4.5)) {
        const name = `${el.tagName.toLowerCase()}${typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\s+/).join('.') : ''}`;
        low.push(`${name} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`);
      }
    }
    if (low.length) out.push(`low text contrast (WCAG AA): ${low.slice(0, 6).join('; ')}${low.length > 6 ? `; and ${low.length - 6} more` : ''}`);
    return out;
  });
}

/**
 * Takes the four screenshots of the page as it is now. Returns their paths. The page keeps
 * its URL and state (nothing is reloaded, so a page shown once, such as a new API key, works);
 * the viewport, colour scheme and theme are put back afterwards.
 */
export async function screenshotAll(page, name, { fullPage = true } = {}) {
  await mkdir(screensDir, { recursive: true });
  const original = page.viewportSize();
  const storedTheme = await page.evaluate(() => {
    try { return localStorage.getItem('vitrine-theme'); } catch { return null; }
  });
  const isSitePage = await page.evaluate(() => !!document.querySelector('link[href*="/static/app.css"]'));
  const files = [];
  const backgrounds = {};
  try {
    for (const theme of THEMES) {
      await setTheme(page, theme);
      for (const [size, viewport] of Object.entries(viewports)) {
        await page.setViewportSize(viewport);
        await settle(page);
        const file = path.join(screensDir, `${name}-${theme}-${size}.png`);
        await page.screenshot({ path: file, fullPage });
        files.push(file);
        taken.push(file);
        for (const problem of await layoutProblems(page)) page.vt?.warnings.push(`${name} (${theme}, ${size}): ${problem}`);
      }
      if (isSitePage) backgrounds[theme] = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    }
    if (isSitePage && backgrounds.light === backgrounds.dark) {
      page.vt?.warnings.push(`${name}: the dark theme did not change the page background (${backgrounds.dark})`);
    }
  } finally {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.evaluate((stored) => {
      try {
        if (stored) localStorage.setItem('vitrine-theme', stored);
        else localStorage.removeItem('vitrine-theme');
      } catch { /* storage blocked */ }
      if (stored) document.documentElement.setAttribute('data-theme', stored);
      else document.documentElement.removeAttribute('data-theme');
    }, storedTheme);
    if (original) await page.setViewportSize(original);
  }
  return files;
}
