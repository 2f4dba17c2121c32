// Merges the two kernel streams of the eBPF source into one: the proc connector's forks,
// exits and ids, and eBPF's execs (argv copied by the kernel, failed execs too). Both
// report each successful exec; it must appear once, with eBPF's argv. And both arrive in
// batches a few ms apart, so events are held briefly and released in timestamp order.
//
// Pure: the caller passes the monotonic clock in, so tests drive it event by event.
import type { ExecEvent, ForktopEvent } from '../events/schema.js';

export interface ExecMergeOptions {
  /** How long every event is held so the other stream's events of that time can join: a
   *  fixed time. Without it the hold follows how late the streams' batches arrive (see
   *  holdNow()), from minHoldNs to maxHoldNs. */
  holdNs?: number;
  minHoldNs?: number;
  maxHoldNs?: number;
  /** Two reports of one exec are at most this far apart (same pid). */
  matchNs?: number;
  /** The longest a proc-connector exec waits for its eBPF twin before it goes out alone. */
  waitNs?: number;
}

export interface ExecMergeStats {
  /** Successful execs both streams reported, sent once. */
  matched: number;
  /** Execs only the proc connector saw (eBPF lost them): sent without argv. */
  withoutArgv: number;
  /** Execs only eBPF saw (the proc connector lost them, or they failed). */
  kernelOnly: number;
}

interface Waiting {
  ev: ExecEvent;
  arrivedNs: number;
}

export class ExecMerger {
  private readonly minHoldNs: number;
  private readonly maxHoldNs: number;
  private readonly matchNs: number;
  /** How late each stream's events reached us lately (the most in a window), by stream. */
  private readonly lateness = { proc: new WindowMax(LATENESS_WINDOW_NS), kernel: new WindowMax(LATENESS_WINDOW_NS) };
  private readonly waitNs: number;
  private pending: ForktopEvent[] = [];
  /** Proc-connector execs not matched yet, by pid. */
  private readonly waiting = new Map<number, Waiting[]>();
  /** eBPF execs not matched yet, by pid: their twin may still come. */
  private readonly unmatchedKernel = new Map<number, ExecEvent[]>();
  private readonly dropped = new Set<ForktopEvent>();
  private kernelWatermark = 0;
  readonly stats: ExecMergeStats = { matched: 0, withoutArgv: 0, kernelOnly: 0 };

  constructor(
    private readonly emit: (events: ForktopEvent[]) => void,
    options: ExecMergeOptions = {},
  ) {
    // At most longer than the time between two batches of one source in a storm (100 ms,
    // batch_channel.cc): the other source's events of that time have then arrived too.
    this.minHoldNs = options.holdNs ?? options.minHoldNs ?? 4e6;
    this.maxHoldNs = options.holdNs ?? options.maxHoldNs ?? 150e6;
    this.matchNs = options.matchNs ?? 50e6;
    this.waitNs = options.waitNs ?? 500e6;
  }

  /** Events from the proc connector (its execs carry no argv). */
  fromProcConnector(events: readonly ForktopEvent[], nowNs: number): void {
    this.lateness.proc.add(lateness(events, nowNs), nowNs);
    for (const ev of events) {
      if (ev.type === 'exec' && ev.ret === 0) {
        const twin = this.take(this.unmatchedKernel, ev.pid, ev.ts, (k) => k.ts);
        if (twin) {
          this.stats.matched++;
          continue;
        }
        list(this.waiting, ev.pid).push({ ev, arrivedNs: nowNs });
      }
      this.pending.push(ev);
    }
    this.flush(nowNs);
  }

  /** Exec events from eBPF (and its `lost` counts). */
  fromKernel(events: readonly ForktopEvent[], nowNs: number): void {
    this.lateness.kernel.add(lateness(events, nowNs), nowNs);
    for (const ev of events) {
      this.pending.push(ev);
      if (ev.type !== 'exec') continue;
      if (ev.ts > this.kernelWatermark) this.kernelWatermark = ev.ts;
      if (ev.ret !== 0) continue; // the proc connector never reports a failed exec
      const twin = this.take(this.waiting, ev.pid, ev.ts, (w) => w.ev.ts);
      if (twin) {
        this.dropped.add(twin.ev);
        this.stats.matched++;
      } else {
        list(this.unmatchedKernel, ev.pid).push(ev);
      }
    }
    this.flush(nowNs);
  }

  /** Sends what has been held long enough, in timestamp order; `all` sends everything. */
  flush(nowNs: number, all = false): void {
    for (const [pid, waits] of this.waiting) {
      const still = waits.filter(
        (w) => !all && this.kernelWatermark < w.ev.ts + this.matchNs && nowNs - w.arrivedNs < this.waitNs,
      );
      this.stats.withoutArgv += waits.length - still.length;
      if (still.length) this.waiting.set(pid, still);
      else this.waiting.delete(pid);
    }
    let horizon = all ? Infinity : nowNs - this.holdNow(nowNs);
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
    this.forgetOldKernelExecs(all ? Infinity : nowNs - this.waitNs);
    if (ready.length === 0) return;
    ready.sort((a, b) => a.ts - b.ts); // stable: equal times keep their order
    this.emit(ready);
  }

  /**
   * How long events are held now: a little more than the later stream's recent lateness
   * (an event not arrived yet is at most that old), so each goes out in time order after
   * ~10 ms on a quiet machine, and after up to 150 ms in a storm, when the native side
   * batches 100 ms of events into one call.
   */
  holdNow(nowNs: number): number {
    const late = Math.max(this.lateness.proc.get(nowNs), this.lateness.kernel.get(nowNs));
    return Math.min(this.maxHoldNs, Math.max(this.minHoldNs, late + HOLD_MARGIN_NS));
  }

  /** When the next flush can send something (monotonic ns), or null when nothing is held. */
  nextDueNs(nowNs: number): number | null {
    let due = Infinity;
    const hold = this.holdNow(nowNs);
    for (const ev of this.pending) if (ev.ts + hold < due) due = ev.ts + hold;
    for (const waits of this.waiting.values()) for (const w of waits) due = Math.min(due, w.arrivedNs + this.waitNs);
    return due === Infinity ? null : due;
  }

  private forgetOldKernelExecs(before: number): void {
    for (const [pid, execs] of this.unmatchedKernel) {
      if (execs[0].ts >= before) continue; // the common case: nothing old enough yet
      const keep = execs.filter((ev) => ev.ts >= before);
      this.stats.kernelOnly += execs.length - keep.length;
      if (keep.length) this.unmatchedKernel.set(pid, keep);
      else this.unmatchedKernel.delete(pid);
    }
  }

  /** Removes and returns the report of this pid's exec at about this time, if there is one. */
  private take<T>(map: Map<number, T[]>, pid: number, ts: number, tsOf: (item: T) => number): T | undefined {
    const items = map.get(pid);
    if (!items) return undefined;
    const i = items.findIndex((item) => Math.abs(tsOf(item) - ts) <= this.matchNs);
    if (i < 0) return undefined;
    const [item] = items.splice(i, 1);
    if (items.length === 0) map.delete(pid);
    return item;
  }
}

/** Margin over the measured lateness: a reader's wakeup and a batch in flight. */
const HOLD_MARGIN_NS = 3e6;
/** Lateness is remembered this long: a storm's 100 ms batches keep the hold up while it lasts. */
const LATENESS_WINDOW_NS = 2e9;

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

function list<K, V>(map: Map<K, V[]>, key: K): V[] {
  let l = map.get(key);
  if (!l) map.set(key, (l = []));
  return l;
}
