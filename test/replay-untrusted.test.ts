// A replay's input is untrusted (issue 13): each finding of the audit, replayed. Bad lines
// are reported as file:line and skipped; nothing hangs, grows without bound or can't be stopped.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ForktopEvent } from '../src/events/schema.js';
import { Model } from '../src/model/model.js';
import { treeRows } from '../src/model/queries.js';
import { LineSplitter, ReplaySource, type Line } from '../src/sources/replay.js';
import { CLI, runCli, type CliResult } from './helpers/cli.js';
import { RECORDING_HEADER, recordingsFolder } from './helpers/recordings.js';
import { Script } from './helpers/script.js';

const { dir, file } = recordingsFolder('forktop-untrusted-');
const header = RECORDING_HEADER;
const good = () => new Script().snapshot(1, 0, ['/sbin/init']).fork(10, 1).after(1).exec(10, ['/bin/true']).after(1).exit(10).events;
const line = (e: unknown) => JSON.stringify(e) + '\n';
/** A recording with one bad event (from the good ones' third, changed) as its line 4. */
function withBadLine(name: string, change: (e: Record<string, unknown>) => void): { path: string; events: ForktopEvent[] } {
  const events = good();
  const bad = structuredClone(events[2]) as unknown as Record<string, unknown>;
  change(bad);
  return { path: file(name, header + '\n' + line(events[0]) + line(events[1]) + line(bad) + events.slice(2).map(line).join('')), events };
}
const eventsOut = (r: CliResult) => r.stdout.trimEnd().split('\n').slice(1).map((l) => JSON.parse(l));

