// Merges the two kernel streams of the eBPF source into one: the proc connector's forks,
// exits and ids, and eBPF's execs (argv copied by the kernel, failed execs too). Both
// report each successful exec; it must appear once, with eBPF's argv. And both arrive in
// batches a few ms apart, so events are held briefly and released in timestamp order.
//
// Pure: the caller passes the monotonic clock in, so tests drive it event by event.
import { eventsOf, PackedBatch, type EventBatch } from '../events/packed.js';
import type { ExecEvent, ForktopEvent } from '../events/schema.js';

export interface ExecMergeOptions {
  /** How long every event is held so the other stream's events of that time can join: a
   *  fixed time. Without it the hold follows how late the streams' batches arrive (see
   *  holdNow()), from minHoldNs to maxHoldNs. */
  holdNs?: number;
  minHoldNs?: number;
  maxHoldNs?: number;
  /** How far out of timestamp order eBPF's records may reach us (CPUs stamp and send them
   *  independently): an eBPF exec this much later than a proc-connector exec says the
   *  latter's twin, never later than it, has come or never will. */
  reorderNs?: number;
  /** The longest a proc-connector exec waits for its eBPF twin before it goes out alone,
   *  counted while forktop runs (see waitClock). */
  waitNs?: number;
  /** The longest an eBPF exec is remembered for its proc-connector twin (a tracer can hold
   *  a process between the two for any time), and how many are remembered at most: the
   *  oldest are forgotten first. */
  rememberNs?: number;
  rememberMax?: number;
  /** false: the proc connector reports no execs (its subscription leaves them out), so
   *  there are no twins to pair: every eBPF exec goes out alone, nothing is remembered. */
  pairExecs?: boolean;
}

export interface ExecMergeStats {
  /** Successful execs both streams reported, sent once. */
  matched: number;
  /** Of those, the ones whose reports were more than 50 ms apart (a tracer held the
   *  process between the exec and its proc-connector report). */
  matchedLate: number;
  /** Execs only the proc connector saw (eBPF lost them): sent without argv. */
  withoutArgv: number;
  /** Execs only eBPF saw (the proc connector lost them, or they failed), counted once
   *  their twin can no longer come (the pid exited), or they were forgotten. */
  kernelOnly: number;
  /** eBPF execs remembered now, their twin not yet come (a process a tracer holds). */
  awaitingTwin: number;
}

interface Waiting {
  ev: ExecEvent;
  /** waitClock when it arrived. */
  arrived: number;
}

/** An eBPF exec whose proc-connector twin has not come yet. Only its time is needed: the
 *  exec itself has gone out (or is held) with its argv, and the twin is simply dropped. */
interface Remembered {
  pid: number;
  ts: number;
  arrivedNs: number;
  done: boolean;
}

/**
 * Pairing rests on a fact of the kernel (fs/exec.c): a successful exec's tracepoint (eBPF)
 * comes before its proc-connector event, however long a tracer holds the process between
 * them, and a process's next exec starts after both. So a proc exec's twin is the pid's
 * latest remembered eBPF exec no later than it, and an eBPF exec's twin the pid's earliest
 * waiting proc exec no earlier than it. Entries leave by evidence (a pairing, the eBPF
 * stream past a proc exec, the pid's exit) or by arrival time and number, never
 * by the distance between timestamps: after forktop was stopped both streams arrive
 * seconds late, together.
 */
