// --speed N plays a recording N times as fast as it was recorded, and the header's rates are
// the recording's while it plays (they read 0/s for a whole replay at --speed 4).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { ForktopEvent } from '../src/events/schema.js';
import { ReplaySource } from '../src/sources/replay.js';
import { CLI, runCli } from './helpers/cli.js';
import { until } from './ui/wait.js';
import { hasTmux, TmuxSession } from './helpers/tmux.js';
import { eventsOf } from '../src/events/packed.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forktop-speed-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 8 s of a machine running 40 short programs a second. */
function recording(): string {
  const file = path.join(dir, 'steady.ndjson');
  const base = 1_000_000_000_000;
  const wall = Date.UTC(2026, 11, 1, 12, 0, 0);
  const time = (ts: number) => new Date(wall + (ts - base) / 1e6).toISOString().replace('Z', '000Z');
  const lines = [JSON.stringify({ type: 'header', forktop: '0', schema: 1, host: 'rec', kernel: 'x', source: 'ebpf', reason: '', caveats: [], start: time(base) })];
  lines.push(JSON.stringify({ type: 'snapshot', time: time(base), ts: base, pid: 1, ppid: 0, argv: ['/sbin/init'], argv_source: 'proc', comm: 'init', exe: '/sbin/init', cwd: '/', uid: 0, cgroup: '/', start_ts: base - 1e9, start: null }));
  for (let i = 0; i < 320; i++) {
    const ts = base + i * 25e6;
    const pid = 1000 + i;
    lines.push(JSON.stringify({ type: 'fork', time: time(ts), ts, pid, ppid: 1 }));
    lines.push(JSON.stringify({ type: 'exec', time: time(ts + 1e5), ts: ts + 1e5, pid, ppid: 1, argv: ['/bin/true', String(i)], argv_source: 'kernel', comm: 'true', exe: '/bin/true', cwd: '/', uid: 0, cgroup: '/', start_ts: ts, start: null, ret: 0 }));
    lines.push(JSON.stringify({ type: 'exit', time: time(ts + 1e6), ts: ts + 1e6, pid, ppid: 1, code: 0, signal: 0, core: false }));
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

it('an 8 s recording at --speed 4 takes about 2 s, not as fast as it can nor as long as recorded', async () => {
  const file = recording();
  const started = Date.now();
  const result = await runCli(['--replay', file, '--speed', '4', '--json']);
  const took = Date.now() - started;
  expect(result.code).toBe(0);
  expect(result.stdout.split('\n').filter((l) => l.includes('"exec"'))).toHaveLength(320);
  // Loose bounds: a loaded machine adds start-up time, never takes pacing away.
  expect(took).toBeGreaterThan(1500);
  expect(took).toBeLessThan(12_000);
});

it.skipIf(!hasTmux)('the header shows the recording\'s rates while it plays at --speed 4', async () => {
  const file = recording();
  const terminal = new TmuxSession(`forktop-speed-${process.pid}`);
  terminal.start(`${process.execPath} ${CLI} --replay ${file} --speed 4; sleep 30`, 120, 30);
  try {
    // 40 execs a second of the recording's time: once a recorded second has played, the
    // header says about that, not 0 (nor 4× it).
    const rate = (text: string) => Number(/exec (\d+)\/s/.exec(text.split('\n')[0])?.[1] ?? 0);
    await terminal.waitFor((text) => text.includes('REPLAY') && rate(text) >= 30 && rate(text) <= 60, 10_000);
    await terminal.waitFor(/ENDED/, 10_000);
  } finally {
    terminal.kill();
  }
});

it("a paced replay's clock reads the recording's time, and stops where the recording ended", async () => {
  const file = recording();
  const source = new ReplaySource({ path: file, speed: 4, onWarning: () => {} });
  let ended!: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  const seen: ForktopEvent[] = [];
  await source.start({ onBatch: (b) => seen.push(...eventsOf(b)), onError: (e) => { throw e; }, onEnd: () => ended() });
  await until(() => seen.length > 10, 'events arriving');
  const [ts, time] = source.now()!;
  // The recording was made on 2026-12-01 at 12:00 (UTC), whenever this runs.
  expect(time.startsWith('2026-12-01T12:00:0')).toBe(true);
  expect(ts).toBeGreaterThanOrEqual(1_000_000_000_000);
  await done;
  expect(source.now()).toBeNull(); // the model's clock stays at the recording's end
  await source.stop();
});
