// One process as the card shows it: its parent chain up to pid 1, its children, the runs
// of its program its parent made, and its whole life in time order.
import type { Model } from './model.js';
import { endedBadly, isPathSearchMiss, programOf, type LifeEntry, type ProcessNode } from './process-node.js';

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


/** The children a card lists, `limit` at most: the running ones first (in birth order),
 *  then the newest exited. A storm's parent has thousands: the oldest say least. */
export function cardChildren(model: Model, nodeId: number, limit: number): ProcessNode[] {
  const all = children(model, nodeId);
  const live = all.filter((child) => !child.exit);
  const exited = all.filter((child) => child.exit).reverse();
  return [...live, ...exited].slice(0, limit);
}

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
    if (endedBadly(child)) out.failed++;
    const lived = (child.exit.ts - start) / 1e6;
    out.shortestMs = out.shortestMs === null ? lived : Math.min(out.shortestMs, lived);
    out.longestMs = out.longestMs === null ? lived : Math.max(out.longestMs, lived);
  }
  return out;
}

/** A process's whole life in time order: fork (or how it became known), every exec and
 *  change, and its exit. */
export function lifetime(node: ProcessNode): LifeEntry[] {
  const entries: LifeEntry[] = [];
  if (node.forkTs !== null && node.ppid !== null) entries.push({ kind: 'fork', ts: node.forkTs, ppid: node.ppid });
  else if (node.seenFrom === 'snapshot') entries.push({ kind: 'snapshot', ts: node.firstSeenTs });
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
