// One process as the model knows it. Keyed by a serial id, not the pid: a pid is reused,
// and the old process keeps its history under its own id.
import type { ArgvSource, ExecEvent } from '../events/schema.js';
import type { Clan } from './alert-detector.js';
import { localPid } from './hosts.js';
import { IdSet } from './id-table.js';
import type { LoginFacts, Origin } from './origins.js';
import { RateCounter } from './rate-counter.js';

export type LifeEntry =
  | { kind: 'fork'; ts: number; ppid: number }
  | { kind: 'snapshot'; ts: number }
  | {
      kind: 'exec'; ts: number; argv: string[] | null; argvSource: ArgvSource; exe: string | null; ret: number;
      /** PATH-search misses of this command line folded into this entry (see lifetime()): the
       *  ones before it when it succeeded, all of them (this the last) when none did. */
      misses?: number;
    }
  | { kind: 'comm'; ts: number; comm: string }
  | { kind: 'uid'; ts: number; ruid: number; euid: number }
  | { kind: 'gid'; ts: number; rgid: number; egid: number }
  | { kind: 'sid'; ts: number }
  | { kind: 'ptrace'; ts: number; tracer: number }
  | { kind: 'coredump'; ts: number }
  | { kind: 'exit'; ts: number; code: number | null; signal: number | null; core: boolean }
  | { kind: 'exit-unseen'; ts: number };

/** What execvp() and shells skip past while searching PATH: ENOENT, EACCES, ENOTDIR. */
const PATH_SEARCH_ERRORS = new Set([2, 13, 20]);

/** A failed exec (ret < 0) that a PATH search steps past. */
export function isPathSearchMiss(ret: number): boolean {
  return PATH_SEARCH_ERRORS.has(-ret);
}

export interface ExitInfo {
  ts: number;
  /** null: not known (an inferred exit). */
  code: number | null;
  signal: number | null;
  core: boolean;
  /** The exit event was lost; the process was found gone by a resync. */
  unseen: boolean;
}

export interface ProcessNode {
  readonly id: number;
  readonly pid: number;
  /** Parent at fork (the spawner), even after it exits; null when unknown. */
  ppid: number | null;
  /** The spawner's node id, while that node is known. */
  parentId: number | null;
  /** The parent now (after reparenting to init or a subreaper), when an event said so. */
  currentPpid: number | null;
  /** Spawned children still kept in the model, in the order they were born (by id).
   *  Shared NO_CHILDREN until the first child (most processes have none), an array while
   *  they are few (a Set per forking process was a fifth of the model's time in a storm),
   *  an IdSet past that (a Set hashes serial ids all over memory). Count them with
   *  childCount(). */
  childIds: ChildIds;
  /** How many of childIds have not exited: kept as they change, for the alert bar and the
   *  spawners each frame (a storm's spawner keeps thousands of ended children). */
  liveChildren: number;
  /** When it started (fork ts, or /proc's start time), CLOCK_MONOTONIC ns. */
  startTs: number | null;
  forkTs: number | null;
  /** Known from a snapshot, or first seen by an exec/exit without its fork. */
  seenFrom: 'fork' | 'snapshot' | 'late';
  /** What it runs and as whom; argv, comm and the rest below read from here. */
  facts: Facts;
  /** Who started it: inherited at fork, changed by an exec or scan that says so (origins.ts). */
  origin: Origin;
  readonly argv: string[] | null;
  readonly argvSource: ArgvSource;
  readonly comm: string | null;
  readonly exe: string | null;
  readonly cwd: string | null;
  readonly cgroup: string | null;
  readonly uid: number | null;
  /** Execs and changes between fork and exit, in time order. The fork and the exit are not
   *  stored here (they are forkTs/ppid and exit): lifetime() in queries.ts joins them.
   *  Shared NO_LOG until the first entry. */
  log: LifeEntry[];
  /** ts of the first event that made it known. */
  firstSeenTs: number;
  logDropped: number;
  exit: ExitInfo | null;
  /** The exec-ring entry of its latest exec, to fill in exit code and duration. */
  lastExec: ExecEntry | null;
  /** Forks by this process (100 ms buckets over 10 s), from its third fork on: most
   *  processes fork once or never and a fork bomb's members twice, and a counter each
   *  would cost a storm dearly. The first two forks' times wait here till then. */
  spawns: RateCounter | null;
  firstSpawnTs: number | null;
  secondSpawnTs: number | null;
  spawnsTotal: number;
  /** Same-program lineage ("clan") for fork-bomb detection: its root and our generation in it. */
  clan: Clan | null;
  generation: number;
  /** Past its tombstone limits, kept only for its descendants. */
  expired: boolean;
  /** Last resync (fresh /proc scan) that saw it. */
  resyncSeen: number;
  /** Failed execs since its last successful one: a shell or execvp searching PATH fails
   *  once per directory before the exec that works. */
  failedTries: ExecEntry[] | null;
}

