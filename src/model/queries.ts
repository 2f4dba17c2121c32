// What the screen asks the model, each bounded by what it shows: the newest execs that
// match, the visible slice of the tree, the top spawners, one process's card and chain.
import type { Model } from './model.js';
import { firstTs, type FoldGroup } from './exec-ring.js';
import { childCount, isPathSearchMiss, programOf, type ExecEntry, type LifeEntry, type ProcessNode } from './process-node.js';

export interface Filter {
  /** Substring of argv/comm, or /regex/ (with optional flags after the last slash). */
  text?: string;
  uid?: number;
  /** Only this process (a node id) and its descendants, including ones born later. */
  subtreeOf?: number;
  state?: 'live' | 'exited';
  /** Non-zero exit code, killed by a signal, or a failed exec. */
  failedOnly?: boolean;
}

export type Matcher = {
  entry: (e: ExecEntry) => boolean;
  node: (n: ProcessNode) => boolean;
  /** The exec list shows no loss newer than this (a paused list stops where it was). */
  lossesUntil?: number;
};

/** Compiles a filter once; throws on a bad /regex/ with a message for the user. */
export function compileFilter(model: Model, filter: Filter): Matcher {
  const text = compileText(filter.text);
  const inSubtree = (nodeId: number): boolean =>
    filter.subtreeOf === undefined || isDescendant(model, nodeId, filter.subtreeOf);
  const nodeState = (n: ProcessNode | undefined): boolean =>
    !filter.state || (filter.state === 'live' ? !!n && !n.exit : !n || !!n.exit);
  return {
    entry: (e) => {
      if (filter.uid !== undefined && e.uid !== filter.uid) return false;
      if (filter.failedOnly && e.ret === 0 && !e.exitCode && !e.exitSignal) return false;
      if (text && !text(e.argv, e.comm)) return false;
      if (filter.state && !nodeState(model.node(e.nodeId))) return false;
      return inSubtree(e.nodeId);
    },
    node: (n) => {
      if (filter.uid !== undefined && n.uid !== filter.uid) return false;
      if (filter.failedOnly && !(n.exit && (n.exit.code || n.exit.signal))) return false;
      if (text && !text(n.argv, n.comm)) return false;
      if (!nodeState(n)) return false;
      return inSubtree(n.id);
    },
  };
}

function compileText(text: string | undefined): ((argv: string[] | null, comm: string | null) => boolean) | null {
  if (!text) return null;
  const regex = /^\/(.*)\/([a-z]*)$/s.exec(text);
  if (regex) {
    let re: RegExp;
    try {
      re = new RegExp(regex[1], regex[2]);
    } catch (error) {
      throw new Error(`bad regular expression ${text}: ${(error as Error).message}`);
    }
    return (argv, comm) => (argv !== null && re.test(argv.join(' '))) || (comm !== null && re.test(comm));
  }
  return (argv, comm) =>
    (argv !== null && argv.some((a) => a.includes(text))) || (comm !== null && comm.includes(text)) ||
    (argv !== null && argv.join(' ').includes(text));
}

export function isDescendant(model: Model, nodeId: number, ancestorId: number): boolean {
  let node = model.node(nodeId);
  for (let depth = 0; node && depth < 10_000; depth++) {
    if (node.id === ancestorId) return true;
    node = node.parentId === null ? undefined : model.node(node.parentId);
  }
  return false;
}