export class ExecMerger {
  private readonly minHoldNs: number;
  private readonly maxHoldNs: number;
  private readonly reorderNs: number;
  private readonly waitNs: number;
  private readonly rememberNs: number;
  private readonly rememberMax: number;
  private readonly pairExecs: boolean;
  /** How late each stream's events reached us lately (the most in a window), by stream. */
  private readonly lateness = { proc: new WindowMax(LATENESS_WINDOW_NS), kernel: new WindowMax(LATENESS_WINDOW_NS) };
  private pending: ForktopEvent[] = [];
  /** Without pairing: eBPF batches held as they came, in time order, while nothing of the proc
   *  connector's is held to go between their events (`pending` is then empty). */
  private packed: PackedBatch[] = [];
  /** Proc-connector execs not matched yet, by pid. */
  private readonly waiting = new Map<number, Waiting[]>();
  /** eBPF execs not matched yet, by pid (their twin may still come), and all of them in
   *  arrival order, to forget the oldest. */
  private readonly remembered = new Map<number, Remembered[]>();
  private rememberedQueue: Remembered[] = [];
  private queueHead = 0;
  private readonly dropped = new Set<ForktopEvent>();
  private kernelWatermark = 0;
  /**
   * The time waits are measured in: the monotonic clock, except that a gap between two
   * calls longer than STALL_NS counts as nothing. Forktop did not run then (SIGSTOP, a
   * suspended VM), so neither stream could deliver: a twin still in the kernel's buffers
   * must not be given up for it.
   */
  private waitClock = 0;
  private lastNowNs: number | null = null;
  /** A batch came a stall late (forktop was stopped): the other stream's backlog is then
   *  right behind it, and everything is held for it (until untilNs) to go out in time order. */
  private catchUp: { stream: 'proc' | 'kernel'; untilNs: number } | null = null;
  /** Without pairing: id and name changes held, with when they came (waitClock). */
  private procHeld: { ts: number; arrived: number }[] = [];
  /** Without pairing: the times of the /proc scan held now, if any. */
  private scan: { firstTs: number; lastTs: number } | null = null;
  readonly stats: ExecMergeStats = { matched: 0, matchedLate: 0, withoutArgv: 0, kernelOnly: 0, awaitingTwin: 0 };

  constructor(
    private readonly emit: (events: EventBatch) => void,
    options: ExecMergeOptions = {},
  ) {
    // At most longer than the time between two batches of one source in a storm (100 ms at
    // most, batch_channel.cc): the other source's events of that time have then arrived too.
    this.minHoldNs = options.holdNs ?? options.minHoldNs ?? 4e6;
    this.maxHoldNs = options.holdNs ?? options.maxHoldNs ?? 150e6;
    this.reorderNs = options.reorderNs ?? 50e6;
    this.waitNs = options.waitNs ?? 500e6;
    this.rememberNs = options.rememberNs ?? 600e9;
    this.rememberMax = options.rememberMax ?? 32_768;
    this.pairExecs = options.pairExecs ?? true;
  }

  /** Events from the proc connector (its execs carry no argv). */
  fromProcConnector(events: readonly ForktopEvent[], nowNs: number): void {
    this.tick(nowNs);
    this.arrived('proc', events, nowNs);
    if (!this.pairExecs) {
      // Rare here (id, name and session changes, a /proc scan): each goes in its place, and
      // an id or name change waits for the eBPF stream to reach its time (see releaseOrdered).
      if (events.length > 0) this.unpack();
      for (const ev of events) {
        this.insertSorted(ev);
        if (ev.type !== 'snapshot' && ev.type !== 'resync' && ev.type !== 'lost') {
          this.procHeld.push({ ts: ev.ts, arrived: this.waitClock });
        }
      }
      this.release(nowNs, false, false);
      return;
    }
    for (const ev of events) {
      if (ev.type === 'exec' && ev.ret === 0) {
        const twin = this.takeRemembered(ev.pid, ev.ts);
        if (twin) {
          this.countMatch(ev.ts - twin.ts);
          continue;
        }
        list(this.waiting, ev.pid).push({ ev, arrived: this.waitClock });
      } else if (ev.type === 'exit') {
        // Its proc-connector exec would have come before its exit: none will now.
        this.forgetRemembered(ev.pid, ev.ts);
      }
      this.pending.push(ev);
    }
    // Waits are not timed out here: this batch may be a backlog JS took long to get
    // through, and eBPF's batch with the twins is then next in line.
    this.release(nowNs, false, false);
  }