export interface ExecEntry {
  /** Increasing, unique: the ring's order. */
  seq: number;
  /** Identical command lines share it (for folding); set when the ring indexes it. */
  key: string;
  nodeId: number;
  pid: number;
  ppid: number | null;
  ts: number;
  time: string;
  uid: number | null;
  argv: string[] | null;
  argvSource: ArgvSource;
  comm: string | null;
  exe: string | null;
  ret: number;
  /** argv was cut at the source's cap (or only partly readable). */
  truncated: boolean;
  /** A failed try of a PATH search: the same process then ran the same command line. */
  pathSearch?: boolean;
  /** Its process's origin and facts at this exec (the field filter reads them). */
  origin: Origin | null;
  cwd: string | null;
  tty: string | null;
  /** Filled in when the process exits. */
  exitCode: number | null;
  exitSignal: number | null;
  durationMs: number | null;
  /** When the process exec'd another program: this one ended there, with no exit code. */
  replacedTs: number | null;
  /** This program replaced an earlier one of its process: its duration starts at its exec,
   *  not at the fork (the first program's does). */
  followsExec: boolean;
}

export const NO_LOG: LifeEntry[] = [];
export type ChildIds = readonly number[] | IdSet;
export const NO_CHILDREN: ChildIds = Object.freeze([]) as readonly number[];
const FEW_CHILDREN = 16;

export function childCount(node: Pick<ProcessNode, 'childIds'>): number {
  const ids = node.childIds;
  return Array.isArray(ids) ? ids.length : (ids as IdSet).size;
}

/** Adds `id`, not among its parent's children yet (a new node, or one just unlinked). */
export function addChild(parent: ProcessNode, id: number): void {
  const ids = parent.childIds;
  if (ids === NO_CHILDREN) {
    parent.childIds = [id];
  } else if (!Array.isArray(ids)) {
    (ids as IdSet).add(id);
  } else if (ids.length < FEW_CHILDREN && id > ids[ids.length - 1]) {
    // Born after the others: the usual case. A second child gets an array of two: push()
    // would grow it to 17 slots, and most parents (a bomb's members) stop at two.
    if (ids.length === 1) parent.childIds = [ids[0], id];
    else (ids as number[]).push(id);
  } else {
    const set = new IdSet();
    for (const old of ids) set.add(old);
    parent.childIds = set.add(id);
  }
}

/** Removes `id` from its parent's children; false when it was not there. */
export function removeChild(parent: ProcessNode, id: number): boolean {
  const ids = parent.childIds;
  if (!Array.isArray(ids)) return (ids as IdSet).delete(id);
  const list = ids as number[];
  const at = list.indexOf(id);
  if (at < 0) return false;
  // splice() would allocate the array of what it removed
  for (let i = at + 1; i < list.length; i++) list[i - 1] = list[i];
  list.length--;
  return true;
}

