// --record runs as root beside other users: it must never write through their symlink or
// FIFO, never leave argv world-readable, never empty a file on a mistyped command line, and
// never lose the tail of a recording silently (a full disk, a closed terminal).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCli, runCommand, type CliResult } from './helpers/cli.js';
import { describeAsRoot, isRoot, run, uniqueTag } from './helpers/kernel.js';
import { Script } from './helpers/script.js';
import { hasTmux, TmuxSession } from './helpers/tmux.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forktop-record-'));
const mounts: string[] = [];
afterAll(() => {
  // Lazy: a forktop a failed test left running may still hold a file there.
  for (const mount of mounts) execFileSync('umount', ['-l', mount]);
  fs.rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const at = (name: string) => path.join(dir, name);

/** A short recording to replay: a source that needs neither root nor a kernel. */
const sample = at('sample.ndjson');
fs.writeFileSync(
  sample,
  [
    JSON.stringify({ type: 'header', forktop: '0.1.0', schema: 1, host: 'web-1', kernel: '6.1', source: 'netlink', start: '2026-11-23T00:00:00Z' }),
    ...new Script().snapshot(1, 0, ['/sbin/init']).fork(10, 1).after(1).exec(10, ['/bin/sh', '-c', 'make']).after(2).exit(10).events.map((ev) => JSON.stringify(ev)),
  ].join('\n') + '\n',
);
const replaying = ['--replay', sample, '--json', '--speed', 'max'];

/** A file with content of its own, to check it is left byte for byte. */
function existing(name: string, text = `yesterday's recording ${name}\n`): string {
  const file = at(name);
  fs.writeFileSync(file, text);
  return file;
}

function expectRefused(result: CliResult, message: RegExp): void {
  expect(result.stderr).toMatch(message);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.code).toBe(2);
}

const modeOf = (file: string) => fs.statSync(file).mode & 0o7777;

describe('--record opens its file safely', () => {
  it('an existing file is refused without --force and left byte-identical', async () => {
    const file = existing('kept.ndjson');
    const result = await runCli([...replaying, '--record', file]);
    expectRefused(result, /cannot record to .*kept\.ndjson: it exists \(--force overwrites a regular file\)/);
    expect(result.stdout).toBe('');
    expect(fs.readFileSync(file, 'utf8')).toBe("yesterday's recording kept.ndjson\n");
  });

  it('--force overwrites an existing regular file, and makes it 0600', async () => {
    const file = existing('forced.ndjson', 'x'.repeat(10_000));
    fs.chmodSync(file, 0o644);
    const result = await runCli([...replaying, '--record', file, '--force']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ type: 'header' });
    expect(lines.slice(1).map((ev) => ev.type)).toEqual(['snapshot', 'fork', 'exec', 'exit', 'end']);
    expect(modeOf(file)).toBe(0o600);
  });

  it('a new recording is 0600 even with umask 000 (argv carries secrets)', async () => {
    const file = at('private.ndjson');
    const result = await runCommand('bash', ['-c', `umask 000; exec "${process.execPath}" "${CLI}" ${replaying.join(' ')} --record "${file}"`]);
    expect(result.code).toBe(0);
    expect(modeOf(file)).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^\{"type":"header"/);
  });

  it.each([
    [['--bogus'], /unknown flag --bogus/],
    [['--json', '--filter', 'x'], /shape the live view/],
    [['--stop-lineage', '1'], /--stop-lineage runs on its own/],
    [[], /the live view needs a terminal/], // no terminal here: a usage error too
  ])('a command line refused for %j leaves the file untouched (and creates none)', async (args, message) => {
    const file = existing(`typo-${args.join('')}.ndjson`);
    const before = fs.readFileSync(file);
    for (const force of [[], ['--force']]) {
      expectRefused(await runCli(['--record', file, ...force, ...(args as string[])]), message);
      expect(fs.readFileSync(file)).toEqual(before);
    }
    const absent = at(`absent-${args.join('')}.ndjson`);
    expectRefused(await runCli(['--record', absent, ...(args as string[])]), message);
    expect(fs.existsSync(absent)).toBe(false);
  });

  it('--replay F --record F is refused and F stays as it was, by any name for F', async () => {
    const file = fs.readFileSync(sample);
    const copy = at('replayed.ndjson');
    fs.writeFileSync(copy, file);
    const otherName = at('replayed-link.ndjson');
    fs.linkSync(copy, otherName);
    const relative = path.relative(process.cwd(), copy);
    for (const [replay, record] of [[copy, copy], [relative, copy], [otherName, copy], [copy, otherName]]) {
      for (const force of [[], ['--force']]) {
        const result = await runCli(['--replay', replay, '--json', '--speed', 'max', '--record', record, ...force]);
        expectRefused(result, /cannot record to .*: it is the file being replayed/);
        expect(fs.readFileSync(copy)).toEqual(file);
      }
    }
    // A replay from stdin that is that file.
    const result = await runCommand('bash', ['-c', `"${process.execPath}" "${CLI}" --replay - --json --speed max --record "${copy}" --force < "${copy}"`]);
    expectRefused(result, /it is the file being replayed/);
    expect(fs.readFileSync(copy)).toEqual(file);
  });

  it('a FIFO at the path is refused at once, with or without --force (no reader: no hang)', async () => {
    const fifo = at('fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [force, message] of [[[], /it exists/], [['--force'], /it is a FIFO: not overwritten, even with --force/]] as const) {
      const started = Date.now();
      const result = await runCli([...replaying, '--record', fifo, ...force], { timeoutMs: 5000 });
      expectRefused(result, message);
      expect(Date.now() - started).toBeLessThan(4000);
    }
  });

  it('a FIFO someone reads is refused too: no event ever goes to that reader', async () => {
    const fifo = at('fifo-read');
    execFileSync('mkfifo', [fifo]);
    // The other user's reader, held here: a writer's open would succeed and stream to it.
    const reader = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      for (const [force, message] of [[[], /it exists/], [['--force'], /it is a FIFO: not overwritten, even with --force/]] as const) {
        expectRefused(await runCli([...replaying, '--record', fifo, ...force], { timeoutMs: 5000 }), message);
      }
      const buffer = Buffer.alloc(1024);
      let read = 0;
      try {
        read = fs.readSync(reader, buffer);
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('EAGAIN'); // nothing written
      }
      expect(read).toBe(0);
    } finally {
      fs.closeSync(reader);
    }
  });

  it('a symlink at the path (another user\'s, in a sticky shared directory) is never followed', async () => {
    // Like /tmp: world-writable and sticky; the link is nobody's when we are root.
    const shared = at('shared');
    fs.chmodSync(dir, 0o711); // nobody passes through to it
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o1777);
    const target = existing('precious');
    const before = fs.readFileSync(target);
    const mode = modeOf(target);
    const dangling = at('would-be-created');
    const link = (name: string, to: string) => {
      const file = path.join(shared, name);
      if (isRoot) execFileSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'ln', '-s', to, file]);
      else fs.symlinkSync(to, file);
      return file;
    };
    const toTarget = link('rec.ndjson', target);
    const toNothing = link('new.ndjson', dangling);
    if (isRoot) expect(fs.lstatSync(toTarget).uid).not.toBe(0);
    for (const force of [[], ['--force']]) {
      const onTarget = await runCli([...replaying, '--record', toTarget, ...force]);
      expect(fs.readFileSync(target)).toEqual(before);
      expect(modeOf(target)).toBe(mode);
      expectRefused(onTarget, force.length ? /it is a symbolic link: not overwritten/ : /it exists/);
      const onNothing = await runCli([...replaying, '--record', toNothing, ...force]);
      expect(fs.existsSync(dangling)).toBe(false);
      expectRefused(onNothing, force.length ? /it is a symbolic link/ : /it exists/);
    }
  });

  it('--force refuses a directory, and a file with another hard link (it would empty that one too)', async () => {
    const directory = at('a-directory');
    fs.mkdirSync(directory);
    expectRefused(await runCli([...replaying, '--record', directory, '--force']), /it is a directory: not overwritten/);
    const original = existing('linked-original');
    const before = fs.readFileSync(original);
    const second = at('linked.ndjson');
    fs.linkSync(original, second);
    expectRefused(await runCli([...replaying, '--record', second, '--force']), /it has 2 hard links: not overwritten/);
    expect(fs.readFileSync(original)).toEqual(before);
  });

  it.skipIf(!isRoot)('--force never goes through a directory another user owns (it could link anywhere by then)', async () => {
    // Root's file in a directory of ours; a nobody-owned directory with a link to it.
    const rootDir = at('roots');
    fs.mkdirSync(rootDir);
    const victim = path.join(rootDir, 'victim.ndjson');
    fs.writeFileSync(victim, 'root data\n');
    const evil = at('evil');
    fs.mkdirSync(evil);
    fs.chownSync(evil, 65534, 65534);
    fs.symlinkSync(rootDir, path.join(evil, 'x'));
    const result = await runCli([...replaying, '--record', path.join(evil, 'x', 'victim.ndjson'), '--force']);
    expectRefused(result, /belongs to uid 65534: not overwritten, even with --force/);
    expect(fs.readFileSync(victim, 'utf8')).toBe('root data\n');
  });

  it('a file this run created is removed when the run fails before recording anything', async () => {
    const file = at('never-started.ndjson');
    const result = await runCli(['--replay', at('missing.ndjson'), '--json', '--record', file]);
    expectRefused(result, /missing\.ndjson: no such file/);
    expect(fs.existsSync(file)).toBe(false);
  });
});

