// Stopping a fork bomb, for real: a bounded bomb (depth-limited, every member with an
// alarm, its tag in every member's argv; parents exit early so members are reparented) is
// stopped and killed, headless and from the live view, and nothing else is touched.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { constants } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAddon } from '../src/sources/addon.js';
import { CLI, runCommand } from './helpers/cli.js';
import { describeAsRoot, stormBinary, uniqueTag } from './helpers/kernel.js';
import { hasTmux, TmuxSession } from './helpers/tmux.js';
import { withBombLock } from './helpers/bomb-lock.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Running (not zombie) processes whose argv carries the tag. */
function alive(tag: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(tag)) continue;
      const state = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1][0];
      if (state !== 'Z' && state !== 'X') pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

function killAll(tag: string): void {
  for (const pid of alive(tag)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Starts `storm bomb DEPTH TAG DELAY`; resolves with its root pid. */
async function startBomb(depth: number, tag: string, delayMs: number): Promise<{ root: number; child: ChildProcess }> {
  const child = spawn(stormBinary(), ['bomb', String(depth), tag, String(delayMs)], { stdio: ['ignore', 'pipe', 'ignore'] });
  const root = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { root, child };
}

describeAsRoot('stopping a lineage (real processes)', () => {
  let tag = '';
  afterEach(() => {
    if (tag) killAll(tag);
  });

  it('--stop-lineage PID --yes stops and kills a running 2,047-process bomb, reparented members too', () => withBombLock(async () => {
    tag = uniqueTag('bomb');
    const { root } = await startBomb(10, tag, 2);
    // Let it grow: members at odd depths exit at once, so most are reparented.
    for (let i = 0; i < 50 && alive(tag).length < 1000; i++) await sleep(50);
    const before = alive(tag);
    expect(before.length).toBeGreaterThan(1000);
    const orphans = before.filter((pid) => loadAddon().readStat(pid)?.ppid !== root && pid !== root);
    expect(orphans.length).toBeGreaterThan(500);

    const result = await runCommand(process.execPath, [CLI, '--stop-lineage', String(root), '--yes'], { timeoutMs: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ type: 'stop', root, survivors: [], denied: 0 });
    expect(report.stopped).toBeGreaterThanOrEqual(before.length);
    expect(report.killed).toBe(report.stopped);
    expect(alive(tag)).toEqual([]);
    // The test itself and its parent are untouched.
    expect(() => process.kill(process.ppid, 0)).not.toThrow();
  }), 180_000); // with time to wait for the bomb lock

  it.each([
    [['--stop-lineage', '1', '--yes'], /^forktop: --stop-lineage: will not stop pid 1: it is pid 1 \(init\)\n$/],
    [['--stop-lineage', String(process.pid), '--yes'], /it is forktop's own ancestor/],
    [['--stop-lineage', String(process.pid)], /add --yes to confirm/],
    [['--stop-lineage', 'abc', '--yes'], /wants a process id, not "abc"/],
    [['--stop-lineage', '4194999', '--yes'], /no live process 4194999/],
  ])('refuses %j in one line, exit 2, signalling nothing', async (args, message) => {
    const result = await runCommand(process.execPath, [CLI, ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  });

  it('never signals a pid that now belongs to another process (start time checked through a pidfd)', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    // Listened for before any signal: a kill can end it before a later listener is added.
    const exited = new Promise((resolve) => sleeper.on('exit', resolve));
    const stat = loadAddon().readStat(sleeper.pid!)!; // its start time is set at fork
    const wrong = await loadAddon().signalProcesses([{ pid: sleeper.pid!, startNs: stat.startNs - 5e9 }], constants.signals.SIGKILL);
    expect(wrong).toEqual([{ result: 'other', startNs: 0 }]);
    expect(loadAddon().readStat(sleeper.pid!)?.state).toMatch(/[SR]/);
    const right = await loadAddon().signalProcesses([{ pid: sleeper.pid!, startNs: stat.startNs }], constants.signals.SIGKILL);
    expect(right[0].result).toBe('sent');
    await exited;
  });
});

describeAsRoot('stopping a bomb from the live view', () => {
  const terminal = new TmuxSession(`forktop-stop-${process.pid}`);
  let tag = '';
  afterEach(() => {
    terminal.kill();
    if (tag) killAll(tag);
  });

  it.skipIf(!hasTmux)('the alert appears, K names the lineage, y leaves no member alive', () => withBombLock(async () => {
    terminal.start(`${process.execPath} ${CLI}; sleep 30`, 140, 40);
    await terminal.waitFor(/LIVE/);
    tag = uniqueTag('tmuxbomb');
    // Slow enough that the alert stays up for seconds: a bomb still growing.
    const { root } = await startBomb(10, tag, 300);
    await terminal.waitFor(new RegExp(`FORK BOMB\\s+storm \\(pid ${root}\\).*K: stop it`), 10_000);
    terminal.keys('K');
    const dialog = await terminal.waitFor(/Stop this lineage\?/);
    expect(dialog).toContain(`pid ${root}`);
    expect(dialog).toMatch(/live\s+[\d,]+ members, \d+ generations below it, user root/);
    terminal.keys('y');
    const done = await terminal.waitFor(/■ lineage of pid \d+: stopped [\d,]+, killed [\d,]+ in [\d.]+ s, none left/, 15_000);
    expect(done).toContain(`lineage of pid ${root}`);
    expect(alive(tag)).toEqual([]);
    // forktop itself is still running and answering.
    terminal.keys('?');
    await terminal.waitFor(/stop a lineage/);
  }), 180_000); // with time to wait for the bomb lock
});

describe('storm bomb', () => {
  it('refuses a depth past its bound', () => {
    expect(() => execFileSync(stormBinary(), ['bomb', '12', 'x'], { stdio: 'pipe' })).toThrow();
  });
});
