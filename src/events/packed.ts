// The native readers hand over a batch in one piece: each event's numbers in a
// Float64Array (EVENT_SLOTS apiece) and all its strings in one NUL-separated string
// (native/event_js.cc packs them). Objects are built here, where V8 makes a literal of a
// known shape fast; built in C++, one N-API call per property, they cost a fifth of
// forktop's CPU in a storm. Null numbers are NaN.
//
// A batch with its --json lines can also travel as it came (PackedBatch): `--json` writes the
// lines as they are and its AlertModel reads forks, execs and exits in place (an exec's
// strings, not an object): in a storm no event becomes an object while the merge keeps the
// batches whole (it decodes them when a proc connector event must go between theirs).
import { attachNativeLine, type NativeLines } from './json.js';
import type { ArgvSource, ExecEvent, ForktopEvent, SnapshotEvent } from './schema.js';

/** With a third and fourth part, each event's --json line too: all of them in the Buffer, each
 *  ending where the Uint32Array says (native/event_json.h). */
export type PackedEvents = [Float64Array, string] | [Float64Array, string, Buffer, Uint32Array];

/** Numbers per event: its type code, ts, pid and ppid first (NaN where it has none), then its
 *  type's own. */
export const EVENT_SLOTS = 16;
// The codes' names, as native/event_codes.h has them (the type codes are the switch below).
export const ARGV_SOURCES: readonly ArgvSource[] = [null, 'kernel', 'proc', 'comm'];
export const LOST_SOURCES: readonly string[] = ['kernel', 'ebpf', 'queue'];

const orNull = (n: number): number | null => (Number.isNaN(n) ? null : n);
const orUndefined = (n: number): number | undefined => (Number.isNaN(n) ? undefined : n);

/**
 * The last fork, exec, exit and snapshot built, kept alive. V8 holds the hidden classes an
 * object gains after its literal (the native line) only weakly: with no event alive between
 * two storms, a full GC dropped them, and with them the optimized code of all that reads
 * events (decode, merge, model, writer), compiled again at the next storm (see the README's
 * benchmark). With --json's packed batches forks, execs and exits are not built at all. For
 * the same reason an exec or snapshot has all its fields from its literal, those it lacks
 * undefined (JSON leaves them out): with one shape per set of fields read, a GC mid-storm
 * dropped the startup scan's and decodeEvents was compiled again.
 * Each holds its batch's strings and lines until a later batch brings its type, so only
 * batches of the usual size (a storm's are a few hundred events) give them.
 */
const KEPT_BATCH_MAX = 2048;
const lastOfType: ForktopEvent[] = [];

export function decodeEvents(packed: PackedEvents): ForktopEvent[] {
  const reader = new PackedReader(packed, true);
  const count = reader.count;
  const events: ForktopEvent[] = new Array(count);
  for (let i = 0; i < count; i++) events[i] = reader.event(i);
  reader.finish();
  return events;
}

/**
 * A batch's events in order, each one built (event), passed over (time: a fork's or an
 * exit's, whose numbers are read in place) or read for its strings only (execStrings: an
 * exec's). The strings are read in order, so every event is read one of these ways, from the
 * first on.
 */
export class PackedReader {
  readonly count: number;
  private readonly numbers: Float64Array;
  private readonly strings: string[];
  private readonly lines: NativeLines | undefined;
  private next = 0;

  /** withLines: each event built carries its --json line (attachNativeLine), for a writer
   *  that has only the objects. */
  constructor(packed: PackedEvents, withLines: boolean) {
    this.numbers = packed[0];
    this.count = packed[0].length / EVENT_SLOTS;
    this.strings = this.count === 0 ? [] : packed[1].split('\0');
    this.lines = withLines && packed.length === 4 ? { bytes: packed[2], ends: packed[3] } : undefined;
  }

  /** Passes over the next event, a fork or an exit (its one string is its time): its time. */
  time(): string {
    return this.strings[this.next++];
  }

