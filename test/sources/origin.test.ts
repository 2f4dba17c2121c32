// Who started each exec (issue 16), against the real kernel: the audit login uid and session,
// the controlling terminal, the POSIX session and group, the allowlisted environment (and
// nothing else of it), and a script beside its interpreter, from each source that reads them.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { ExecEvent, ForktopEvent, SnapshotEvent } from '../../src/events/schema.js';
import { AUDIT_UNSET } from '../../src/events/schema.js';
import { validateEvent } from '../../src/events/validate.js';
import { EbpfSource } from '../../src/sources/ebpf.js';
import { NetlinkSource } from '../../src/sources/netlink.js';
import { PollSource } from '../../src/sources/poll.js';
import type { EventSource } from '../../src/sources/source.js';
import { runCli, startCli } from '../helpers/cli.js';
import { Capture, describeAsRoot, uniqueTag } from '../helpers/kernel.js';

const isExec = (ev: ForktopEvent): ev is ExecEvent => ev.type === 'exec';
const hasScript = fs.existsSync('/usr/bin/script');
if (!hasScript) console.warn('skipping the terminal tests: script (util-linux) is not installed');

/** Runs a command with exactly this environment (and PATH), bounded; resolves with its pid once it ended. */
function runWith(command: string, args: string[], env: Record<string, string>, cwd?: string, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'ignore', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env }, cwd, timeout: timeoutMs });
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}

