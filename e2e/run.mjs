#!/usr/bin/env node
// Vitrine's end-to-end browser tests. Starts the server (VITRINE_BIN) on a fresh data directory,
// runs e2e/scenarios/*.mjs in name order against it in headless Chromium, prints pass/fail per
// scenario with timings, writes artifacts (screenshots, failure captures, the server log) to
// e2e/artifacts/ (VITRINE_E2E_ARTIFACTS), and exits non-zero when anything failed.
//
//   node e2e/run.mjs              every scenario
//   node e2e/run.mjs 03 screens   only scenarios whose file name contains "03" or "screens"
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { artifactsDir, binPath, e2eDir, failuresDir, screensDir } from './lib/config.mjs';
import { launchBrowser, newPage } from './lib/browser.mjs';
import { testImages } from './lib/images.mjs';
import { screenshotsTaken } from './lib/screens.mjs';
import { startServer } from './lib/server.mjs';

const DEFAULT_TIMEOUT_MS = 90_000;
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const rel = (p) => {
  const r = path.relative(process.cwd(), p);
  return !r ? '.' : r.startsWith('..') ? p : r;
};

async function prepareArtifacts() {
  await mkdir(artifactsDir, { recursive: true });
  // Only what we write ourselves: the folder may be one the caller chose.
  for (const p of [screensDir, failuresDir, path.join(artifactsDir, 'server.log'), path.join(artifactsDir, 'summary.json')]) {
    await rm(p, { recursive: true, force: true });
  }
  await mkdir(screensDir, { recursive: true });
}

