// The real CLI in a real terminal (tmux, 120×40), as root: a process started elsewhere shows
// up with its argv, / filters to it, Enter shows its lineage up to pid 1, q gives the
// terminal back exactly as it was.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { CLI } from './helpers/cli.js';
import { describeAsRoot, kernelAllowsUnprivilegedProcConnector, uniqueTag } from './helpers/kernel.js';
import { hasTmux, tmux, TmuxSession } from './helpers/tmux.js';

const session = `forktop-e2e-${process.pid}`;
const terminal = new TmuxSession(session);
const waitForScreen = terminal.waitFor.bind(terminal);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeAsRoot('live view in a real terminal', () => {
  afterAll(() => {
    try {
      tmux(session, 'kill-server');
    } catch {
      // already gone
    }
    for (const file of fs.readdirSync('/tmp').filter((f) => f.startsWith(session))) fs.rmSync(`/tmp/${file}`);
  });

  it.skipIf(!hasTmux)('shows a new process, filters to it, inspects its lineage, and quits cleanly', async () => {
    const tag = uniqueTag('e2e');
    tmux(
      session,
      'new-session', '-d', '-s', session, '-x', '120', '-y', '40',
      `stty -a > /tmp/${session}.before; ${process.execPath} ${CLI}; echo "EXIT=$?"; stty -a > /tmp/${session}.after; sleep 30`,
    );
    await waitForScreen(/LIVE/);
    // Filtered first: on a busy machine (other tests' storms beside this one) an unfiltered
    // row scrolls off before a capture can see it. A /regex/ that our own `tmux send-keys`
    // command lines (which carry the tag) don't match.
    const filter = `/^bash .*${tag}/`;
    tmux(session, 'send-keys', '-t', session, '/');
    tmux(session, 'send-keys', '-t', session, '-l', filter);
    tmux(session, 'send-keys', '-t', session, 'Enter');
    await waitForScreen((text) => text.includes(`filter /${filter}`));
    const child = spawn('bash', ['-c', `sleep 3; true ${tag}`], { stdio: 'ignore' });
    const filtered = await waitForScreen((text) => text.includes(`bash -c 'sleep 3; true ${tag}'`));
    const rows = filtered.split('\n').filter((l) => l.includes(tag) && !l.includes('filter'));
    expect(rows).toHaveLength(1);

    // Up (a move, on the top row): Enter inspects the row, not an alert another test's storm
    // may have raised since (Enter goes to a new alert until the person moves).
    tmux(session, 'send-keys', '-t', session, 'k');
    tmux(session, 'send-keys', '-t', session, 'Enter');
    const card = await waitForScreen(new RegExp(`pid ${child.pid}`));
    // The chain wraps when it is wider than the terminal (CI runs tests several processes deep).
    expect(card).toMatch(new RegExp(`lineage \\S+\\(1\\)\\s+›\\s+[\\s\\S]*\\s+›\\s+bash\\(${child.pid}\\)`));

    tmux(session, 'send-keys', '-t', session, 'q');
    await waitForScreen(/EXIT=0/);
    // The shell writes the terminal's settings after it echoes EXIT: wait for them.
    const after = `/tmp/${session}.after`;
    for (let i = 0; i < 100 && !(fs.existsSync(after) && fs.statSync(after).size > 0); i++) await sleep(50);
    expect(execFileSync('cat', [after], { encoding: 'utf8' })).toBe(
      execFileSync('cat', [`/tmp/${session}.before`], { encoding: 'utf8' }),
    );
    child.kill();
  });

  it.skipIf(!hasTmux).each(['TERM', 'HUP'])('SIG%s (a kill, an ssh that dropped) gives the terminal back', async (signal) => {
    const name = `${session}-${signal}`;
    const pidFile = `/tmp/${name}.pid`;
    tmux(
      name,
      'new-session', '-d', '-s', name, '-x', '100', '-y', '30',
      `stty -a > /tmp/${name}.before; bash -c 'echo $$ > ${pidFile}; exec ${process.execPath} ${CLI}'; echo "EXIT=$?"; stty -a > /tmp/${name}.after; sleep 30`,
    );
    try {
      const shown = () => tmux(name, 'capture-pane', '-p', '-t', name);
      const deadline = Date.now() + 5000;
      while (!shown().includes('LIVE') && Date.now() < deadline) await sleep(100);
      expect(tmux(name, 'display', '-p', '-t', name, '#{alternate_on}').trim()).toBe('1');
      process.kill(Number(execFileSync('cat', [pidFile], { encoding: 'utf8' })), `SIG${signal}`);
      while (!shown().includes('EXIT=') && Date.now() < deadline + 5000) await sleep(100);
      expect(shown()).toContain('EXIT=0');
      expect(tmux(name, 'display', '-p', '-t', name, '#{alternate_on} #{cursor_flag}').trim()).toBe('0 1');
      // Written after EXIT is echoed: wait for it.
      for (let i = 0; i < 100 && !(fs.existsSync(`/tmp/${name}.after`) && fs.statSync(`/tmp/${name}.after`).size > 0); i++) await sleep(50);
      expect(execFileSync('cat', [`/tmp/${name}.after`], { encoding: 'utf8' })).toBe(
        execFileSync('cat', [`/tmp/${name}.before`], { encoding: 'utf8' }),
      );
    } finally {
      tmux(name, 'kill-server');
    }
  });
});