  /** Exec events from eBPF (and its `lost` counts). `release` false: what is due goes out
   *  at the next flush, not now. */
  fromKernel(batch: EventBatch, nowNs: number, release = true): void {
    this.tick(nowNs);
    this.arrived('kernel', batch, nowNs);
    if (!this.pairExecs) {
      // The whole stream (forks, execs, exits), each batch in time order (the native side
      // sorts it): appended, or merged when it reaches back past what is held.
      if (batch.length === 0) return;
      const last = tsOf(batch, batch.length - 1);
      if (last > this.kernelWatermark) this.kernelWatermark = last;
      if (batch instanceof PackedBatch && this.pending.length === 0 && this.procHeld.length === 0 && !this.scan) {
        const held = this.packed;
        const previous = held.length > 0 ? held[held.length - 1] : null;
        if (previous === null || previous.lastTs <= batch.ts(0)) {
          // As it came: nothing goes between its events.
          held.push(batch);
          if (release) this.release(nowNs, false, true);
          return;
        }
      }
      this.unpack();
      const events = eventsOf(batch);
      const pending = this.pending;
      if (pending.length === 0 || pending[pending.length - 1].ts <= events[0].ts) {
        for (const ev of events) pending.push(ev);
      } else {
        for (const ev of events) this.insertSorted(ev);
      }
      if (release) this.release(nowNs, false, true);
      return;
    }
    for (const ev of eventsOf(batch)) {
      this.pending.push(ev);
      if (ev.type !== 'exec') continue;
      if (ev.ts > this.kernelWatermark) this.kernelWatermark = ev.ts;
      if (ev.ret !== 0) continue; // the proc connector never reports a failed exec
      const twin = this.takeWaiting(ev.pid, ev.ts);
      if (twin) {
        this.dropped.add(twin.ev);
        this.countMatch(twin.ev.ts - ev.ts);
      } else {
        this.remember(ev.pid, ev.ts, nowNs);
      }
    }
    if (release) this.release(nowNs, false, true);
  }

  /** Sends what has been held long enough, in timestamp order; `all` sends everything. */
  flush(nowNs: number, all = false): void {
    this.tick(nowNs);
    this.release(nowNs, all, true);
  }

  private release(nowNs: number, all: boolean, timeouts: boolean): void {
    if (!this.pairExecs) {
      this.releaseOrdered(nowNs, all);
      return;
    }
    for (const [pid, waits] of this.waiting) {
      const still = waits.filter(
        (w) =>
          !all &&
          this.kernelWatermark < w.ev.ts + this.reorderNs &&
          !(timeouts && this.waitClock - w.arrived >= this.waitNs),
      );
      this.stats.withoutArgv += waits.length - still.length;
      if (still.length) this.waiting.set(pid, still);
      else this.waiting.delete(pid);
    }
    let horizon = all ? Infinity : nowNs - this.holdNow(nowNs);
    if (this.catchUp && !all) {
      if (nowNs < this.catchUp.untilNs) horizon = -Infinity;
      else this.catchUp = null;
    }
    // A /proc scan (snapshot events, then its resync) goes out whole: half a scan would
    // show a tree with half its processes.
    let scanEnd = -Infinity;
    let scanReady = false;
    for (const ev of this.pending) {
      if (ev.type !== 'snapshot' && ev.type !== 'resync') continue;
      if (ev.ts > scanEnd) scanEnd = ev.ts;
      if (ev.ts <= horizon) scanReady = true;
    }
    if (scanReady && scanEnd > horizon) horizon = scanEnd;
    // Nothing goes out past an exec still waiting for its argv: what the process did next
    // (forked, say) must not reach the model before the exec that changed its program.
    for (const waits of this.waiting.values()) {
      for (const w of waits) if (w.ev.ts <= horizon) horizon = w.ev.ts - 1;
    }
    const ready: ForktopEvent[] = [];
    const held: ForktopEvent[] = [];
    for (const ev of this.pending) {
      if (this.dropped.delete(ev)) continue;
      if (ev.ts <= horizon) ready.push(ev);
      else held.push(ev);
    }
    this.pending = held;
    this.forgetOldRemembered(nowNs, all);
    if (ready.length === 0) return;
    ready.sort((a, b) => a.ts - b.ts); // stable: equal times keep their order
    this.emit(ready);
  }

  /** Held eBPF batches become events in `pending`: a proc-connector event, or a batch that
   *  reaches back, goes between them. */
  private unpack(): void {
    if (this.packed.length === 0) return;
    const events: ForktopEvent[] = [];
    for (const batch of this.packed) for (const ev of batch.events()) events.push(ev);
    this.packed = [];
    this.pending = events.concat(this.pending);
  }