  /** Event i as an object. */
  event(i: number): ForktopEvent {
    const numbers = this.numbers;
    const strings = this.strings;
    let next = this.next;
    const at = i * EVENT_SLOTS;
    let event: ForktopEvent;
    const type = numbers[at];
    const time = strings[next++];
    const ts = numbers[at + 1];
    const pid = numbers[at + 2];
    const ppid = numbers[at + 3];
    switch (type) {
      case 0:
        event = { type: 'fork', time, ts, pid, ppid };
        break;
      case 1:
      case 10: {
        const present = numbers[at + 10];
        const comm = present & 1 ? strings[next++] : null;
        const exe = present & 2 ? strings[next++] : null;
        const cwd = present & 4 ? strings[next++] : null;
        const cgroup = present & 8 ? strings[next++] : null;
        const tty = present & 32 ? strings[next++] : null;
        const filename = present & 256 ? strings[next++] : undefined;
        const startTs = orNull(numbers[at + 7]);
        const start = startTs === null ? null : strings[next++];
        const argc = numbers[at + 8];
        const argv = argc < 0 ? null : strings.slice(next, next + argc);
        if (argc > 0) next += argc;
        const argvSource = ARGV_SOURCES[numbers[at + 9]];
        const uid = orNull(numbers[at + 6]);
        // Who started it: each field only where the source read it (undefined: not read), all
        // in the literal (see lastOfType).
        const auid = orUndefined(numbers[at + 11]);
        const session = orUndefined(numbers[at + 12]);
        const sid = orUndefined(numbers[at + 13]);
        const pgid = orUndefined(numbers[at + 14]);
        let env: Record<string, string> | null | undefined;
        if (present & 64) {
          const count = numbers[at + 15];
          env = null;
          for (let k = 0; k < count; k++) {
            env ??= {};
            env[strings[next]] = strings[next + 1];
            next += 2;
          }
        }
        const ttyField = present & 16 ? tty : undefined;
        const late = present & 128 ? true : undefined;
        const ev: ExecEvent | SnapshotEvent = type === 1
          ? {
            type: 'exec', time, ts, pid, ppid: orNull(ppid), argv, argv_source: argvSource,
            comm, exe, cwd, uid, cgroup, start_ts: startTs, start, ret: numbers[at + 4],
            truncated: numbers[at + 5] ? true : undefined, filename,
            auid, session, tty: ttyField, sid, pgid, env, origin_late: late,
          }
          : {
            type: 'snapshot', time, ts, pid, ppid, argv, argv_source: argvSource,
            comm, exe, cwd, uid, cgroup, start_ts: startTs, start,
            auid, session, tty: ttyField, sid, pgid, env, origin_late: late,
          };
        event = ev;
        break;
      }
      case 2:
        // duration_ms: from the reader where it saw the process start (the eBPF ring), else the
        // source fills it in (StartTimes.annotate). Always made here, null or not, so its field
        // takes numbers and null alike from the first exit: added later, it was a number's
        // field that null then changed, and V8 threw away the optimized code and compiled it
        // again mid-storm.
        event = {
          type: 'exit', time, ts, pid, ppid, code: numbers[at + 4], signal: numbers[at + 5], core: numbers[at + 6] === 1,
          duration_ms: orNull(numbers[at + 7]),
        };
        break;
      case 3:
        event = { type: 'comm', time, ts, pid, comm: strings[next++] };
        break;
      case 4:
        event = { type: 'uid', time, ts, pid, ruid: numbers[at + 4], euid: numbers[at + 5] };
        break;
      case 5:
        event = { type: 'gid', time, ts, pid, rgid: numbers[at + 4], egid: numbers[at + 5] };
        break;
      case 6:
        event = { type: 'sid', time, ts, pid };
        break;
      case 7:
        event = { type: 'ptrace', time, ts, pid, tracer: numbers[at + 4] };
        break;
      case 8:
        event = { type: 'coredump', time, ts, pid, ppid };
        break;
      case 9:
        event = { type: 'lost', time, ts, count: numbers[at + 4], source: LOST_SOURCES[numbers[at + 5]] };
        break;
      default:
        throw new Error(`native batch: unknown event type code ${type}`);
    }
    this.next = next;
    const lines = this.lines;
    // An empty line: none was written (see packEvents).
    if (lines && lines.ends[i] > (i === 0 ? 0 : lines.ends[i - 1])) attachNativeLine(event, lines, i);
    if ((type <= 2 || type === 10) && this.count <= KEPT_BATCH_MAX) lastOfType[type] = event;
    return event;
  }

