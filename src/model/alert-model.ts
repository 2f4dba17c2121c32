// The model `--json` runs: only what the fork-bomb and fork-storm alerts read of each
// process (its spawner, live children, clan, fork counts, name and program), by pid. The
// Model keeps that and all a screen shows besides (the exec list, lifetimes, origins,
// tombstones, a tree by serial id); fed the same events, this one raises the same alerts
// (test/model/alert-model.test.ts). In a 10,000-exec storm the Model was most of --json's
// CPU, and most of that V8 compiling the Model's code: a stream without a screen need not
// pay for it.
//
// Deterministic like the Model: no clock, "now" is the newest event's time.
import { AlertDetector, type Clan, type ClanMember } from './alert-detector.js';
import { withDefaults, type ModelConfig } from './config.js';
import { ARGV_SOURCES, EVENT_SLOTS, EXEC_CODE, EXIT_CODE, ExecStrings, FORK_CODE, PackedBatch, type EventBatch } from '../events/packed.js';
import type { AlertEvent, ArgvSource, ExecEvent, ForktopEvent, SnapshotEvent } from '../events/schema.js';
import { HostTable, hostIndexOf } from './hosts.js';
import { commOf, countSpawn, Facts, NO_FACTS, programOf, type SpawnCounts } from './process-node.js';
import type { RateCounter } from './rate-counter.js';
import { Retention, type Retained } from './retention.js';

// As in the Model (model.ts), whose rules these methods follow one for one.
const LATE_FORK_SLACK_NS = 1e9;
const START_TIME_SLACK_NS = 50e6;

/** Made by a constructor, not a literal: V8 tracks a literal's allocation site, and when a
 *  storm's exits outlive their first collections (as tombstones do) it moves the site's
 *  objects to the old space and throws away the optimized code that allocates them. */
class Ended {
  constructor(
    readonly ts: number,
    /** Its exit event was lost: a rescan found it gone. */
    readonly unseen: boolean,
  ) {}
}

class Member implements ClanMember<Member>, SpawnCounts, Retained {
  /** Its spawner, as linked; parentOf() says whether it is still kept. */
  parent: Member | null = null;
  /** Children linked under it and still kept (live, or exited and not yet removed). */
  keptChildren = 0;
  liveChildren = 0;
  startTs: number | null = null;
  forkTs: number | null = null;
  /** What it runs: its program, its name, and the text a tombstone weighs. */
  facts: Facts = NO_FACTS;
  exit: Ended | null = null;
  /** Past its tombstone limits, kept only for its descendants. */
  expired = false;
  /** Gone from the model: its children no longer reach it, nor a late event. */
  removed = false;
  clan: Clan<Member> | null = null;
  generation = 0;
  spawns: RateCounter | null = null;
  firstSpawnTs: number | null = null;
  secondSpawnTs: number | null = null;
  spawnsTotal = 0;
  resyncSeen = 0;

  constructor(
    readonly id: number,
    readonly pid: number,
    public seenFrom: 'fork' | 'snapshot' | 'late',
    readonly firstSeenTs: number,
    /** Its ppid as its fork or scan said, for a snapshot waiting for its parent. */
    public ppid: number | null,
  ) {}

  get comm(): string | null {
    return this.facts.comm;
  }
}

/** The spawner a node links to, while that one is kept (the Model finds it by id). */
const parentOf = (node: Member): Member | null => (node.parent && !node.parent.removed ? node.parent : null);

export class AlertModel {
  readonly config: ModelConfig;
  readonly alerts: AlertDetector<Member>;
  readonly hosts = new HostTable();
  now = 0;
  nowTime = '';
  private readonly byPid = new Map<number, Member>();
  /** Which exited processes stay, by the Model's rules: a late event about one finds it
   *  exactly while the Model's would. */
  private readonly retention: Retention<Member>;
  /** Snapshot children that came before their parent, by parent pid. */
  private readonly waitingForParent = new Map<number, Member[]>();
  private nextId = 1;
  /** Where a packed exec's strings are read to, one at a time. */
  private readonly execStrings = new ExecStrings();

  constructor(config: Partial<ModelConfig> = {}) {
    this.config = withDefaults(config);
    this.alerts = new AlertDetector<Member>(this.config.alerts, (node) => node.liveChildren, this.hosts);
    this.retention = new Retention<Member>(this.config, (node) => !node.removed, (node) => this.remove(node), (node) => node.keptChildren);
  }

