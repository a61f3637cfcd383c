// The server's e-mail, read from the folder it writes .eml files to (set by server.mjs).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

let mailDir = null;

/** Where the running server writes its messages. */
export function setMailDir(dir) {
  mailDir = dir;
}

/** The sign-up confirmation link in the newest message to `to`, waiting for it to be written. */
export async function signupLink(to) {
  if (!mailDir) throw new Error('no mail folder: the e2e server was not started');
  for (let i = 0; i < 100; i++) {
    const files = (await readdir(mailDir).catch(() => [])).filter((f) => f.endsWith('.eml'));
    for (const f of files) {
      const text = (await readFile(path.join(mailDir, f), 'utf8')).replace(/=\r?\n/g, '');
      const m = text.match(/https?:\/\/[^\s]+\/signup\/confirm\/[A-Za-z0-9_-]{43}/);
      if (text.includes(`To: ${to}`) && m) return m[0];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no sign-up message for ${to} in ${mailDir}`);
}
