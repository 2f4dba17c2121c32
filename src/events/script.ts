// Builds event sequences: a clock that only moves when told to. For the model's tests, and
// the scenes the AlertModel's priming runs.
import type { ExecEvent, ForktopEvent, SnapshotEvent } from './schema.js';

/** An event without its time: Omit over each member of the union, not the union. */
type Unstamped = ForktopEvent extends infer E ? (E extends ForktopEvent ? Omit<E, 'time' | 'ts'> : never) : never;

const BASE_TS = 1_000_000_000_000; // 1000 s after boot
const BASE_WALL = Date.UTC(2026, 10, 23, 12, 0, 0);

export class Script {
  readonly events: ForktopEvent[] = [];
  ts = BASE_TS;

  /** Moves the clock forward. */
  after(ms: number): this {
    this.ts += Math.round(ms * 1e6);
    return this;
  }

  get time(): string {
    const wallNs = BASE_WALL * 1e6 + (this.ts - BASE_TS);
    return new Date(Math.floor(wallNs / 1e6)).toISOString().replace('Z', `${String(Math.floor((wallNs % 1e6) / 1e3)).padStart(3, '0')}Z`);
  }

  fork(pid: number, ppid: number): this {
    this.events.push({ type: 'fork', time: this.time, ts: this.ts, pid, ppid });
    return this;
  }

  exec(pid: number, argv: string[] | null, extra: Partial<ExecEvent> = {}): this {
    this.events.push({
      type: 'exec', time: this.time, ts: this.ts, pid, ppid: null, argv,
      argv_source: argv ? 'proc' : null, comm: argv ? argv[0].split('/').pop()!.slice(0, 15) : null,
      exe: argv ? argv[0] : null, cwd: '/', uid: 0, cgroup: '/', start_ts: null, start: null, ret: 0,
      ...extra,
    });
    return this;
  }

  exit(pid: number, code = 0, signal = 0): this {
    this.events.push({ type: 'exit', time: this.time, ts: this.ts, pid, ppid: 1, code, signal, core: false });
    return this;
  }

  snapshot(pid: number, ppid: number, argv: string[], extra: Partial<SnapshotEvent> = {}): this {
    this.events.push({
      type: 'snapshot', time: this.time, ts: this.ts, pid, ppid, argv, argv_source: 'proc',
      comm: argv[0].split('/').pop()!, exe: argv[0], cwd: '/', uid: 0, cgroup: '/',
      start_ts: this.ts - 1e9, start: null, ...extra,
    });
    return this;
  }

  lost(count: number): this {
    this.events.push({ type: 'lost', time: this.time, ts: this.ts, count, source: 'kernel' });
    return this;
  }

  /** Any event, stamped now. */
  push(ev: Unstamped): this {
    this.events.push({ ...ev, time: this.time, ts: this.ts } as ForktopEvent);
    return this;
  }
}