  /** Applies events in order; returns the alerts they raised or cleared. */
  apply(batch: EventBatch): AlertEvent[] {
    const alerts: AlertEvent[] = [];
    if (batch instanceof PackedBatch && !batch.isDecoded) this.applyPacked(batch, alerts);
    else for (const ev of batch instanceof PackedBatch ? batch.events() : batch) this.applyOne(ev, alerts);
    return alerts;
  }

  /** A batch as the eBPF ring packed it: forks, execs and exits read in place, the rest
   *  built. One host's events only (a stream of several comes as objects). */
  private applyPacked(batch: PackedBatch, alerts: AlertEvent[]): void {
    const reader = batch.reader();
    const numbers = batch.numbers;
    for (let i = 0, at = 0; i < batch.length; i++, at += EVENT_SLOTS) {
      const code = numbers[at];
      if (code !== FORK_CODE && code !== EXIT_CODE && code !== EXEC_CODE) {
        this.applyOne(reader.event(i), alerts);
        continue;
      }
      const ts = numbers[at + 1];
      if (code === EXEC_CODE) {
        const exec = reader.execStrings(i, this.execStrings);
        this.reach(ts, exec.time);
        const node = this.execTarget(numbers[at + 2], ts, numbers[at + 4], numbers[at + 7]);
        if (node) this.execFacts(node, exec.argv, ARGV_SOURCES[numbers[at + 9]], exec.comm, exec.exe, exec.cwd, exec.cgroup);
      } else {
        const time = reader.time();
        this.reach(ts, time);
        if (code === FORK_CODE) this.fork(numbers[at + 2], numbers[at + 3], ts, time, alerts);
        else this.exitProcess(numbers[at + 2], ts);
      }
      this.settle(alerts);
    }
    reader.finish();
  }

  /** The time now, without an event: alerts clear on an idle machine. */
  advance(ts: number, time: string): AlertEvent[] {
    const alerts: AlertEvent[] = [];
    if (ts <= this.now) return alerts;
    this.reach(ts, time);
    this.settle(alerts);
    return alerts;
  }

  /** Time moves on to an event's, never back. */
  private reach(ts: number, time: string): void {
    if (ts > this.now) {
      this.now = ts;
      this.nowTime = time;
    }
  }

  /** What the time now decides, after each event: alerts raised or cleared, tombstones past
   *  their limits removed. */
  private settle(alerts: AlertEvent[]): void {
    this.alerts.check(this.now, this.nowTime, alerts);
    this.retention.prune(this.now);
  }

  /** Processes it finds by pid: live ones, and exited ones the tombstone rules keep. */
  get size(): number {
    return this.byPid.size;
  }

  private applyOne(ev: ForktopEvent, alerts: AlertEvent[]): void {
    let hostIndex = 0;
    if (ev.host !== undefined) {
      const host = this.hosts.take(ev.host);
      if (!host) return;
      hostIndex = host.index;
      if (ev.type === 'host') this.hosts.update(host, ev);
      ev = this.hosts.keyed(ev, host);
    }
    this.reach(ev.ts, ev.time);
    switch (ev.type) {
      case 'fork':
        if (ev.tid === undefined || ev.tid === ev.pid) this.fork(ev.pid, ev.ppid, ev.ts, ev.time, alerts); // else a thread
        break;
      case 'exec':
        this.exec(ev);
        break;
      case 'exit':
        this.exitProcess(ev.pid, ev.ts);
        break;
      case 'snapshot':
        this.snapshot(ev);
        break;
      case 'resync':
        this.endResync(ev.id, ev.ts, hostIndex);
        break;
      case 'comm': {
        const node = this.known(ev.pid, ev.ts);
        node.facts = node.facts.withComm(ev.comm);
        break;
      }
      case 'uid':
      case 'gid':
      case 'sid':
      case 'ptrace':
      case 'coredump':
        this.known(ev.pid, ev.ts); // a process not known yet is known from here
        break;
      default:
        break;
    }
    this.settle(alerts);
  }