/** The name a successful exec gives its process: the source's comm, else the kernel's rule
 *  (the program file's name, 15 bytes). */
export function execComm(ev: Pick<ExecEvent, 'comm' | 'argv'>): string | null {
  return commOf(ev.comm, ev.argv);
}

/** The same from the two values, for a reader that has no event object. */
export function commOf(comm: string | null, argv: string[] | null): string | null {
  return comm ?? argv?.[0]?.split('/').pop()?.slice(0, 15) ?? null;
}

/** A process's fork counts, as the spawner ranking and the fork-storm alert read them. */
export interface SpawnCounts {
  spawns: RateCounter | null;
  firstSpawnTs: number | null;
  secondSpawnTs: number | null;
  spawnsTotal: number;
}

/** Counts a fork by `node` at `ts`. True when it becomes (or, idle for the counter's 10 s,
 *  becomes again) a spawner: one that forked three times or more. */
export function countSpawn(node: SpawnCounts, ts: number): boolean {
  node.spawnsTotal++;
  if (node.spawns) {
    const wasIdle = node.spawns.idle(ts);
    node.spawns.add(ts);
    return wasIdle;
  }
  if (node.firstSpawnTs === null) {
    node.firstSpawnTs = ts;
  } else if (node.secondSpawnTs === null) {
    node.secondSpawnTs = ts;
  } else {
    node.spawns = new RateCounter(1e8, 100);
    node.spawns.add(node.firstSpawnTs);
    node.spawns.add(node.secondSpawnTs);
    node.spawns.add(ts);
    return true;
  }
  return false;
}

/**
 * What a process runs and as whom. fork() copies them, so a child shares its parent's
 * (a fork bomb's members all share one); an exec or a /proc scan replaces them whole, and
 * a comm or uid change makes a changed copy. Seven fields copied per fork were an eighth
 * of a node's size and of a bomb's fork() time.
 */
export class Facts {
  constructor(
    readonly argv: string[] | null,
    readonly argvSource: ArgvSource,
    readonly comm: string | null,
    readonly exe: string | null,
    readonly cwd: string | null,
    readonly cgroup: string | null,
    readonly uid: number | null,
    /** Who started it, where the source reads that (null: not read). */
    readonly login: LoginFacts | null = null,
    /** The path execve() was given, where an interpreter runs it (a script). */
    readonly filename: string | null = null,
  ) {}

  withComm(comm: string): Facts {
    return new Facts(this.argv, this.argvSource, comm, this.exe, this.cwd, this.cgroup, this.uid, this.login, this.filename);
  }

  withUid(uid: number): Facts {
    return new Facts(this.argv, this.argvSource, this.comm, this.exe, this.cwd, this.cgroup, uid, this.login, this.filename);
  }
}

export const NO_FACTS = new Facts(null, null, null, null, null, null, null);

// Nodes and exec entries are made by constructors, not object literals: V8 builds a
// literal of this many fields through a slow runtime call, and a storm makes one of each
// per process (the model bench: most of fork()'s time went there).

class Node implements ProcessNode {
  ppid: number | null = null;
  parentId: number | null = null;
  currentPpid: number | null = null;
  childIds: ChildIds = NO_CHILDREN;
  liveChildren = 0;
  startTs: number | null = null;
  forkTs: number | null = null;
  facts = NO_FACTS;
  log: LifeEntry[] = NO_LOG;
  logDropped = 0;
  exit: ExitInfo | null = null;
  lastExec: ExecEntry | null = null;
  spawns: RateCounter | null = null;
  firstSpawnTs: number | null = null;
  secondSpawnTs: number | null = null;
  spawnsTotal = 0;
  clan: Clan | null = null;
  generation = 0;
  expired = false;
  resyncSeen = 0;
  failedTries: ExecEntry[] | null = null;

