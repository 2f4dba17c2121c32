// The kernel's proc connector: every fork, exec and exit, with argv read from /proc the
// moment the exec is decoded (in native/netlink_reader.cc). Needs root or CAP_NET_ADMIN
// before Linux 6.6; any user since.
import { ENV_ALLOWLIST, type ResyncEvent } from '../events/schema.js';
import { loadAddon, scanProcesses, type NativeNetlinkSource } from './addon.js';
import { decodeEvents, type PackedEvents } from '../events/packed.js';
import { monotonicNs, wallTime } from './clock.js';
import { StartTimes } from './start-times.js';
import { SourceUnavailableError, type EventSource, type SourceHandlers } from './source.js';

export interface NetlinkOptions {
  /** Kernel receive buffer; large so a burst does not overrun it. Tests shrink it. */
  receiveBufferBytes?: number;
  /** Emit one snapshot event per existing process first (default true). */
  snapshot?: boolean;
  /** Run the reader thread at real-time priority when allowed (default true). */
  realtime?: boolean;
  /** Events waiting for JS before new ones are dropped and counted (default 1,048,576). */
  maxPendingEvents?: number;
  /** In a storm, the least ms between two batches (default 100: few calls into JS; the live
   *  view asks for less, to show an exec sooner). */
  stormBatchMs?: number;
  /** At a person's pace, how long the first event waits for those that follow it before
   *  they go to JS together (default 5; 0 when the events are rare and must not be late). */
  quietGatherMs?: number;
  /** Read argv & co from /proc at each exec (default true; the eBPF source turns it off). */
  readExecInfo?: boolean;
  /** After a wakeup, let events gather this many ms before reading again (default 0). */
  gatherMs?: number;
  /** Only these proc_event types (PROC_EVENT_* bits, see ID_EVENTS; default all). */
  eventTypes?: number;
  /** The environment variables read from /proc (default ENV_ALLOWLIST). */
  envNames?: readonly string[];
}

/** The proc connector's events the eBPF source still needs from it when its programs report
 *  forks and exits: uid, gid, sid, ptrace, comm and coredump. */
export const ID_EVENTS = 0x4 | 0x40 | 0x80 | 0x100 | 0x200 | 0x40000000;

export const NOT_PRIVILEGED =
  'forktop needs root or CAP_NET_ADMIN for the proc connector; try sudo, or --source poll';

function unavailable(code: string | undefined, message: string): SourceUnavailableError {
  if (code === 'EPERM' || code === 'EACCES') {
    return new SourceUnavailableError(NOT_PRIVILEGED, 'netlink', code);
  }
  return new SourceUnavailableError(`the proc connector is not available: ${message}`, 'netlink', code);
}

export class NetlinkSource implements EventSource {
  private native?: NativeNetlinkSource;
  private done?: Promise<void>;
  private readonly startTimes = new StartTimes();
  private resyncs = 0;
  private resyncTimer?: NodeJS.Timeout;
  private lastResyncAt = 0;
  private handlers?: SourceHandlers;

  constructor(private readonly options: NetlinkOptions = {}) {}

  private get envNames(): readonly string[] {
    return this.options.envNames ?? ENV_ALLOWLIST;
  }

  describe() {
    return {
      name: 'netlink',
      caveats: [
        'argv is read from /proc at exec: a process gone by then shows its comm or nothing',
        'who started a process (login uid, session, terminal, environment) is read from /proc after its exec (origin_late)',
      ],
    };
  }

  start(handlers: SourceHandlers): Promise<void> {
    const { NetlinkSource: Native } = loadAddon();
    try {
      this.native = new Native({
        receiveBufferBytes: this.options.receiveBufferBytes,
        snapshot: this.options.snapshot ?? true,
        realtime: this.options.realtime ?? true,
        maxPendingEvents: this.options.maxPendingEvents,
        stormBatchMs: this.options.stormBatchMs,
        quietGatherMs: this.options.quietGatherMs,
        readExecInfo: this.options.readExecInfo ?? true,
        gatherMs: this.options.gatherMs ?? 0,
        eventTypes: this.options.eventTypes ?? 0,
        envAllowlist: [...this.envNames],
      });
    } catch (error) {
      return Promise.reject(unavailable((error as { code?: string }).code, (error as Error).message));
    }
    this.handlers = handlers;
    return new Promise((resolve, reject) => {
      let ready = false;
      this.done = new Promise((finished) => {
        this.native!.start((kind, payload, message) => {
          if (kind === 'batch') {
            const events = decodeEvents(payload as PackedEvents);
            this.startTimes.annotate(events);
            handlers.onBatch(events);
            // Any loss of this stream (the kernel's buffer, or forktop's own queue falling
            // behind) may hide a fork or an exit: the tree, and a bomb's live count (its
            // alert stays while it has members), are repaired from /proc.
            if (events.some((ev) => ev.type === 'lost')) this.scheduleResync(handlers);
          } else if (kind === 'ready') {
            ready = true;
            resolve();
          } else if (ready) {
            handlers.onError(new Error(`proc connector: ${message}`));
          } else {
            reject(unavailable(payload as string, message ?? 'unknown error'));
          }
        }, finished);
      });
    });
  }

  /** Another stream of this machine's events lost some (the eBPF ring buffer's forks and
   *  exits): the same repair. */
  requestResync(): void {
    if (this.handlers) this.scheduleResync(this.handlers);
  }

  /**
   * Events were dropped, so the tree may hold processes that are gone and miss some
   * that are new: rescan /proc (at most every 2 s, a little after the storm that overran
   * us) and send it as snapshot events and a resync event, which the model repairs from.
   */
  private scheduleResync(handlers: SourceHandlers): void {
    if (this.resyncTimer) return;
    const wait = Math.max(200, 2000 - (Date.now() - this.lastResyncAt));
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = undefined;
      this.lastResyncAt = Date.now();
      const id = ++this.resyncs;
      const snapshots = scanProcesses(this.envNames);
      if (snapshots.length === 0) return;
      for (const snap of snapshots) snap.resync = id;
      const last = snapshots[snapshots.length - 1];
      const end: ResyncEvent = { type: 'resync', time: last.time, ts: last.ts, id, count: snapshots.length };
      this.startTimes.annotate(snapshots);
      handlers.onBatch([...snapshots, end]);
    }, wait);
  }

  async stop(): Promise<void> {
    clearTimeout(this.resyncTimer);
    this.resyncTimer = undefined;
    if (!this.native) return;
    this.native.stop();
    await this.done;
  }

  setStormBatchMs(ms: number): void {
    this.native?.setStormBatchMs(ms);
  }

  stats(): Record<string, number> {
    return this.native?.stats() ?? {};
  }

  now(): [number, string] {
    return [monotonicNs(), wallTime()];
  }
}