  /** Passes over the next event, an exec, reading only what a model keeps of one: its
   *  strings into `into` (reused: nothing else is made but its argv). */
  execStrings(i: number, into: ExecStrings): ExecStrings {
    const numbers = this.numbers;
    const strings = this.strings;
    const at = i * EVENT_SLOTS;
    let next = this.next;
    into.time = strings[next++];
    const present = numbers[at + 10];
    into.comm = present & 1 ? strings[next++] : null;
    into.exe = present & 2 ? strings[next++] : null;
    into.cwd = present & 4 ? strings[next++] : null;
    into.cgroup = present & 8 ? strings[next++] : null;
    if (present & 32) next++; // tty
    if (present & 256) next++; // filename
    if (!Number.isNaN(numbers[at + 7])) next++; // start
    const argc = numbers[at + 8];
    into.argv = argc < 0 ? null : strings.slice(next, next + argc);
    if (argc > 0) next += argc;
    if (present & 64) next += 2 * numbers[at + 15]; // env
    this.next = next;
    return into;
  }

  /** Every string was read: the batch was as its numbers say. */
  finish(): void {
    if (this.next !== this.strings.length) throw new Error(`native batch: ${this.strings.length} strings, ${this.next} read`);
  }
}

/** An exec's strings as a model keeps them (PackedReader.execStrings). */
export class ExecStrings {
  time = '';
  comm: string | null = null;
  exe: string | null = null;
  cwd: string | null = null;
  cgroup: string | null = null;
  argv: string[] | null = null;
}

/** The type codes read in place (native/event_codes.h has them all). */
export const FORK_CODE = 0;
export const EXEC_CODE = 1;
export const EXIT_CODE = 2;
const LOST_CODE = 9;

/**
 * A batch from the eBPF ring as it came, each event's --json line with it: what `--json`
 * writes and its AlertModel reads, neither needing an object for a fork, an exec or an exit. What
 * needs objects asks events(), decoded once.
 */
export class PackedBatch {
  readonly length: number;
  /** EVENT_SLOTS per event, read in place. */
  readonly numbers: Float64Array;
  private decoded: ForktopEvent[] | null = null;

  constructor(private readonly packed: [Float64Array, string, Buffer, Uint32Array]) {
    this.numbers = packed[0];
    this.length = packed[0].length / EVENT_SLOTS;
    if (this.length <= KEPT_BATCH_MAX) lastBatch = this;
  }

  /** Event i's time. */
  ts(i: number): number {
    return this.numbers[i * EVENT_SLOTS + 1];
  }

  /** Its last event's time: the native side sorts a batch, so its newest. */
  get lastTs(): number {
    return this.ts(this.length - 1);
  }

  /** Whether it holds a count of events the kernel dropped. */
  get hasLost(): boolean {
    for (let i = 0; i < this.length; i++) if (this.numbers[i * EVENT_SLOTS] === LOST_CODE) return true;
    return false;
  }

  /** Whether events() built its objects already (a reader would build them again). */
  get isDecoded(): boolean {
    return this.decoded !== null;
  }

  events(): ForktopEvent[] {
    return (this.decoded ??= decodeEvents(this.packed));
  }

  /** Its events in order, to read in place or build one by one; those built carry no line
   *  (the batch's lines are written as one span). */
  reader(): PackedReader {
    const reader = new PackedReader(this.packed, false);
    if (this.length <= KEPT_BATCH_MAX) lastReader = reader;
    return reader;
  }

  /** Its --json lines as one span, when the reader wrote every one: past 4 GiB it writes
   *  none, so a batch's last line is empty if any is (native/event_js.cc). */
  lines(): Buffer | null {
    const ends = this.packed[3];
    const n = ends.length;
    if (n > 0 && ends[n - 1] <= (n > 1 ? ends[n - 2] : 0)) return null;
    return this.packed[2].subarray(0, n > 0 ? ends[n - 1] : 0);
  }
}

/**
 * The newest batch of the usual size and its reader, kept alive for the same reason as
 * lastOfType: the code that reads them holds their hidden classes weakly, and a full GC
 * between two batches (the old space fills mid-storm) dropped those classes and threw away
 * that code, applyPacked's included (test/model/alert-model-priming.test.ts). Any one of
 * each keeps the class: a larger batch leaves the one before in place.
 */
let lastBatch: PackedBatch | null = null;
let lastReader: PackedReader | null = null;

/** What a source hands on: its events, or (the eBPF source with --json lines) a batch as packed. */
export type EventBatch = readonly ForktopEvent[] | PackedBatch;

/** A batch's events as objects. */
export function eventsOf(batch: EventBatch): readonly ForktopEvent[] {
  return batch instanceof PackedBatch ? batch.events() : batch;
}
