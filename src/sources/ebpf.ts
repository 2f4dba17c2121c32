// The eBPF source: forktop's own BPF programs copy every exec's argv inside the kernel and
// report every fork and exit, into one ring buffer (native/ebpf_exec_reader.cc); the proc
// connector supplies only id, name and session changes (the kernel filters out the rest
// since 6.6), and ExecMerger puts the two streams in time order. Without BTF the programs
// report execs only, the proc connector everything else, and ExecMerger also pairs the
// execs both report. Needs root (CAP_BPF + CAP_PERFMON).
import { ENV_ALLOWLIST } from '../events/schema.js';
import { loadAddon, type NativeEbpfExecSource, type OriginFieldsRead } from './addon.js';
import { decodeEvents, eventsOf, PackedBatch, type PackedEvents } from '../events/packed.js';
import { monotonicNs, wallTime } from './clock.js';
import { ExecMerger } from './exec-merge.js';
import { ID_EVENTS, NetlinkSource, type NetlinkOptions } from './netlink.js';
import { SourceUnavailableError, type EventSource, type SourceHandlers } from './source.js';

export interface EbpfOptions {
  /** Ring buffer bytes (a power of two, at least a page; default 4 MiB, native/ebpf_exec_reader.h). */
  ringBytes?: number;
  /** false: read argv at execve() entry, as on a kernel without BTF (tests use it). */
  useBtf?: boolean;
  /** Called with the verifier's log for every program, loaded or refused (--debug-bpf). */
  onVerifierLog?: (log: string) => void;
  netlink?: NetlinkOptions;
  /** The environment variables each exec keeps (default ENV_ALLOWLIST); nothing else leaves native code. */
  envNames?: readonly string[];
  /** false: the programs' loops unrolled or bounded, as on a kernel without bpf_loop (tests). */
  loops?: boolean;
  /** In a storm, the least ms between two batches (see NetlinkOptions.stormBatchMs). */
  stormBatchMs?: number;
  /** Events from the ring also carry their --json line, written natively (src/events/json.ts). */
  jsonLines?: boolean;
}

export const EBPF_NOT_PRIVILEGED = 'eBPF needs root (CAP_BPF and CAP_PERFMON)';

function unavailable(error: { code?: string; message: string }): SourceUnavailableError {
  const why = error.code === 'EPERM' || error.code === 'EACCES' ? EBPF_NOT_PRIVILEGED : error.message;
  return new SourceUnavailableError(why, 'ebpf', error.code);
}

export class EbpfSource implements EventSource {
  private native?: NativeEbpfExecSource;
  private netlink?: NetlinkSource;
  private merger?: ExecMerger;
  private kernelDone?: Promise<void>;
  private flushTimer?: NodeJS.Timeout;
  private stopping = false;
  private mode: 'exec' | 'entry' = 'exec';
  /** Whether the programs walk each exec's exe and cwd, and its cgroup, in the kernel. */
  private walksPaths = { exe: true, cgroup: true };
  /** Whether the programs report forks and exits too. */
  private tasks = false;
  /** Whether the programs' loops run as bpf_loop callbacks (else unrolled or bounded). */
  private loops = false;
  /** Which of who-started-it the exec program reads (each dropped alone where BTF lacks it). */
  private origin: OriginFieldsRead = { auid: true, session: true, tty: true, sidPgid: true, env: true, filename: true, envEntries: 0 };
  /** The native source's counters as it stopped: stats() is read after stop() too. */
  private lastKernelStats: Record<string, number> = {};

  constructor(private readonly options: EbpfOptions = {}) {}

  /** Whether the programs' loops run as bpf_loop callbacks here (5.17), not unrolled. */
  get runsLoops(): boolean {
    return this.loops;
  }

  /** Without kernel BTF, argv is read at execve() entry (and may be incomplete). */
  get readsArgvAtEntry(): boolean {
    return this.mode === 'entry';
  }

  describe() {
    const caveats: string[] = [];
    if (this.readsArgvAtEntry) caveats.push('no kernel BTF: argv is read at execve() entry, and arguments not yet in memory are marked');
    if (!this.walksPaths.exe) caveats.push('exe is the path as given to execve() (it may be relative); cwd is the parent\'s at fork');
    if (!this.walksPaths.cgroup) caveats.push('cgroup is the parent\'s at fork (a move before the exec is not seen)');
    caveats.push(...originCaveats(this.readsArgvAtEntry ? null : this.origin));
    return { name: 'ebpf', caveats };
  }

