// The unprivileged fallback: polls /proc and reports processes appearing and disappearing
// as fork/exec/exit events marked `inferred`. It cannot see a process that lives less than
// the interval, nor when exactly an exec happened, nor how a process ended.
import fs from 'node:fs';
import { ENV_ALLOWLIST, type ExecEvent, type ExitEvent, type ForkEvent, type ForktopEvent, type SnapshotEvent } from '../events/schema.js';
import { readProcess, scanProcesses } from './addon.js';
import { monotonicNs, wallTime } from './clock.js';
import type { EventSource, SourceHandlers } from './source.js';

export interface PollOptions {
  intervalMs?: number;
  /** The environment variables read from /proc (default ENV_ALLOWLIST). */
  envNames?: readonly string[];
}

/** hidepid=1/2 (or invisible) on /proc hides other users' processes from non-root. */
export function procHidesOthers(mounts = '/proc/mounts'): boolean {
  try {
    return fs.readFileSync(mounts, 'utf8').split('\n').some((line) => {
      const [, where, type, options] = line.split(' ');
      return where === '/proc' && type === 'proc' && /hidepid=(1|2|invisible|noaccess)/.test(options ?? '');
    });
  } catch {
    return false;
  }
}

export class PollSource implements EventSource {
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  /** pid -> what we know of it (argv to tell a fork-only child from an exec). */
  private readonly known = new Map<number, SnapshotEvent>();
  /** Children first seen still running their parent's program: looked at again each poll,
   *  since most exec soon after the fork (a loaded machine's poll can land in between). */
  private readonly forkOnly = new Set<number>();
  private polls = 0;
  private readonly envNames: readonly string[];

  constructor(options: PollOptions = {}) {
    this.intervalMs = Math.min(1000, Math.max(10, options.intervalMs ?? 100));
    this.envNames = options.envNames ?? ENV_ALLOWLIST;
  }

  describe() {
    const caveats = [
      `polls /proc every ${this.intervalMs} ms: processes shorter than that are not seen, and exec and exit times are approximate, exit codes unknown`,
    ];
    if (process.getuid?.() !== 0 && procHidesOthers()) caveats.push("/proc is mounted with hidepid: other users' processes are hidden");
    return { name: 'poll', caveats };
  }

  async start(handlers: SourceHandlers): Promise<void> {
    const snapshots = scanProcesses(this.envNames);
    for (const snap of snapshots) this.known.set(snap.pid, snap);
    handlers.onBatch(snapshots);
    this.timer = setInterval(() => {
      const events = this.poll();
      if (events.length > 0) handlers.onBatch(events);
    }, this.intervalMs);
  }

  private poll(): ForktopEvent[] {
    this.polls++;
    const events: ForktopEvent[] = [];
    const seen = new Set<number>();
    let names: string[];
    try {
      names = fs.readdirSync('/proc');
    } catch {
      return events;
    }
    for (const name of names) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid <= 0) continue;
      seen.add(pid);
      if (this.known.has(pid)) {
        if (this.forkOnly.has(pid)) this.execSince(pid, events);
        continue;
      }
      const snap = readProcess(pid, this.envNames);
      if (!snap) continue; // gone already
      this.known.set(pid, snap);
      const start = snap.start_ts ?? snap.ts;
      const fork: ForkEvent = { type: 'fork', time: snap.start ?? snap.time, ts: start, pid, ppid: snap.ppid, inferred: true };
      events.push(fork);
      // A child still running its parent's program only forked (so far); otherwise it exec'd.
      const parent = this.known.get(snap.ppid);
      if (parent && sameProgram(parent, snap)) this.forkOnly.add(pid);
      else events.push(execOf(snap, start));
    }
    const now = monotonicNs();
    for (const [pid, snap] of this.known) {
      if (seen.has(pid)) continue;
      this.known.delete(pid);
      this.forkOnly.delete(pid);
      const exit: ExitEvent = {
        type: 'exit', time: wallTime(), ts: now, pid, ppid: snap.ppid, code: null, signal: null, core: false, inferred: true,
        duration_ms: snap.start_ts === null ? null : (now - snap.start_ts) / 1e6,
      };
      events.push(exit);
    }
    events.sort((a, b) => a.ts - b.ts);
    return events;
  }

  /** A fork-only child that runs another program now: it exec'd since the last poll. */
  private execSince(pid: number, events: ForktopEvent[]): void {
    const before = this.known.get(pid)!;
    const now = readProcess(pid, this.envNames);
    if (!now || sameProgram(before, now)) return;
    this.forkOnly.delete(pid);
    this.known.set(pid, now);
    events.push(execOf(now, before.start_ts ?? before.ts));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  stats(): Record<string, number> {
    return { polls: this.polls, known: this.known.size };
  }

  now(): [number, string] {
    return [monotonicNs(), wallTime()];
  }
}

const sameProgram = (a: SnapshotEvent, b: SnapshotEvent): boolean =>
  a.exe === b.exe && JSON.stringify(a.argv) === JSON.stringify(b.argv);

/** The exec a poll infers from what a process runs now (its time: just before it was read);
 *  who started it was read then too, after the exec. */
function execOf(snap: SnapshotEvent, start: number): ExecEvent {
  const exec: ExecEvent = {
    type: 'exec', time: snap.time, ts: Math.max(start, snap.ts - 1), pid: snap.pid, ppid: snap.ppid, argv: snap.argv,
    argv_source: snap.argv_source, comm: snap.comm, exe: snap.exe, cwd: snap.cwd, uid: snap.uid, cgroup: snap.cgroup,
    start_ts: snap.start_ts, start: snap.start, ret: 0, inferred: true,
  };
  for (const key of ORIGIN_KEYS) {
    if (snap[key] !== undefined) (exec as unknown as Record<string, unknown>)[key] = snap[key];
  }
  if (ORIGIN_KEYS.some((key) => snap[key] !== undefined)) exec.origin_late = true;
  return exec;
}

const ORIGIN_KEYS = ['auid', 'session', 'tty', 'sid', 'pgid', 'env'] as const;
