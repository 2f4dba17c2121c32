// The event schema: one shape for every source, for --json, --record and --replay.
// Field names are stable: add fields, never rename. A field that could not be read is null.

/** Where an exec's argv came from: copied by the kernel, read from /proc, or guessed from comm. */
export type ArgvSource = 'kernel' | 'proc' | 'comm' | null;

interface Timed {
  /** ISO-8601 wall time with µs, mapped once from the kernel's monotonic clock. */
  time: string;
  /** Kernel timestamp, CLOCK_MONOTONIC ns. The model orders and measures by this alone. In a
   *  stream that merges hosts (--ssh, --nats) it is the viewer's clock: each host's own is
   *  mapped onto it through wall time when the host connects. */
  ts: number;
  /** The machine the event happened on, in a stream that merges several (--ssh, --nats):
   *  pids are that host's. Absent in a one-host stream. */
  host?: string;
}

interface ProcessFacts {
  argv: string[] | null;
  argv_source: ArgvSource;
  comm: string | null;
  exe: string | null;
  cwd: string | null;
  uid: number | null;
  cgroup: string | null;
  /** Process start, CLOCK_MONOTONIC ns, and as wall time. */
  start_ts: number | null;
  start: string | null;
  /** Who started it (see OriginFacts). Absent where the source does not read them (older
   *  recordings, a BTF without the fields): absent is "not read", null is "read, none". */
  auid?: number | null;
  session?: number | null;
  tty?: string | null;
  sid?: number | null;
  pgid?: number | null;
  env?: Record<string, string> | null;
  /** Set when the origin fields were read from /proc after the exec, not at it. */
  origin_late?: boolean;
}

/**
 * Who started a process, read at its exec. `auid` is the audit login uid (task->loginuid):
 * who logged in, kept across su and sudo; 4294967295 when no login set it (a service, boot).
 * `session` is the audit session id (task->sessionid; logind names `session-N.scope` after
 * it); 4294967295 when none. `tty` is the controlling terminal as ps names it (`pts/3`,
 * `tty1`), null for none. `sid` and `pgid` are the POSIX session and process group.
 * `env` holds only the allowlisted environment variables the process has (ENV_ALLOWLIST and
 * `--env`); nothing else of the environment is read.
 */
export type OriginFacts = Pick<ProcessFacts, 'auid' | 'session' | 'tty' | 'sid' | 'pgid' | 'env'>;

/** The audit ids' "unset" value ((u32)-1). */
export const AUDIT_UNSET = 4294967295;

/** Environment variables read at each exec: where a login came from, sudo, a systemd unit's
 *  run, and the loader overrides an intruder uses. Environments hold secrets: nothing else. */
export const ENV_ALLOWLIST = [
  'SSH_CONNECTION', 'SSH_TTY', 'SUDO_USER', 'SUDO_UID', 'INVOCATION_ID', 'LD_PRELOAD', 'LD_LIBRARY_PATH',
] as const;

/** Events the /proc poller infers carry `inferred: true`: their times are approximate. */
interface MaybeInferred {
  inferred?: boolean;
}

export interface ForkEvent extends Timed, MaybeInferred {
  type: 'fork';
  pid: number;
  /** The parent at fork time (not a later reparenting). */
  ppid: number;
  /** Set by sources that report threads: a thread (tid != pid) is not a process. */
  tid?: number;
  ptid?: number;
}

export interface ExecEvent extends Timed, ProcessFacts, MaybeInferred {
  type: 'exec';
  pid: number;
  /** Parent when the exec was seen (may already be a reaper). */
  ppid: number | null;
  /** 0, or -errno for a failed exec. */
  ret: number;
  truncated?: boolean;
  /** The path given to execve() when it is not the exe that runs (a script run by its
   *  interpreter: `./deploy.sh` beside exe `/usr/bin/bash`). Absent otherwise. */
  filename?: string;
}

export interface ExitEvent extends Timed, MaybeInferred {
  type: 'exit';
  pid: number;
  ppid: number;
  /** null when not known (the /proc poller only sees that the process is gone). */
  code: number | null;
  signal: number | null;
  core: boolean;
  duration_ms?: number | null;
}

export interface CommEvent extends Timed {
  type: 'comm';
  pid: number;
  comm: string;
}

export interface UidEvent extends Timed {
  type: 'uid';
  pid: number;
  ruid: number;
  euid: number;
}

export interface GidEvent extends Timed {
  type: 'gid';
  pid: number;
  rgid: number;
  egid: number;
}

export interface SidEvent extends Timed {
  type: 'sid';
  pid: number;
}

export interface PtraceEvent extends Timed {
  type: 'ptrace';
  pid: number;
  /** The tracer's pid, 0 when detached. */
  tracer: number;
}

export interface CoredumpEvent extends Timed {
  type: 'coredump';
  pid: number;
  ppid: number;
}

export interface LostEvent extends Timed {
  type: 'lost';
  /** Events dropped: by the kernel (buffer overrun), by forktop's own queue, or between a
   *  host and the viewer (`transport`). */
  count: number;
  source: 'kernel' | 'queue' | string;
}

export interface SnapshotEvent extends Timed, ProcessFacts {
  type: 'snapshot';
  pid: number;
  ppid: number;
  /** Set when this snapshot is part of a rescan after a loss (the id of that rescan). */
  resync?: number;
}

/** Ends a rescan of /proc after a loss: live processes it did not list are gone (with `host`,
 *  that host's only: a host's stream that comes back starts with such a rescan). */
export interface ResyncEvent extends Timed {
  type: 'resync';
  /** The rescan's id, as its snapshot events carry it. */
  id: number;
  /** How many processes it listed. */
  count: number;
}

export interface AlertEvent extends Timed {
  type: 'alert';
  kind: 'fork-bomb' | 'fork-storm';
  /** 'raised' when it starts; 'cleared' when a storm's rate has stayed low, or when a bomb's
   *  lineage has no live member left. */
  state: 'raised' | 'cleared';
  root: number;
  rate: number;
  live: number;
  generations: number;
  comm: string | null;
  /** A bomb's course over the last two seconds, by its live members: still growing, stalled
   *  (at a limit such as pids.max, or no longer forking), or shrinking. */
  trend?: 'growing' | 'stalled' | 'shrinking';
}

/** A host of a merged stream came up (its forktop runs and sends events) or went down (it
 *  could not be reached, refused, or its stream ended), with the one line saying why. */
export interface HostEvent extends Timed {
  type: 'host';
  host: string;
  state: 'up' | 'down';
  reason: string | null;
  /** /proc/sys/kernel/random/boot_id on that host: a new one means it rebooted. */
  boot_id?: string | null;
}

/** The last line of a recording that was stopped (q, Ctrl-C, a signal): what had not exited
 *  by `ts` was still running when the recording ended, not running for ever. */
export interface EndEvent extends Timed {
  type: 'end';
}

export type ProcessEvent =
  | ForkEvent
  | ExecEvent
  | ExitEvent
  | CommEvent
  | UidEvent
  | GidEvent
  | SidEvent
  | PtraceEvent
  | CoredumpEvent
  | SnapshotEvent;

export type ForktopEvent = ProcessEvent | LostEvent | AlertEvent | ResyncEvent | EndEvent | HostEvent;

export type EventType = ForktopEvent['type'];