describe('replay of untrusted input (the audit)', () => {
  it('an exec with ts 1e25 is refused with file:line; the replay goes on', async () => {
    const { path: p, events } = withBadLine('ts.ndjson', (e) => (e.ts = 1e25));
    const r = await runCli(['--replay', p, '--json', '--speed', 'max']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${p}:4: exec: ts 1e+25 is not an integer in 0..`);
    expect(eventsOut(r)).toEqual(events);
  });

  it('the model and its rate counters end promptly after a ts of 1e25 (they looped forever)', async () => {
    // In a child with a deadline: a loop that never ends can't be timed out in this process.
    const script = `
      import { Model } from ${JSON.stringify(path.resolve('dist/model/model.js'))};
      import { headerStats, topSpawners } from ${JSON.stringify(path.resolve('dist/model/queries.js'))};
      const m = new Model();
      const t = '2026-11-23T12:00:00.000000Z';
      m.apply([{ type: 'fork', time: t, ts: 1e12, pid: 10, ppid: 1 }]);
      for (let i = 0; i < 4; i++) m.apply([{ type: 'fork', time: t, ts: 1e25 + i, pid: 11 + i, ppid: 10 }]);
      m.apply([{ type: 'exec', time: t, ts: 1e25, pid: 10, ppid: 1, argv: ['x'], argv_source: 'proc', comm: 'x', exe: null, cwd: null, uid: 0, cgroup: null, start_ts: null, start: null, ret: 0 }]);
      headerStats(m); topSpawners(m, 10); m.advance(2e25, t);
      console.log('done');`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    expect(out.trim()).toBe('done');
  });

  it('argv that is not an array: file:line, and --json goes on with the rest', async () => {
    const { path: p, events } = withBadLine('argv.ndjson', (e) => (e.argv = { 0: 'sh' }));
    const r = await runCli(['--replay', p, '--json', '--speed', 'max']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${p}:4: exec: argv an object is not an array of strings (or null)`);
    expect(r.stderr).toContain(`${p}: 1 line(s) could not be used`);
    expect(eventsOut(r)).toEqual(events);
  });

  it('a self-parented snapshot is refused with a message', async () => {
    const { path: p } = withBadLine('self.ndjson', (e) => Object.assign(e, { type: 'snapshot', pid: 20, ppid: 20, resync: undefined }));
    const r = await runCli(['--replay', p, '--json', '--speed', 'max']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${p}:4: snapshot: ppid 20 is the process itself`);
  });

  it('a self-parented snapshot given to the model directly stays in the tree (it vanished)', () => {
    const events = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(20, 20, ['/bin/odd']).events;
    const m = new Model();
    m.apply(events);
    expect(treeRows(m, {}, 0, 10).map((r) => r.node.pid)).toEqual([1, 20]);
  });

  it('a lost event with count "x" is refused (it printed "lost 0x")', async () => {
    const { path: p } = withBadLine('count.ndjson', (e) => Object.assign(e, { type: 'lost', count: 'x', source: 'kernel' }));
    const r = await runCli(['--replay', p, '--json', '--speed', 'max']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`${p}:4: lost: count "x" is not a count`);
    expect(eventsOut(r).some((e) => e.type === 'lost')).toBe(false);
  });

  it('/dev/zero: one line and exit 2, at once (it read 634 MB into one string)', async () => {
    const started = Date.now();
    const r = await runCli(['--replay', '/dev/zero', '--json'], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('forktop: /dev/zero:1: not NDJSON (a line longer than 2 MiB)');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('a FIFO no one writes to: SIGTERM ends `forktop --replay fifo --json` within two seconds', async () => {
    const fifo = path.join(dir, 'fifo');
    await new Promise<void>((resolve, reject) => execFile('mkfifo', [fifo], (error) => (error ? reject(error) : resolve())));
    const child = spawn(process.execPath, [CLI, '--replay', fifo, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    // Wait until it holds the FIFO open, waiting for a writer (before the fix, open() itself
    // blocked in libuv's thread pool, and Node waited for that thread at exit).
    const holds = () => {
      try {
        return fs.readdirSync(`/proc/${child.pid}/fd`).some((fd) => {
          try {
            return fs.readlinkSync(`/proc/${child.pid}/fd/${fd}`) === fifo;
          } catch {
            return false;
          }
        });
      } catch {
        return false;
      }
    };
    while (!holds()) await new Promise((resolve) => setTimeout(resolve, 20));
    const signalled = Date.now();
    child.kill('SIGTERM');
    const { signal } = await closed;
    clearTimeout(killer);
    expect(signal).toBeNull(); // it exited, not killed by the SIGKILL
    expect(Date.now() - signalled).toBeLessThan(2_000);
  });
});

describe('ReplaySource stops wherever it is', () => {
  const start = (source: ReplaySource, onBatch: (b: ForktopEvent[]) => void = () => {}) => {
    let ended = false;
    const started = source.start({ onBatch, onError: (e) => { throw e; }, onEnd: () => (ended = true) });
    return { started, ended: () => ended };
  };

  it('in a paced wait (the next event an hour later): stop() resolves at once, nothing more delivered', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).fork(10, 1).after(3_600_000).fork(11, 1);
    const p = file('hour.ndjson', s.events.map(line).join(''));
    const batches: ForktopEvent[][] = [];
    let first!: () => void;
    const gotFirst = new Promise<void>((resolve) => (first = resolve));
    const source = new ReplaySource({ path: p, speed: 1, onWarning: () => {} });
    const run = start(source, (b) => {
      batches.push(b);
      first();
    });
    await run.started;
    await gotFirst;
    const t = Date.now();
    await source.stop();
    expect(Date.now() - t).toBeLessThan(500);
    expect(batches.flat().map((e) => (e as { pid?: number }).pid)).toEqual([1, 10]);
    expect(run.ended()).toBe(false);
  });

  it('mid-stream, a writer keeping the FIFO open: stop() ends the read', async () => {
    const fifo = path.join(dir, 'fifo2');
    await new Promise<void>((resolve, reject) => execFile('mkfifo', [fifo], (error) => (error ? reject(error) : resolve())));
    const source = new ReplaySource({ path: fifo, speed: 'max', onWarning: () => {} });
    let got!: () => void;
    const gotBatch = new Promise<void>((resolve) => (got = resolve));
    const run = start(source, () => got());
    const writer = fs.createWriteStream(fifo);
    writer.on('error', () => {}); // the reader is gone by the end: EPIPE is the point
    await new Promise((resolve) => writer.write(header + '\n' + good().map(line).join(''), resolve));
    await run.started;
    await gotBatch;
    const t = Date.now();
    await source.stop();
    expect(Date.now() - t).toBeLessThan(500);
    expect(run.ended()).toBe(false);
    writer.destroy();
  });
});

describe('LineSplitter', () => {
  const split = (chunks: string[], max = 8): Line[] => {
    const splitter = new LineSplitter(max);
    const out: Line[] = [];
    for (const c of chunks) splitter.push(Buffer.from(c), out);
    const last = splitter.end();
    if (last !== null) out.push(last);
    return out;
  };

  it('joins lines across chunks and keeps a last line without a newline', () => {
    expect(split(['ab', 'c\nd', 'e\n\nf'])).toEqual(['abc', 'de', '', 'f']);
    expect(split(['é'.slice(0, 1), '\n'])).toEqual(['é']);
  });

  it('a line past the bound comes out at once as tooLong, the rest of it dropped up to its newline', () => {
    expect(split(['12345', '6789', '0123', '45\nok\n'])).toEqual([{ tooLong: true }, 'ok']);
    const splitter = new LineSplitter(8);
    const out: Line[] = [];
    splitter.push(Buffer.alloc(100), out); // /dev/zero: no newline, ever
    expect(out).toEqual([{ tooLong: true }]);
    splitter.push(Buffer.alloc(100), out);
    expect(out).toHaveLength(1);
    expect(splitter.end()).toBeNull();
  });

  it('a line of exactly the bound is kept', () => {
    expect(split(['12345678\n'])).toEqual(['12345678']);
  });
});
