// The process tree as the screen shows it: depth first by spawning parent, collapsed and
// filtered as asked, finished runs of one program folded, only the rows on screen.
import type { Matcher } from './filters.js';
import type { Model } from './model.js';
import { positionOf } from './position.js';
import { childCount, endedBadly, programOf, type ProcessNode } from './process-node.js';

export interface TreeRow {
  node: ProcessNode;
  depth: number;
  hasChildren: boolean;
  collapsed: boolean;
  /** Shown only as the way to a process that matches the filter. */
  context: boolean;
  /** A root whose spawner is not in the model (pruned: a bomb's ancestors): its pid. */
  spawnerGone: number | null;
  /** It runs as another user than its spawner (sudo, su, a setuid program, a service). */
  userChanged: boolean;
  /** It had exited by the time the tree shows (see TreeShape.asOf). */
  exited: boolean;
  /** This row stands for finished siblings of one program (node is the newest of them). */
  run: { count: number; failed: number; members: readonly ProcessNode[] } | null;
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
  /** The tree as it was at this time (a paused screen): processes seen later are left out,
   *  and exits later are not shown yet. */
  asOf?: number;
  /** Runs found by one walk, for the next ones over the same state (one frame's rows,
   *  length and index): pass the same object to each. */
  memo?: TreeMemo;
}

/** Whether a process had exited by `asOf`. */
export const exitedBy = (node: ProcessNode, asOf: number): boolean => !!node.exit && node.exit.ts <= asOf;

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
  const asOf = shape.asOf ?? Infinity;
  const seen = (node: ProcessNode): boolean => node.firstSeenTs <= asOf;
  // Whether a process and all it spawned (as far as shown) had exited: a walk down with a
  // stack of its own, not recursion, so a chain thousands deep can't overflow the stack.
  type Frame = { node: ProcessNode; ids: Iterator<number>; waitingOn: ProcessNode | null };
  const finished = (start: ProcessNode): boolean => {
    if (!exitedBy(start, asOf)) return false;
    if (childCount(start) === 0) return true;
    const cached = memo.finished.get(start.id);
    if (cached !== undefined) return cached;
    // A node is "not finished" while it is being decided: a loop, if one ever formed, ends.
    memo.finished.set(start.id, false);
    const stack: Frame[] = [{ node: start, ids: start.childIds[Symbol.iterator](), waitingOn: null }];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      let outcome: boolean | null = null;
      if (frame.waitingOn) {
        if (!memo.finished.get(frame.waitingOn.id)) outcome = false;
        frame.waitingOn = null;
      }
      while (outcome === null) {
        const next = frame.ids.next();
        if (next.done) {
          outcome = true;
          break;
        }
        const child = model.node(next.value);
        if (!child || !seen(child)) continue;
        if (!exitedBy(child, asOf)) outcome = false;
        else if (childCount(child) === 0) continue;
        else {
          const known = memo.finished.get(child.id);
          if (known === false) outcome = false;
          else if (known === undefined) {
            memo.finished.set(child.id, false);
            frame.waitingOn = child;
            stack.push({ node: child, ids: child.childIds[Symbol.iterator](), waitingOn: null });
            break;
          }
        }
      }
      if (outcome !== null) {
        memo.finished.set(frame.node.id, outcome);
        stack.pop();
      }
    }
    return memo.finished.get(start.id)!;
  };
  /** Each finished child in a run of TREE_RUN_MIN or more of its program, to its run. */
  const finishedRuns = (node: ProcessNode): Map<ProcessNode, ProcessNode[]> | null => {
    let runs = memo.runs.get(node.id);
    if (runs !== undefined) return runs;
    runs = null;
    const byProgram = new Map<string, ProcessNode[]>();
    for (const id of node.childIds) {
      const child = model.node(id);
      if (!child || !seen(child) || !finished(child)) continue;
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
  // Depth first with a stack of child iterators, not recursion (a chain can be deep).
  type Level = { depth: number; ids: Iterator<number>; runs: Map<ProcessNode, ProcessNode[]> | null };
  const stack: Level[] = [];
  const enter = (node: ProcessNode, depth: number): boolean => {
    if (!visit(node, depth, null)) return false;
    if (collapsed.has(node.id)) return true;
    const runs = !filter && !unfolded.has(node.id) && childCount(node) >= TREE_RUN_MIN ? finishedRuns(node) : null;
    stack.push({ depth, ids: node.childIds[Symbol.iterator](), runs });
    return true;
  };
  const walk = (root: ProcessNode): boolean => {
    if (!enter(root, 0)) return false;
    while (stack.length > 0) {
      const level = stack[stack.length - 1];
      const next = level.ids.next();
      if (next.done) {
        stack.pop();
        continue;
      }
      const id = next.value;
      if (filter && !filter.shown.has(id)) continue;
      const child = model.node(id);
      if (!child || !seen(child)) continue;
      const run = level.runs?.get(child);
      if (run) {
        // The run stands where its newest was born; its other members are skipped.
        if (run[run.length - 1] === child && !visit(child, level.depth + 1, run)) return false;
        continue;
      }
      if (!enter(child, level.depth + 1)) return false;
    }
    return true;
  };
  const roots: ProcessNode[] = [];
  for (const id of model.roots) {
    if (filter && !filter.shown.has(id)) continue;
    const node = model.node(id);
    if (node && seen(node)) roots.push(node);
  }
  roots.sort((a, b) => a.pid - b.pid);
  for (const root of roots) if (!walk(root)) break;
}

/** The tree by spawning parent, depth first, only the rows [offset, offset + limit). */
export function treeRows(model: Model, shape: TreeShape, offset: number, limit: number): TreeRow[] {
  const out: TreeRow[] = [];
  const filter = shape.filter ?? null;
  const collapsed = shape.collapsed ?? NONE;
  const asOf = shape.asOf ?? Infinity;
  let index = 0;
  walkTree(model, shape, (node, depth, run) => {
    if (index++ >= offset) {
      const hasChildren = filter
        ? [...node.childIds].some((id) => filter.shown.has(id))
        : asOf === Infinity ? childCount(node) > 0 : [...node.childIds].some((id) => (model.node(id)?.firstSeenTs ?? Infinity) <= asOf);
      const spawnerGone = depth === 0 && node.ppid !== null && node.ppid > 0 ? node.ppid : null;
      const parent = node.parentId === null ? undefined : model.node(node.parentId);
      out.push({
        node, depth, hasChildren, collapsed: collapsed.has(node.id), context: !!filter && !filter.matched.has(node.id), spawnerGone,
        run: run ? { count: run.length, failed: run.filter(endedBadly).length, members: run } : null,
        userChanged: !!parent && parent.uid !== null && node.uid !== null && node.uid !== parent.uid,
        exited: exitedBy(node, asOf),
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
