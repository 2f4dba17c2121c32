// What forktop refuses to take as the root of a lineage to stop, for real: the refusals
// rest on what a process cannot forge (uid, the program file it runs, its place in the
// tree). A nobody-owned process that calls itself sshd or systemd, calls setsid(), names
// itself -bash or is pid 1 of a user namespace's pid namespace is stopped; pid 1, kthreadd,
// a real tmux and the shells it holds, a root container init, a real root sshd still refuse.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { loadAddon } from '../src/sources/addon.js';
import { CLI, runCommand } from './helpers/cli.js';
import { describeAsRoot, isRoot } from './helpers/kernel.js';
import { hasTmux } from './helpers/tmux.js';

const NOBODY = 65534;
const asNobody: SpawnOptions = { uid: NOBODY, gid: NOBODY, stdio: 'ignore' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A real sshd running as root here, if there is one (its pid). */
const realRootSshd = (() => {
  if (!isRoot) return null;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const exe = fs.readlinkSync(`/proc/${entry}/exe`);
      const euid = /^Uid:\s+\d+\s+(\d+)/m.exec(fs.readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (/^\/usr\/s?bin\/sshd$/.test(exe) && euid === '0') return Number(entry);
    } catch {
      // gone, or a kernel thread
    }
  }
  console.log('skipping the real sshd refusal test: no sshd runs as root here');
  return null;
})();

async function stopLineage(pid: number) {
  const result = await runCommand(process.execPath, [CLI, '--stop-lineage', String(pid), '--yes'], { timeoutMs: 30_000 });
  return { ...result, report: result.code === 0 || result.code === 1 ? JSON.parse(result.stdout) : null };
}

/** Resolves when the child has exited (by any signal). */
const exited = (child: ChildProcess) =>
  new Promise<NodeJS.Signals | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode);
    else child.once('exit', (_code, signal) => resolve(signal));
  });

/** Waits until this process exists with this comm (it set it itself, or its exec did). */
async function waitForComm(pid: number, comm: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === comm) return;
    } catch {
      // not yet
    }
    await sleep(20);
  }
  throw new Error(`pid ${pid} never ran as ${comm}`);
}

/** A process and its descendants down a chain of first children, from /proc. */
function countChain(pid: number): number {
  let n = 0;
  for (let at: number | undefined = pid; at !== undefined && n < 100; n++) {
    let text = '';
    try {
      text = fs.readFileSync(`/proc/${at}/task/${at}/children`, 'utf8').trim();
    } catch {
      return n;
    }
    at = text ? Number(text.split(' ')[0]) : undefined;
  }
  return n;
}

/** Children of a process now, from /proc. */
async function childOf(pid: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const text = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    if (text) return Number(text.split(' ')[0]);
    await sleep(20);
  }
  throw new Error(`pid ${pid} started no child`);
}

