// node-gyp-build's place in the single executable (scripts/dist.js). The addon travels inside
// the executable as its asset `forktop.node`, and dlopen needs a file: it is written into a new
// private directory (mkdtemp: a fresh random name, mode 0700), created exclusively (`wx` is
// O_CREAT|O_EXCL: never through a link) with mode 0600, and loaded through the descriptor it
// was written by (/proc/self/fd/N), so what is loaded is that file even if a path on the way
// were swapped (a TMPDIR of another user's). It is removed at once: the mapping outlives it,
// and nothing is left behind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getAsset } from 'node:sea';

/** Where to write it: the temporary directory first; where that is mounted noexec (dlopen
 *  then fails to map it), root's /run, then /var/tmp. */
function places(): string[] {
  return [...new Set([os.tmpdir(), '/run', '/var/tmp'])];
}

export default function load(_dir: string): unknown {
  const bytes = new Uint8Array(getAsset('forktop.node'));
  const failures: string[] = [];
  for (const parent of places()) {
    let dir: string | undefined;
    try {
      dir = fs.mkdtempSync(path.join(parent, 'forktop-'));
      const fd = fs.openSync(path.join(dir, 'forktop.node'), 'wx', 0o600);
      try {
        fs.writeFileSync(fd, bytes);
        const module = { exports: {} };
        process.dlopen(module, `/proc/self/fd/${fd}`);
        return module.exports;
      } finally {
        fs.closeSync(fd);
      }
    } catch (error) {
      failures.push(`${parent}: ${(error as Error).message.split('\n')[0]}`);
    } finally {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  throw new Error(`no directory it was written to let it load: ${failures.join('; ')}`);
}
