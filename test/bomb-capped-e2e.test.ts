// The headline case, as real bombs behave: a bash fork bomb that hits pids.max within a
// second. Its forks fail and its fork rate falls, but ~all its members live on: the alert
// must stay until they are gone, K must name the bomb's root, y must leave none. Started
// while the screen is paused, the alert still shows and the bell still rings.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { CLI } from './helpers/cli.js';
import { describeAsRoot, isRoot } from './helpers/kernel.js';
import { hasTmux, tmux, TmuxSession } from './helpers/tmux.js';
import { withBombLock } from './helpers/bomb-lock.js';

/** Members the bomb may have at most: its cgroup's pids.max. */
const CAP = 250;

/** A pids cgroup of our own (v2 where the pids controller is there, else v1), or null. */
function makePidsCgroup(name: string): string | null {
  const candidates = ['/sys/fs/cgroup', '/sys/fs/cgroup/pids', '/sys/fs/cgroup/unified'];
  for (const root of candidates) {
    const v2 = fs.existsSync(path.join(root, 'cgroup.controllers'));
    if (v2 && !fs.readFileSync(path.join(root, 'cgroup.subtree_control'), 'utf8').includes('pids')) continue;
    if (!v2 && !fs.existsSync(path.join(root, 'pids.max')) && !fs.existsSync(path.join(root, 'tasks'))) continue;
    if (!v2 && !root.endsWith('/pids')) continue;
    const dir = path.join(root, name);
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'pids.max'), String(CAP));
      return dir;
    } catch {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return null;
}

function membersOf(cgroup: string): number[] {
  try {
    return fs.readFileSync(path.join(cgroup, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Kills whatever is left in the cgroup (it can't grow past its cap) and removes it. */
function removeCgroup(cgroup: string): void {
  for (let round = 0; round < 100; round++) {
    const left = membersOf(cgroup);
    if (left.length === 0) break;
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  for (let i = 0; i < 100; i++) {
    try {
      fs.rmdirSync(cgroup);
      return;
    } catch {
      // the last members are still being reaped
    }
  }
}

const session = `forktop-capped-${process.pid}`;
const terminal = new TmuxSession(session);
const cgroup = isRoot ? makePidsCgroup(`forktop-test-bomb-${process.pid}`) : null;
if (isRoot && !cgroup) console.warn('skipped the capped-bomb test: no pids cgroup controller to cap the bomb with');

describeAsRoot('a real bash fork bomb capped by a pids cgroup, in the live view', () => {
  afterEach(() => {
    terminal.kill();
    if (cgroup) removeCgroup(cgroup);
  });

  it.skipIf(!hasTmux || !cgroup)('keeps its alert while its members live (paused too), rings the bell, and K then y leave none', () => withBombLock(async () => {
    terminal.start(`${process.execPath} ${CLI}; sleep 30`, 140, 40);
    await terminal.waitFor(/LIVE/);
    terminal.keys('Space');
    await terminal.waitFor(/PAUSED/);
    // Someone looking at another window: the bell flags forktop's.
    tmux(session, 'set-option', '-g', 'bell-action', 'any');
    tmux(session, 'new-window', '-t', session);

    // The bomb joins its cgroup before it starts: every member is counted and capped.
    const started = Date.now();
    const bomb = spawn('sh', ['-c', `echo $$ > ${cgroup}/cgroup.procs && exec bash -c 'b(){ b|b & }; b' 2>/dev/null`], {
      stdio: 'ignore', detached: true,
    });
    const root = bomb.pid!;
    try {
      await terminal.waitFor(() => tmux(session, 'list-windows', '-t', session, '-F', '#{window_index}:#{window_bell_flag}').includes('0:1'), 15_000);
      tmux(session, 'select-window', '-t', `${session}:0`);
      const first = await terminal.waitFor(new RegExp(`FORK BOMB\\s+bash \\(pid ${root}\\)\\s+[\\d,]+ alive`), 15_000);
      expect(first).toMatch(/PAUSED \+[\d,]+/);
      // The cap is reached within a second or two; 15 s after the start the bomb is still
      // there, its forks failing, and so is its bar.
      while (Date.now() - started < 15_000) await new Promise((resolve) => setTimeout(resolve, 250));
      expect(membersOf(cgroup!).length).toBeGreaterThan(10); // at its cap, members come and go
      const later = await terminal.waitFor(new RegExp(`FORK BOMB\\s+bash \\(pid ${root}\\)\\s+[\\d,]+ alive, (stalled|growing|shrinking)`), 5000);
      expect(later).toContain('K: stop it');

      terminal.keys('K');
      const dialog = await terminal.waitFor(/Stop this lineage\?/);
      expect(dialog).toContain(`pid ${root}`);
      expect(dialog).toContain('which  the fork bomb the red bar names');
      terminal.keys('y');
      await terminal.waitFor(/none left/, 20_000);
      expect(membersOf(cgroup!)).toEqual([]);
      // Its last member gone, its bar goes; the bar says so, unless another alert (a storm on
      // this busy machine) has the bar.
      const after = await terminal.waitFor((text) => !text.includes(`FORK BOMB  bash (pid ${root})`), 10_000);
      if (!/FORK (STORM|BOMB)/.test(after)) expect(after).toContain(`fork bomb bash (pid ${root}): gone, 0 left`);
    } finally {
      try {
        process.kill(-root, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }), 180_000); // with time to wait for the bomb lock
});
