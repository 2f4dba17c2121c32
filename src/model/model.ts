// The live model: a deterministic state machine over the event stream. No I/O, no timers,
// no clock: "now" is the newest event's timestamp. Events are applied one at a time, so any
// split of the same sequence into batches gives the same state.
import { AlertDetector } from './alert-detector.js';
import { withDefaults, type ModelConfig } from './config.js';
import type {
  AlertEvent,
  ExecEvent,
  ExitEvent,
  ForkEvent,
  ForktopEvent,
  ProcessEvent,
  SnapshotEvent,
} from '../events/schema.js';
import { AUDIT_UNSET } from '../events/schema.js';
import { ExecRing } from './exec-ring.js';
import { HostTable, hostIndexOf, localPid, PID_SPAN, type HostState } from './hosts.js';
import { IdSet, IdTable } from './id-table.js';
import { LoginFacts, OriginTable, type Origin } from './origins.js';
import { addChild, childCount, countSpawn, execComm, Facts, isKernelThread, isPathSearchMiss, KTHREADD_PID, NO_LOG, newExecEntry, newProcessNode, programOf, removeChild, type ExecEntry, type ExitInfo, type LifeEntry, type ProcessNode } from './process-node.js';
import { RateCounter } from './rate-counter.js';
import { Retention } from './retention.js';

/** An exec or exit seen before its fork (another CPU's event overtook it) is merged into
 *  the fork that arrives later, if the fork's timestamp is at most this much earlier. */
const LATE_FORK_SLACK_NS = 1e9;
/** /proc start times tick at 10 ms: closer than this is the same process. */
const START_TIME_SLACK_NS = 50e6;

export interface LossMark {
  ts: number;
  count: number;
  source: string;
  /** The host it happened on, in a stream of several. */
  host?: string;
}

export interface Totals {
  forks: number;
  execs: number;
  failedExecs: number;
  exits: number;
  lost: number;
  events: number;
}

class Exit implements ExitInfo {
  constructor(
    readonly ts: number,
    readonly code: number | null,
    readonly signal: number | null,
    readonly core: boolean,
    readonly unseen: boolean,
  ) {}
}