  async start(handlers: SourceHandlers): Promise<void> {
    const { EbpfExecSource: Native } = loadAddon();
    const debug = this.options.onVerifierLog !== undefined;
    try {
      this.native = new Native({
        ringBytes: this.options.ringBytes, useBtf: this.options.useBtf ?? true, debug, loops: this.options.loops,
        envAllowlist: [...(this.options.envNames ?? ENV_ALLOWLIST)], stormBatchMs: this.options.stormBatchMs,
        jsonLines: this.options.jsonLines,
      });
    } catch (error) {
      const e = error as { code?: string; message: string; verifierLog?: string };
      if (debug && e.verifierLog) this.options.onVerifierLog!(e.verifierLog);
      throw unavailable(e);
    }
    const described = this.native.describe();
    this.mode = described.mode;
    this.walksPaths = { exe: described.paths, cgroup: described.cgroupPaths };
    this.tasks = described.tasks;
    this.loops = described.loops;
    this.origin = described.origin;
    if (debug) this.options.onVerifierLog!(described.verifierLog);

    const tasks = this.tasks;
    const merger = (this.merger = new ExecMerger((events) => handlers.onBatch(events), { pairExecs: !tasks }));
    this.kernelDone = new Promise((finished) => {
      this.native!.start((kind, payload, message) => {
        if (kind === 'batch') {
          const packed = payload as PackedEvents;
          // With its lines, the batch goes on as it came while nothing needs its objects.
          const batch = packed.length === 4 && tasks ? new PackedBatch(packed) : decodeEvents(packed);
          // Exits come with their duration: the reader sees the forks (native/start_times.h).
          // A fork or exit lost: the tree is repaired from /proc, as for the proc connector.
          const lost = batch instanceof PackedBatch ? batch.hasLost : batch.some((ev) => ev.type === 'lost');
          if (tasks && lost) this.netlink?.requestResync();
          // Released by the flush, after the poll phase: an id change the proc connector
          // delivered meanwhile (its call may come after this one) takes its place first.
          merger.fromKernel(batch, monotonicNs(), false);
          this.scheduleFlush();
        }
        else if (kind === 'error') handlers.onError(new Error(`eBPF ring buffer: ${message}`));
      }, finished);
    });
    // Nothing is read from /proc at an exec here. With forks and exits from eBPF the proc
    // connector's reader has little to do (ids, names, sessions), so it runs at real-time
    // priority: a name set just before a storm must not reach the merge after the storm's
    // forks went out (it did on a machine loaded to 30). Else it has the storm too: normal
    // priority, and events gather between reads (far fewer wakeups).
    this.netlink = new NetlinkSource({
      envNames: this.options.envNames,
      realtime: tasks,
      gatherMs: tasks ? 0 : 5,
      stormBatchMs: this.options.stormBatchMs,
      // Its id changes are rare, and eBPF's events wait for them: nothing gathers.
      quietGatherMs: tasks ? 0 : undefined,
      ...this.options.netlink,
      readExecInfo: false,
      eventTypes: tasks ? ID_EVENTS : 0,
    });
    try {
      await this.netlink.start({
        onBatch: (events) => {
          merger.fromProcConnector(eventsOf(events), monotonicNs());
          this.scheduleFlush();
        },
        onError: handlers.onError,
      });
    } catch (error) {
      await this.stopKernel();
      throw error;
    }
  }

  /** Flushes the merger when what it holds is due: not on a fixed tick, which would add
   *  up to a tick to every event's way to the screen. */
  private scheduleFlush(): void {
    const merger = this.merger;
    if (!merger || this.stopping) return;
    const now = monotonicNs();
    const due = merger.nextDueNs(now);
    clearTimeout(this.flushTimer);
    if (due === null) return;
    // What is due goes out at once (a batch just came); what falls due later, not more often
    // than once a hold: in a storm events fall due one after another, and a flush for each
    // cost a quarter more CPU in a 10,000-exec storm.
    const wait = due <= now ? 0 : Math.max(due - now, merger.holdNow(now));
    this.flushTimer = setTimeout(() => {
      // After the poll phase: a batch either stream delivered meanwhile (the JS thread was
      // busy, or forktop was stopped) joins first, so no exec gives up on a twin that came.
      setImmediate(() => {
        if (this.stopping) return;
        merger.flush(monotonicNs());
        this.scheduleFlush();
      });
    }, Math.max(1, Math.ceil(wait / 1e6)));
    this.flushTimer.unref();
  }

  private async stopKernel(): Promise<void> {
    if (!this.native) return;
    this.native.stop();
    await this.kernelDone;
    this.lastKernelStats = this.native.stats();
    this.native = undefined;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.flushTimer);
    await this.netlink?.stop();
    await this.stopKernel();
    this.merger?.flush(monotonicNs(), true);
  }

  setStormBatchMs(ms: number): void {
    this.native?.setStormBatchMs(ms);
    this.netlink?.setStormBatchMs(ms);
  }

  stats(): Record<string, number> {
    const kernel = this.native?.stats() ?? this.lastKernelStats;
    return { ...this.netlink?.stats(), ...prefixed('ebpf', kernel), ...prefixed('merge', this.merger?.stats ?? {}) };
  }

  now(): [number, string] {
    return [monotonicNs(), wallTime()];
  }
}

/** What the header says of the origin fields the exec program does not read here (null:
 *  none of them, argv being read at entry without BTF). */
function originCaveats(read: OriginFieldsRead | null): string[] {
  if (read === null) return ['no kernel BTF: who started a process (login uid, session, terminal, environment) is not read'];
  const missing: string[] = [];
  if (!read.auid) missing.push('audit login uid (task_struct.loginuid)');
  if (!read.session) missing.push('audit session (task_struct.sessionid)');
  if (!read.tty) missing.push('controlling terminal (signal_struct.tty)');
  if (!read.sidPgid) missing.push('session and process group (signal_struct.pids)');
  if (!read.env) missing.push('environment (mm_struct.env_start, or a verifier without bounded loops)');
  if (!read.filename) missing.push("a script's path beside its interpreter (linux_binprm.interp)");
  const caveats = missing.length > 0 ? [`not read at the exec (not in this kernel's BTF, or refused by its verifier): ${missing.join(', ')}`] : [];
  if (read.env) caveats.push(`environment: only allowlisted variables among its first ${read.envEntries} and first 7 KiB are read at an exec; one past them is not seen`);
  return caveats;
}

function prefixed(prefix: string, stats: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats)) out[`${prefix}${k[0].toUpperCase()}${k.slice(1)}`] = v as number;
  return out;
}