async function scenarioFiles(filters) {
  const dir = path.join(e2eDir, 'scenarios');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.mjs')).sort();
  return files.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x))).map((f) => path.join(dir, f));
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} timed out after ${secs(ms)}`)), ms); }),
  ]);
}

/** Screenshot, HTML and recorded issues of every open page of a failed scenario. */
async function captureFailure(name, pages, error, steps) {
  await mkdir(failuresDir, { recursive: true });
  const notes = [`${name} failed`, `step: ${steps.at(-1) ?? '(none)'}`, '', error?.stack || String(error), ''];
  for (const [i, page] of pages.entries()) {
    if (page.isClosed()) continue;
    const base = path.join(failuresDir, `${name}-page${i + 1}`);
    notes.push(`page ${i + 1}: ${page.url()}`);
    try { await page.screenshot({ path: `${base}.png`, fullPage: true, timeout: 5000 }); notes.push(`  screenshot: ${rel(base)}.png`); } catch (e) { notes.push(`  no screenshot: ${e.message.split('\n')[0]}`); }
    try { await writeFile(`${base}.html`, await page.content()); notes.push(`  html: ${rel(base)}.html`); } catch (e) { notes.push(`  no html: ${e.message.split('\n')[0]}`); }
    for (const issue of page.vt.issues) notes.push(`  issue: ${issue}`);
    for (const w of page.vt.warnings) notes.push(`  warning: ${w}`);
  }
  const file = path.join(failuresDir, `${name}.txt`);
  await writeFile(file, notes.join('\n') + '\n');
  return file;
}

async function runScenario(file, shared) {
  const name = path.basename(file, '.mjs');
  const mod = await import(pathToFileURL(file).href);
  const pages = [];
  const steps = [];
  const started = Date.now();
  const t = {
    name,
    baseUrl: shared.server.baseUrl,
    admin: shared.server.admin,
    mailDir: shared.server.mailDir,
    browser: shared.browser,
    artifacts: artifactsDir,
    /** A page in a fresh browser context; its console/network/dialog issues are checked at the end. */
    async newPage(options = {}) {
      const page = await newPage(shared.browser, { baseUrl: shared.server.baseUrl, artifacts: artifactsDir, ...options });
      pages.push(page);
      return page;
    },
    /** Names a step: printed with its time, and named in the failure report. */
    async step(title, fn) {
      steps.push(title);
      const s = Date.now();
      const result = await fn();
      console.log(`    · ${title} (${secs(Date.now() - s)})`);
      return result;
    },
    /** The standard test images (images.mjs), made once per run. */
    images: () => testImages(shared.browser),
    log: (...args) => console.log('     ', ...args),
  };

  console.log(`\n▶ ${name}${mod.title ? ` — ${mod.title}` : ''}`);
  let error = null;
  try {
    if (typeof mod.default !== 'function') throw new Error(`${name} has no default export function`);
    await withTimeout(Promise.resolve().then(() => mod.default(t)), mod.timeout ?? DEFAULT_TIMEOUT_MS, name);
    // Whatever the scenario checked on the way, nothing may have gone wrong on any page.
    for (const page of pages) if (!page.isClosed()) await page.vt.assertClean(`${name}, page ${page.url()}`);
    const late = pages.flatMap((p) => p.vt.unexpected().map((i) => `${p.url()}: ${i}`));
    if (late.length) throw new Error(`unexpected browser issues:\n  ${late.join('\n  ')}`);
  } catch (e) {
    error = e;
  }
  let failureFile = null;
  if (error) failureFile = await captureFailure(name, pages, error, steps).catch(() => null);
  const warnings = pages.flatMap((p) => p.vt.warnings.filter((w) => !w.startsWith('console.warn')));
  await Promise.all(pages.map((p) => p.context().close().catch(() => {})));
  return { name, ok: !error, ms: Date.now() - started, error, failureFile, warnings };
}

async function main() {
  const filters = process.argv.slice(2);
  const files = await scenarioFiles(filters);
  if (files.length === 0) throw new Error(`no scenario matches ${filters.join(' ')}`);
  await prepareArtifacts();
  const logPath = path.join(artifactsDir, 'server.log');
  const t0 = Date.now();
  console.log(`vitrine: ${rel(binPath)}\nartifacts: ${rel(artifactsDir)}`);
  const server = await startServer({ bin: binPath, logPath });
  const startedServer = Date.now();
  console.log(`server: ${server.baseUrl} (started in ${secs(startedServer - t0)}, data in ${server.dataDir})`);
  let browser;
  const results = [];
  try {
    browser = await launchBrowser();
    console.log(`browser: Chromium ${browser.version()} (launched in ${secs(Date.now() - startedServer)})`);
    for (const file of files) {
      const r = await runScenario(file, { server, browser });
      results.push(r);
      if (r.ok) console.log(`✓ ${r.name} (${secs(r.ms)})`);
      else {
        console.log(`✗ ${r.name} (${secs(r.ms)})`);
        console.log(String(r.error?.stack || r.error).split('\n').map((l) => `    ${l}`).join('\n'));
        if (r.failureFile) console.log(`    failure report: ${rel(r.failureFile)}`);
      }
    }
  } finally {
    if (browser) await browser.close().catch(() => {});
    const exit = await server.stop();
    if (exit && exit.code !== 0 && exit.signal !== 'SIGTERM') console.log(`server stopped with ${JSON.stringify(exit)}`);
  }

  // The server must not have panicked or logged errors while we used it.
  const log = await readFile(logPath, 'utf8');
  const serverErrors = log.split('\n').filter((l) => /panicked|\bERROR\b/.test(l));
  if (serverErrors.length) {
    results.push({ name: 'server log', ok: false, ms: 0, error: new Error(`errors in ${rel(logPath)}:\n  ${serverErrors.slice(0, 20).join('\n  ')}`), warnings: [] });
    console.log(`✗ server log has errors:\n    ${serverErrors.slice(0, 20).join('\n    ')}`);
  }

  const warnings = results.flatMap((r) => r.warnings.map((w) => `${r.name}: ${w}`));
  if (warnings.length) console.log(`\nUI warnings (not failures):\n  ${warnings.join('\n  ')}`);
  const screens = screenshotsTaken();
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  await writeFile(path.join(artifactsDir, 'summary.json'), JSON.stringify({
    baseUrl: server.baseUrl,
    totalMs: Date.now() - t0,
    results: results.map((r) => ({ name: r.name, ok: r.ok, ms: r.ms, error: r.error ? String(r.error.message) : null, failureFile: r.failureFile })),
    warnings,
    screenshots: screens.map(rel),
  }, null, 2));
  console.log(`\n${screens.length} screenshots in ${rel(screensDir)}; server log ${rel(logPath)}; total ${secs(Date.now() - t0)}`);
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`e2e: ${e.stack || e}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  },
);
