// Recordings written by replay tests: files in a temporary folder removed after the file's
// tests, and the header line a recording starts with.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** A temporary folder for this test file; `file(name, text)` writes one and says where. */
export function recordingsFolder(prefix: string): { dir: string; file(name: string, text: string): string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    file(name, text) {
      const p = path.join(dir, name);
      fs.writeFileSync(p, text);
      return p;
    },
  };
}

export const RECORDING_HEADER = JSON.stringify({
  type: 'header', forktop: '0.1.0', schema: 1, host: 'web-1', kernel: '6.1', source: 'netlink', start: '2026-11-23T00:00:00Z',
});
