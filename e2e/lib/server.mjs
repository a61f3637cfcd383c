// Starts the vitrine binary on a fresh data directory and a free loopback port, and stops it.
import { spawn, execFile } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { setMailDir } from './mail.mjs';

const run = promisify(execFile);

/** The account made with `vitrine user add` before the server starts. */
export const ADMIN = { username: 'e2e-admin', email: 'admin@e2e.test', password: 'admin-password-e2e' };

/**
 * The server must not see our own VITRINE_* variables (VITRINE_BIN, VITRINE_E2E_ARTIFACTS...):
 * every VITRINE_ variable is a setting to it, and unknown settings stop it. Nor a vitrine.toml
 * from wherever we were started: it runs inside its data directory.
 */
function serverEnv(settings = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VITRINE_')) env[k] = v;
  Object.assign(env, settings);
  env.RUST_LOG = env.RUST_LOG || 'info';
  env.NO_COLOR = '1';
  return env;
}

async function vitrine(bin, dataDir, args) {
  return run(bin, ['--data-dir', dataDir, ...args], { cwd: dataDir, env: serverEnv(), timeout: 60_000 });
}

/**
 * Starts the server. Returns { baseUrl, dataDir, mailDir, logPath, admin, stop() }.
 * The port is chosen by the system (`--bind 127.0.0.1:0`) and read from the start-up line.
 */
export async function startServer({ bin, logPath, timeoutMs = 30_000 }) {
  if (!existsSync(bin)) {
    throw new Error(`no vitrine binary at ${bin} (build it with \`cargo build -p vitrine-server --bin vitrine\` or set VITRINE_BIN)`);
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vitrine-e2e-'));
  const log = createWriteStream(logPath);
  const passwordFile = path.join(dataDir, 'admin-password');
  await writeFile(passwordFile, ADMIN.password + '\n', { mode: 0o600 });
  const added = await vitrine(bin, dataDir, [
    'user', 'add', ADMIN.username, '--email', ADMIN.email, '--role', 'admin', '--password-file', passwordFile,
  ]);
  log.write(`$ vitrine user add ${ADMIN.username} --role admin\n${added.stdout}${added.stderr}\n`);

  // The site's e-mail (password reset and sign-up links) is written there as .eml files;
  // signUp() reads its confirmation links from there.
  const mailDir = path.join(dataDir, 'mail');
  setMailDir(mailDir);
  const child = spawn(bin, ['--data-dir', dataDir, 'serve', '--bind', '127.0.0.1:0'], {
    cwd: dataDir,
    env: serverEnv({ VITRINE_EMAIL__DIR: mailDir }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited = null;
  const exitPromise = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  // A crash of the test runner must not leave the server behind.
  const killOnExit = () => { try { child.kill('SIGKILL'); } catch { /* already gone */ } };
  process.on('exit', killOnExit);

  const baseUrl = await new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start within ${timeoutMs} ms (see ${logPath})`)), timeoutMs);
    child.stdout.on('data', (chunk) => {
      buffered += chunk.toString();
      const m = buffered.match(/running at (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    exitPromise.then((e) => { clearTimeout(timer); reject(new Error(`the server exited during start-up (${JSON.stringify(e)}); see ${logPath}`)); });
  });
  await waitHealthy(baseUrl, timeoutMs);

  async function stop() {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitPromise;
      clearTimeout(timer);
    }
    process.off('exit', killOnExit);
    await new Promise((r) => log.end(r));
    await rm(dataDir, { recursive: true, force: true });
    return exited;
  }

  return { baseUrl, dataDir, mailDir, logPath, admin: ADMIN, stop, pid: child.pid };
}

async function waitHealthy(baseUrl, timeoutMs) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      if (res.ok) return;
      last = `status ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${baseUrl}/readyz did not answer 200 within ${timeoutMs} ms (${last})`);
}
