// Several hosts in one model (--ssh, --nats). Each host's pids are its own, so the model keys
// a process by host and pid in one number: host index × PID_SPAN + pid. The machine of a
// one-host stream (events without `host`) is index 0, its keys are its pids: such a model
// is what it was before hosts. Everything that shows a pid shows localPid(key).
import type { AlertEvent, ForktopEvent, HostEvent } from '../events/schema.js';
import { RateCounter } from './rate-counter.js';

/** Above any pid (the kernel's PID_MAX_LIMIT is 2^22), so keys of hosts never meet. */
export const PID_SPAN = 2 ** 23;
/** Hosts a model keeps apart; events of more are dropped and counted (lostHosts). Keys stay
 *  far below 2^53. */
export const MAX_HOSTS = 100_000;

/** The pid a key stands for, on its own host. */
export const localPid = (key: number): number => key % PID_SPAN;
/** The index of the host a key belongs to (0: a one-host stream's machine). */
export const hostIndexOf = (key: number): number => Math.floor(key / PID_SPAN);

export interface HostState {
  readonly index: number;
  readonly name: string;
  /** 'unknown' until its first host event (a recording of hosts may have none). */
  state: 'up' | 'down' | 'unknown';
  reason: string | null;
  /** When it last went up or down (its event's ts), or null. */
  since: number | null;
  bootId: string | null;
  /** Its execs per second, 60 s of history, and over the last second in 100 ms buckets
   *  (the hosts panel). */
  readonly execs: RateCounter;
  readonly recentExecs: RateCounter;
  events: number;
  lost: number;
  live: number;
}

export class HostTable {
  private readonly byName = new Map<string, HostState>();
  /** By index; [0] is the one-host stream's machine, which has no name. */
  readonly list: HostState[] = [];
  /** Events dropped because they came from a host past MAX_HOSTS. */
  lostHosts = 0;

  /** How many named hosts the stream has brought. */
  get count(): number {
    return this.list.length;
  }

  get(index: number): HostState | undefined {
    return this.list[index - 1];
  }

  byHostName(name: string): HostState | undefined {
    return this.byName.get(name);
  }

  /** The host's name for a key, or undefined on a one-host stream. */
  nameOf(key: number): string | undefined {
    const index = hostIndexOf(key);
    return index === 0 ? undefined : this.list[index - 1]?.name;
  }

  /** The key of a pid on a named host (a key of index 0 without one), or null for a host
   *  this model does not know. */
  keyOf(host: string | undefined, pid: number): number | null {
    if (host === undefined) return pid;
    const state = this.byName.get(host);
    return state ? state.index * PID_SPAN + pid : null;
  }

  /** The host of this name, added if new (null past MAX_HOSTS). */
  take(name: string): HostState | null {
    let state = this.byName.get(name);
    if (state) return state;
    if (this.list.length >= MAX_HOSTS) return null;
    state = {
      index: this.list.length + 1, name, state: 'unknown', reason: null, since: null, bootId: null,
      execs: new RateCounter(1e9, 60), recentExecs: new RateCounter(1e8, 10), events: 0, lost: 0, live: 0,
    };
    this.list.push(state);
    this.byName.set(name, state);
    return state;
  }

  /** A host event: the host's state from here on. */
  update(host: HostState, ev: HostEvent): void {
    host.state = ev.state;
    host.reason = ev.reason;
    host.since = ev.ts;
    if (ev.boot_id) host.bootId = ev.boot_id;
  }

  /** The event with its pids made keys of its host (a copy; the sinks keep the original). */
  keyed(ev: ForktopEvent, host: HostState): ForktopEvent {
    const base = host.index * PID_SPAN;
    switch (ev.type) {
      case 'fork':
        return { ...ev, pid: base + ev.pid, ppid: base + ev.ppid, ...(ev.tid === undefined ? {} : { tid: base + ev.tid }) };
      case 'exec':
        return { ...ev, pid: base + ev.pid, ppid: ev.ppid === null ? null : base + ev.ppid };
      case 'exit':
      case 'coredump':
      case 'snapshot':
        return { ...ev, pid: base + ev.pid, ppid: base + ev.ppid };
      case 'ptrace':
        return { ...ev, pid: base + ev.pid, tracer: ev.tracer === 0 ? 0 : base + ev.tracer };
      case 'comm':
      case 'uid':
      case 'gid':
      case 'sid':
        return { ...ev, pid: base + ev.pid };
      default:
        return ev;
    }
  }

  /** An alert as the stream carries it: the root's own pid, and its host. */
  published(alert: AlertEvent): AlertEvent {
    const host = this.nameOf(alert.root);
    return host === undefined ? alert : { ...alert, root: localPid(alert.root), host };
  }
}
