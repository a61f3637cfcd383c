// Where things are: the repository, the binary under test (VITRINE_BIN) and the artifacts
// folder (VITRINE_E2E_ARTIFACTS). Relative paths are taken from the repository root.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const e2eDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = path.resolve(e2eDir, '..');

const fromRoot = (p) => path.resolve(repoRoot, p);

export const binPath = fromRoot(process.env.VITRINE_BIN || 'target/debug/vitrine');
export const artifactsDir = process.env.VITRINE_E2E_ARTIFACTS
  ? fromRoot(process.env.VITRINE_E2E_ARTIFACTS)
  : path.join(e2eDir, 'artifacts');
export const screensDir = path.join(artifactsDir, 'screens');
export const failuresDir = path.join(artifactsDir, 'failures');

/** The headless Chromium we drive: Debian's package, never a downloaded build. */
export const chromiumPath = '/usr/bin/chromium';
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const viewports = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};
