// Every line forktop writes to stderr goes through the one escaping function: a replay's
// warnings quote what the file says, and a file is anybody's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

it('a replay warning quoting an escape sequence from the file shows it escaped', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forktop-stderr-'));
  const file = path.join(dir, 'evil.ndjson');
  const good = { type: 'fork', time: '2026-12-01T00:00:00.000000Z', ts: 1_000_000, pid: 10, ppid: 1 };
  fs.writeFileSync(file, [JSON.stringify(good), JSON.stringify({ type: '\x1b]0;PWN\x07\u009b2J', ts: 2_000_000 })].join('\n') + '\n');
  try {
    const result = await runCli(['--replay', file, '--speed', 'max', '--json']);
    expect(result.stderr).toMatch(/evil.ndjson:2: .*PWN.*\\x9b2J/);
    expect(result.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
