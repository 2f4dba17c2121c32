// Small facts about the machine the benchmark runs on.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function which(command) {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** CPU seconds (user + system) a process has used so far, or null when it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return null;
  }
}

/** CPU seconds a process's threads have run so far, to the nanosecond (the scheduler's own
 *  sums, /proc/PID/task/TID/schedstat), or null when it is gone. /proc/PID/stat counts in
 *  10 ms ticks, a twentieth of what a storm costs an observer. A thread that has exited is
 *  not counted: for processes whose threads last as long as they do. */
export function threadCpuSeconds(pid) {
  let tids;
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return null;
  }
  let ns = 0;
  let read = 0;
  for (const tid of tids) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      read++;
    } catch {
      // gone since the listing (or no schedstat in this kernel: null below)
    }
  }
  return read > 0 ? ns / 1e9 : null;
}

/** Compiles bench/storm.c once into bench/out/storm. */
export function buildStorm(benchDir) {
  const out = path.join(benchDir, 'out');
  fs.mkdirSync(out, { recursive: true });
  const binary = path.join(out, 'storm');
  const source = path.join(benchDir, 'storm.c');
  if (!fs.existsSync(binary) || fs.statSync(binary).mtimeMs < fs.statSync(source).mtimeMs) {
    execFileSync('cc', ['-O2', '-Wall', '-o', binary, source], { stdio: 'inherit' });
  }
  return binary;
}

/** execsnoop and bpftrace need tracefs; mount it if missing, and say how to undo it. */
export function ensureTracefs() {
  if (fs.existsSync('/sys/kernel/tracing/events')) return () => {};
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', '/sys/kernel/tracing'], { stdio: 'ignore' });
    return () => execFileSync('umount', ['/sys/kernel/tracing'], { stdio: 'ignore' });
  } catch {
    return () => {};
  }
}

/**
 * Other process watchers already running (a forgotten forktop, forkstat, execsnoop or
 * bpftrace): each handles every event of the storms and competes for the CPUs, which
 * slowed every figure here by a third in one session. Returns "pid name" strings.
 */
export function otherObservers() {
  const names = new Set(['forktop', 'forkstat', 'execsnoop', 'bpftrace']);
  const found = [];
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      if (names.has(comm) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')) found.push(`${pid} ${comm}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Resident memory of a process in MiB (VmRSS, all its threads), or null when it is gone. */
export function rssMiB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Processes created on the machine since boot (/proc/stat): a rate from it counts everyone's. */
export function forksSinceBoot() {
  const m = /^processes (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
  return m ? Number(m[1]) : 0;
}

export function alive(pid) {
  try {
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** Signals pid, waits up to `ms` for it to go, then SIGKILLs it. Only for pids the bench started. */
export async function stopPid(pid, signal = 'SIGINT', ms = 5000) {
  if (!pid || !alive(pid)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** What to undo if the bench is interrupted: tmux servers and loads live outside its process group. */
export const atInterrupt = new Set();

/** One word for sh, whatever it holds. */
export function shellQuote(s) {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** How the installed `forktop` command runs dist/cli.js: by its first line (`#!/usr/bin/env
 *  -S … node FLAGS`, which sets Node's flags and environment), as the kernel runs it, with
 *  `nodeFlags` after its own. `node dist/cli.js` would skip that line. */
export function cliCommand(cli, nodeFlags = []) {
  const first = fs.readFileSync(cli, 'utf8').split('\n', 1)[0];
  const match = /^#!(\S+) (.*)$/.exec(first);
  if (!match) return [process.execPath, ...nodeFlags, cli];
  return [match[1], match[2], ...nodeFlags, cli];
}