  private fork(pid: number, ppid: number, ts: number, time: string, alerts: AlertEvent[]): void {
    const parent = this.byPid.get(ppid);
    let child = this.byPid.get(pid);
    if (child && child.seenFrom === 'late' && child.forkTs === null && child.firstSeenTs >= ts - LATE_FORK_SLACK_NS) {
      // Its exec or exit overtook the fork: this fork is its start (it keeps its clan).
      this.adopt(child, parent, ppid);
      child.seenFrom = 'fork';
    } else {
      if (child && !child.exit) this.exitUnseen(child, ts); // pid reused: its exit was lost
      child = this.create(pid, 'fork', ts, ppid);
      if (parent) {
        child.facts = parent.facts; // fork copies the program
        this.adopt(child, parent, ppid);
        this.alerts.join(parent, child);
      } else {
        this.adopt(child, parent, ppid);
        this.alerts.startClan(child);
      }
    }
    child.forkTs = ts;
    child.startTs = ts;
    if (parent) {
      countSpawn(parent, ts);
      this.alerts.onFork(parent, ts, time, alerts);
    }
  }

  private exec(ev: ExecEvent): void {
    const node = this.execTarget(ev.pid, ev.ts, ev.ret, ev.start_ts ?? NaN);
    if (node) this.execFacts(node, ev.argv, ev.argv_source, ev.comm, ev.exe, ev.cwd, ev.cgroup);
  }

  /** The process an exec at ts ran in (a new one if the pid's had exited before it), once
   *  the exec succeeded; its start time (NaN: not read) where none was known. */
  private execTarget(pid: number, ts: number, ret: number, startTs: number): Member | null {
    let node = this.byPid.get(pid);
    if (!node || (node.exit && node.exit.ts <= ts)) node = this.createLate(pid, ts);
    if (ret !== 0) return null;
    if (node.startTs === null && !Number.isNaN(startTs)) node.startTs = startTs;
    return node;
  }

  /** What it runs now, from an exec event's fields or a packed one's read in place: values,
   *  not either record, so V8 compiles it for one kind of caller whichever comes first. */
  private execFacts(
    node: Member, argv: string[] | null, argvSource: ArgvSource, comm: string | null, exe: string | null,
    cwd: string | null, cgroup: string | null,
  ): void {
    const had = node.facts;
    node.facts = new Facts(argv, argvSource, commOf(comm, argv), exe, cwd ?? had.cwd, cgroup ?? had.cgroup, null);
    if (!node.exit) this.alerts.onExec(node);
  }

  private exitProcess(pid: number, ts: number): void {
    let node = this.byPid.get(pid);
    if (node?.exit?.unseen) {
      // A rescan found it gone before its exit event got here.
      node.exit = new Ended(ts, false);
      this.retention.exitChanged();
      return;
    }
    if (!node || node.exit) node = this.createLate(pid, ts);
    node.exit = new Ended(ts, false);
    this.ended(node);
  }

  private snapshot(ev: SnapshotEvent): void {
    let node = this.byPid.get(ev.pid);
    const sameStart =
      !!node && (node.startTs === null || ev.start_ts === null || Math.abs(node.startTs - ev.start_ts) < START_TIME_SLACK_NS);
    if (node && node.exit && sameStart && ev.resync) return; // scanned just before its exit, which is here
    if (!node || node.exit || !sameStart) {
      if (node && !node.exit) this.exitUnseen(node, ev.ts);
      node = this.create(ev.pid, 'snapshot', ev.ts, ev.ppid);
      node.startTs = ev.start_ts;
      this.takeScanned(node, ev);
      const parent = this.byPid.get(ev.ppid);
      this.adopt(node, parent, ev.ppid);
      if (parent && parent !== node && programOf(parent) === programOf(node)) this.alerts.join(parent, node);
      else this.alerts.startClan(node);
      if (!parentOf(node) && ev.ppid > 0) {
        const waiting = this.waitingForParent.get(ev.ppid) ?? [];
        waiting.push(node);
        this.waitingForParent.set(ev.ppid, waiting);
      }
      this.adoptWaiting(node);
    } else {
      this.takeScanned(node, ev);
    }
    node.resyncSeen = ev.resync ?? 0;
  }

  private takeScanned(node: Member, ev: SnapshotEvent): void {
    node.facts = new Facts(ev.argv, ev.argv_source, ev.comm, ev.exe, ev.cwd, ev.cgroup, null);
  }

