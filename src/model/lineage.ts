// A lineage: a process and everything it spawned, followed by spawning parent, so
// reparenting (a bomb's parents exit at once) hides no one. Pure: what the model knows.
import type { Model } from './model.js';
import type { ProcessNode } from './process-node.js';

export interface LineageSummary {
  /** Live members, the roots included when they are alive. */
  live: ProcessNode[];
  /** Deepest generation below the roots (the roots are generation 0). */
  generations: number;
  uids: number[];
}

/** Live processes spawned, at any depth, by these roots (and the roots, when alive). */
export function lineage(model: Model, rootIds: readonly number[]): LineageSummary {
  const live: ProcessNode[] = [];
  const uids = new Set<number>();
  let generations = 0;
  const seen = new Set<number>();
  let level = rootIds.map((id) => model.node(id)).filter((n): n is ProcessNode => n !== undefined);
  for (let depth = 0; level.length > 0; depth++) {
    const next: ProcessNode[] = [];
    for (const node of level) {
      if (seen.has(node.id)) continue;
      seen.add(node.id);
      if (!node.exit) {
        live.push(node);
        if (node.uid !== null) uids.add(node.uid);
        if (depth > generations) generations = depth;
      }
      for (const id of node.childIds) {
        const child = model.node(id);
        if (child) next.push(child);
      }
    }
    level = next;
  }
  return { live, generations, uids: [...uids].sort((a, b) => a - b) };
}

export interface StopRoots {
  /** Where stopping starts: the process asked for, or the first ones below it that may be. */
  roots: ProcessNode[];
  /** Processes passed over on the way down, and why (a login shell, pid 1...). */
  skipped: { node: ProcessNode; why: string }[];
}

/**
 * Roots to stop for `node`. A process that must not be signalled (`refuse` says why) is
 * never a root: when `descend` is set (a bomb whose lineage starts at the user's shell)
 * its children in the same-program lineage become the roots instead; otherwise none.
 */
export function stopRoots(
  model: Model,
  node: ProcessNode,
  refuse: (node: ProcessNode) => string | null,
  descend: boolean,
): StopRoots {
  const roots: ProcessNode[] = [];
  const skipped: StopRoots['skipped'] = [];
  // Down the lineage as far as it takes to find processes that may be signalled: a bomb
  // whose upper generations are all refused must not stay unstoppable for its depth.
  // Each process is looked at once; the walk is bounded by the lineage itself.
  let level = [node];
  const seen = new Set<ProcessNode>();
  while (level.length > 0) {
    const next: ProcessNode[] = [];
    for (const candidate of level) {
      if (seen.has(candidate)) continue;
      seen.add(candidate);
      const why = refuse(candidate);
      if (!why) {
        roots.push(candidate);
        continue;
      }
      skipped.push({ node: candidate, why });
      if (!descend) continue;
      for (const id of candidate.childIds) {
        const child = model.node(id);
        if (child && child.clan !== null && child.clan === candidate.clan) next.push(child);
      }
    }
    level = next;
  }
  return { roots, skipped };
}