  /** Without pairing: held packed batches go out whole once their last event is due; else
   *  `pending` is in time order and what is due is a prefix, found by a binary search. */
  private releaseOrdered(nowNs: number, all: boolean): void {
    if (this.packed.length === 0 && this.pending.length === 0) return;
    let horizon = all ? Infinity : nowNs - this.holdNow(nowNs);
    if (this.catchUp && !all) {
      if (nowNs < this.catchUp.untilNs) horizon = -Infinity;
      else this.catchUp = null;
    }
    if (this.packed.length > 0) {
      // Whole batches, once their last event is due: nothing of the other stream is held.
      const held = this.packed;
      let due = 0;
      while (due < held.length && held[due].lastTs <= horizon) due++;
      if (due === 0) return;
      this.packed = held.slice(due);
      for (let i = 0; i < due; i++) this.emit(held[i]);
      return;
    }
    const pending = this.pending;
    // A /proc scan goes out whole (see release).
    if (this.scan && this.scan.firstTs <= horizon && this.scan.lastTs > horizon) horizon = this.scan.lastTs;
    // An id or name change goes out once the eBPF stream has reached its time, or has been
    // waited for PROC_WAIT_NS: on a loaded machine the stream that is late is not always the
    // same, and a process's exec must not come after the name it set since (the exec would
    // undo it), nor its forks before it.
    const blocking = this.blockingProc(all);
    if (blocking !== null && blocking.ts - 1 < horizon) horizon = blocking.ts - 1;
    let lo = 0;
    let hi = pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pending[mid].ts <= horizon) lo = mid + 1;
      else hi = mid;
    }
    if (this.scan && this.scan.lastTs <= horizon) this.scan = null;
    if (this.procHeld.length > 0) this.procHeld = this.procHeld.filter((p) => p.ts > horizon);
    if (lo === 0) return;
    let ready: ForktopEvent[];
    if (lo === pending.length) {
      ready = pending;
      this.pending = [];
    } else {
      ready = pending.slice(0, lo);
      this.pending = pending.slice(lo);
    }
    this.emit(ready);
  }

  /** The earliest held id or name change the eBPF stream has not reached yet, while it may
   *  still be waited for. */
  private blockingProc(all: boolean): { ts: number; arrived: number } | null {
    if (all) return null;
    let first: { ts: number; arrived: number } | null = null;
    for (const p of this.procHeld) {
      if (p.ts <= this.kernelWatermark || this.waitClock - p.arrived >= PROC_WAIT_NS) continue;
      if (first === null || p.ts < first.ts) first = p;
    }
    return first;
  }

  /** Puts a proc-connector event (or one that reaches back) in its time order in `pending`,
   *  after the events of the same time; notes a /proc scan's extent. */
  private insertSorted(ev: ForktopEvent): void {
    if (ev.type === 'snapshot' || ev.type === 'resync') {
      if (!this.scan) this.scan = { firstTs: ev.ts, lastTs: ev.ts };
      else {
        this.scan.firstTs = Math.min(this.scan.firstTs, ev.ts);
        this.scan.lastTs = Math.max(this.scan.lastTs, ev.ts);
      }
    }
    const pending = this.pending;
    let lo = 0;
    let hi = pending.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pending[mid].ts <= ev.ts) lo = mid + 1;
      else hi = mid;
    }
    if (lo === pending.length) pending.push(ev);
    else pending.splice(lo, 0, ev);
  }

  /**
   * How long events are held now: a little more than the later stream's recent lateness
   * (an event not arrived yet is at most that old), so each goes out in time order after
   * ~10 ms on a quiet machine, and, pairing, after up to 150 ms in a storm, when the native
   * side batches 100 ms of events into one call.
   */
  holdNow(nowNs: number): number {
    // Without pairing, the eBPF stream's events wait only for the proc connector's of their
    // time (its id changes wait for the eBPF stream themselves, see blockingProc), so how late
    // eBPF's own batches come adds nothing: a storm's execs go out as they arrive.
    const kernelLate = this.pairExecs ? this.lateness.kernel.get(nowNs) : 0;
    const late = Math.max(this.lateness.proc.get(nowNs), kernelLate);
    return Math.min(this.maxHoldNs, Math.max(this.minHoldNs, late + HOLD_MARGIN_NS));
  }

  /** When the next flush can send something (monotonic ns), or null when nothing is held. */
  nextDueNs(nowNs: number): number | null {
    if (!this.pairExecs) {
      // A packed batch goes out once its last event is due; an event in pending, by its own.
      let oldest: number;
      if (this.packed.length > 0) oldest = this.packed[0].lastTs;
      else if (this.pending.length > 0) oldest = this.pending[0].ts;
      else return null;
      let first = oldest + this.holdNow(nowNs);
      if (this.catchUp && first < this.catchUp.untilNs) first = this.catchUp.untilNs;
      const blocking = this.blockingProc(false);
      if (blocking !== null && blocking.ts <= first) {
        first = Math.max(first, nowNs + Math.min(STALL_NS / 2, blocking.arrived + PROC_WAIT_NS - this.waitClock));
      }
      return first;
    }
    let due = Infinity;
    // Events from the first waiting exec on go out when it is settled, not before.
    let barrier = Infinity;
    for (const waits of this.waiting.values()) {
      for (const w of waits) {
        barrier = Math.min(barrier, w.ev.ts);
        // A wait ends by waitClock; look at least every STALL_NS / 2, so that a wait's own
        // timer never makes a gap that counts as a stall.
        due = Math.min(due, nowNs + Math.min(STALL_NS / 2, w.arrived + this.waitNs - this.waitClock));
      }
    }
    const hold = this.holdNow(nowNs);
    for (const ev of this.pending) if (ev.ts < barrier && ev.ts + hold < due) due = ev.ts + hold;
    if (this.catchUp && due < this.catchUp.untilNs) due = this.catchUp.untilNs;
    return due === Infinity ? null : due;
  }

  private arrived(stream: 'proc' | 'kernel', events: EventBatch, nowNs: number): void {
    // The eBPF stream without pairing comes in time order, and has no scan: its first is its oldest.
    const sorted = stream === 'kernel' && !this.pairExecs;
    const late = sorted ? (events.length ? Math.max(0, nowNs - tsOf(events, 0)) : 0) : lateness(eventsOf(events), nowNs);
    this.lateness[stream].add(late, nowNs);
    if (events.length === 0) return;
    if (this.catchUp?.stream === stream) this.catchUp = null;
    else if (late >= STALL_NS && !this.catchUp) {
      this.catchUp = { stream: stream === 'proc' ? 'kernel' : 'proc', untilNs: nowNs + this.maxHoldNs };
    }
  }

  private tick(nowNs: number): void {
    if (this.lastNowNs !== null && nowNs > this.lastNowNs) {
      const gap = nowNs - this.lastNowNs;
      if (gap < STALL_NS) this.waitClock += gap;
    }
    if (this.lastNowNs === null || nowNs > this.lastNowNs) this.lastNowNs = nowNs;
  }

  private countMatch(gapNs: number): void {
    this.stats.matched++;
    if (gapNs > LATE_PAIR_NS) this.stats.matchedLate++;
  }

  /** The proc exec at `ts` of this pid: its twin is the latest eBPF exec no later than it
   *  (an earlier one is an earlier exec's, whose proc report was lost or is still to come). */
  private takeRemembered(pid: number, ts: number): Remembered | undefined {
    const items = this.remembered.get(pid);
    if (!items) return undefined;
    let best = -1;
    for (let i = 0; i < items.length; i++) if (items[i].ts <= ts && (best < 0 || items[i].ts > items[best].ts)) best = i;
    if (best < 0) return undefined;
    const [twin] = items.splice(best, 1);
    if (items.length === 0) this.remembered.delete(pid);
    this.drop(twin);
    return twin;
  }

  /** The pid exited at `ts`: its eBPF execs before that will have no twin. */
  private forgetRemembered(pid: number, ts: number): void {
    const items = this.remembered.get(pid);
    if (!items) return;
    const keep = items.filter((r) => r.ts > ts);
    this.stats.kernelOnly += items.length - keep.length;
    for (const r of items) if (r.ts <= ts) this.drop(r);
    if (keep.length) this.remembered.set(pid, keep);
    else this.remembered.delete(pid);
  }

  /** The eBPF exec at `ts` of this pid: its twin is the earliest waiting proc exec no
   *  earlier than it. */
  private takeWaiting(pid: number, ts: number): Waiting | undefined {
    const items = this.waiting.get(pid);
    if (!items) return undefined;
    let best = -1;
    for (let i = 0; i < items.length; i++) if (items[i].ev.ts >= ts && (best < 0 || items[i].ev.ts < items[best].ev.ts)) best = i;
    if (best < 0) return undefined;
    const [twin] = items.splice(best, 1);
    if (items.length === 0) this.waiting.delete(pid);
    return twin;
  }

  private remember(pid: number, ts: number, nowNs: number): void {
    const r: Remembered = { pid, ts, arrivedNs: nowNs, done: false };
    list(this.remembered, pid).push(r);
    this.rememberedQueue.push(r);
    this.stats.awaitingTwin++;
  }

  private drop(r: Remembered): void {
    r.done = true;
    this.stats.awaitingTwin--;
  }

  /** Forgets eBPF execs remembered past rememberNs, and the oldest past rememberMax. */
  private forgetOldRemembered(nowNs: number, all: boolean): void {
    const queue = this.rememberedQueue;
    while (this.queueHead < queue.length) {
      const r = queue[this.queueHead];
      if (!r.done) {
        const expired = all || nowNs - r.arrivedNs >= this.rememberNs || this.stats.awaitingTwin > this.rememberMax;
        if (!expired) break;
        const items = this.remembered.get(r.pid)!;
        items.splice(items.indexOf(r), 1);
        if (items.length === 0) this.remembered.delete(r.pid);
        this.drop(r);
        this.stats.kernelOnly++;
      }
      this.queueHead++;
    }
    // Paired ones behind one a tracer still holds stay in the queue: drop them once they
    // are most of it, so it holds about as many entries as are remembered.
    if (queue.length - this.queueHead > 2 * this.stats.awaitingTwin + 1024) {
      this.rememberedQueue = queue.slice(this.queueHead).filter((r) => !r.done);
      this.queueHead = 0;
    }
  }
}

