// A recording stopped while processes still run ends with an `end` line: in the replay they
// were still running when it ended, not running for ever.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import { afterEach, expect, it } from 'vitest';
import { App } from '../src/ui/App.js';
import { Feed } from '../src/ui/feed.js';
import { themeFor } from '../src/ui/theme.js';
import { runCli, startCli } from './helpers/cli.js';
import { RECORDING_HEADER, recordingsFolder } from './helpers/recordings.js';
import { describeAsRoot, uniqueTag } from './helpers/kernel.js';
import { Script } from './helpers/script.js';
import { frameWhere } from './ui/wait.js';

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

describeAsRoot('the end of a recording', () => {
  it('is its last line, no earlier than any event in it, and replays as such', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forktop-end-'));
    const file = path.join(dir, 'rec.ndjson');
    const tag = uniqueTag('end');
    const cli = await startCli(['--json', '--record', file]);
    const sleeper = spawn('sleep', ['30', tag], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 200 && !cli.stdout().includes(tag); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(cli.stdout()).toContain(tag);
      await cli.stop();
    } finally {
      sleeper.kill();
    }
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const last = lines[lines.length - 1];
    expect(last.type).toBe('end');
    expect(Math.max(...lines.slice(1, -1).map((ev) => ev.ts))).toBeLessThanOrEqual(last.ts);
    const replay = await runCli(['--replay', file, '--speed', 'max', '--json']);
    expect(replay.code).toBe(0);
    expect(replay.stderr).toBe('');
    expect(replay.stdout.trim().split('\n').pop()).toContain('"type":"end"');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

it('in the live view, a process still running at the end says so, in its card and in EXIT', async () => {
  const s = new Script().snapshot(1, 0, ['/sbin/init']).fork(10, 1).exec(10, ['/bin/sleep', 'forever']);
  s.after(2000).push({ type: 'end' } as never);
  const feed = new Feed('h', 'replay rec.ndjson');
  feed.push(s.events);
  feed.end();
  const view = render(createElement(App, { feed, theme: themeFor({ NO_COLOR: '1' }), users: new Map() }));
  unmount = view.unmount;
  const list = await frameWhere(view, 'sleep forever');
  expect(list).toMatch(/end\s+2\.0s\s+\/bin\/sleep forever/);
  view.stdin.write('\r');
  const card = await frameWhere(view, 'lineage');
  expect(card).toContain('still running when the recording ended');
});

it("stays the last line of a replay's --json when its last batch raises an alert (a storm up to the end)", async () => {
  const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(70, 1, ['/bin/bash', 'loop.sh']);
  // 250 forks in 375 ms: the storm is raised in the one batch the replay reads (1,000 lines).
  for (let i = 0; i < 250; i++) s.after(1).fork(3000 + i, 70).exec(3000 + i, ['/bin/date']).after(0.5).exit(3000 + i);
  s.after(1).push({ type: 'end' } as never);
  const folder = recordingsFolder('forktop-end-alert-');
  const file = folder.file('storm.ndjson', [RECORDING_HEADER, ...s.events.map((ev) => JSON.stringify(ev))].join('\n') + '\n');
  const replay = await runCli(['--replay', file, '--speed', 'max', '--json']);
  expect(replay.code).toBe(0);
  const lines = replay.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; kind?: string });
  expect(lines.some((ev) => ev.type === 'alert' && ev.kind === 'fork-storm')).toBe(true);
  expect(lines[lines.length - 1].type).toBe('end');
});