/** A tmpfs this small fills within the first second of recording. */
function tinyDisk(name: string): string {
  const mount = at(name);
  fs.mkdirSync(mount);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount]);
  mounts.push(mount);
  // Leave a few pages: the recording fills them with its first writes.
  fs.writeFileSync(path.join(mount, 'filler'), Buffer.alloc(48 * 1024));
  return mount;
}

/** Runs processes until `done()` (what the test waits for) or the deadline. */
async function eventsUntil(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await run('bash', ['-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done']);
  }
}

describeAsRoot('--record on a full disk (a 64 KiB tmpfs)', () => {
  it('--json: the error is on stderr at once, the stream goes on, and the exit status is 1', async () => {
    const file = path.join(tinyDisk('full-json'), 'r.ndjson');
    const child = spawn(process.execPath, [CLI, '--json', '--record', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      await eventsUntil(() => stderr.includes('\n'), 'the recording error on stderr');
      expect(child.exitCode).toBe(null); // said while running, not at exit
      expect(stderr).toBe(`forktop: recording to ${file} stopped: ENOSPC (no space left on device)\n`);
      const printed = stdout.length;
      await eventsUntil(() => stdout.length > printed, 'events printed after the error');
      child.kill('SIGINT');
      expect(await closed).toBe(1);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
    // What fitted still replays (its last line torn where the disk filled).
    const replay = await runCli(['--replay', file, '--json', '--speed', 'max']);
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout.split('\n')[0])).toMatchObject({ type: 'header' });
  });

  it.skipIf(!hasTmux)('live view: the error shows on screen at once, q still quits, and the exit status is 1', async () => {
    const file = path.join(tinyDisk('full-live'), 'r.ndjson');
    const name = `forktop-record-full-${process.pid}`;
    const errors = at('full-live.stderr');
    const terminal = new TmuxSession(name);
    terminal.start(`${process.execPath} ${CLI} --record ${file} 2>${errors}; echo "EXIT=$?"; sleep 60`, 160, 40);
    try {
      await terminal.waitFor(/LIVE/);
      let screen = '';
      await eventsUntil(() => /recording to \S+ stopped: ENOSPC/.test((screen = terminal.screen())), 'the error on screen');
      expect(screen).toContain('LIVE'); // still running
      terminal.keys('q');
      await terminal.waitFor(/EXIT=\d+/);
      expect(terminal.screen()).toContain('EXIT=1');
      // Said again on the terminal once the view has given it back.
      expect(fs.readFileSync(errors, 'utf8')).toContain(`forktop: recording to ${file} stopped: ENOSPC (no space left on device)\n`);
    } finally {
      terminal.kill();
    }
  });
});