/** How long an id or name change waits for the eBPF stream to reach its time. */
const PROC_WAIT_NS = 100e6;
/** Margin over the measured lateness: a reader's wakeup and a batch in flight. */
const HOLD_MARGIN_NS = 3e6;
/** Lateness is remembered this long: a storm's late batches keep the hold up while it lasts. */
const LATENESS_WINDOW_NS = 2e9;
/** A gap between two calls this long means forktop did not run meanwhile (see waitClock). */
const STALL_NS = 1e9;
/** Twins further apart than this count as matchedLate. */
const LATE_PAIR_NS = 50e6;

/** How long ago the oldest event of a batch happened (a /proc scan's events do not count). */
function lateness(events: readonly ForktopEvent[], nowNs: number): number {
  let oldest = Infinity;
  for (const ev of events) if (ev.type !== 'snapshot' && ev.type !== 'resync' && ev.ts < oldest) oldest = ev.ts;
  return oldest === Infinity ? 0 : Math.max(0, nowNs - oldest);
}

/** The largest value added within the last `windowNs` (two half-windows, so old peaks expire). */
class WindowMax {
  private current = 0;
  private previous = 0;
  private startedNs = -Infinity;

  constructor(private readonly windowNs: number) {}

  add(value: number, nowNs: number): void {
    this.roll(nowNs);
    if (value > this.current) this.current = value;
  }

  get(nowNs: number): number {
    this.roll(nowNs);
    return Math.max(this.current, this.previous);
  }

  private roll(nowNs: number): void {
    const half = this.windowNs / 2;
    if (nowNs - this.startedNs < half) return;
    this.previous = nowNs - this.startedNs < this.windowNs ? this.current : 0;
    this.current = 0;
    this.startedNs = nowNs;
  }
}

/** Event i's time, read in place from a packed batch. */
function tsOf(batch: EventBatch, i: number): number {
  return batch instanceof PackedBatch ? batch.ts(i) : batch[i].ts;
}

function list<K, V>(map: Map<K, V[]>, key: K): V[] {
  let l = map.get(key);
  if (!l) map.set(key, (l = []));
  return l;
}