/** An exec the lists show: it matches, and it is not a failed try of a PATH search. */
function listed(e: ExecEntry, matcher: Matcher | null): boolean {
  return !e.pathSearch && (!matcher || matcher.entry(e));
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
  /** Where they were lost: "kernel", "ebpf", "queue". */
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
      if (!row.sources.includes(mark.source)) row.sources.push(mark.source);
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

/** Where the first item a walk visits that `is` picks stands among the items visited, or -1. */
function positionOf<T>(walk: (visit: (item: T) => boolean) => void, is: (item: T) => boolean): number {
  let index = 0;
  let found = -1;
  walk((item) => {
    if (is(item)) {
      found = index;
      return false;
    }
    index++;
    return true;
  });
  return found;
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

export interface ChainLink {
  pid: number;
  /** Undefined when that ancestor is no longer in the model. */
  node?: ProcessNode;
}

/** From the oldest known ancestor (pid 1 when the chain is whole) down to the process. */
export function chain(model: Model, nodeId: number): ChainLink[] {
  const links: ChainLink[] = [];
  let node = model.node(nodeId);
  const seen = new Set<number>();
  while (node && !seen.has(node.id)) {
    seen.add(node.id);
    links.push({ pid: node.pid, node });
    const parent = node.parentId === null ? undefined : model.node(node.parentId);
    const parentPid = node.ppid ?? node.currentPpid;
    if (!parent) {
      if (parentPid !== null && parentPid > 0) {
        // Known only by pid: its node was pruned, or it started before we looked.
        const living = model.byPid.get(parentPid);
        if (living && !seen.has(living.id) && (living.startTs ?? 0) <= (node.startTs ?? Infinity)) {
          node = living;
          continue;
        }
        links.push({ pid: parentPid });
      }
      break;
    }
    node = parent;
  }
  return links.reverse();
}

export function children(model: Model, nodeId: number): ProcessNode[] {
  const node = model.node(nodeId);
  if (!node) return [];
  const out: ProcessNode[] = [];
  for (const id of node.childIds) {
    const child = model.node(id);
    if (child) out.push(child);
  }
  return out;
}

/** Ended with a non-zero code or by a signal. */
const failed = (node: ProcessNode): boolean => !!node.exit && (!!node.exit.signal || (node.exit.code !== null && node.exit.code !== 0));

/** A process among the others its parent spawned running the same program (a loop's or a
 *  build's many runs): how many, how they ended, how long they lived. */
export interface Siblings {
  /** Spawned by the same parent, running the same program, this one included (kept ones). */
  count: number;
  exited: number;
  failed: number;
  /** Lifetimes of the exited ones, ms. */
  shortestMs: number | null;
  longestMs: number | null;
  firstTs: number;
  lastTs: number;
}

export function siblingsOf(model: Model, node: ProcessNode): Siblings | null {
  const parent = node.parentId === null ? undefined : model.node(node.parentId);
  if (!parent) return null;
  const program = programOf(node);
  const out: Siblings = { count: 0, exited: 0, failed: 0, shortestMs: null, longestMs: null, firstTs: Infinity, lastTs: -Infinity };
  for (const id of parent.childIds) {
    const child = model.node(id);
    if (!child || programOf(child) !== program) continue;
    out.count++;
    const start = child.startTs ?? child.firstSeenTs;
    out.firstTs = Math.min(out.firstTs, start);
    out.lastTs = Math.max(out.lastTs, start);
    if (!child.exit) continue;
    out.exited++;
    if (failed(child)) out.failed++;
    const lived = (child.exit.ts - start) / 1e6;
    out.shortestMs = out.shortestMs === null ? lived : Math.min(out.shortestMs, lived);
    out.longestMs = out.longestMs === null ? lived : Math.max(out.longestMs, lived);
  }
  return out;
}

export interface TreeRow {
  node: ProcessNode;
  depth: number;
  hasChildren: boolean;
  collapsed: boolean;
  /** Shown only as the way to a process that matches the filter. */
  context: boolean;
  /** A root whose spawner is not in the model (pruned: a bomb's ancestors): its pid. */
  spawnerGone: number | null;
  /** This row stands for finished siblings of one program (node is the newest of them). */
  run: { count: number; failed: number } | null;
}

/**
 * What a filtered tree shows: the processes that match and their ancestors, so each match
 * keeps its place in the tree. One pass over the model, made once per frame and only
 * while a filter is set.
 */
export interface TreeFilter {
  shown: ReadonlySet<number>;
  matched: ReadonlySet<number>;
}

export function treeFilter(model: Model, matcher: Matcher): TreeFilter {
  const shown = new Set<number>();
  const matched = new Set<number>();
  for (const node of model.nodes.values()) {
    if (!matcher.node(node)) continue;
    matched.add(node.id);
    for (let n: ProcessNode | undefined = node; n && !shown.has(n.id); n = n.parentId === null ? undefined : model.node(n.parentId)) {
      shown.add(n.id);
    }
  }
  return { shown, matched };
}

/** Depth first by spawning parent, roots by pid; `visit` returns false to stop. */
/** A parent's finished children (exited, and all they spawned too) of one program fold into
 *  one row from this many: a loop's or a build's thousand finished commands would bury the
 *  live processes. */
export const TREE_RUN_MIN = 3;

/** What the tree looks like, beyond the model: what the user folded and opened, and the filter. */
export interface TreeShape {
  /** Processes whose children are hidden. */
  collapsed?: ReadonlySet<number>;
  /** Parents whose finished children are listed one by one, not folded into runs. */
  unfolded?: ReadonlySet<number>;
  /** Only the matches and the way to them (and no runs: each match is shown). */
  filter?: TreeFilter | null;
  /** Runs found by one walk, for the next ones over the same state (one frame's rows,
   *  length and index): pass the same object to each. */
  memo?: TreeMemo;
}

export class TreeMemo {
  readonly runs = new Map<number, Map<ProcessNode, ProcessNode[]> | null>();
  readonly finished = new Map<number, boolean>();
}

const NONE: ReadonlySet<number> = new Set();

/** Depth first by spawning parent, roots by pid. A parent's finished children of one
 *  program are visited once, as their newest with the whole run, where that newest was
 *  born (see TREE_RUN_MIN); not under a parent in `unfolded`, nor when a filter is set. */
function walkTree(
  model: Model,
  shape: TreeShape,
  visit: (node: ProcessNode, depth: number, run: ProcessNode[] | null) => boolean,
): void {
  const collapsed = shape.collapsed ?? NONE;
  const unfolded = shape.unfolded ?? NONE;
  const filter = shape.filter ?? null;
  const memo = shape.memo ?? new TreeMemo();
  const finished = (node: ProcessNode): boolean => {
    if (!node.exit) return false;
    if (childCount(node) === 0) return true;
    let known = memo.finished.get(node.id);
    if (known === undefined) {
      known = true;
      for (const id of node.childIds) {
        const child = model.node(id);
        if (child && !finished(child)) {
          known = false;
          break;
        }
      }
      memo.finished.set(node.id, known);
    }
    return known;
  };
  /** Each finished child in a run of TREE_RUN_MIN or more of its program, to its run. */
  const finishedRuns = (node: ProcessNode): Map<ProcessNode, ProcessNode[]> | null => {
    let runs = memo.runs.get(node.id);
    if (runs !== undefined) return runs;
    runs = null;
    const byProgram = new Map<string, ProcessNode[]>();
    for (const id of node.childIds) {
      const child = model.node(id);
      if (!child || !finished(child)) continue;
      const program = programOf(child);
      const run = byProgram.get(program);
      if (run) run.push(child);
      else byProgram.set(program, [child]);
    }
    for (const run of byProgram.values()) {
      if (run.length < TREE_RUN_MIN) continue;
      runs ??= new Map();
      for (const member of run) runs.set(member, run);
    }
    memo.runs.set(node.id, runs);
    return runs;
  };
  const walk = (node: ProcessNode, depth: number): boolean => {
    if (!visit(node, depth, null)) return false;
    if (collapsed.has(node.id)) return true;
    const runs = !filter && !unfolded.has(node.id) && childCount(node) >= TREE_RUN_MIN ? finishedRuns(node) : null;
    for (const id of node.childIds) {
      if (filter && !filter.shown.has(id)) continue;
      const child = model.node(id);
      if (!child) continue;
      const run = runs?.get(child);
      if (run) {
        // The run stands where its newest was born; its other members are skipped.
        if (run[run.length - 1] === child && !visit(child, depth + 1, run)) return false;
        continue;
      }
      if (!walk(child, depth + 1)) return false;
    }
    return true;
  };
  const roots: ProcessNode[] = [];
  for (const id of model.roots) {
    if (filter && !filter.shown.has(id)) continue;
    const node = model.node(id);
    if (node) roots.push(node);
  }
  roots.sort((a, b) => a.pid - b.pid);
  for (const root of roots) if (!walk(root, 0)) break;
}

/** The tree by spawning parent, depth first, only the rows [offset, offset + limit). */
export function treeRows(model: Model, shape: TreeShape, offset: number, limit: number): TreeRow[] {
  const out: TreeRow[] = [];
  const filter = shape.filter ?? null;
  const collapsed = shape.collapsed ?? NONE;
  let index = 0;
  walkTree(model, shape, (node, depth, run) => {
    if (index++ >= offset) {
      const hasChildren = filter ? [...node.childIds].some((id) => filter.shown.has(id)) : childCount(node) > 0;
      const spawnerGone = depth === 0 && node.ppid !== null && node.ppid > 0 ? node.ppid : null;
      out.push({
        node, depth, hasChildren, collapsed: collapsed.has(node.id), context: !!filter && !filter.matched.has(node.id), spawnerGone,
        run: run ? { count: run.length, failed: run.filter(failed).length } : null,
      });
    }
    return out.length < limit;
  });
  return out;
}


/** The row index of a process in treeRows' order, or -1 when it is not shown. */
export function treeRowIndex(model: Model, shape: TreeShape, nodeId: number): number {
  type Visited = { node: ProcessNode; run: ProcessNode[] | null };
  return positionOf<Visited>(
    (visit) => walkTree(model, shape, (node, _depth, run) => visit({ node, run })),
    ({ node, run }) => node.id === nodeId || (run !== null && run.some((member) => member.id === nodeId)),
  );
}

export interface SpawnerRow {
  node: ProcessNode;
  rate1s: number;
  rate10s: number;
  liveChildren: number;
  /** Forks per second over the last 10 s, oldest first. */
  history: number[];
}

/** Processes ranked by forks per second; ones idle for 10 s drop out of the candidates. */
export function topSpawners(model: Model, limit: number): SpawnerRow[] {
  const now = model.now;
  const ranked: { node: ProcessNode; rate1s: number; rate10s: number }[] = [];
  for (const node of model.spawners) {
    const spawns = node.spawns!;
    if (spawns.idle(now)) {
      model.spawners.delete(node);
      continue;
    }
    ranked.push({ node, rate1s: spawns.sum(now, 10), rate10s: spawns.sum(now) / 10 });
  }
  ranked.sort((a, b) => b.rate1s - a.rate1s || b.rate10s - a.rate10s || a.node.pid - b.node.pid);
  // The history and the live children (a walk over them) only for the rows shown.
  return ranked.slice(0, limit).map(({ node, rate1s, rate10s }) => {
    const tenths = node.spawns!.history(now);
    const history: number[] = [];
    for (let i = 0; i < tenths.length; i += 10) history.push(tenths.slice(i, i + 10).reduce((a, b) => a + b, 0));
    return { node, rate1s, rate10s, liveChildren: model.liveChildren(node), history };
  });
}

export interface HeaderStats {
  forksPerSec: number;
  execsPerSec: number;
  exitsPerSec: number;
  execsPerSec10s: number;
  /** Execs per second, 60 s, oldest first: the sparkline. */
  execHistory: number[];
  live: number;
  tombstones: number;
  lost: number;
}

export function headerStats(model: Model): HeaderStats {
  const now = model.now;
  return {
    forksPerSec: model.recentForks.sum(now),
    execsPerSec: model.recentExecs.sum(now),
    exitsPerSec: model.recentExits.sum(now),
    execsPerSec10s: model.execRate.sum(now, 10) / 10,
    execHistory: model.execRate.history(now),
    live: model.live,
    tombstones: model.tombstones,
    lost: model.totals.lost,
  };
}

/** A process's whole life in time order: fork (or how it became known), every exec and
 *  change, and its exit. */
export function lifetime(node: ProcessNode): LifeEntry[] {
  const entries: LifeEntry[] = [];
  if (node.forkTs !== null && node.ppid !== null) entries.push({ kind: 'fork', ts: node.forkTs, ppid: node.ppid });
  else if (node.origin === 'snapshot') entries.push({ kind: 'snapshot', ts: node.firstSeenTs });
  entries.push(...node.log);
  const last = node.lastExec;
  if (last) {
    const entry: LifeEntry = { kind: 'exec', ts: last.ts, argv: last.argv, argvSource: last.argvSource, exe: last.exe, ret: 0 };
    let i = entries.length;
    // At an equal timestamp the exec goes first: a change logged with it came after it.
    while (i > 1 && entries[i - 1].ts >= last.ts) i--;
    if (i === 1 && entries[0].ts > last.ts) i = 0;
    entries.splice(i, 0, entry);
  }
  const exit = node.exit;
  if (exit) {
    entries.push(exit.unseen ? { kind: 'exit-unseen', ts: exit.ts } : { kind: 'exit', ts: exit.ts, code: exit.code, signal: exit.signal, core: exit.core });
  }
  return foldPathSearches(entries);
}

/** execvp() tries each PATH directory in turn: a dozen "failed ENOENT" lines before the
 *  exec that worked say one thing. A run of such misses with one command line becomes a
 *  count on the exec that followed it, or one failed entry when nothing was found. */
function foldPathSearches(entries: LifeEntry[]): LifeEntry[] {
  const out: LifeEntry[] = [];
  let i = 0;
  while (i < entries.length) {
    const first = entries[i];
    if (first.kind !== 'exec' || !isPathSearchMiss(first.ret)) {
      out.push(first);
      i++;
      continue;
    }
    const key = first.argv?.join('\0');
    let end = i + 1;
    while (end < entries.length) {
      const e = entries[end];
      if (e.kind !== 'exec' || !isPathSearchMiss(e.ret) || e.argv?.join('\0') !== key) break;
      end++;
    }
    const misses = end - i;
    const next = entries[end];
    if (next?.kind === 'exec' && next.ret === 0 && key !== undefined && next.argv?.join('\0') === key) {
      out.push({ ...next, misses });
      i = end + 1;
    } else {
      out.push(misses > 1 ? { ...(entries[end - 1] as typeof first), misses } : first);
      i = end;
    }
  }
  return out;
}

export interface LineageRow {
  root: ProcessNode;
  /** Forks within the lineage over the last second. */
  rate1s: number;
  live: number;
  generations: number;
  forksTotal: number;
}

/** Same-program lineages (a fork bomb's shape): those forking near a bomb's rate first,
 *  then by live members. A bomb that stopped forking (its members wait, or hit the process
 *  limit) still has hundreds alive and must not drop below a shell forking twice a second. */
export function topLineages(model: Model, limit: number): LineageRow[] {
  const rows: LineageRow[] = [];
  for (const clan of model.alerts.clans.values()) {
    const rate1s = clan.forks?.sum(model.now) ?? 0;
    if (clan.live < 2 && clan.maxGeneration < 2) continue; // a root whose children all exec'd
    rows.push({ root: clan.root, rate1s, live: clan.live, generations: clan.maxGeneration, forksTotal: clan.forksTotal });
  }
  const { bombRate, clearFraction } = model.config.alerts;
  const busy = (row: LineageRow) => (row.rate1s >= bombRate * clearFraction ? 1 : 0);
  rows.sort((a, b) => busy(b) - busy(a) || b.live - a.live || b.rate1s - a.rate1s || a.root.pid - b.root.pid);
  return rows.slice(0, limit);
}
