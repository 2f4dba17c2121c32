// What each list view shows, in the shape the selection needs: a slice of rows, how many
// there are, and what keeps a row selected while the list moves under it.
import type { Model } from '../model/model.js';
import type { ExecEntry, ProcessNode } from '../model/process-node.js';
import {
  execStream, execStreamIndex, execStreamLength, foldedExecs, hostRows, isLossRow, spawnerCount, streamAnchor, originRows, rankOrigins, topLineages, topSpawners, treeFilter, TreeMemo, treeRowIndex, treeRows,
  type HostRow, type LineageRow, type Matcher, type OriginRow, type RankedOrigin, type SpawnerRow, type TreeRow, type TreeShape,
} from '../model/queries.js';
import type { ExecRow } from './views/ExecsView.js';

export interface ListSource<Row> {
  /** Rows [offset, offset + limit). */
  rows(offset: number, limit: number): Row[];
  /** All rows: asked on a key press (End, Page Down), not per frame. */
  length(): number;
  /** What stays selected while rows come and go: an exec's seq, a process's id; null
   *  when the list has nothing that lasts (a ranking). */
  anchorOf(row: Row): number | null;
  /** Where the anchored row is now, or -1. */
  indexOf(anchor: number): number;
  /** Selecting the top row means "follow the newest" (a stream), not "this one". */
  topFollowsNewest: boolean;
  /** The process a row is about: what Enter inspects, K stops and s follows. */
  nodeIdOf(row: Row): number | undefined;
}

/** The program this exec started still runs: its process is alive and has not exec'd since. */
function isRunning(model: Model, entry: ExecEntry): boolean {
  const node = model.node(entry.nodeId);
  return !!node && !node.exit && node.lastExec === entry;
}

/** The exec stream, newest first, with a row where events were lost. */
export function execSource(model: Model, matcher: Matcher): ListSource<ExecRow> {
  return {
    rows: (offset, limit) =>
      execStream(model, matcher, limit, offset).map((row) => (isLossRow(row) ? { loss: row } : { entry: row, running: isRunning(model, row) })),
    length: () => execStreamLength(model, matcher),
    anchorOf: (row) => streamAnchor(row.loss ?? row.entry!),
    indexOf: (anchor) => execStreamIndex(model, matcher, anchor),
    topFollowsNewest: true,
    nodeIdOf: (row) => row.entry?.nodeId,
  };
}

/** Identical command lines folded into their newest run; rows regroup as execs arrive. */
export function foldedSource(model: Model, matcher: Matcher): ListSource<ExecRow> {
  return {
    rows: (offset, limit) =>
      foldedExecs(model, matcher, limit, offset).map((r) => ({ entry: r.entry, count: r.count, spanMs: r.spanMs, running: isRunning(model, r.entry) })),
    length: () => foldedExecs(model, matcher, model.execs.size).length,
    anchorOf: () => null,
    indexOf: () => -1,
    topFollowsNewest: true,
    nodeIdOf: (row) => row.entry?.nodeId,
  };
}

/** The process tree by spawning parent; filtered, the matches and the way to them. */
export function treeSource(
  model: Model, collapsed: ReadonlySet<number>, matcher: Matcher | null, unfolded: ReadonlySet<number>, asOf?: number,
): ListSource<TreeRow> {
  // One frame asks for rows, length and an index: the runs found by the first walk serve all.
  const shape: TreeShape = { collapsed, unfolded, filter: matcher ? treeFilter(model, matcher) : null, memo: new TreeMemo(), asOf };
  return {
    rows: (offset, limit) => treeRows(model, shape, offset, limit),
    length: () => treeRows(model, shape, 0, Number.MAX_SAFE_INTEGER).length,
    // A folded run's row is found by any of its members, so it stays selected as it grows.
    anchorOf: (row) => row.node.id,
    indexOf: (id) => treeRowIndex(model, shape, id),
    topFollowsNewest: false,
    nodeIdOf: (row) => row.node.id,
  };
}

/** The spawners view's rows: the busiest same-program lineages (a fork bomb's shape),
 *  then processes by fork rate. */
export type SpawnerListRow = { lineage: LineageRow; spawner?: undefined } | { spawner: SpawnerRow; lineage?: undefined };

/** Lineages shown above the spawners, at most. */
export const LINEAGE_ROWS = 3;

/** Rankings reorder themselves, so nothing is anchored. A bomb whose fork rate fell (no
 *  alert any more) is still here, with its live members, for Enter and K. */
export function spawnerSource(model: Model, matcher: Matcher | null = null): ListSource<SpawnerListRow> {
  // Filtered (a user, a subtree, text): the rows whose root or spawner matches, ranked as
  // before; there are few spawners, so all of them are ranked then.
  const keep = <T,>(rows: T[], node: (row: T) => ProcessNode) => (matcher ? rows.filter((row) => matcher.node(node(row))) : rows);
  const lineages = keep(topLineages(model, LINEAGE_ROWS), (l) => l.root).map((lineage) => ({ lineage }));
  const filtered = matcher ? keep(topSpawners(model, spawnerCount(model)), (r) => r.node) : null;
  const spawners = (limit: number) => (filtered ? filtered.slice(0, limit) : topSpawners(model, limit)).map((spawner) => ({ spawner }));
  return {
    rows: (offset, limit) => [...lineages, ...spawners(Math.max(0, offset + limit - lineages.length))].slice(offset, offset + limit),
    length: () => lineages.length + (filtered ? filtered.length : spawnerCount(model)),
    anchorOf: () => null,
    indexOf: () => -1,
    topFollowsNewest: false,
    nodeIdOf: (row) => (row.lineage ? row.lineage.root.id : row.spawner!.node.id),
  };
}

/** Origins by exec rate. Few, and Enter narrows the views to the one selected: it stays
 *  selected while the ranking reorders (a login's burst passing the system's). A row is
 *  about no one process. */
export function originSource(model: Model, matcher: Matcher | null = null): ListSource<OriginRow> {
  const keep = matcher ? matcher.origin : undefined;
  // Ranked once a frame (rows, length and the anchor's index all ask); the sparklines and
  // top programs only for the rows shown.
  let all: RankedOrigin[] | null = null;
  const ranked = () => (all ??= rankOrigins(model, keep));
  return {
    rows: (offset, limit) => originRows(model, ranked().slice(offset, offset + limit)),
    length: () => ranked().length,
    anchorOf: (row) => row.origin.id,
    indexOf: (id) => ranked().findIndex((row) => row.origin.id === id),
    topFollowsNewest: false,
    nodeIdOf: () => undefined,
  };
}

/** The hosts of a merged stream, what needs a look first; the selected one stays selected
 *  while they reorder. Worked out once a frame (a fleet is hundreds). */
export function hostSource(model: Model): ListSource<HostRow> {
  let all: HostRow[] | null = null;
  const rows = () => (all ??= hostRows(model));
  return {
    rows: (offset, limit) => rows().slice(offset, offset + limit),
    length: () => rows().length,
    anchorOf: (row) => row.host.index,
    indexOf: (index) => rows().findIndex((row) => row.host.index === index),
    topFollowsNewest: false,
    nodeIdOf: () => undefined,
  };
}

/** The HOST column's width: the longest name, within 4..16 (longer ones are cut). */
export function hostNameWidth(model: Model): number {
  let width = 4;
  for (const host of model.hosts.list) if (host.name.length > width) width = host.name.length;
  return Math.min(16, width);
}