  constructor(
    readonly id: number,
    readonly pid: number,
    public seenFrom: ProcessNode['seenFrom'],
    public firstSeenTs: number,
    public origin: Origin,
  ) {}

  get argv(): string[] | null {
    return this.facts.argv;
  }
  get argvSource(): ArgvSource {
    return this.facts.argvSource;
  }
  get comm(): string | null {
    return this.facts.comm;
  }
  get exe(): string | null {
    return this.facts.exe;
  }
  get cwd(): string | null {
    return this.facts.cwd;
  }
  get cgroup(): string | null {
    return this.facts.cgroup;
  }
  get uid(): number | null {
    return this.facts.uid;
  }
}

export function newProcessNode(id: number, pid: number, seenFrom: ProcessNode['seenFrom'], ts: number, origin: Origin): ProcessNode {
  return new Node(id, pid, seenFrom, ts, origin);
}

class Entry implements ExecEntry {
  seq = 0;
  key = '';
  pathSearch = false;
  exitCode: number | null = null;
  exitSignal: number | null = null;
  durationMs: number | null = null;
  replacedTs: number | null = null;
  followsExec = false;
  origin: Origin | null = null;
  cwd: string | null = null;
  tty: string | null = null;

  constructor(
    readonly nodeId: number,
    readonly pid: number,
    readonly ppid: number | null,
    readonly ts: number,
    readonly time: string,
    readonly uid: number | null,
    readonly argv: string[] | null,
    readonly argvSource: ArgvSource,
    readonly comm: string | null,
    readonly exe: string | null,
    readonly ret: number,
    readonly truncated: boolean,
  ) {}
}

/** An exec-ring entry; the ring sets seq and key, the exit fills in the rest. */
export function newExecEntry(
  node: Pick<ProcessNode, 'id' | 'ppid' | 'uid' | 'comm' | 'origin' | 'facts'>,
  ev: { pid: number; ppid: number | null; ts: number; time: string; argv: string[] | null; argv_source: ArgvSource; exe: string | null; ret: number; truncated?: boolean },
): ExecEntry {
  const entry = new Entry(node.id, ev.pid, node.ppid ?? ev.ppid, ev.ts, ev.time, node.uid, ev.argv, ev.argv_source, node.comm, ev.exe, ev.ret, ev.truncated === true);
  entry.origin = node.origin;
  entry.cwd = node.facts.cwd;
  entry.tty = node.facts.login?.tty ?? null;
  return entry;
}

export function programOf(node: { facts: Facts }): string {
  const facts = node.facts;
  return facts.exe ?? facts.argv?.[0] ?? facts.comm ?? '?';
}

/** A running process as the system shows it now (its cwd, program and cgroup may have
 *  changed since its exec); read outside the model, by whoever can. */
export interface ProcessNow {
  cwd: string | null;
  exe: string | null;
  cgroup: string | null;
  /** CLOCK_MONOTONIC ns, at clock-tick resolution: whether the pid is still the same process. */
  startTs: number | null;
}

/** Ended with a non-zero code or by a signal. */
export function endedBadly(node: ProcessNode): boolean {
  return !!node.exit && (!!node.exit.signal || (node.exit.code !== null && node.exit.code !== 0));
}

/** The kernel's thread spawner: every kernel thread is its child (in the initial pid namespace). */
export const KTHREADD_PID = 2;

/** A kernel thread: kthreadd or its child, with no program file and no command line of its
 *  own (ps shows them as [name]). */
export function isKernelThread(node: ProcessNode): boolean {
  return (localPid(node.pid) === KTHREADD_PID || (node.ppid !== null && localPid(node.ppid) === KTHREADD_PID)) && node.exe === null && node.argvSource !== 'kernel' && node.argvSource !== 'proc';
}

export function displayName(node: ProcessNode): string {
  const name = node.comm ?? node.argv?.[0]?.split('/').pop() ?? '?';
  return `${name}(${localPid(node.pid)})`;
}