describeAsRoot('--record when the terminal closes', () => {
  it.skipIf(!hasTmux)('killing the tmux session while events flow keeps the recording to the last event before it', async () => {
    const tag = uniqueTag('rec-close');
    const file = at('closed.ndjson');
    const status = at('closed.status');
    const name = `forktop-record-close-${process.pid}`;
    const terminal = new TmuxSession(name);
    // The wrapper outlives the hangup to say how forktop ended. The filter keeps the tagged
    // rows on screen while the loop's rows keep it redrawing (a write to the closed terminal
    // is then what forktop sees first).
    terminal.start(`bash -c 'trap "" HUP; ${process.execPath} ${CLI} --record ${file} --filter ${tag}; echo $? > ${status}'`, 120, 40);
    const loop = spawn('bash', ['-c', `i=0; while sleep 0.02; do i=$((i+1)); /bin/true ${tag}-loop-$i; done`], { stdio: 'ignore' });
    try {
      await terminal.waitFor(/LIVE/);
      await terminal.waitFor(new RegExp(`${tag}-loop-`));
      // Right after a flush the next is a second away: the last event is then in forktop's
      // buffer only, and the closing must write it.
      const size = fs.statSync(file).size;
      const deadline = Date.now() + 5000;
      while (fs.statSync(file).size === size && Date.now() < deadline) await sleep(5);
      await run('/bin/true', [`${tag}-last`]);
      await terminal.waitFor(new RegExp(`true ${tag}-last`), 2000);
      terminal.kill();
      const gone = Date.now() + 10_000;
      while (!fs.existsSync(status) || !fs.readFileSync(status, 'utf8').trim()) {
        if (Date.now() > gone) throw new Error('forktop did not end after its terminal closed');
        await sleep(50);
      }
      expect(fs.readFileSync(status, 'utf8').trim()).toBe('0');
    } finally {
      loop.kill();
      terminal.kill();
    }
    const events = fs.readFileSync(file, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line)); // no torn line either
    const last = events.findIndex((ev) => ev.type === 'exec' && ev.argv?.[1] === `${tag}-last`);
    expect(last, `the recording ends before /bin/true ${tag}-last`).toBeGreaterThan(0);
  });
});
