// Who is busy: processes by fork rate, same-program lineages (a fork bomb's shape), and the
// header's rates.
import type { Model } from './model.js';
import { topPrograms, type Origin } from './origins.js';
import { localPid, type HostState } from './hosts.js';
import type { AlertEvent } from '../events/schema.js';
import { isKernelThread, KTHREADD_PID, programOf, type ProcessNode } from './process-node.js';

export interface SpawnerRow {
  node: ProcessNode;
  rate1s: number;
  rate10s: number;
  liveChildren: number;
  /** Forks per second over the last 10 s, oldest first. */
  history: number[];
  /** What its kept children run, most first (at most two): what the storm is made of. */
  spawns: { program: string; count: number }[];
}

/** The programs a process's kept children run, most first, the first `limit`. */
export function childPrograms(model: Model, node: ProcessNode, limit: number): { program: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const id of node.childIds) {
    const child = model.node(id);
    if (!child) continue;
    const program = child.comm ?? programOf(child).split('/').pop()!;
    counts.set(program, (counts.get(program) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, limit).map(([program, count]) => ({ program, count }));
}

/** How many rows topSpawners() can list (without building them). */
export function spawnerCount(model: Model): number {
  let n = 0;
  for (const node of model.spawners) if (!node.spawns!.idle(model.now)) n++;
  return n;
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
    return { node, rate1s, rate10s, liveChildren: model.liveChildren(node), history, spawns: childPrograms(model, node, 2) };
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

export interface LineageRow {
  root: ProcessNode;
  /** Forks within the lineage over the last second. */
  rate1s: number;
  live: number;
  generations: number;
  forksTotal: number;
}

/** Same-program lineages (a fork bomb's shape): those with a bomb alert up first, then
 *  those forking near a bomb's rate, then by live members. A bomb that stopped forking (its
 *  members wait, or hit the process limit) still has hundreds alive and must not drop below
 *  a shell forking twice a second. A lineage is at least three generations deep: kthreadd's
 *  threads and a shell's subshells are one or two, and are not what this list is for. */
export function topLineages(model: Model, limit: number): LineageRow[] {
  const rows: (LineageRow & { alerted: number })[] = [];
  for (const clan of model.alerts.clans.values()) {
    const alerted = model.alerts.isActive('fork-bomb', clan.id) ? 1 : 0;
    if (!alerted && (clan.maxGeneration < 2 || isKernelThread(clan.root) || localPid(clan.root.pid) === KTHREADD_PID)) continue;
    const rate1s = clan.forks?.sum(model.now) ?? 0;
    rows.push({ root: clan.root, rate1s, live: clan.live, generations: clan.maxGeneration, forksTotal: clan.forksTotal, alerted });
  }
  const { bombRate, clearFraction } = model.config.alerts;
  const busy = (row: LineageRow) => (row.rate1s >= bombRate * clearFraction ? 1 : 0);
  rows.sort((a, b) => b.alerted - a.alerted || busy(b) - busy(a) || b.live - a.live || b.rate1s - a.rate1s || a.root.pid - b.root.pid);
  return rows.slice(0, limit).map(({ alerted: _, ...row }) => row);
}

export interface OriginRow {
  origin: Origin;
  /** Execs over the last second, and per second over the last 10 s. */
  rate1s: number;
  rate10s: number;
  live: number;
  /** Execs per second, 60 s, oldest first. */
  history: number[];
  runs: { program: string; count: number }[];
}

export interface RankedOrigin {
  origin: Origin;
  rate1s: number;
  rate10s: number;
}

/** Origins by exec rate now, then over 10 s, then live processes; ones with neither a live
 *  process nor an exec in the last minute are left out. `keep` says which may be listed
 *  (a filter). Only the ranking: originRows() adds what a shown row needs. */
export function rankOrigins(model: Model, keep: (origin: Origin) => boolean = () => true): RankedOrigin[] {
  const now = model.now;
  const ranked: RankedOrigin[] = [];
  for (const origin of model.origins.byKey.values()) {
    if (origin.live <= 0 && origin.execs.idle(now)) continue;
    if (!keep(origin)) continue;
    ranked.push({ origin, rate1s: origin.recentExecs.sum(now), rate10s: origin.execs.sum(now, 10) / 10 });
  }
  ranked.sort((a, b) => b.rate1s - a.rate1s || b.rate10s - a.rate10s || b.origin.live - a.origin.live || (a.origin.key < b.origin.key ? -1 : 1));
  return ranked;
}

/** The rows for ranked origins on screen: their sparklines and what they run most. */
export function originRows(model: Model, ranked: readonly RankedOrigin[]): OriginRow[] {
  return ranked.map(({ origin, rate1s, rate10s }) => ({
    origin, rate1s, rate10s, live: origin.live, history: origin.execs.history(model.now), runs: topPrograms(origin, 3),
  }));
}

/** The busiest `limit` origins, as rows. */
export function topOrigins(model: Model, limit: number, keep?: (origin: Origin) => boolean): OriginRow[] {
  return originRows(model, rankOrigins(model, keep).slice(0, limit));
}

export interface HostRow {
  host: HostState;
  /** Execs over the last second, and per second over the last 10 s. */
  rate1s: number;
  rate10s: number;
  /** Execs per second, 60 s, oldest first. */
  history: number[];
  /** Its alerts up now: fork bombs first. */
  alerts: AlertEvent[];
}

/** The hosts of a merged stream: those with an alert first (a bomb before a storm), then
 *  those down, then by name. A fleet's panel reads as a list of what needs a look. */
export function hostRows(model: Model): HostRow[] {
  const now = model.now;
  const current = model.alerts.current(now, model.nowTime);
  const rows = model.hosts.list.map((host) => ({
    host,
    rate1s: host.recentExecs.sum(now),
    rate10s: host.execs.sum(now, 10) / 10,
    history: host.execs.history(now),
    alerts: current.filter((a) => a.host === host.name).sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'fork-bomb' ? -1 : 1)),
  }));
  const worst = (r: HostRow) => (r.alerts.some((a) => a.kind === 'fork-bomb') ? 0 : r.alerts.length > 0 ? 1 : r.host.state === 'down' ? 2 : 3);
  rows.sort((a, b) => worst(a) - worst(b) || (a.host.name < b.host.name ? -1 : a.host.name > b.host.name ? 1 : 0));
  return rows;
}