describeAsRoot('live view without eBPF', () => {
  it.skipIf(!hasTmux || !kernelAllowsUnprivilegedProcConnector())('as nobody, says on screen why eBPF is not running', async () => {
    const unprivileged = new TmuxSession(`${session}-nobody`);
    unprivileged.start(`setpriv --reuid=nobody --regid=nogroup --clear-groups ${process.execPath} ${CLI}; sleep 30`, 140, 20);
    try {
      const shown = await unprivileged.waitFor(/LIVE/);
      expect(shown).toMatch(/forktop \S+\s+netlink/);
      expect(shown).toContain('no eBPF: eBPF needs root (CAP_BPF and CAP_PERFMON); argv read from /proc');
    } finally {
      unprivileged.kill();
    }
  });
});

describeAsRoot('live view when its terminal goes away', () => {
  it.skipIf(!hasTmux)('closing the terminal (tmux window killed) ends forktop with status 0, not a crash', async () => {
    const name = `${session}-gone`;
    const status = `/tmp/${name}.status`;
    fs.rmSync(status, { force: true });
    const closing = new TmuxSession(name);
    // The wrapper outlives the hangup (it ignores SIGHUP; forktop handles its own) to tell
    // how forktop ended: 139 would be the SIGSEGV Node 20 gets restoring a vanished tty.
    closing.start(`bash -c 'trap "" HUP; ${process.execPath} ${CLI}; echo $? > ${status}'`, 100, 30);
    try {
      await closing.waitFor(/LIVE/);
    } finally {
      closing.kill();
    }
    const deadline = Date.now() + 5000;
    while (!fs.existsSync(status) && Date.now() < deadline) await sleep(100);
    expect(fs.readFileSync(status, 'utf8').trim()).toBe('0');
    fs.rmSync(status, { force: true });
  });
});

describeAsRoot('live view: Ctrl-C', () => {
  it.skipIf(!hasTmux)('quits with status 130, as a shell expects of an interrupted program', async () => {
    const interrupted = new TmuxSession(`${session}-ctrlc`);
    interrupted.start(`${process.execPath} ${CLI}; echo "EXIT=$?"; sleep 30`, 100, 30);
    try {
      await interrupted.waitFor(/LIVE/);
      interrupted.keys('C-c');
      await interrupted.waitFor(/EXIT=130/);
    } finally {
      interrupted.kill();
    }
  });
});
