// Turning model values into the short strings the screen shows.
import { constants } from 'node:os';
import type { ExecEntry } from '../model/process-node.js';
import { printable } from './text.js';
import { localPid } from '../model/hosts.js';

/** 12,345: thousands grouped, as toLocaleString('en-US') gives for an integer; without it, Node
 *  need not load ICU's number-formatting data (~6 MB resident) to draw a count. */
/** A process's pid as its host knows it (the model keys hosts' processes apart: hosts.ts). */
export function pidText(key: number): string {
  return String(localPid(key));
}

export function grouped(n: number): string {
  if (!Number.isInteger(n)) return String(n);
  const digits = String(Math.abs(n));
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? `-${out}` : out;
}

export { printable } from './text.js';

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/** 2 → "ENOENT" */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}

/** A uid as the screen names it: the user's name (escaped: /etc/passwd is text too), the
 *  number where there is none, ? where the uid is not known. */
export function userName(users: ReadonlyMap<number, string>, uid: number | null | undefined): string {
  if (uid === null || uid === undefined) return '?';
  const name = users.get(uid);
  return name === undefined ? String(uid) : printable(name);
}

/** argv as a shell would show it: arguments with spaces or nothing in them are quoted. */
export function commandLine(argv: string[] | null, comm: string | null): string {
  if (!argv) return comm ? `[${printable(comm)}]` : '?';
  // A process that set its own title (Node's process.title, nginx, postgres) writes it over
  // its argv and NUL-fills the rest: /proc then reads as the title and a run of empty
  // arguments. Show the title as ps does, as written, not as '' '' '' across the screen.
  let end = argv.length;
  while (end > 1 && argv[end - 1] === '') end--;
  if (argv.length - end >= 2) return printable(argv.slice(0, end).join(' '));
  return argv.map((a) => (a === '' || /[\s"'\\$`]/.test(a) ? `'${printable(a).replace(/'/g, "'\\''")}'` : printable(a))).join(' ');
}

/** "15:22:57.101" from an ISO time, in local time. */
export function clock(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '--:--:--.---';
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function duration(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1) return '<1ms';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
  return `${Math.floor(ms / 3_600_000)}h${Math.round((ms % 3_600_000) / 60_000)}m`;
}

export function exitText(entry: Pick<ExecEntry, 'exitCode' | 'exitSignal' | 'ret'>): string {
  if (entry.ret !== 0) return `E${-entry.ret}`;
  if (entry.exitSignal) return `sig${entry.exitSignal}`;
  if (entry.exitCode === null) return '';
  return String(entry.exitCode);
}

export function failed(entry: Pick<ExecEntry, 'exitCode' | 'exitSignal' | 'ret'>): boolean {
  return entry.ret !== 0 || !!entry.exitSignal || (entry.exitCode ?? 0) !== 0;
}

/** What a process spawns, most first: "sh ×200, true ×200". */
export function spawnsText(spawns: readonly { program: string; count: number }[]): string {
  return spawns.map((s) => `${printable(s.program)} ×${grouped(s.count)}`).join(', ');
}

export function rate(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : grouped(Math.round(n));
}

const BARS = '▁▂▃▄▅▆▇█';

/** A minute of per-second counts as 20 cells of 3 s each (the Origins and Hosts views). */
export function minuteSparkline(history: number[]): string {
  const cells: number[] = [];
  for (let i = 0; i < history.length; i += 3) cells.push(history.slice(i, i + 3).reduce((a, b) => a + b, 0));
  return sparkline(cells);
}

export function sparkline(values: number[]): string {
  const max = Math.max(...values, 1);
  return values.map((v) => (v <= 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1)))])).join('');
}

/** A process's life inside the last `windowNs` as `cells` cells: █ where it was alive, · where
 *  not. A process that lived a millisecond still gets its one block, at its moment. */
export function lifetimeBar(startTs: number | null, endTs: number | null, now: number, cells = 10, windowNs = 60e9): string {
  return activityBar([null], () => startTs, () => endTs, now, cells, windowNs);
}

/** lifetimeBar for many lifetimes at once (a folded run): a cell is full when any of them
 *  was alive in it, so a loop's row shows when the loop ran. Read through accessors, so a
 *  run of thousands costs no array per frame. */
export function activityBar<T>(
  items: Iterable<T>, startOf: (item: T) => number | null, endOf: (item: T) => number | null,
  now: number, cells = 10, windowNs = 60e9,
): string {
  const from = now - windowNs;
  const full = new Array<boolean>(cells).fill(false);
  for (const item of items) {
    const start = Math.max(startOf(item) ?? from, from);
    const end = Math.min(endOf(item) ?? now, now);
    if (end < from || start > now) continue;
    const first = Math.max(0, Math.floor(((start - from) * cells) / windowNs));
    const last = Math.min(cells - 1, Math.floor(((end - from) * cells) / windowNs));
    for (let i = first; i <= last; i++) full[i] = true;
  }
  return full.map((f) => (f ? '█' : '·')).join('');
}