function sameArgv(a: string[] | null, b: string[] | null): boolean {
  if (a === b) return a !== null;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The origin fields an exec or scan carries, or null where its source reads none. */
function loginFacts(ev: ExecEvent | SnapshotEvent): LoginFacts | null {
  if (ev.auid === undefined && ev.session === undefined && ev.tty === undefined && ev.env === undefined) return null;
  const id = (n: number | null | undefined) => (n === undefined || n === null || n === AUDIT_UNSET ? null : n);
  return new LoginFacts(id(ev.auid), id(ev.session), ev.tty ?? null, ev.sid ?? null, ev.pgid ?? null, ev.env ?? null, ev.origin_late === true);
}

export class Model {
  readonly config: ModelConfig;
  /** Every process kept, by id. */
  readonly nodes = new IdTable<ProcessNode>();
  /** The newest process with each pid. */
  readonly byPid = new IdTable<ProcessNode>();
  /** Processes whose spawner is not in the model: the tree's roots. */
  readonly roots = new IdSet();
  /** Processes that forked within the last 10 s (three times or more in their life): the
   *  spawner ranking's candidates. */
  readonly spawners = new Set<ProcessNode>();
  readonly execs: ExecRing;
  readonly lossMarks: LossMark[] = [];
  readonly totals: Totals = { forks: 0, execs: 0, failedExecs: 0, exits: 0, lost: 0, events: 0 };
  /** Per second, 60 s of history. */
  readonly forkRate = new RateCounter(1e9, 60);
  readonly execRate = new RateCounter(1e9, 60);
  readonly exitRate = new RateCounter(1e9, 60);
  /** The last second, in 100 ms buckets: the header's rates. */
  readonly recentForks = new RateCounter(1e8, 10);
  readonly recentExecs = new RateCounter(1e8, 10);
  readonly recentExits = new RateCounter(1e8, 10);
  readonly alerts: AlertDetector;
  /** Who started what: ssh logins, units, containers... (origins.ts). */
  readonly origins = new OriginTable();
  /** The hosts of a stream that merges several (hosts.ts); empty for one host. */
  readonly hosts = new HostTable();
  /** Newest event time seen (CLOCK_MONOTONIC ns) and its wall time. */
  now = 0;
  nowTime = '';
  /** A recording's end (its `end` line): what runs still was running when it stopped. */
  recordingEndTs: number | null = null;
  live = 0;
  private nextId = 1;
  /** Snapshot children that came before their parent, by parent pid. */
  private readonly waitingForParent = new Map<number, number[]>();
  private readonly retention: Retention<ProcessNode>;

  constructor(config: Partial<ModelConfig> = {}) {
    this.config = withDefaults(config);
    this.execs = new ExecRing(this.config.execRingSize, this.config.maxExecRingText);
    this.alerts = new AlertDetector(this.config.alerts, (node) => this.liveChildren(node), this.hosts);
    this.retention = new Retention<ProcessNode>(
      this.config,
      (node) => this.nodes.get(node.id) === node,
      (node) => this.remove(node),
      childCount,
    );
  }

  /** Applies events in order; returns the alerts they raised or cleared. */
  apply(events: readonly ForktopEvent[]): AlertEvent[] {
    const alerts: AlertEvent[] = [];
    for (const ev of events) this.applyOne(ev, alerts);
    return alerts;
  }

  /**
   * Time passes without events too: a caller that has a clock (the CLI, never the model)
   * says what time it is, so alerts clear and tombstones expire on an idle machine.
   */
  advance(ts: number, time: string): AlertEvent[] {
    const alerts: AlertEvent[] = [];
    if (ts <= this.now) return alerts;
    this.now = ts;
    this.nowTime = time;
    this.alerts.check(ts, time, alerts);
    this.retention.prune(ts);
    return alerts;
  }

  get tombstones(): number {
    return this.retention.tombstoneCount;
  }

  /** Characters of argv and paths the tombstones hold, against config.maxTombstoneText. */
  get tombstoneText(): number {
    return this.retention.tombstoneText;
  }

  get retainedAncestors(): number {
    return this.retention.expiredCount;
  }

  node(id: number): ProcessNode | undefined {
    return this.nodes.get(id);
  }

  liveChildren(node: ProcessNode): number {
    return node.liveChildren;
  }

  private applyOne(ev: ForktopEvent, alerts: AlertEvent[]): void {
    this.totals.events++;
    let hostIndex = 0;
    if (ev.host !== undefined) {
      const host = this.hosts.take(ev.host);
      if (!host) {
        this.hosts.lostHosts++;
        return;
      }
      hostIndex = host.index;
      this.countForHost(host, ev);
      ev = this.hosts.keyed(ev, host);
    }
    if (ev.ts > this.now) {
      this.now = ev.ts;
      this.nowTime = ev.time;
    }
    switch (ev.type) {
      case 'fork':
        this.fork(ev, alerts);
        break;
      case 'exec':
        this.exec(ev);
        break;
      case 'exit':
        this.exitProcess(ev);
        break;
      case 'snapshot':
        this.snapshot(ev);
        break;
      case 'resync':
        this.endResync(ev.id, ev.ts, hostIndex);
        break;
      case 'host':
        break; // countForHost took it
      case 'comm': {
        const node = this.known(ev);
        node.facts = node.facts.withComm(ev.comm);
        this.log(node, { kind: 'comm', ts: ev.ts, comm: ev.comm });
        break;
      }
      case 'uid': {
        const node = this.known(ev);
        node.facts = node.facts.withUid(ev.euid);
        this.log(node, { kind: 'uid', ts: ev.ts, ruid: ev.ruid, euid: ev.euid });
        break;
      }
      case 'gid':
        this.log(this.known(ev), { kind: 'gid', ts: ev.ts, rgid: ev.rgid, egid: ev.egid });
        break;
      case 'sid':
        this.log(this.known(ev), { kind: 'sid', ts: ev.ts });
        break;
      case 'ptrace':
        this.log(this.known(ev), { kind: 'ptrace', ts: ev.ts, tracer: ev.tracer });
        break;
      case 'coredump':
        this.log(this.known(ev), { kind: 'coredump', ts: ev.ts });
        break;
      case 'lost':
        this.totals.lost += ev.count;
        this.lossMarks.push(ev.host === undefined ? { ts: ev.ts, count: ev.count, source: ev.source } : { ts: ev.ts, count: ev.count, source: ev.source, host: ev.host });
        if (this.lossMarks.length > this.config.maxLossMarks) this.lossMarks.shift();
        break;
      case 'alert':
        break; // the model raises its own
      case 'end':
        this.recordingEndTs = ev.ts;
        break;
    }
    this.alerts.check(this.now, this.nowTime, alerts);
    this.retention.prune(this.now);
  }

  /** What the hosts panel shows of a host: its state, execs, events, losses. */
  private countForHost(host: HostState, ev: ForktopEvent): void {
    host.events++;
    if (ev.type === 'host') this.hosts.update(host, ev);
    else if (ev.type === 'exec' && ev.ret === 0) {
      host.execs.add(ev.ts);
      host.recentExecs.add(ev.ts);
    }
    else if (ev.type === 'lost') host.lost += ev.count;
  }

  private fork(ev: ForkEvent, alerts: AlertEvent[]): void {
    if (ev.tid !== undefined && ev.tid !== ev.pid) return; // a thread: not a process
    this.totals.forks++;
    this.forkRate.add(ev.ts);
    this.recentForks.add(ev.ts);
    const parent = this.byPid.get(ev.ppid);
    let child = this.byPid.get(ev.pid);
    if (child && child.seenFrom === 'late' && child.forkTs === null && this.firstTs(child) >= ev.ts - LATE_FORK_SLACK_NS) {
      // Its exec or exit overtook the fork: this fork is its start.
      this.adopt(child, parent, ev.ppid);
      child.seenFrom = 'fork';
      // It keeps the clan it started when seen late (it already exec'd or exited).
    } else {
      if (child && !child.exit) this.exitUnseen(child, ev.ts); // pid reused: we missed its exit
      child = this.create(ev.pid, 'fork', ev.ts);
      if (parent) {
        child.facts = parent.facts; // fork copies the program and its facts
        this.setOrigin(child, parent.origin);
        this.adopt(child, parent, ev.ppid);
        this.alerts.join(parent, child);
      } else {
        this.adopt(child, parent, ev.ppid);
        this.alerts.startClan(child);
        if (localPid(ev.ppid) === KTHREADD_PID || localPid(ev.pid) === KTHREADD_PID) this.setOrigin(child, this.origins.kernel);
      }
    }
    child.forkTs = ev.ts;
    child.startTs = ev.ts;
    if (parent) {
      // The ranking drops spawners idle for 10 s; one that forks again is back in it.
      if (countSpawn(parent, ev.ts)) this.spawners.add(parent);
      this.alerts.onFork(parent, ev.ts, ev.time, alerts);
    }
  }

  private exec(ev: ExecEvent): void {
    let node = this.byPid.get(ev.pid);
    if (!node || (node.exit && node.exit.ts <= ev.ts)) node = this.createLate(ev.pid, ev.ts, ev.ppid);
    if (ev.ret !== 0) {
      this.totals.failedExecs++;
    } else {
      this.totals.execs++;
      this.execRate.add(ev.ts);
      this.recentExecs.add(ev.ts);
      const had = node.facts;
      node.facts = new Facts(
        ev.argv,
        ev.argv_source,
        execComm(ev),
        ev.exe,
        ev.cwd ?? had.cwd,
        ev.cgroup ?? had.cgroup,
        ev.uid ?? had.uid,
        loginFacts(ev) ?? had.login,
        ev.filename ?? null,
      );
      const origin = this.origins.derive(
        node.origin, had.login?.session ?? null, { login: node.facts.login, cgroup: node.facts.cgroup, commBefore: had.comm }, ev.ts);
      this.setOrigin(node, origin);
      this.origins.countExec(origin, ev.ts, node.facts.uid, node.facts.comm ?? '?');
      if (node.startTs === null && ev.start_ts !== null) node.startTs = ev.start_ts;
      if (ev.ppid !== null) node.currentPpid = ev.ppid;
      if (!node.exit) this.alerts.onExec(node);
    }
    // The latest successful exec is node.lastExec (lifetime() shows it); only earlier ones
    // and failed attempts go to the log, so a process that execs once logs nothing.
    if (ev.ret !== 0) {
      this.log(node, { kind: 'exec', ts: ev.ts, argv: ev.argv, argvSource: ev.argv_source, exe: ev.exe, ret: ev.ret });
    } else if (node.lastExec) {
      const prev = node.lastExec;
      this.log(node, { kind: 'exec', ts: prev.ts, argv: prev.argv, argvSource: prev.argvSource, exe: prev.exe, ret: 0 });
    }
    const entry = this.execs.push(newExecEntry(node, ev));
    if (ev.ret === 0) {
      if (node.lastExec && node.lastExec.ts <= ev.ts) {
        node.lastExec.replacedTs = ev.ts;
        entry.followsExec = true;
      }
      node.lastExec = entry;
      if (node.failedTries) this.settleTries(node, entry);
      if (node.exit) this.fillExit(node); // the exit overtook this exec
    } else {
      const tries = (node.failedTries ??= []);
      // A search still going (or that found nothing) shows as its latest miss only.
      const prev = tries[tries.length - 1];
      if (prev && isPathSearchMiss(prev.ret) && isPathSearchMiss(entry.ret) && sameArgv(prev.argv, entry.argv)) prev.pathSearch = true;
      tries.push(entry);
      if (tries.length > 64) tries.shift();
    }
  }

  /** Failed tries of the same command line before this exec were a PATH search, not news. */
  private settleTries(node: ProcessNode, success: ExecEntry): void {
    for (const tried of node.failedTries!) {
      if (isPathSearchMiss(tried.ret) && sameArgv(tried.argv, success.argv)) tried.pathSearch = true;
    }
    node.failedTries = null;
  }

  private exitProcess(ev: ExitEvent): void {
    this.totals.exits++;
    this.exitRate.add(ev.ts);
    this.recentExits.add(ev.ts);
    let node = this.byPid.get(ev.pid);
    if (node?.exit?.unseen) {
      // A rescan found it gone before its exit event got here: now we know how it ended.
      node.exit = new Exit(ev.ts, ev.code, ev.signal, ev.core, false);
      this.retention.exitChanged();
      this.fillExit(node);
      return;
    }
    if (!node || node.exit) node = this.createLate(ev.pid, ev.ts, ev.ppid);
    node.currentPpid = ev.ppid;
    node.exit = new Exit(ev.ts, ev.code, ev.signal, ev.core, false);
    this.ended(node);
  }

  private snapshot(ev: SnapshotEvent): void {
    let node = this.byPid.get(ev.pid);
    const sameStart =
      !!node && (node.startTs === null || ev.start_ts === null || Math.abs(node.startTs - ev.start_ts) < START_TIME_SLACK_NS);
    // Scanned just before it exited, and its exit is already here: nothing to add.
    if (node && node.exit && sameStart && ev.resync) return;
    if (!node || node.exit || !sameStart) {
      if (node && !node.exit) this.exitUnseen(node, ev.ts);
      node = this.create(ev.pid, 'snapshot', ev.ts);
      node.startTs = ev.start_ts;
      this.takeScannedFacts(node, ev); // before the clan: it compares programs
      const parent = this.byPid.get(ev.ppid);
      this.adopt(node, parent, ev.ppid);
      // Already running the same program as its parent: part of the parent's clan.
      if (parent && parent !== node && programOf(parent) === programOf(node)) this.alerts.join(parent, node);
      else this.alerts.startClan(node);
      if (!node.parentId && ev.ppid > 0) {
        const waiting = this.waitingForParent.get(ev.ppid) ?? [];
        waiting.push(node.id);
        this.waitingForParent.set(ev.ppid, waiting);
      }
      this.adoptWaiting(node);
    } else {
      this.takeScannedFacts(node, ev);
    }
    node.currentPpid = ev.ppid;
    node.resyncSeen = ev.resync ?? 0;
  }

  /** What /proc said about a process replaces what the model had; its origin is derived
   *  from its spawner's, as at an exec. */
  private takeScannedFacts(node: ProcessNode, ev: SnapshotEvent): void {
    node.facts = new Facts(ev.argv, ev.argv_source, ev.comm, ev.exe, ev.cwd, ev.cgroup, ev.uid, loginFacts(ev));
    if (isKernelThread(node)) {
      this.setOrigin(node, this.origins.kernel);
      return;
    }
    const parent = this.byPid.get(ev.ppid);
    const inherited = parent && parent !== node ? parent.origin : this.origins.system;
    const origin = this.origins.derive(
      inherited, parent?.facts.login?.session ?? null, { login: node.facts.login, cgroup: ev.cgroup, commBefore: parent?.comm ?? null }, ev.ts);
    this.setOrigin(node, origin);
  }

  /** Moves a process to another origin, keeping the origins' live counts. */
  private setOrigin(node: ProcessNode, origin: Origin): void {
    if (node.origin === origin) return;
    if (!node.exit) {
      node.origin.live--;
      origin.live++;
    }
    node.origin = origin;
  }

  /**
   * After a loss, the source rescans /proc: snapshot events carrying the rescan's id, then a
   * resync event. Live processes started before the rescan that it did not list are gone,
   * their exits lost: they get "exit unseen". A host's rescan speaks for that host only.
   */
  private endResync(id: number, ts: number, hostIndex: number): void {
    for (const node of [...this.byPid.values()]) {
      if (!node.exit && node.resyncSeen !== id && (node.startTs ?? 0) < ts && hostIndexOf(node.pid) === hostIndex) this.exitUnseen(node, ts);
    }
  }

  /** The node an id/credential/comm event is about; created (seen late) if unknown. */
  private known(ev: ProcessEvent): ProcessNode {
    const node = this.byPid.get(ev.pid);
    return node && !node.exit ? node : this.createLate(ev.pid, ev.ts, null);
  }

  private create(pid: number, seenFrom: ProcessNode['seenFrom'], ts: number): ProcessNode {
    const node = newProcessNode(this.nextId++, pid, seenFrom, ts, this.origins.system);
    this.origins.system.live++;
    this.nodes.set(node.id, node);
    this.byPid.set(pid, node);
    this.live++;
    if (pid >= PID_SPAN) this.hosts.get(hostIndexOf(pid))!.live++;
    return node;
  }

  private createLate(pid: number, ts: number, currentPpid: number | null): ProcessNode {
    const old = this.byPid.get(pid);
    if (old && !old.exit) this.exitUnseen(old, ts);
    const node = this.create(pid, 'late', ts);
    node.currentPpid = currentPpid;
    this.roots.add(node.id);
    this.alerts.startClan(node);
    return node;
  }

  /** Links a node under its spawner (when known); otherwise it is a root. */
  private adopt(node: ProcessNode, parent: ProcessNode | undefined, ppid: number): void {
    node.ppid = ppid;
    const previous = node.parentId === null ? undefined : this.nodes.get(node.parentId);
    if (previous) this.unlink(previous, node);
    if (parent && !this.wouldCycle(node, parent)) {
      node.parentId = parent.id;
      this.link(parent, node);
      this.roots.delete(node.id);
    } else {
      node.parentId = null;
      this.roots.add(node.id);
    }
  }

  /**
   * Whether `parent` is `node` or below it. Events out of order can say so (pid 11 forked
   * by 10, then 10's own fork naming 11): linked, both would leave the tree, reachable
   * from no root. A node with no children yet (every new one) can't close a loop.
   */
  private wouldCycle(node: ProcessNode, parent: ProcessNode): boolean {
    if (parent === node) return true;
    if (childCount(node) === 0) return false;
    for (let n: ProcessNode | undefined = parent; n; n = n.parentId === null ? undefined : this.nodes.get(n.parentId)) {
      if (n === node) return true;
    }
    return false;
  }

  private adoptWaiting(parent: ProcessNode): void {
    const waiting = this.waitingForParent.get(parent.pid);
    if (!waiting) return;
    this.waitingForParent.delete(parent.pid);
    for (const id of waiting) {
      const child = this.nodes.get(id);
      if (child && child.parentId === null && !this.wouldCycle(child, parent)) {
        child.parentId = parent.id;
        this.link(parent, child);
        this.roots.delete(id);
      }
    }
  }

  /** A removed snapshot no longer waits for its parent (the lists would only grow). */
  private stopWaiting(node: ProcessNode): void {
    if (node.ppid === null) return;
    const waiting = this.waitingForParent.get(node.ppid);
    if (!waiting) return;
    const at = waiting.indexOf(node.id);
    if (at >= 0) waiting.splice(at, 1);
    if (waiting.length === 0) this.waitingForParent.delete(node.ppid);
  }

  private exitUnseen(node: ProcessNode, ts: number): void {
    node.exit = new Exit(ts, 0, 0, false, true);
    this.ended(node);
  }

  private ended(node: ProcessNode): void {
    this.live--;
    if (node.pid >= PID_SPAN) this.hosts.get(hostIndexOf(node.pid))!.live--;
    node.origin.live--;
    const parent = node.parentId === null ? undefined : this.nodes.get(node.parentId);
    if (parent) parent.liveChildren--;
    this.fillExit(node);
    this.alerts.onExit(node);
    this.retention.onExit(node);
  }

  private link(parent: ProcessNode, child: ProcessNode): void {
    addChild(parent, child.id);
    if (!child.exit) parent.liveChildren++;
  }

  private unlink(parent: ProcessNode, child: ProcessNode): void {
    if (removeChild(parent, child.id) && !child.exit) parent.liveChildren--;
  }

  private fillExit(node: ProcessNode): void {
    const entry = node.lastExec;
    if (!entry || !node.exit || node.exit.unseen || entry.ts > node.exit.ts) return;
    entry.exitCode = node.exit.code;
    entry.exitSignal = node.exit.signal;
    const start = entry.followsExec ? entry.ts : node.startTs ?? entry.ts;
    entry.durationMs = (node.exit.ts - start) / 1e6;
  }

  private firstTs(node: ProcessNode): number {
    return node.firstSeenTs;
  }

  private log(node: ProcessNode, entry: LifeEntry): void {
    if (node.log === NO_LOG) node.log = [];
    const log = node.log;
    if (log.length >= this.config.maxLogEntries) {
      node.logDropped++;
      return;
    }
    // Keep the log in time order even when an event overtook another.
    let i = log.length;
    while (i > 0 && log[i - 1].ts > entry.ts) i--;
    log.splice(i, 0, entry);
  }

  private remove(node: ProcessNode): void {
    // A loop, not recursion: removing a node may leave its expired parent childless, and
    // that one's parent, up a chain of up to maxRetainedAncestors.
    for (let next: ProcessNode | undefined = node; next; ) {
      next = this.removeOne(next);
    }
  }

  /** Removes one node; returns its parent when that must go too. */
  private removeOne(node: ProcessNode): ProcessNode | undefined {
    this.nodes.delete(node.id);
    if (this.byPid.get(node.pid) === node) this.byPid.delete(node.pid);
    if (node.spawns) this.spawners.delete(node);
    if (node.expired) this.retention.forgetExpired();
    if (node.seenFrom === 'snapshot' && node.parentId === null) this.stopWaiting(node);
    // Its children's spawner is gone from the model: they are roots now (child.ppid still
    // says who). Most removed processes have no children left.
    if (childCount(node) > 0) for (const id of node.childIds) if (this.nodes.has(id)) this.roots.add(id);
    const parent = node.parentId === null ? undefined : this.nodes.get(node.parentId);
    if (parent) {
      this.unlink(parent, node);
      if (parent.expired && childCount(parent) === 0) return parent;
    } else {
      this.roots.delete(node.id); // a root is a process whose spawner is not in the model
    }
    return undefined;
  }
}
