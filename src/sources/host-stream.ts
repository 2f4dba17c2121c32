// One remote host's event stream as it reaches the viewer (over ssh, from NATS): its forktop's
// --json lines. Everything from there is checked as a replay's lines are (validateEvent, a
// bounded time span), then tagged with the host and put on the viewer's clock:
//
// - `host` is the name the viewer knows the host by (an ssh alias, the agent's name), set on
//   every event, whatever the line said.
// - `ts` (and a process's `start_ts`) is the host's CLOCK_MONOTONIC; the model orders by ts,
//   so each host's is mapped onto the viewer's through wall time, once per connection (the
//   first event's `time` against the viewer's wall clock). `time` stays the host's.
// - A connection that is not the host's first starts with a rescan (its forktop lists the
//   running processes as snapshot events, among the first live ones): those are marked as a
//   resync, and a resync event for the host ends them once they stop coming, so what exited
//   while the host was away is marked gone. Its time is the scan's first: what started
//   during the scan is not taken for gone.
import type { RecordingHeader } from '../events/header.js';
import { isRecordingHeader, SCHEMA_VERSION } from '../events/header.js';
import type { ForktopEvent, HostEvent, LostEvent } from '../events/schema.js';
import { TsSpan, validateEvent } from '../events/validate.js';
import { monotonicNs, wallTime } from './clock.js';

export interface HostStreamOptions {
  /** A line that could not be used: reported (bounded), never fatal. */
  onWarning(message: string): void;
  /** The viewer's clocks (tests give fixed ones). */
  monotonic?: () => number;
  wallMs?: () => number;
}

/** The rescan is over when an event comes this long (host time) after its last snapshot. */
const RESCAN_GAP_NS = 2e9;

/** Problems reported per connection; the rest are counted. */
const MAX_REPORTED = 5;

export class HostStream {
  private connections = 0;
  /** host ts + offset = viewer ts, for this connection (null until its first event). */
  private offset: number | null = null;
  private span = new TsSpan();
  /** This connection's rescan: its id while its snapshot events come, then null. */
  private resync: { id: number; count: number; firstTs: number | null; lastHostTs: number | null } | null = null;
  private nextResyncId = 1;
  private reported = 0;
  bootId: string | null = null;
  badLines = 0;
  events = 0;
  private readonly monotonic: () => number;
  private readonly wallMs: () => number;

  constructor(
    readonly host: string,
    private readonly options: HostStreamOptions,
  ) {
    this.monotonic = options.monotonic ?? monotonicNs;
    this.wallMs = options.wallMs ?? Date.now;
  }

  /** A connection began (the remote's header, or null when the stream joins mid-way, as a
   *  NATS subscriber does): the host's 'up' event. */
  connected(header: RecordingHeader | null): ForktopEvent[] {
    this.connections++;
    this.offset = null;
    this.span = new TsSpan();
    this.reported = 0;
    // A rescan only where the model may hold this host's processes from before.
    this.resync = this.connections > 1 ? { id: this.nextResyncId++, count: 0, firstTs: null, lastHostTs: null } : null;
    const bootId = header && typeof header.boot_id === 'string' && /^[0-9a-f-]{1,64}$/.test(header.boot_id) ? header.boot_id : null;
    if (bootId) this.bootId = bootId;
    return [this.hostEvent('up', null)];
  }

  /** The connection ended: the host's 'down' event, with the one line saying why. */
  disconnected(reason: string): ForktopEvent[] {
    const out: ForktopEvent[] = [];
    this.endResync(out);
    out.push(this.hostEvent('down', reason.slice(0, 512)));
    return out;
  }

  /** Events the transport lost between the host and here (counted, said as a lost row). */
  lost(count: number): ForktopEvent[] {
    const [ts, time] = this.now();
    const ev: LostEvent = { type: 'lost', time, ts, count, source: 'transport', host: this.host };
    return [ev];
  }

  /** One line of the host's --json stream; `out` gets what it means, in order. A header
   *  line starts a connection (the host's forktop started, or started again). */
  takeLine(text: string, out: ForktopEvent[]): void {
    const trimmed = text.trim();
    if (!trimmed) return;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      this.report('a line that is not JSON');
      return;
    }
    this.take(value, out);
  }

  /** One parsed value of the host's stream (an event, or a header). */
  take(value: unknown, out: ForktopEvent[]): void {
    if (isRecordingHeader(value)) {
      if (value.schema > SCHEMA_VERSION) {
        this.report(`its forktop writes schema ${value.schema}; this one reads ${SCHEMA_VERSION} (update the viewer)`);
        return;
      }
      out.push(...this.connected(value));
      return;
    }
    const checked = validateEvent(value);
    if (checked.problem !== undefined) {
      this.report(checked.problem);
      return;
    }
    const ev = checked.event;
    if (ev.type === 'alert') return; // the viewer's model makes its own
    if (ev.type === 'end') return; // a recording's end, not the host's
    const problem = this.span.take(ev.ts);
    if (problem) {
      this.report(problem);
      return;
    }
    if (this.connections === 0) out.push(...this.connected(null));
    this.events++;
    if (this.offset === null) this.offset = this.viewerTs(ev.time) - ev.ts;
    const hostTs = ev.ts;
    ev.host = this.host;
    ev.ts = Math.max(0, ev.ts + this.offset);
    const resync = this.resync;
    if (resync) {
      if (ev.type === 'snapshot') {
        ev.resync = resync.id;
        resync.count++;
        resync.firstTs ??= ev.ts;
        resync.lastHostTs = hostTs;
      } else if (resync.lastHostTs !== null && hostTs > resync.lastHostTs + RESCAN_GAP_NS) {
        this.endResync(out);
      }
    }
    if ((ev.type === 'exec' || ev.type === 'snapshot') && ev.start_ts !== null) ev.start_ts = Math.max(0, ev.start_ts + this.offset);
    out.push(ev);
  }

  /** The viewer's monotonic ns at a wall time (the host's, trusted to be close to ours). */
  private viewerTs(time: string): number {
    const wall = Date.parse(time);
    const now = this.monotonic();
    return Number.isFinite(wall) ? now - (this.wallMs() - wall) * 1e6 : now;
  }

  /** Ends this connection's rescan, if it listed anything: as of the scan's start. */
  private endResync(out: ForktopEvent[]): void {
    const resync = this.resync;
    this.resync = null;
    if (!resync || resync.firstTs === null) return;
    const time = wallTime(new Date(this.wallMs()));
    out.push({ type: 'resync', time, ts: resync.firstTs, id: resync.id, count: resync.count, host: this.host });
  }

  private hostEvent(state: HostEvent['state'], reason: string | null): HostEvent {
    const [ts, time] = this.now();
    return { type: 'host', time, ts, host: this.host, state, reason, boot_id: this.bootId };
  }

  private now(): [number, string] {
    return [this.monotonic(), wallTime(new Date(this.wallMs()))];
  }

  private report(problem: string): void {
    this.badLines++;
    if (this.reported++ < MAX_REPORTED) this.options.onWarning(`${this.host}: ${problem}`);
  }
}