describeAsRoot('what is never taken as a root rests on facts a process cannot forge', () => {
  let dir = '';
  const children: ChildProcess[] = [];
  const tmuxServers: string[] = [];
  /** Pids this test started that are no child of it (a shell's command). */
  const leftovers: number[] = [];

  beforeAll(() => {
    // Where a nobody-owned fake "sshd" (a copy of sleep) and a fake tmux live: not a system directory.
    dir = fs.mkdtempSync('/tmp/forktop-protection-');
    fs.chmodSync(dir, 0o755);
    fs.copyFileSync('/bin/sleep', path.join(dir, 'sshd'));
    fs.chmodSync(path.join(dir, 'sshd'), 0o755);
    fs.mkdirSync(path.join(dir, 'home'));
    fs.chownSync(path.join(dir, 'home'), NOBODY, NOBODY);
  });

  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    for (const pid of leftovers.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const server of tmuxServers.splice(0)) {
      try {
        execFileSync('tmux', ['-L', server, 'kill-server'], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
  });

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function start(command: string, args: string[], options: SpawnOptions = asNobody): ChildProcess {
    const child = spawn(command, args, options);
    children.push(child);
    return child;
  }

  async function expectStopped(child: ChildProcess, atLeast = 1): Promise<void> {
    const { code, stderr, report } = await stopLineage(child.pid!);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(report).toMatchObject({ type: 'stop', root: child.pid, survivors: [], denied: 0 });
    expect(report.stopped).toBeGreaterThanOrEqual(atLeast);
    expect(await exited(child)).toBe('SIGKILL');
  }

  async function expectRefused(pid: number, why: RegExp): Promise<void> {
    const { code, stderr, stdout } = await stopLineage(pid);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^forktop: --stop-lineage: will not stop pid ${pid}: it is ${why.source}`));
    expect(stdout).toBe('');
    expect(loadAddon().readStat(pid)?.state).toMatch(/[SR]/);
  }

  it('stops a nobody-owned process whose program file is named sshd (comm sshd, argv[0] sshd)', async () => {
    const fake = start(path.join(dir, 'sshd'), ['30'], { ...asNobody, argv0: 'sshd' });
    await waitForComm(fake.pid!, 'sshd');
    await expectStopped(fake);
  });

  it('stops a nobody-owned shell that wrote systemd into its own comm, and its child', async () => {
    const shell = start('bash', ['-c', 'printf systemd > /proc/$$/comm; sleep 30 & wait']);
    await waitForComm(shell.pid!, 'systemd');
    await childOf(shell.pid!);
    await expectStopped(shell, 2);
  });

  it('stops a nobody-owned process that called setsid() (a session leader whose parent is no terminal)', async () => {
    const leader = start('/bin/sleep', ['30'], { ...asNobody, detached: true });
    await waitForComm(leader.pid!, 'sleep');
    expect(loadAddon().readStat(leader.pid!)?.session).toBe(leader.pid);
    await expectStopped(leader);
  });

  it("stops a nobody-owned process whose argv[0] is -bash (a login shell's mark)", async () => {
    const login = start('/bin/sleep', ['30'], { ...asNobody, argv0: '-bash' });
    await waitForComm(login.pid!, 'sleep');
    await expectStopped(login);
  });

  it('stops one that does all three: a session leader named sshd, argv[0] -bash', async () => {
    const forged = start(path.join(dir, 'sshd'), ['30'], { ...asNobody, argv0: '-bash', detached: true });
    await waitForComm(forged.pid!, 'sshd');
    await expectStopped(forged);
  });

  it("stops pid 1 of a nobody's own pid namespace (a user namespace's 'container init')", async () => {
    const unshare = start('unshare', ['-Urpf', '--mount-proc', '/bin/sleep', '30']);
    const init = await childOf(unshare.pid!);
    leftovers.push(init);
    await waitForComm(init, 'sleep');
    const { code, report } = await stopLineage(init);
    expect(code).toBe(0);
    expect(report).toMatchObject({ root: init, survivors: [] });
    await exited(unshare);
  });

  /** A tmux server of nobody's running this binary, a pane's shell in it: stopped whole. */
  async function stopsNobodysPane(binary: string, server: string): Promise<void> {
    // SHELL too: without it (CI runs with no login environment) tmux runs the pane's command
    // with nobody's passwd shell, nologin, and the server is gone before list-panes.
    const env = { ...process.env, HOME: path.join(dir, 'home'), TMUX_TMPDIR: path.join(dir, 'home'), SHELL: '/bin/sh' };
    const tmux = (...args: string[]) =>
      execFileSync('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', binary, '-L', server, '-f', '/dev/null', ...args], { env, encoding: 'utf8' });
    tmux('new-session', '-d', '/bin/sleep 30');
    try {
      const pane = Number(tmux('list-panes', '-F', '#{pane_pid}').trim());
      expect(loadAddon().readStat(pane)?.session).toBe(pane);
      const { code, report } = await stopLineage(pane);
      expect(code).toBe(0);
      expect(report).toMatchObject({ root: pane, survivors: [] });
    } finally {
      try {
        tmux('kill-server');
      } catch {
        // it ended with its last pane
      }
    }
  }

  it.skipIf(!hasTmux)("stops the shell of a nobody's copy of tmux outside the system directories", async () => {
    fs.copyFileSync('/usr/bin/tmux', path.join(dir, 'tmux'));
    fs.chmodSync(path.join(dir, 'tmux'), 0o755);
    await stopsNobodysPane(path.join(dir, 'tmux'), `forktop-fake-${process.pid}`);
  });

  it.skipIf(!hasTmux)("stops the shell of a nobody's real /usr/bin/tmux (any user can start one: its sessions are no one's at this screen)", async () => {
    await stopsNobodysPane('/usr/bin/tmux', `forktop-nobody-${process.pid}`);
  });

  it.skipIf(!hasTmux)("stops a nobody's bomb running the real /usr/bin/tmux with code of its own loaded (LD_PRELOAD)", async () => {
    // Any user may run the real tmux with a library of their own: every member's program
    // file is then the real, root-owned tmux. A chain of copies of it is a bomb, not a terminal.
    const source = path.join(dir, 'chain.c');
    const library = path.join(dir, 'chain.so');
    fs.writeFileSync(source, [
      '#include <unistd.h>',
      '__attribute__((constructor)) static void chain(void) {',
      '  for (int i = 0; i < 8; i++) if (fork() != 0) break; /* the parent waits, the child goes on */',
      '  alarm(60);',
      '  pause();',
      '  _exit(0);',
      '}',
    ].join('\n'));
    execFileSync('cc', ['-shared', '-fPIC', '-o', library, source]);
    fs.chmodSync(library, 0o755);
    const root = start('/usr/bin/tmux', ['-V'], { ...asNobody, env: { ...process.env, LD_PRELOAD: library } });
    for (let i = 0; i < 100 && countChain(root.pid!) < 9; i++) await sleep(20);
    expect(countChain(root.pid!)).toBe(9);
    await expectStopped(root, 9);
  });

  it.each([
    [1, /pid 1 \(init\)/],
    [2, /a kernel thread \(its parent is kthreadd, pid 2\)/],
  ])('still refuses pid %d', async (pid, why) => {
    await expectRefused(pid, why);
  });

  it("still refuses forktop's own session (the shell and terminal it runs in)", async () => {
    const { code, stderr } = await stopLineage(process.pid);
    expect(code).toBe(2);
    expect(stderr).toMatch(/will not stop pid \d+: it is forktop's own ancestor/);
  });

  it.skipIf(!hasTmux)('still refuses a real tmux and the shell it holds (a session leader under it)', async () => {
    const server = `forktop-real-${process.pid}`;
    tmuxServers.push(server);
    execFileSync('tmux', ['-L', server, '-f', '/dev/null', 'new-session', '-d', '/bin/sleep 30']);
    const pane = Number(execFileSync('tmux', ['-L', server, 'list-panes', '-F', '#{pane_pid}'], { encoding: 'utf8' }).trim());
    const serverPid = Number(execFileSync('tmux', ['-L', server, 'display-message', '-p', '#{pid}'], { encoding: 'utf8' }).trim());
    await expectRefused(pane, new RegExp(`a terminal's shell: a session leader whose parent, pid ${serverPid}, is the real tmux`));
    await expectRefused(serverPid, /the real tmux \(a root-owned system program\) run by uid 0, which holds terminal sessions/);
  });

  it('still refuses the login shell of a real su running as root (su - nobody)', async () => {
    const su = start('su', ['-', 'nobody', '-s', '/bin/sh', '-c', '/bin/sleep 30; true'], { stdio: 'ignore' });
    const shell = await childOf(su.pid!);
    const command = await childOf(shell); // the shell runs its command: it is set up
    leftovers.push(command, shell);
    await expectRefused(shell, new RegExp(`a terminal's shell: a session leader whose parent, pid ${su.pid}, is the real su`));
    // su's own refusal: the real su, running as root.
    await expectRefused(su.pid!, /the real su running as root \(euid 0\)/);
  });

  it("still refuses a root container's init (pid 1 of its pid namespace, running as root)", async () => {
    const unshare = start('unshare', ['-pf', '--mount-proc', '/bin/sleep', '30'], { stdio: 'ignore' });
    const init = await childOf(unshare.pid!);
    leftovers.push(init); // killing unshare leaves it
    await waitForComm(init, 'sleep');
    await expectRefused(init, /a container's init: pid 1 of its own pid namespace, running as root \(euid 0\)/);
  });

  it.skipIf(realRootSshd === null)('still refuses the real sshd running as root', async () => {
    await expectRefused(realRootSshd!, /the real sshd running as root \(euid 0\)/);
  });
});