/** ps's name for /proc/PID/stat's tty_nr, worked out here apart from the native table. */
function ttyFromStat(stat: string): string | null {
  const nr = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[4]);
  if (nr === 0) return null;
  const major = (nr >> 8) & 0xfff;
  const minor = (nr & 0xff) | ((nr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  return `${major}:${minor}`;
}

const sources: Array<[string, () => EventSource, { late: boolean; shortLived: boolean }]> = [
  ['ebpf', () => new EbpfSource({ netlink: { snapshot: false } }), { late: false, shortLived: true }],
  ['netlink', () => new NetlinkSource({ snapshot: false }), { late: true, shortLived: false }],
  ['poll', () => new PollSource({ intervalMs: 20 }), { late: true, shortLived: false }],
];

describeAsRoot('who started an exec (real kernel)', () => {
  let dir = '';
  let capture: Capture | undefined;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forktop-origin-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await capture?.stop();
    capture = undefined;
  });

  for (const [name, make, { late, shortLived }] of sources) {
    // The command's last process. For the /proc readers one they can still find, and a new
    // child (not an exec in place): the poller reads a process once, when it first sees it,
    // and a child starts with all it inherits already set.
    // (Not the shell's last command: dash would exec it in place, and the poller, having seen
    // the shell first, would not see that exec.)
    const hold = (tag: string) => (shortLived ? `exec /bin/true ${tag}` : `/bin/sh -c "sleep 0.6" ${tag}; exit 0`);
    const held = shortLived ? ['/bin/true'] : ['/bin/sh', '-c', 'sleep 0.6'];
    /** The exec of `hold`, the last of the command's. */
    const execOf = (tag: string) => (ev: ForktopEvent): ev is ExecEvent =>
      isExec(ev) && ev.ret === 0 && JSON.stringify(ev.argv) === JSON.stringify([...held, tag]);
    const lateMark = late ? { origin_late: true } : {};

    it(`${name}: a child that sets its login uid starts an audit session its exec carries`, async () => {
      capture = await Capture.startWith(make());
      const tag = uniqueTag('auid');
      const file = path.join(dir, `${tag}.session`);
      // Writing loginuid (as root, while it is unset) gives the process a new audit session.
      await runWith('/bin/sh', ['-c', `echo 4242 > /proc/self/loginuid && cat /proc/self/sessionid > ${file} && ${hold(tag)}`, tag], {});
      const exec = await capture.waitFor(execOf(tag), 10_000);
      const session = Number(fs.readFileSync(file, 'utf8'));
      expect(session).not.toBe(AUDIT_UNSET);
      expect(exec).toMatchObject({ auid: 4242, session, ...lateMark });
      expect(validateEvent(JSON.parse(JSON.stringify(exec))).problem).toBeUndefined();
    });

    it.skipIf(!hasScript)(`${name}: a command under a pty carries its terminal, as its /proc/PID/stat names it`, async () => {
      capture = await Capture.startWith(make());
      const tag = uniqueTag('tty');
      const file = path.join(dir, `${tag}.stat`);
      // The shell's own stat, then it execs (same pid): the exec's terminal is that one.
      await runWith('/usr/bin/script', ['-qec', `/bin/sh -c 'cat /proc/$$/stat > ${file}; ${hold(tag)}' ${tag}`, '/dev/null'], {});
      const exec = await capture.waitFor(execOf(tag), 10_000);
      const expected = ttyFromStat(fs.readFileSync(file, 'utf8'));
      expect(expected).toMatch(/^pts\/\d+$/);
      expect(exec.tty).toBe(expected);
    });

    it(`${name}: a setsid child leads its own session and process group`, async () => {
      capture = await Capture.startWith(make());
      const tag = uniqueTag('setsid');
      const pid = await runWith('/usr/bin/setsid', ['/bin/sh', '-c', `${hold(tag)}`, tag], {});
      const exec = await capture.waitFor(execOf(tag), 10_000);
      // spawn()'s child is no group leader, so setsid(1) calls setsid() without forking.
      if (shortLived) expect(exec.pid).toBe(pid);
      expect(exec).toMatchObject({ sid: pid, pgid: pid });
      if (name === 'ebpf') expect(exec.tty).toBeNull();
    });

    it(`${name}: keeps the allowlisted environment variables only; a secret never shows`, async () => {
      capture = await Capture.startWith(make());
      const tag = uniqueTag('env');
      const secret = `hunter2-${tag}`;
      const env = { SSH_CONNECTION: `203.0.113.7 50022 10.0.0.2 22`, LD_PRELOAD: '', SECRET: secret, OTHER_TOKEN: secret };
      await runWith('/bin/sh', ['-c', `${hold(tag)}`, tag], env);
      const exec = await capture.waitFor(execOf(tag), 10_000);
      expect(exec.env).toEqual({ SSH_CONNECTION: env.SSH_CONNECTION, LD_PRELOAD: '' });
      // Nowhere in anything the source gave: not in env, argv, cwd or any other field.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(JSON.stringify(capture.events)).not.toContain('hunter2');
    });

    it(`${name}: a process with none of the allowlist has env null`, async () => {
      capture = await Capture.startWith(make());
      const tag = uniqueTag('noenv');
      await runWith('/bin/sh', ['-c', `${hold(tag)}`, tag], { SECRET: 'x' });
      const exec = await capture.waitFor(execOf(tag), 10_000);
      expect(exec.env).toBeNull();
    });
  }

  it('ebpf: a script run by its interpreter carries the path given to execve; a program does not', async () => {
    capture = await Capture.startWith(new EbpfSource({ netlink: { snapshot: false } }));
    const tag = uniqueTag('script');
    fs.writeFileSync(path.join(dir, 'x.sh'), `#!/bin/sh\nexit 0\n`, { mode: 0o755 });
    await runWith('/bin/sh', ['-c', `./x.sh ${tag}; /bin/true ${tag}`], {}, dir);
    await capture.waitFor((ev) => isExec(ev) && ev.argv?.[0] === '/bin/true' && ev.argv[1] === tag, 10_000);
    const script = capture.events.filter(isExec).find((ev) => ev.argv?.[1] === './x.sh' && ev.argv[2] === tag);
    expect(script).toMatchObject({ argv: ['/bin/sh', './x.sh', tag], exe: fs.realpathSync('/bin/sh'), filename: './x.sh' });
    const program = capture.events.filter(isExec).find((ev) => ev.argv?.[0] === '/bin/true' && ev.argv[1] === tag);
    // Absent from its line (the event object has it undefined: one shape for every exec).
    expect(program).toBeDefined();
    expect(program!.filename).toBeUndefined();
    expect(JSON.stringify(program)).not.toContain('"filename"');
  });

  it('ebpf: reads every origin field on this kernel (no caveat says one is missing)', async () => {
    const source = new EbpfSource({ netlink: { snapshot: false } });
    capture = await Capture.startWith(source);
    expect(source.describe().caveats.filter((c) => /not read at the exec/.test(c))).toEqual([]);
    expect(source.describe().caveats).toContainEqual(expect.stringMatching(/among its first 256 and first 7 KiB/));
  });

  it('ebpf: an allowlisted variable past the first 7 KiB of the environment is not seen, as the header says', async () => {
    capture = await Capture.startWith(new EbpfSource({ netlink: { snapshot: false } }));
    const tag = uniqueTag('farenv');
    await runWith('/bin/true', [`${tag}-near`], { SUDO_USER: 'near', PAD: 'x'.repeat(100) });
    await runWith('/bin/true', [`${tag}-far`], { PAD: 'x'.repeat(8000), SUDO_USER: 'far' });
    const near = await capture.waitFor((ev): ev is ExecEvent => isExec(ev) && ev.argv?.[1] === `${tag}-near`, 10_000);
    const far = await capture.waitFor((ev): ev is ExecEvent => isExec(ev) && ev.argv?.[1] === `${tag}-far`, 10_000);
    expect(near.env).toEqual({ SUDO_USER: 'near' });
    expect(far.env).toBeNull();
  });

  it('ebpf: --env names are kept, the default allowlist too', async () => {
    capture = await Capture.startWith(new EbpfSource({ netlink: { snapshot: false }, envNames: ['SSH_TTY', 'FORKTOP_TEST_VAR'] }));
    const tag = uniqueTag('envflag');
    await runWith('/bin/true', [tag], { FORKTOP_TEST_VAR: tag, SSH_TTY: '/dev/pts/9', SUDO_USER: 'alice' });
    const exec = await capture.waitFor((ev): ev is ExecEvent => isExec(ev) && ev.argv?.[1] === tag, 10_000);
    expect(exec.env).toEqual({ FORKTOP_TEST_VAR: tag, SSH_TTY: '/dev/pts/9' });
  });

  it('snapshots at start carry the origin fields of processes already running', async () => {
    const tag = uniqueTag('snap');
    const child = spawn('/bin/sh', ['-c', `sleep 5`, tag], { stdio: 'ignore', env: { PATH: '/usr/bin:/bin', SUDO_USER: tag }, timeout: 10_000 });
    try {
      capture = await Capture.startWith(new NetlinkSource({ snapshot: true }));
      const snap = (await capture.waitFor((ev) => ev.type === 'snapshot' && ev.pid === child.pid, 10_000)) as SnapshotEvent;
      const stat = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').slice(0).split(') ')[1].split(' ');
      expect(snap).toMatchObject({ env: { SUDO_USER: tag }, pgid: Number(stat[2]), sid: Number(stat[3]), tty: null, auid: AUDIT_UNSET });
      expect(snap.session).toBe(Number(fs.readFileSync(`/proc/${child.pid}/sessionid`, 'utf8')));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('--json --env NAME: the exec carries that variable too, nothing outside the allowlist anywhere', async () => {
    const cli = await startCli(['--json', '--env', 'FORKTOP_EXTRA,OTHER_NAME']);
    try {
      const tag = uniqueTag('cli-env');
      await runWith('/bin/true', [tag], { FORKTOP_EXTRA: tag, SSH_CONNECTION: '127.0.0.1 4000 127.0.0.1 22', SECRET: `hunter2-${tag}` });
      const line = await cli.line((l) => l.includes('"type":"exec"') && l.includes(`"${tag}"`));
      expect(JSON.parse(line).env).toEqual({ FORKTOP_EXTRA: tag, SSH_CONNECTION: '127.0.0.1 4000 127.0.0.1 22' });
    } finally {
      const result = await cli.stop();
      expect(result.stdout).not.toContain('hunter2');
    }
  });
});

it('--env refuses what is not a variable name, in one line, exit 2', async () => {
  for (const bad of ['A-B', '1ABC', 'X,', '__proto__']) {
    const result = await runCli(['--json', '--env', bad], { timeoutMs: 10_000 });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/--env wants environment variable names/);
  }
});
