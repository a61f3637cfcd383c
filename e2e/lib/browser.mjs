// Launches Debian's Chromium through playwright-core and makes pages that record everything
// that went wrong on them: console errors, uncaught page errors, failed requests, HTTP errors
// and JavaScript dialogs. Scenarios assert those lists are empty (page.vt.assertClean()).
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath, viewports } from './config.mjs';

export async function launchBrowser() {
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

/**
 * A page in a fresh browser context (its own cookies and storage), at desktop size in the
 * light colour scheme unless told otherwise. `page.vt` carries the recorder:
 *   page.vt.issues        everything that went wrong, as strings, in order
 *   page.vt.dialogs       every alert/confirm/prompt ({ type, message }); confirms are accepted
 *   page.vt.allow(re)     ignore issues matching re from now on (an expected 401, say)
 *   page.vt.assertClean() fail with the list of unexpected issues since the last check
 */
export async function newPage(browser, { baseUrl, artifacts, viewport = viewports.desktop, colorScheme = 'light', contextOptions = {} } = {}) {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport,
    colorScheme,
    acceptDownloads: true,
    locale: 'en-GB',
    timezoneId: 'UTC',
    ...contextOptions,
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const page = await context.newPage();
  page.vt = makeRecorder(page, { baseUrl, artifacts });
  return page;
}

function makeRecorder(page, { baseUrl, artifacts }) {
  const issues = [];
  const warnings = [];
  const dialogs = [];
  const allowed = [];
  const downloads = new Set();
  let checked = 0;
  const add = (text) => issues.push(text);

  page.on('console', (msg) => {
    const loc = msg.location();
    const where = loc && loc.url ? ` (${loc.url}${loc.lineNumber ? `:${loc.lineNumber}` : ''})` : '';
    if (msg.type() === 'error') add(`console.error: ${msg.text()}${where}`);
    else if (msg.type() === 'warning') warnings.push(`console.warn: ${msg.text()}${where}`);
  });
  page.on('pageerror', (err) => add(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => add(`requestfailed: ${req.method()} ${req.url()} (${req.failure()?.errorText})`));
  page.on('response', (res) => {
    if (res.status() >= 400) add(`http ${res.status()}: ${res.request().method()} ${res.url()}`);
  });
  // A navigation that turns into a download ends as an aborted request: that is not a failure.
  page.on('download', (d) => downloads.add(d.url()));
  const isDownload = (issue) => {
    const m = issue.match(/^requestfailed: \S+ (\S+) \(net::ERR_ABORTED\)$/);
    return !!m && downloads.has(m[1]);
  };
  const expected = (issue) => isDownload(issue) || allowed.some((re) => re.test(issue));

  page.on('dialog', async (dialog) => {
    dialogs.push({ type: dialog.type(), message: dialog.message() });
    if (dialog.type() === 'alert' || dialog.type() === 'prompt') add(`dialog ${dialog.type()}: ${dialog.message()}`);
    try {
      if (dialog.type() === 'alert' || dialog.type() === 'prompt') await dialog.dismiss();
      else await dialog.accept();
    } catch { /* the page went away */ }
  });

  const vt = {
    baseUrl,
    artifacts,
    issues,
    warnings,
    dialogs,
    allow(re) { allowed.push(re); },
    unexpected() {
      return issues.filter((i) => !expected(i));
    },
    /** Unexpected issues since the last call. */
    take() {
      const fresh = issues.slice(checked).filter((i) => !expected(i));
      checked = issues.length;
      return fresh;
    },
    /** Waits for late console messages, then fails on anything unexpected since the last check. */
    async assertClean(label = page.url()) {
      await settleEvents(page);
      const fresh = vt.take();
      assert.deepEqual(fresh, [], `${label}: console errors, page errors, failed requests or dialogs:\n  ${fresh.join('\n  ')}`);
    },
  };
  return vt;
}

/** Lets console and network events of the current document reach our listeners. */
export async function settleEvents(page) {
  try {
    await page.waitForLoadState('load');
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
  } catch { /* page closed or navigating: nothing to wait for */ }
}
