// Recording and replay: record then replay gives the same events and the same model state;
// stdin works; bad files get `file:line: what is wrong` and exit 2; bad lines are counted.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ForktopEvent } from '../src/events/schema.js';
import { Model } from '../src/model/model.js';
import { recentExecs, treeRows } from '../src/model/queries.js';
import { ReplaySource } from '../src/sources/replay.js';
import { CLI, runCli, runCommand, startCli, type CliResult } from './helpers/cli.js';
import { describeAsRoot, run, stormBinary } from './helpers/kernel.js';
import { RECORDING_HEADER, recordingsFolder } from './helpers/recordings.js';
import { Script } from './helpers/script.js';
import { eventsOf } from '../src/events/packed.js';

const { dir, file } = recordingsFolder('forktop-replay-');
const header = RECORDING_HEADER;

function sample(): ForktopEvent[] {
  return new Script().snapshot(1, 0, ['/sbin/init'])
    .fork(10, 1).after(1).exec(10, ['/bin/sh', '-c', 'make'])
    .after(2).fork(11, 10).after(1).exec(11, ['/usr/bin/cc', 'a.c']).after(5).exit(11, 1)
    .after(300).exit(10).events;
}

const lines = (events: ForktopEvent[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';
const parseAll = (r: CliResult) => r.stdout.trimEnd().split('\n').filter(Boolean).map((l) => JSON.parse(l));
/** The events, after the header line that --json starts with. */
const parse = (r: CliResult) => {
  const [header, ...events] = parseAll(r);
  expect(header).toMatchObject({ type: 'header', source: expect.stringMatching(/^replay /) });
  return events;
};

describe('replay', () => {
  it('prints the recorded events, in order, at full speed', async () => {
    const events = sample();
    const result = await runCli(['--replay', file('ok.ndjson', header + '\n' + lines(events)), '--json', '--speed', 'max']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(parse(result)).toEqual(events);
  });

  it('from stdin (`--replay -`), as from ssh', async () => {
    const events = sample();
    const result = await runCommand('bash', ['-c', `cat "${file('stdin.ndjson', lines(events))}" | "${process.execPath}" "${CLI}" --replay - --json --speed max`]);
    expect(result.code).toBe(0);
    expect(parse(result)).toEqual(events);
  });

  it('honours the recorded timestamps at --speed 1', async () => {
    const started = Date.now();
    const result = await runCli(['--replay', file('paced.ndjson', lines(sample())), '--json']);
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300); // the last exit comes 309 ms in
  });

  it('gives the same model state as the events applied directly', async () => {
    const events = sample();
    const live = new Model();
    live.apply(events);
    const replayed = new Model();
    const source = new ReplaySource({ path: file('state.ndjson', header + '\n' + lines(events)), speed: 'max', onWarning: () => {} });
    await new Promise<void>((resolve, reject) => {
      source.start({ onBatch: (batch) => replayed.apply(eventsOf(batch)), onError: reject, onEnd: resolve }).catch(reject);
    });
    expect(recentExecs(replayed, null, 100)).toEqual(recentExecs(live, null, 100));
    expect(treeRows(replayed, {}, 0, 100).map((r) => r.node.pid)).toEqual(treeRows(live, {}, 0, 100).map((r) => r.node.pid));
    expect(replayed.totals).toEqual(live.totals);
    expect(source.describe().host).toBe('web-1');
  });

  it('a torn last line (a crash while recording) is skipped with a warning', async () => {
    const events = sample();
    const torn = lines(events) + '{"type":"exec","ts":12';
    const result = await runCli(['--replay', file('torn.ndjson', torn), '--json', '--speed', 'max']);
    expect(result.code).toBe(0);
    expect(parse(result)).toEqual(events);
    expect(result.stderr).toMatch(/torn\.ndjson:\d+: the last line is torn/);
  });

  it('lines that cannot be used are reported with file:line and counted; the rest plays', async () => {
    const events = sample();
    const text = lines(events.slice(0, 3)) + '{"type":"weird","ts":5}\nnot json at all\n' + lines(events.slice(3));
    const result = await runCli(['--replay', file('mixed.ndjson', text), '--json', '--speed', 'max']);
    expect(result.code).toBe(0);
    expect(parse(result)).toEqual(events);
    expect(result.stderr).toContain('mixed.ndjson:4: unknown event type "weird"');
    expect(result.stderr).toContain('mixed.ndjson:5: not JSON');
    expect(result.stderr).toContain('mixed.ndjson: 2 line(s) could not be used');
  });

  it.each([
    ['missing.ndjson', null, /missing\.ndjson: no such file/],
    ['garbage.txt', 'this is not json\n', /garbage\.txt:1: not NDJSON/],
    ['newer.ndjson', '{"type":"header","schema":99}\n', /newer\.ndjson:1: recorded by a newer forktop \(schema 99; this one reads 3\)/],
    ['object.ndjson', '{"hello":1}\n', /object\.ndjson:1: not a forktop event/],
  ])('%s: one line and exit 2', async (name, text, message) => {
    const p = text === null ? path.join(dir, name) : file(name, text);
    const result = await runCli(['--replay', p, '--json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    [['--replay', 'x', '--source', 'netlink'], /do not go together/],
    [['--speed', 'fast'], /--speed wants a positive number or max/],
    [['--pid', 'x'], /--pid wants a process id, not "x"/],
    [['--filter', '/(/'], /--filter \/\(\/: Invalid regular expression/],
    [['--json', '--user', 'root'], /shape the live view/],
    [['--speed', '0'], /--speed wants a positive number or max/],
    [['--record'], /--record wants a file/],
    [['--record', '/nonexistent-dir/r.ndjson', '--json'], /cannot record to \/nonexistent-dir\/r\.ndjson: ENOENT/],
  ])('%j is refused with one line and exit 2', async (args, message) => {
    const result = await runCli(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describeAsRoot('record then replay (real kernel)', () => {
  it('kill -9 loses at most the last second of a recording, and it still replays', async () => {
    const recording = path.join(dir, 'killed.ndjson');
    const cli = await startCli(['--json', '--record', recording]);
    const tag = `kill9-${process.pid}`;
    await run('bash', ['-c', `sleep 0.2; true ${tag}`]);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // more than the 1 s flush
    process.kill(cli.pid, 'SIGKILL');
    await cli.stop();
    const text = fs.readFileSync(recording, 'utf8');
    expect(text).toContain(tag);
    const replay = await runCli(['--replay', recording, '--json', '--speed', 'max']);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(tag);
  });

  it('--record during a bounded storm, then --replay --speed max prints the same exec events', async () => {
    const recording = path.join(dir, 'storm.ndjson');
    const cli = await startCli(['--json', '--record', recording]);
    const storm = stormBinary();
    const tag = `rec${process.pid}`;
    const done = await run(storm, ['exec', '300', '4', tag], 60_000);
    expect(done.code).toBe(0);
    const live = await cli.stop();
    expect(live.code).toBe(0);
    const header = JSON.parse(fs.readFileSync(recording, 'utf8').split('\n')[0]);
    expect(header).toMatchObject({ type: 'header', schema: 3, host: os.hostname(), source: 'ebpf' });

    const replay = await runCli(['--replay', recording, '--json', '--speed', 'max']);
    expect(replay.code).toBe(0);
    // The storm's children, by their fork events (argv may be unread for a few: netlink races).
    const children = new Set(parseAll(live).filter((e) => e.type === 'fork' && e.ppid === done.pid).map((e) => e.pid));
    const execsOf = (r: CliResult) => parseAll(r).filter((e) => e.type === 'exec' && children.has(e.pid));
    expect(execsOf(live)).toHaveLength(300);
    expect(execsOf(replay)).toEqual(execsOf(live));
  });
});

