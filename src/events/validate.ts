// Checks one event from outside (a replay, a --json stream over ssh) before the model sees
// it: every known field's type and range, per event type. The model trusts its input (a
// kernel source can't send a pid of -1 or a ts of 1e25); a file can, so nothing reaches
// the model or a query that could make either throw, loop or grow without bound.
//
// Unknown fields are kept (a newer forktop may add some). A nullable field that is absent
// is set to null: the model tells null from a value, not undefined from either.
import type { ForktopEvent } from './schema.js';

/** The kernel's PID_MAX_LIMIT: no pid is above it on any machine. */
export const PID_MAX_LIMIT = 4_194_304;
/** uids and gids are u32. */
export const ID_MAX = 4_294_967_295;
/** ts and start_ts are the kernel's u64 nanoseconds. Not MAX_SAFE_INTEGER: that is 104
 *  days of uptime, and a server up longer sends larger ones (whole, if not exact). */
export const TS_MAX = 2 ** 64;
/** MAX_ERRNO: a failed exec's ret is -1..-4095. */
const ERRNO_MAX = 4095;
/** /proc/PID/cmdline is read up to 256 KiB (native/proc_info.cc): that many arguments at
 *  most (all empty), and that many UTF-16 units in all (a byte is at most one unit). */
export const ARGV_MAX_COUNT = 256 * 1024;
export const ARGV_MAX_CHARS = 256 * 1024;
/** exe, cwd, cgroup: paths (PATH_MAX is 4096 bytes; /proc/PID/cgroup is read up to 16 KiB). */
export const PATH_MAX_CHARS = 16 * 1024;
/** comm is 15 bytes in the kernel; an alert's comm likewise. Generous. */
const NAME_MAX_CHARS = 256;

export type Validation = { event: ForktopEvent; problem?: undefined } | { problem: string; event?: undefined };

type Fields = Record<string, unknown>;
/** A check of one field: null when fine, else what is wrong. */
type Check = (o: Fields) => string | null;

/** A value as a problem shows it: short, and one line. */
function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  let text: string;
  if (typeof value === 'number') text = String(value);
  else if (typeof value === 'string') text = JSON.stringify(value.length > 24 ? value.slice(0, 24) + '…' : value);
  else if (Array.isArray(value)) text = `an array of ${value.length}`;
  else if (value === null) text = 'null';
  else text = typeof value === 'object' ? 'an object' : typeof value;
  return text;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** An absent or null field: null where the field may be null (the model tells undefined
 *  from null, so absent becomes null), else the problem. */
function missing(o: Fields, key: string, nullable: boolean): string | null {
  if (!nullable) return `${key} is ${shown(o[key])}`;
  o[key] = null;
  return null;
}

/** nullable: absent or null is null; optional: may be absent, not null. */
function intIn(key: string, min: number, max: number, nullable: boolean, optional = false): Check {
  return (o) => {
    const v = o[key];
    if (v === undefined && optional) return null;
    if (v === null || v === undefined) return missing(o, key, nullable);
    return isInt(v) && v >= min && v <= max ? null : `${key} ${shown(v)} is not an integer in ${min}..${max}`;
  };
}

const pid = (key: string): Check => intIn(key, 1, PID_MAX_LIMIT, false);
/** A parent pid; 0 where /proc or the kernel says "none here": pid 1 and kthreadd, and a
 *  process whose parent is outside the pid namespace (one `docker exec` started). */
const ppid = (key: string, nullable = false): Check => intIn(key, 0, PID_MAX_LIMIT, nullable);
const id32 = (key: string, nullable = false): Check => intIn(key, 0, ID_MAX, nullable);
const nsTime = (key: string, nullable = false): Check => intIn(key, 0, TS_MAX, nullable);

/** A non-negative count (or id) the model adds up: a safe integer. */
function count(key: string, optional = false): Check {
  return (o) => {
    const v = o[key];
    if (v === undefined && optional) return null;
    return isInt(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER ? null : `${key} ${shown(v)} is not a count (a whole number >= 0)`;
  };
}

function str(key: string, max: number, nullable: boolean): Check {
  return (o) => {
    const v = o[key];
    if (v === null || v === undefined) return missing(o, key, nullable);
    if (typeof v !== 'string') return `${key} ${shown(v)} is not a string`;
    return v.length <= max ? null : `${key} is longer than ${max} characters`;
  };
}

/** ISO-8601 UTC as the sources write it ("2026-11-23T15:22:57.101234Z"), with some slack. */
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:?\d\d)$/;

function isoTime(key: string, nullable: boolean): Check {
  return (o) => {
    const v = o[key];
    if (v === null || v === undefined) return missing(o, key, nullable);
    return typeof v === 'string' && v.length <= 40 && ISO_TIME.test(v) ? null : `${key} ${shown(v)} is not an ISO-8601 time`;
  };
}

