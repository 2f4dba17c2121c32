import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { ExecEvent, ForktopEvent, LostEvent } from '../../src/events/schema.js';
import { loadAddon, type BpfObject } from '../../src/sources/addon.js';
import { EbpfSource } from '../../src/sources/ebpf.js';
import { CLI, runCommand, startCli } from '../helpers/cli.js';
import { Capture, compiledProgram, describeAsRoot, run, stormBinary, uniqueTag } from '../helpers/kernel.js';

const isExec = (ev: ForktopEvent): ev is ExecEvent => ev.type === 'exec';
/** Where a cgroup v2 hierarchy is mounted, if processes use one (else that test is skipped, said below). */
const cgroupV2 = (() => {
  const inUse = fs.existsSync('/proc/self/cgroup') && /^0::/m.test(fs.readFileSync('/proc/self/cgroup', 'utf8'));
  let mount = '';
  try {
    if (inUse) mount = execFileSync('findmnt', ['-n', '-t', 'cgroup2', '-o', 'TARGET'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    // findmnt found none (it exits 1)
  }
  if (!mount) console.log('skipping the cgroup move test: no cgroup v2 hierarchy in use here');
  return mount || null;
})();
/** /bin/true as the kernel knows the file (/bin is a symlink to usr/bin on merged-/usr systems). */
const trueProgram = fs.realpathSync('/bin/true');

/** The BPF programs and maps this process holds a file descriptor to (from fdinfo). */
function ownBpfObjects(): BpfObject[] {
  const ids = new Set<string>();
  for (const fd of fs.readdirSync('/proc/self/fdinfo')) {
    try {
      const info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
      const prog = /^prog_id:\s+(\d+)/m.exec(info);
      const map = /^map_id:\s+(\d+)/m.exec(info);
      if (prog) ids.add(`prog:${prog[1]}`);
      if (map) ids.add(`map:${map[1]}`);
    } catch {
      // closed meanwhile
    }
  }
  return loadAddon().bpfObjects().filter((o) => ids.has(`${o.kind}:${o.id}`));
}

/** Runs the storm tool; returns the pids it made. */
function storm(args: string[]): number[] {
  const out = execFileSync(stormBinary(), args, { encoding: 'utf8', timeout: 120_000 });
  return out.trim().split('\n').map((line) => Number(line.split(' ')[0]));
}

/**
 * A tiny ptrace holder, compiled once into bench/out: runs PROGRAM ARGS... traced, and holds
 * it MS milliseconds at its exec (PTRACE_EVENT_EXEC), the stop the kernel makes between
 * the exec tracepoint (eBPF's record) and the proc connector's exec event, as strace or gdb
 * does. Prints the pid, then waits for it.
 */
const EXEC_HOLDER = `
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char** argv) {
  if (argc < 3) return 2;
  useconds_t hold = (useconds_t)atoi(argv[1]) * 1000;
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    raise(SIGSTOP);
    execv(argv[2], argv + 2);
    _exit(127);
  }
  int st;
  if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) return 1;
  ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL);
  ptrace(PTRACE_CONT, pid, 0, 0);
  if (waitpid(pid, &st, 0) != pid || (st >> 8) != (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) return 1;
  printf("%d\\n", pid);
  fflush(stdout);
  usleep(hold);
  ptrace(PTRACE_DETACH, pid, 0, 0);
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
`;

const execHolder = (): string => compiledProgram('exec-holder', EXEC_HOLDER);

async function settle(capture: Capture): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  await capture.stop();
}

describeAsRoot('eBPF exec source (real kernel)', () => {
  let capture: Capture | undefined;
  afterEach(async () => {
    await capture?.stop();
    capture = undefined;
  });

  it('2,000 short-lived execs, 8 in parallel, argv string literals of the forking program: every one exact, once', async () => {
    capture = await Capture.startWith(new EbpfSource({ netlink: { snapshot: false } }));
    const tag = uniqueTag('lit');
    const pids = storm(['exec', '2000', '8', tag, 'literal']);
    await settle(capture);
    const byPid = new Map<number, ExecEvent[]>();
    for (const ev of capture.events.filter(isExec)) {
      if (!byPid.has(ev.pid)) byPid.set(ev.pid, []);
      byPid.get(ev.pid)!.push(ev);
    }
    pids.forEach((pid, i) => {
      const execs = byPid.get(pid) ?? [];
      expect(execs, `pid ${pid}`).toHaveLength(1);
      expect(execs[0]).toMatchObject({ argv: ['true', `${tag}-${i}`], argv_source: 'kernel', exe: trueProgram, cwd: process.cwd(), ret: 0 });
    });
    expect(capture.events.filter((ev) => ev.type === 'lost')).toEqual([]);
  });

  it('passes a new storm interval to both its readers, and refuses one out of range', async () => {
    const source = new EbpfSource({ netlink: { snapshot: false } });
    capture = await Capture.startWith(source);
    expect(() => source.setStormBatchMs(1001)).toThrow(/EbpfExecSource: stormBatchMs must be 1 to 1000/);
    source.setStormBatchMs(12);
    // Still delivering at the new interval.
    const tag = uniqueTag('interval');
    const child = await run('/bin/true', [tag]);
    await capture.waitFor((ev) => isExec(ev) && ev.pid === child.pid && ev.argv?.[1] === tag);
  });

  it('reports an exec of a missing file once, with -ENOENT and the argv it was given', async () => {
    capture = await Capture.startWith(new EbpfSource({ netlink: { snapshot: false } }));
    const path = `/nonexistent/${uniqueTag('missing')}`;
    const child = spawn(path, ['arg1'], { stdio: 'ignore' });
    await new Promise((resolve) => child.on('error', resolve));
    await settle(capture);
    const failed = capture.events.filter(isExec).filter((ev) => ev.exe === path);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ ret: -2, argv: [path, 'arg1'], argv_source: 'kernel' });
  });

  it('marks a command line past the cap as truncated, keeping what fits exactly', async () => {
    capture = await Capture.startWith(new EbpfSource({ netlink: { snapshot: false } }));
    const tag = uniqueTag('long');
    const args = [tag, ...Array.from({ length: 40 }, (_, i) => `${i}`.padEnd(1000, 'x'))];
    await run('/bin/true', args);
    await settle(capture);
    const exec = capture.events.filter(isExec).find((ev) => ev.argv?.[1] === tag)!;
    expect(exec.truncated).toBe(true);
    const bytes = exec.argv!.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
    expect(bytes).toBeGreaterThanOrEqual(16_383);
    expect(bytes).toBeLessThanOrEqual(16_385);
    const whole = exec.argv!.length - 1; // the last one is cut
    expect(exec.argv!.slice(0, whole)).toEqual(['/bin/true', ...args].slice(0, whole));
    expect(args[whole - 1].startsWith(exec.argv![whole])).toBe(true);
  });

  it('keeps non-UTF-8 and empty arguments byte-exact', async () => {
    capture = await Capture.startWith(new EbpfSource({ netlink: { snapshot: false } }));
    const tag = uniqueTag('bytes');
    await run('bash', ['-c', `/bin/true ${tag} $'\\xff\\xfe' '' 'a b'`]);
    await settle(capture);
    const exec = capture.events.filter(isExec).find((ev) => ev.argv?.[0] === '/bin/true' && ev.argv[1] === tag);
    expect(exec?.argv).toEqual(['/bin/true', tag, '\udcff\udcfe', '', 'a b']);
  });

  it('keeps text below U+0100 exact (a batch of it travels as Latin-1) and above it', async () => {
    capture = await Capture.startWith(new EbpfSource({ netlink: { snapshot: false } }));
    const tag = uniqueTag('latin1');
    const execsOf = () => capture!.events.filter(isExec).filter((ev) => ev.argv?.[0] === '/bin/true' && ev.argv[1] === tag).map((ev) => ev.argv);
    // One at a time, each delivered before the next runs: the first batch holds no character
    // past U+00FF (the shell's own argv spells them as escapes), the second does.
    await run('bash', ['-c', `/bin/true ${tag} $'caf\\xc3\\xa9' $'\\xc2\\xa0\\xc3\\xbf'`]);
    await capture.waitFor((ev) => isExec(ev) && ev.argv?.[0] === '/bin/true' && ev.argv[1] === tag);
    await run('bash', ['-c', `/bin/true ${tag} $'\\xe6\\x97\\xa5\\xe6\\x9c\\xac' $'\\xff'`]);
    await settle(capture);
    expect(execsOf()).toEqual([['/bin/true', tag, 'café', '\u00a0\u00ff'], ['/bin/true', tag, '日本', '\udcff']]);
  });

  it('sees fexecve (execveat on a file descriptor)', async () => {
    capture = await Capture.startWith(new EbpfSource({ netlink: { snapshot: false } }));
    const tag = uniqueTag('fexecve');
    const [pid] = storm(['fexecve', tag]);
    await settle(capture);
    const execs = capture.events.filter(isExec).filter((ev) => ev.pid === pid);
    expect(execs).toHaveLength(1);
    // The program itself, not the /dev/fd/N path execveat() was given.
    expect(execs[0]).toMatchObject({ argv: ['true', tag], ret: 0, argv_source: 'kernel', exe: trueProgram });
  });

  it('reports the cwd and the program as absolute paths: after a cd, across a mount, through a symlink', async () => {
    const source = new EbpfSource({ netlink: { snapshot: false } });
    capture = await Capture.startWith(source);
    // This kernel's BTF has every field the walks need, and its verifier takes them: no caveat.
    expect(source.describe().caveats.filter((c) => /exe is the path|cwd is the parent|cgroup is the parent/.test(c))).toEqual(cgroupV2 ? [] : [expect.stringMatching(/cgroup/)]);
    const tag = uniqueTag('paths');
    const dir = fs.mkdtempSync(`/tmp/${tag}-`);
    try {
      fs.mkdirSync(`${dir}/sub dir`);
      fs.symlinkSync('/bin/true', `${dir}/sub dir/link`);
      const shm = fs.mkdtempSync(`/dev/shm/${tag}-`); // a tmpfs: the walk crosses a mount
      // One shell: the cwd changes after its fork, where a source reading the parent's would be wrong.
      await run('bash', ['-c', `cd '${dir}/sub dir' && ./link ${tag}-a; cd ${shm} && /bin/true ${tag}-b; cd / && /bin/true ${tag}-c; exit 0`]);
      fs.rmdirSync(shm);
      await settle(capture);
      const seen = (arg: string) => capture!.events.filter(isExec).find((ev) => ev.argv?.[1] === arg && ev.ret === 0);
      expect(seen(`${tag}-a`)).toMatchObject({ argv: ['./link', `${tag}-a`], exe: trueProgram, cwd: `${dir}/sub dir` });
      expect(seen(`${tag}-b`)).toMatchObject({ exe: trueProgram, cwd: shm });
      expect(seen(`${tag}-c`)).toMatchObject({ exe: trueProgram, cwd: '/' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!cgroupV2)('reports the cgroup at the exec, after a move since the fork (as a service manager does)', async () => {
    const v2 = cgroupV2!;
    capture = await Capture.startWith(new EbpfSource({ netlink: { snapshot: false } }));
    const tag = uniqueTag('cgroup');
    const group = `${v2}/${tag}/inner`;
    fs.mkdirSync(group, { recursive: true });
    try {
      await run('bash', ['-c', `echo $$ > ${group}/cgroup.procs && exec /bin/true ${tag}`]);
      await settle(capture);
      const exec = capture.events.filter(isExec).find((ev) => ev.argv?.[1] === tag);
      expect(exec).toMatchObject({ exe: trueProgram, cgroup: `/${tag}/inner` });
    } finally {
      fs.rmdirSync(group);
      fs.rmdirSync(`${v2}/${tag}`);
    }
  });

  it('the loops as bpf_loop callbacks and unrolled give the same records: a failed exec past 64 arguments, a cwd past the walk\'s steps, allowlisted variables deep in the environment', async () => {
    const looped = new EbpfSource({ netlink: { snapshot: false } });
    const unrolled = new EbpfSource({ loops: false, netlink: { snapshot: false } });
    capture = await Capture.startWith(looped);
    const other = await Capture.startWith(unrolled);
    try {
      expect([looped.runsLoops, unrolled.runsLoops]).toEqual([true, false]);
      const tag = uniqueTag('loops');
      const dir = fs.mkdtempSync(`/tmp/${tag}-`);
      const deep = `${dir}/${Array.from({ length: 55 }, (_, i) => `d${i}`).join('/')}`;
      const mid = `${dir}/${Array.from({ length: 20 }, (_, i) => `d${i}`).join('/')}`;
      fs.mkdirSync(deep, { recursive: true });
      const many = Array.from({ length: 300 }, (_, i) => `V${i}=x`);
      const script = [
        `/nonexistent/${tag}-fail ${Array.from({ length: 70 }, (_, i) => `a${i}`).join(' ')}`,
        `(cd ${deep} && /bin/true ${tag}-deep)`,
        `(cd ${mid} && /bin/true ${tag}-mid)`,
        `env -i ${many.slice(0, 199).join(' ')} SSH_TTY=/dev/pts/199 ${many.slice(199).join(' ')} /bin/true ${tag}-env200`,
        `env -i ${many.join(' ')} SSH_TTY=/dev/pts/300 /bin/true ${tag}-env300`,
        `env -i SSH_TTY=/dev/pts/1 LD_PRELOAD= SUDO_USER=bob /bin/true ${tag}-env1`,
        `/bin/true ${tag}-last`,
        'exit 0',
      ].join('; ');
      try {
        await run('bash', ['-c', script]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      const last = (ev: ForktopEvent) => isExec(ev) && ev.argv?.[1] === `${tag}-last`;
      await Promise.all([capture.waitFor(last), other.waitFor(last)]);
      // The wall-clock strings (time, start) come from each source's own reading of the wall
      // clock against the monotonic one, a microsecond apart now and then (a CI run failed on
      // it): the records are compared by their kernel times (start_ts) instead.
      const tagged = (c: Capture) =>
        c.events.filter(isExec).filter((ev) => ev.argv?.some((a) => a.startsWith(`${tag}-`)) || ev.exe?.includes(tag))
          .map(({ time, ts, start, ...rest }) => rest);
      const seen = tagged(capture);
      expect(seen.map((ev) => ev.argv![ev.argv![0] === 'env' ? ev.argv!.length - 1 : ev.ret === 0 ? 1 : 0])).toEqual([
        `/nonexistent/${tag}-fail`, `${tag}-deep`, `${tag}-mid`, 'env', `${tag}-env200`, 'env', `${tag}-env300`, 'env', `${tag}-env1`, `${tag}-last`,
      ].map((a) => (a === 'env' ? expect.any(String) : a)));
      expect(seen.find((ev) => ev.ret !== 0)).toMatchObject({ ret: -2, truncated: true });
      expect(seen.find((ev) => ev.argv![1] === `${tag}-mid`)).toMatchObject({ cwd: mid });
      expect(seen.find((ev) => ev.argv![1] === `${tag}-env200`)).toMatchObject({ env: { SSH_TTY: '/dev/pts/199' } });
      expect(seen.find((ev) => ev.argv![1] === `${tag}-env300`)).toMatchObject({ env: null });
      expect(tagged(other)).toEqual(seen);
    } finally {
      await other.stop();
    }
  });

  it('without BTF, reads argv at execve() entry and says so', async () => {
    const source = new EbpfSource({ useBtf: false, netlink: { snapshot: false } });
    capture = await Capture.startWith(source);
    expect(source.describe().caveats[0]).toMatch(/no kernel BTF/);
    const tag = uniqueTag('entry');
    await run('bash', ['-c', `/bin/echo ${tag} 'a b' ''; exit 0`]);
    await settle(capture);
    const exec = capture.events.filter(isExec).find((ev) => ev.argv?.[1] === tag);
    expect(exec).toMatchObject({ argv: ['/bin/echo', tag, 'a b', ''], argv_source: 'kernel', comm: 'echo', ret: 0 });
  });

  it('counts what a full ring buffer could not take as lost, never silently', async () => {
    // One page of ring buffer and ~3.6 KiB of argv per exec: it holds one record at a time,
    // and 300 execs started at once overrun it however fast the reader is.
    capture = await Capture.startWith(new EbpfSource({ ringBytes: 4096, netlink: { snapshot: false } }));
    const tag = uniqueTag('overrun');
    const script = `long=$(printf 'x%.0s' $(seq 3500)); for i in $(seq 300); do /bin/true ${tag} "$long" & echo $!; done; wait`;
    const pids = new Set(execFileSync('bash', ['-c', script], { encoding: 'utf8', timeout: 60_000 }).trim().split('\n').map(Number));
    expect(pids.size).toBe(300);
    await settle(capture);
    const seen = capture.events.filter(isExec).filter((ev) => pids.has(ev.pid) && ev.argv_source === 'kernel').length;
    const lost = capture.events
      .filter((ev): ev is LostEvent => ev.type === 'lost' && ev.source === 'ebpf')
      .reduce((n, ev) => n + ev.count, 0);
    expect(seen).toBeLessThan(300);
    expect(lost).toBeGreaterThan(0);
    expect(seen + lost).toBeGreaterThanOrEqual(300); // every record was sent or counted
  });

  it('a full ring buffer loses forks and exits too: the loss is counted, and the tree is repaired from /proc', async () => {
    capture = await Capture.startWith(new EbpfSource({ ringBytes: 4096, netlink: { snapshot: false } }));
    const tag = uniqueTag('overrun');
    const script = `long=$(printf 'x%.0s' $(seq 3500)); for i in $(seq 300); do /bin/true ${tag} "$long" & done; wait`;
    execFileSync('bash', ['-c', script], { timeout: 60_000 });
    const resync = await capture.waitFor((ev) => ev.type === 'resync', 10_000);
    expect(resync).toMatchObject({ type: 'resync' });
    expect(capture.events.some((ev) => ev.type === 'lost' && ev.source === 'ebpf')).toBe(true);
  });

  it('an exec a tracer holds 200 ms after its exec tracepoint: once, with its argv', async () => {
    const source = new EbpfSource({ netlink: { snapshot: false } });
    capture = await Capture.startWith(source);
    const tag = uniqueTag('traced');
    const held = await runCommand(execHolder(), ['200', '/bin/true', tag], { timeoutMs: 10_000 });
    expect(held.code).toBe(0);
    const pid = Number(held.stdout.trim());
    const exit = await capture.waitFor((ev) => ev.type === 'exit' && ev.pid === pid);
    await capture.stop();
    const execs = capture.events.filter(isExec).filter((ev) => ev.pid === pid);
    expect(execs).toHaveLength(1);
    expect(execs[0]).toMatchObject({ argv: ['/bin/true', tag], argv_source: 'kernel', exe: trueProgram, ret: 0 });
    // It was held: it lived the 200 ms after its exec tracepoint.
    expect(exit.ts - execs[0].ts).toBeGreaterThanOrEqual(200e6);
  });

  it('forks and exits come from the ring: the parent at fork, exit codes and signals, threads left out', async () => {
    const source = new EbpfSource({ netlink: { snapshot: false } });
    capture = await Capture.startWith(source);
    // A shell forks three: one exits 3, one is killed, one runs node with threads of its own
    // (libuv's pool, V8's platform, a worker) whose last thread to end is not its first.
    const script = [
      'sh -c "exit 3" & echo $!; wait',
      'sleep 30 & echo $!; kill -9 $!; wait',
      `${process.execPath} -e "new (require('worker_threads').Worker)('setTimeout(()=>process.exit(0),50)', {eval:true}); setTimeout(()=>process.exit(5),300)" & echo $!; wait`,
    ].join('; ');
    const shell = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 });
    let out = '';
    shell.stdout.on('data', (chunk) => (out += chunk));
    await new Promise((resolve) => shell.on('exit', resolve));
    const [exited3, killed, threaded] = out.trim().split('\n').map(Number);
    await capture.waitFor((ev) => ev.type === 'exit' && ev.pid === shell.pid, 10_000);
    const exitOf = (pid: number) => capture!.of(pid).filter((ev) => ev.type === 'exit');
    for (const pid of [exited3, killed, threaded]) {
      expect(capture.of(pid).filter((ev) => ev.type === 'fork')).toEqual([expect.objectContaining({ ppid: shell.pid })]);
      expect(exitOf(pid)).toHaveLength(1);
    }
    expect(exitOf(exited3)[0]).toMatchObject({ ppid: shell.pid, code: 3, signal: 0, core: false });
    expect(exitOf(killed)[0]).toMatchObject({ code: 0, signal: 9 });
    expect(exitOf(threaded)[0]).toMatchObject({ code: 5, signal: 0 });
    expect(exitOf(shell.pid!)[0]).toMatchObject({ code: 0, signal: 0 });
    // No thread shows as a process: none forked by the threaded child.
    expect(capture.events.filter((ev) => ev.type === 'fork' && ev.ppid === threaded)).toEqual([]);
    // The durations come from the forks.
    expect(exitOf(exited3)[0]).toMatchObject({ duration_ms: expect.any(Number) });
    // Every event's wall time is its kernel time plus one offset, to the microsecond.
    const micros = (time: string) => Date.parse(time) * 1000 + Number(time.slice(23, 26));
    const offsets = capture.events.filter((ev) => ev.type !== 'lost').map((ev) => micros(ev.time) - Math.floor(ev.ts / 1000));
    expect(Math.max(...offsets) - Math.min(...offsets)).toBeLessThanOrEqual(1);
    const stats = source.stats();
    expect(stats.ebpfForks).toBeGreaterThanOrEqual(4);
    expect(stats.ebpfExits).toBeGreaterThanOrEqual(4);
  });

  it('an exec from a thread other than the first ends the process\'s other threads, not the process: no exit until its own', async () => {
    capture = await Capture.startWith(new EbpfSource({ netlink: { snapshot: false } }));
    const tag = uniqueTag('thread-exec');
    // A second thread execs: the kernel ends every other thread, the first one included,
    // and the process goes on as /bin/true.
    const child = await run('/usr/bin/python3', [
      '-c',
      `import os, threading, time\nthreading.Thread(target=lambda: os.execv('/bin/true', ['true', '${tag}'])).start()\ntime.sleep(5)`,
    ]);
    expect(child.code).toBe(0);
    await capture.waitFor((ev) => ev.type === 'exit' && ev.pid === child.pid, 10_000);
    const events = capture.of(child.pid);
    expect(events.filter((ev) => ev.type === 'exec').at(-1)).toMatchObject({ argv: ['true', tag] });
    const exits = events.filter((ev) => ev.type === 'exit');
    expect(exits).toHaveLength(1);
    expect(exits[0].ts).toBeGreaterThan(events.filter((ev) => ev.type === 'exec').at(-1)!.ts);
  });

  it('asks the proc connector only for id, name and session changes: a storm never wakes it', async () => {
    const source = new EbpfSource({ netlink: { snapshot: false } });
    capture = await Capture.startWith(source);
    const before = source.stats();
    const tag = uniqueTag('quiet');
    const pids = storm(['exec', '500', '4', tag, 'literal']);
    const last = pids[pids.length - 1];
    await capture.waitFor((ev) => ev.type === 'exit' && ev.pid === last, 10_000);
    const after = source.stats();
    expect(after.ebpfForks - before.ebpfForks).toBeGreaterThanOrEqual(500);
    if (after.kernelFilter) {
      // Other tests' processes may change ids meanwhile, never 1,500 times.
      expect(after.messages - before.messages).toBeLessThan(100);
    }
    // Whether filtered by the kernel or here, the proc connector adds no fork, exec or exit.
    const execs = capture.events.filter((ev) => ev.type === 'exec' && pids.includes(ev.pid));
    expect(execs).toHaveLength(500);
    expect(capture.events.filter((ev) => ev.type === 'fork' && pids.includes(ev.pid))).toHaveLength(500);
  });

  it('forktop stopped (SIGSTOP) for 3 s during a storm, then continued: each exec once, with its argv', async () => {
    const cli = await startCli(['--json', '--source', 'ebpf']);
    const lines = () => cli.stdout().split('\n').slice(0, -1);
    const execLine = (tag: string) => (line: string) => line.includes('"type":"exec"') && line.includes(tag);
    const waitForLine = async (match: (line: string) => boolean, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!lines().some(match)) {
        if (Date.now() > deadline) throw new Error('timed out waiting for forktop\'s output');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    let stopped = false;
    try {
      // It sees execs now.
      const ready = uniqueTag('ready');
      await run('/bin/true', [ready]);
      await waitForLine(execLine(ready), 10_000);
      process.kill(cli.pid, 'SIGSTOP');
      stopped = true;
      const stoppedAt = Date.now();
      const tag = uniqueTag('stalled');
      const pids = storm(['exec', '1000', '8', tag, 'literal']);
      // The deliberate stop: both streams' events wait in the kernel meanwhile.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 3000 - (Date.now() - stoppedAt))));
      process.kill(cli.pid, 'SIGCONT');
      stopped = false;
      // A process run after the storm: its exit is the proc connector's last word on it.
      const after = await run('/bin/true', [uniqueTag('after')]);
      await waitForLine((line) => line.includes('"type":"exit"') && JSON.parse(line).pid === after.pid, 30_000);
      const result = await cli.stop();
      const wanted = new Map(pids.map((pid, i) => [pid, ['true', `${tag}-${i}`]]));
      const execs = new Map<number, ExecEvent[]>();
      for (const line of result.stdout.split('\n')) {
        if (!line.includes('"type":"exec"')) continue;
        const ev = JSON.parse(line) as ExecEvent;
        if (wanted.has(ev.pid)) execs.set(ev.pid, [...(execs.get(ev.pid) ?? []), ev]);
      }
      const twice = [...execs.values()].filter((list) => list.length > 1).length;
      const wrong = [...wanted].filter(([pid, argv]) => JSON.stringify(execs.get(pid)?.map((ev) => ev.argv)) !== JSON.stringify([argv]));
      expect({ twice, wrong: wrong.length }).toEqual({ twice: 0, wrong: 0 });
      expect(result.stdout).not.toMatch(/"type":"lost"/);
    } finally {
      if (stopped) process.kill(cli.pid, 'SIGCONT');
      await cli.stop();
    }
  }, 60_000);

  it('leaves no BPF program or map behind after stop', async () => {
    const source = new EbpfSource({ netlink: { snapshot: false } });
    capture = await Capture.startWith(source);
    // Other test files run forktop beside this one: ours are the ones this process holds.
    const ours = ownBpfObjects();
    expect(ours.map((o) => `${o.kind} ${o.name}`).sort()).toEqual([
      'map forktop_drops', 'map forktop_ring', 'map forktop_scratch', 'map forktop_tries',
      'prog forktop_enter', 'prog forktop_enterat', 'prog forktop_exec', 'prog forktop_exit',
      'prog forktop_fork', 'prog forktop_pexit',
    ]);
    await capture.stop();
    capture = undefined;
    expect(ownBpfObjects()).toEqual([]);
    // The kernel frees maps shortly after their last reference goes.
    const ids = new Set(ours.map((o) => `${o.kind}:${o.id}`));
    const remaining = () => loadAddon().bpfObjects().filter((o) => ids.has(`${o.kind}:${o.id}`));
    const deadline = Date.now() + 3000;
    while (remaining().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(remaining()).toEqual([]);
  });
});

describeAsRoot('eBPF source and tracefs', () => {
  it('mounts tracefs when it is missing, and unmounts it once the programs are attached', async () => {
    // In a mount namespace of its own, so nothing else on the machine loses tracefs.
    const script = `
      umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug 2>/dev/null
      if mountpoint -q /sys/kernel/tracing; then echo "could not unmount"; exit 0; fi
      out=$(mktemp)
      "${process.execPath}" "${CLI}" --json --source ebpf > "$out" 2>&1 &
      for i in $(seq 1 100); do grep -q '"type":"snapshot"' "$out" && break; sleep 0.1; done
      mountpoint -q /sys/kernel/tracing && echo "tracefs: mounted" || echo "tracefs: not mounted"
      kill -INT $!; wait $!
      head -1 "$out"; rm -f "$out"`;
    const result = await runCommand('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { timeoutMs: 20_000 });
    const [verdict, header] = result.stdout.trim().split('\n');
    expect(verdict).toBe('tracefs: not mounted');
    expect(JSON.parse(header)).toMatchObject({ type: 'header', source: 'ebpf' });
  });
});
