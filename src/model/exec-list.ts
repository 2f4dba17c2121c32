// The exec list's rows: the newest execs that match, with a row where events were lost,
// or folded by command line. Each bounded by what the screen shows.
import { firstTs, type FoldGroup } from './exec-ring.js';
import type { Matcher } from './filters.js';
import type { Model } from './model.js';
import { positionOf } from './position.js';
import type { ExecEntry } from './process-node.js';

/** An exec the lists show: it matches, and it is not a failed try of a PATH search. */
function listed(e: ExecEntry, matcher: Matcher | null): boolean {
  return !e.pathSearch && (!matcher || matcher.entry(e));
}

/** How many listed execs are newer than `afterSeq`, counted up to `max + 1` at most (a
 *  walk from the newest that stops there). */
export function listedAfter(model: Model, matcher: Matcher | null, afterSeq: number, max: number): number {
  let found = 0;
  model.execs.forEachNewest((e) => {
    if (e.seq <= afterSeq) return false;
    if (listed(e, matcher)) found++;
    return found <= max;
  });
  return found;
}

/** Newest first, skipping `offset` matches, at most `limit`. */
export function recentExecs(model: Model, matcher: Matcher | null, limit: number, offset = 0): ExecEntry[] {
  const out: ExecEntry[] = [];
  let skipped = 0;
  model.execs.forEachNewest((e) => {
    if (!listed(e, matcher)) return true;
    if (skipped++ < offset) return true;
    out.push(e);
    return out.length < limit;
  });
  return out;
}

/** Events lost between two listed execs (or before the oldest): one row, however many marks
 *  a sustained overrun left there. */
export interface LossRow {
  lost: number;
  marks: number;
  newestTs: number;
  /** Where they were lost: "kernel", "ebpf", "queue", "transport"; in a stream of several
   *  hosts, followed by the host ("transport web-1"). */
  sources: string[];
}

export type StreamRow = ExecEntry | LossRow;

export const isLossRow = (row: StreamRow): row is LossRow => 'lost' in row;

/** The exec list newest first, with the losses where they happened in it. */
function walkExecStream(model: Model, matcher: Matcher | null, visit: (row: StreamRow) => boolean): void {
  const marks = model.lossMarks;
  let next = marks.length - 1;
  const until = matcher?.lossesUntil ?? Infinity;
  while (next >= 0 && marks[next].ts > until) next--;
  /** One row for the marks newer than `ts` not shown yet. */
  const lossesAfter = (ts: number): boolean => {
    let row: LossRow | null = null;
    for (; next >= 0 && marks[next].ts > ts; next--) {
      const mark = marks[next];
      row ??= { lost: 0, marks: 0, newestTs: mark.ts, sources: [] };
      row.lost += mark.count;
      row.marks++;
      const where = mark.host === undefined ? mark.source : `${mark.source} ${mark.host}`;
      if (!row.sources.includes(where)) row.sources.push(where);
    }
    return row ? visit(row) : true;
  };
  let stopped = false;
  model.execs.forEachNewest((e) => {
    if (!listed(e, matcher)) return true;
    stopped = !lossesAfter(e.ts) || !visit(e);
    return !stopped;
  });
  if (!stopped) lossesAfter(-Infinity);
}

/** The exec list's rows [offset, offset + limit): execs and the losses between them. */
export function execStream(model: Model, matcher: Matcher | null, limit: number, offset = 0): StreamRow[] {
  const out: StreamRow[] = [];
  let index = 0;
  walkExecStream(model, matcher, (row) => {
    if (index++ >= offset) out.push(row);
    return out.length < limit;
  });
  return out;
}

/** How many rows execStream() can list. */
export function execStreamLength(model: Model, matcher: Matcher | null): number {
  let n = 0;
  walkExecStream(model, matcher, () => {
    n++;
    return true;
  });
  return n;
}

/** What keeps a stream row selected: an exec's seq, or minus a loss row's newest time. */
export const streamAnchor = (row: StreamRow): number => (isLossRow(row) ? -row.newestTs : row.seq);

/** The row index of an anchor (see streamAnchor) in execStream's order, or -1. */
export function execStreamIndex(model: Model, matcher: Matcher | null, anchor: number): number {
  return positionOf<StreamRow>((visit) => walkExecStream(model, matcher, visit), (row) => streamAnchor(row) === anchor);
}

export interface FoldedRow {
  entry: ExecEntry;
  count: number;
  spanMs: number;
}

/** Identical command lines folded into their newest entry: "×312 in 5 s". */
export function foldedExecs(model: Model, matcher: Matcher | null, limit: number, offset = 0): FoldedRow[] {
  const out: FoldedRow[] = [];
  const shown = new Set<FoldGroup>();
  let skipped = 0;
  model.execs.forEachNewest((e) => {
    if (!listed(e, matcher)) return true;
    const group = model.execs.group(e)!;
    if (shown.has(group)) return true;
    shown.add(group);
    if (skipped++ < offset) return true;
    out.push({ entry: e, count: group.count, spanMs: (group.lastTs - firstTs(group)) / 1e6 });
    return out.length < limit;
  });
  return out;
}