function oneOf(key: string, values: readonly unknown[], nullable: boolean): Check {
  return (o) => {
    const v = o[key];
    if (v === undefined && nullable) {
      o[key] = null;
      return null;
    }
    if (v === null && nullable) return null;
    return values.includes(v) ? null : `${key} ${shown(v)} is not one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
  };
}

function bool(key: string, optional: boolean): Check {
  return (o) => {
    const v = o[key];
    if (v === undefined && optional) return null;
    return typeof v === 'boolean' ? null : `${key} ${shown(v)} is not true or false`;
  };
}

/** A finite number >= 0 (a rate, a duration). */
function amount(key: string, nullable: boolean, optional = false): Check {
  return (o) => {
    const v = o[key];
    if (v === undefined && optional) return null;
    if ((v === null || v === undefined) && nullable) {
      o[key] = null;
      return null;
    }
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? null : `${key} ${shown(v)} is not a number >= 0`;
  };
}

const argv: Check = (o) => {
  const v = o.argv;
  if (v === null || v === undefined) {
    o.argv = null;
    return null;
  }
  if (!Array.isArray(v)) return `argv ${shown(v)} is not an array of strings (or null)`;
  if (v.length > ARGV_MAX_COUNT) return `argv has more than ${ARGV_MAX_COUNT} arguments`;
  let chars = 0;
  for (let i = 0; i < v.length; i++) {
    const a: unknown = v[i];
    if (typeof a !== 'string') return `argv[${i}] ${shown(a)} is not a string`;
    chars += a.length;
  }
  return chars <= ARGV_MAX_CHARS ? null : `argv is longer than ${ARGV_MAX_CHARS} characters in all`;
};

/** Where the kernel allows no parent: the idle task "forks" pid 1 and kthreadd. */
const bornOfNone = (pid: number) => pid === 1 || pid === 2;

/** A process is never its own parent (nor its own tracer): the tree would lose it. */
function notSelf(key: string): Check {
  return (o) => (o[key] !== null && o[key] === o.pid ? `${key} ${shown(o[key])} is the process itself` : null);
}

const forkParent: Check = (o) =>
  o.ppid === 0 && !bornOfNone(o.pid as number) ? 'ppid 0 is not a parent (only pid 1 and 2 have none)' : null;

const ARGV_SOURCES = ['kernel', 'proc', 'comm'] as const;

/** A field a newer source adds: absent stays absent ("not read"), else it is checked. */
function ifPresent(key: string, check: Check): Check {
  return (o) => (o[key] === undefined ? null : check(o));
}

/** A host's name as ssh and DNS write them (an ssh alias, user@host, an address): a
 *  word the header, the host column and a NATS subject can carry. */
export const HOST_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,252}$/;

function hostName(optional: boolean): Check {
  return (o) => {
    const v = o.host;
    if (v === undefined && optional) return null;
    return typeof v === 'string' && HOST_NAME.test(v) ? null : `host ${shown(v)} is not a host name`;
  };
}

/** Environment variable names, as a shell allows them (--env takes the same); values up to a page. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const ENV_MAX_NAMES = 64;
const ENV_VALUE_MAX_CHARS = 4096;

const env: Check = (o) => {
  const v = o.env;
  if (v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) return `env ${shown(v)} is not an object of strings (or null)`;
  const names = Object.keys(v as object);
  if (names.length > ENV_MAX_NAMES) return `env has more than ${ENV_MAX_NAMES} names`;
  for (const name of names) {
    if (!ENV_NAME.test(name)) return `env name ${shown(name)} is not a variable name`;
    const value: unknown = (v as Record<string, unknown>)[name];
    if (typeof value !== 'string') return `env ${name} ${shown(value)} is not a string`;
    if (value.length > ENV_VALUE_MAX_CHARS) return `env ${name} is longer than ${ENV_VALUE_MAX_CHARS} characters`;
  }
  return null;
};

/** Who started it (schema.ts OriginFacts): each may be absent (not read) or null (none). */
const originFacts: Check[] = [
  ifPresent('auid', id32('auid', true)), ifPresent('session', id32('session', true)),
  ifPresent('tty', str('tty', 32, true)), ifPresent('sid', intIn('sid', 0, PID_MAX_LIMIT, true)),
  ifPresent('pgid', intIn('pgid', 0, PID_MAX_LIMIT, true)), ifPresent('env', env), bool('origin_late', true),
];

const facts: Check[] = [
  argv, oneOf('argv_source', ARGV_SOURCES, true), str('comm', NAME_MAX_CHARS, true), str('exe', PATH_MAX_CHARS, true),
  str('cwd', PATH_MAX_CHARS, true), id32('uid', true), str('cgroup', PATH_MAX_CHARS, true), nsTime('start_ts', true),
  isoTime('start', true), ...originFacts,
];

const inferred = bool('inferred', true);
const processPid = pid('pid');

/** Per event type, after type, time and ts (checked for all). */
const CHECKS: Record<ForktopEvent['type'], Check[]> = {
  fork: [processPid, ppid('ppid'), notSelf('ppid'), forkParent, intIn('tid', 1, PID_MAX_LIMIT, false, true), intIn('ptid', 1, PID_MAX_LIMIT, false, true), inferred],
  exec: [processPid, ppid('ppid', true), notSelf('ppid'), ...facts, intIn('ret', -ERRNO_MAX, 0, false), bool('truncated', true),
    ifPresent('filename', str('filename', PATH_MAX_CHARS, false)), inferred],
  exit: [
    processPid, ppid('ppid'), notSelf('ppid'), intIn('code', 0, 255, true), intIn('signal', 0, 127, true), bool('core', false),
    amount('duration_ms', true, true), inferred,
  ],
  comm: [processPid, str('comm', NAME_MAX_CHARS, false)],
  uid: [processPid, id32('ruid'), id32('euid')],
  gid: [processPid, id32('rgid'), id32('egid')],
  sid: [processPid],
  ptrace: [processPid, ppid('tracer'), notSelf('tracer')],
  coredump: [processPid, ppid('ppid'), notSelf('ppid')],
  // Where events were lost: a word the exec list shows (kernel, ebpf, queue; a newer
  // forktop may name another), never free text.
  lost: [count('count'), (o) => (typeof o.source === 'string' && /^[a-z][a-z0-9-]{0,31}$/.test(o.source) ? null : `source ${shown(o.source)} is not a loss source`)],
  snapshot: [processPid, ppid('ppid'), notSelf('ppid'), ...facts, count('resync', true)],
  resync: [count('id'), count('count')],
  host: [hostName(false), oneOf('state', ['up', 'down'], false), str('reason', 512, true), ifPresent('boot_id', str('boot_id', 64, true))],
  end: [],
  alert: [
    oneOf('kind', ['fork-bomb', 'fork-storm'], false), oneOf('state', ['raised', 'cleared'], false), pid('root'),
    amount('rate', false), count('live'), count('generations'), str('comm', NAME_MAX_CHARS, true),
  ],
};

export const EVENT_TYPES: ReadonlySet<string> = new Set(Object.keys(CHECKS));

const common: Check[] = [isoTime('time', false), nsTime('ts'), hostName(true)];

/**
 * Whether a parsed JSON value is a forktop event the model can take: `{event}` (the same
 * object, absent nullable fields set to null) or `{problem}`, what is wrong in a few words.
 */
export function validateEvent(value: unknown): Validation {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { problem: 'not a JSON object' };
  const o = value as Fields;
  if (typeof o.type !== 'string') return { problem: 'no event type' };
  const checks = Object.hasOwn(CHECKS, o.type) ? CHECKS[o.type as ForktopEvent['type']] : undefined;
  if (!checks) return { problem: `unknown event type ${shown(o.type)}` };
  if (o.ts === undefined) return { problem: 'no ts (kernel time)' };
  for (const check of common) {
    const problem = check(o);
    if (problem) return { problem: `${o.type}: ${problem}` };
  }
  for (const check of checks) {
    const problem = check(o);
    if (problem) return { problem: `${o.type}: ${problem}` };
  }
  return { event: o as unknown as ForktopEvent };
}

/** How far an event may come before the stream's first one: the sources' merge holds
 *  events 150 ms at most, and events during the first /proc scan may predate its
 *  snapshots by as long as the scan took. Generously. */
export const BEFORE_FIRST_NS = 60e9;
/** How far an event may jump past the newest one so far. A machine forks something at
 *  least daily, and CLOCK_MONOTONIC stops in suspend: a larger jump is a bad ts, and would
 *  make every later event look old (rates zero, every tombstone expired, a paced replay
 *  waiting for days). */
export const AFTER_NEWEST_NS = 86_400e9;

/**
 * The span a stream's timestamps keep to: not before its first event by more than
 * BEFORE_FIRST_NS, not past its newest by more than AFTER_NEWEST_NS (so a stream watched
 * for weeks goes on, one event at a time).
 */
export class TsSpan {
  private first: number | null = null;
  private newest = 0;

  /** What is wrong with this ts here, or null (and then it counts). */
  take(ts: number): string | null {
    if (this.first === null) {
      this.first = ts;
      this.newest = ts;
      return null;
    }
    if (ts < this.first - BEFORE_FIRST_NS) return `ts ${ts} is more than ${BEFORE_FIRST_NS / 1e9} s before the first event's (${this.first})`;
    if (ts > this.newest + AFTER_NEWEST_NS) return `ts ${ts} is more than a day after the newest event's (${this.newest})`;
    if (ts > this.newest) this.newest = ts;
    return null;
  }
}