  /** Live processes started before a rescan that it did not list are gone, their exits lost. */
  private endResync(id: number, ts: number, hostIndex: number): void {
    const gone: Member[] = [];
    for (const node of this.byPid.values()) {
      if (!node.exit && node.resyncSeen !== id && (node.startTs ?? 0) < ts && hostIndexOf(node.pid) === hostIndex) gone.push(node);
    }
    // By pid, as the Model's table lists them: the order they end in is the order they
    // leave the tombstones.
    gone.sort((a, b) => a.pid - b.pid);
    for (const node of gone) this.exitUnseen(node, ts);
  }

  private known(pid: number, ts: number): Member {
    const node = this.byPid.get(pid);
    return node && !node.exit ? node : this.createLate(pid, ts);
  }

  private create(pid: number, seenFrom: Member['seenFrom'], ts: number, ppid: number | null): Member {
    const node = new Member(this.nextId++, pid, seenFrom, ts, ppid);
    this.byPid.set(pid, node);
    return node;
  }

  private createLate(pid: number, ts: number): Member {
    const old = this.byPid.get(pid);
    if (old && !old.exit) this.exitUnseen(old, ts);
    const node = this.create(pid, 'late', ts, null);
    this.alerts.startClan(node);
    return node;
  }

  private adopt(node: Member, parent: Member | undefined, ppid: number): void {
    node.ppid = ppid;
    const previous = parentOf(node);
    if (previous) this.unlink(previous, node);
    if (parent && !this.wouldCycle(node, parent)) {
      node.parent = parent;
      this.link(parent, node);
    } else {
      node.parent = null;
    }
  }

  /** Whether `parent` is `node` or below it (events out of order can say so). */
  private wouldCycle(node: Member, parent: Member): boolean {
    if (parent === node) return true;
    if (node.keptChildren === 0) return false;
    for (let n: Member | null = parent; n; n = parentOf(n)) if (n === node) return true;
    return false;
  }

  private adoptWaiting(parent: Member): void {
    const waiting = this.waitingForParent.get(parent.pid);
    if (!waiting) return;
    this.waitingForParent.delete(parent.pid);
    for (const child of waiting) {
      if (!child.removed && child.parent === null && !this.wouldCycle(child, parent)) {
        child.parent = parent;
        this.link(parent, child);
      }
    }
  }

  private link(parent: Member, child: Member): void {
    parent.keptChildren++;
    if (!child.exit) parent.liveChildren++;
  }

  private unlink(parent: Member, child: Member): void {
    parent.keptChildren--;
    if (!child.exit) parent.liveChildren--;
  }

  private exitUnseen(node: Member, ts: number): void {
    node.exit = new Ended(ts, true);
    this.ended(node);
  }

  private ended(node: Member): void {
    const parent = parentOf(node);
    if (parent) parent.liveChildren--;
    this.alerts.onExit(node);
    this.retention.onExit(node);
  }

  /** A node past the limits leaves, and with it an expired ancestor left without children
   *  (a loop, not recursion: a chain of them may go). */
  private remove(node: Member): void {
    for (let next: Member | null = node; next; ) next = this.removeOne(next);
  }

  private removeOne(node: Member): Member | null {
    node.removed = true;
    if (this.byPid.get(node.pid) === node) this.byPid.delete(node.pid);
    if (node.expired) this.retention.forgetExpired();
    if (node.seenFrom === 'snapshot' && node.parent === null) this.stopWaiting(node);
    const parent = parentOf(node);
    // Its children no longer reach past it (parentOf stops at a removed node): let go of its
    // own spawner, or a chain of processes that each forked and exited (a daemon's double
    // fork, a pid-walking loop) would stay reachable from the live one, however long.
    node.parent = null;
    if (parent) {
      this.unlink(parent, node);
      if (parent.expired && parent.keptChildren === 0) return parent;
    }
    return null;
  }

  /** A removed snapshot no longer waits for its parent. */
  private stopWaiting(node: Member): void {
    if (node.ppid === null) return;
    const waiting = this.waitingForParent.get(node.ppid);
    if (!waiting) return;
    const at = waiting.indexOf(node);
    if (at >= 0) waiting.splice(at, 1);
    if (waiting.length === 0) this.waitingForParent.delete(node.ppid);
  }
}
