// Fork bombs and fork storms, decided from the model's own counters.
//
// A "clan" is a same-program lineage: a fork child joins its parent's clan one generation
// deeper (fork copies the program); an exec leaves it and starts a clan of its own. A fork
// bomb is a clan replicating fast, wide and deep; a fork storm is one process spawning
// fast (make -j, a CI runner, a shell loop), whose children exec and leave the clan.
import { HostTable } from './hosts.js';
import type { AlertThresholds } from './config.js';
import type { AlertEvent } from '../events/schema.js';
import type { ProcessNode } from './process-node.js';
import { RateCounter } from './rate-counter.js';

/** What the detector reads and keeps of a process: the Model's ProcessNode, or the
 *  AlertModel's lean record of one (alert-model.ts). */
export interface ClanMember<Self> {
  /** Serial, never reused (a pid is): a storm's key. */
  readonly id: number;
  readonly pid: number;
  readonly comm: string | null;
  /** Set (non-null) once it exited. */
  exit: object | null;
  clan: Clan<Self> | null;
  generation: number;
  /** Its forks, from its third on (see countSpawn in process-node.ts). */
  spawns: RateCounter | null;
}

export interface Clan<N = ProcessNode> {
  /** Serial: a root that execs and forks again starts a new clan. */
  id: number;
  root: N;
  live: number;
  maxGeneration: number;
  /** Forks within the clan, 100 ms buckets over 1 s; made at the clan's second fork (most
   *  clans fork once: a shell running one command), the first one's time kept till then. */
  forks: RateCounter | null;
  firstForkTs: number;
  forksTotal: number;
}

interface ActiveAlert<N> {
  kind: 'fork-bomb' | 'fork-storm';
  key: number; // clan id or node id
  root: N;
  clan: Clan<N> | null;
  /** A storm: since when its rate has been low (it clears once that lasts), or null. */
  lowSince: number | null;
  /** A bomb: its live members at its checks over the last TREND_NS (and the one before,
   *  the baseline), oldest first, to say whether it still grows, stalls or shrinks. */
  liveHistory: { ts: number; live: number }[];
}

/** How far back a bomb's trend looks. */
const TREND_NS = 2e9;

const ONE_SECOND = () => new RateCounter(1e8, 10);

/** A bomb's live members: its clan's, but for the root while it lives on. The root is what
 *  started it: a shell the bomb was typed into (`:(){ :|:& };:`) stays when every member
 *  is gone, and is no part of the bomb to wait for, nor one K stops. */
function membersOf<N extends ClanMember<N>>(clan: Clan<N>): number {
  const root = clan.root;
  return clan.live - (!root.exit && root.clan === clan ? 1 : 0);
}

export class AlertDetector<N extends ClanMember<N> = ProcessNode> {
  /** Clans that forked more than once, by id: the lineage ranking's candidates. A clan
   *  that forked once (a shell running a pipeline) can't rank, and a storm makes many:
   *  members reach their clan through node.clan, not through this map. */
  readonly clans = new Map<number, Clan<N>>();
  readonly active: ActiveAlert<N>[] = [];
  private nextClanId = 1;
  private lastCheckBucket = -1;

  constructor(
    private readonly thresholds: AlertThresholds,
    private readonly liveChildren: (node: N) => number,
    /** A stream of several hosts: an alert names its root by its own pid and its host. */
    private readonly hosts: HostTable = new HostTable(),
  ) {}

  /** A process with no known parent, or one that just exec'd: the root of its own clan.
   *  The clan's record is made only when it first forks: most clans (a process that
   *  exec'd and never forks) are just their root, and a storm makes many. */
  startClan(node: N): void {
    node.clan = null;
    node.generation = 0;
  }

  /** The node's clan, made when a live root first needs it; null once it has no live member. */
  private clanOf(node: N): Clan<N> | null {
    const clan = node.clan;
    if (clan) return clan.live > 0 || this.isActive('fork-bomb', clan.id) ? clan : null;
    if (node.generation !== 0 || node.exit) return null;
    return (node.clan = { id: this.nextClanId++, root: node, live: 1, maxGeneration: 0, forks: null, firstForkTs: 0, forksTotal: 0 });
  }

  /** A new child (or a snapshot of one running the same program) joins its parent's clan. */
  join(parent: N, child: N): void {
    const clan = this.clanOf(parent);
    if (!clan) {
      this.startClan(child);
      return;
    }
    child.clan = clan;
    child.generation = parent.generation + 1;
    if (!child.exit) clan.live++;
    if (child.generation > clan.maxGeneration) clan.maxGeneration = child.generation;
  }

  /** Counts a fork by `parent` and raises what it warrants. */
  onFork(parent: N, ts: number, time: string, out: AlertEvent[]): void {
    const clan = this.clanOf(parent);
    const t = this.thresholds;
    if (clan) {
      clan.forksTotal++;
      if (clan.forks) {
        clan.forks.add(ts);
      } else if (clan.forksTotal === 1) {
        clan.firstForkTs = ts;
      } else {
        clan.forks = ONE_SECOND();
        clan.forks.add(clan.firstForkTs);
        clan.forks.add(ts);
        this.clans.set(clan.id, clan);
      }
      if (
        clan.forks &&
        clan.live >= t.bombLive &&
        clan.maxGeneration >= t.bombGenerations &&
        !this.isActive('fork-bomb', clan.id) && // before the sum: a bomb's every fork comes here
        clan.forks.sum(ts) >= t.bombRate
      ) {
        this.raise({ kind: 'fork-bomb', key: clan.id, root: clan.root, clan, lowSince: null, liveHistory: [] }, ts, time, out);
      }
    }
    if (
      parent.spawns &&
      // cheap checks first: during a storm this runs for every fork
      !this.isActive('fork-storm', parent.id) &&
      !(clan && this.isActive('fork-bomb', clan.id)) &&
      parent.spawns.sum(ts, 10) >= t.stormRate // the last second of 100 ms buckets
    ) {
      this.raise({ kind: 'fork-storm', key: parent.id, root: parent, clan: null, lowSince: null, liveHistory: [] }, ts, time, out);
    }
  }

  /** The process runs another program now: it leaves its clan and roots a new one. */
  onExec(node: N): void {
    this.leave(node);
    this.startClan(node);
  }

  onExit(node: N): void {
    this.leave(node);
  }

  /**
   * Clears what is over; looked at once per 100 ms of event time. A bomb is over when no
   * member lives: a real one soon hits pids.max or ulimit -u, its forks fail and its rate
   * drops, but every member is still there. A storm is over when its rate has stayed low
   * for stormClearNs.
   */
  check(now: number, time: string, out: AlertEvent[]): void {
    if (this.active.length === 0) return;
    const bucket = Math.floor(now / 1e8);
    if (bucket === this.lastCheckBucket) return;
    this.lastCheckBucket = bucket;
    const t = this.thresholds;
    for (let i = this.active.length - 1; i >= 0; i--) {
      const alert = this.active[i];
      let over: boolean;
      if (alert.clan) {
        const history = alert.liveHistory;
        const members = membersOf(alert.clan);
        history.push({ ts: now, live: members });
        while (history.length > 1 && history[1].ts <= now - TREND_NS) history.shift();
        over = members <= 0;
      } else {
        const low = this.rateOf(alert, now) < t.stormRate * t.clearFraction;
        if (!low) alert.lowSince = null;
        else alert.lowSince ??= now;
        over = alert.lowSince !== null && now - alert.lowSince >= t.stormClearNs;
      }
      if (over) {
        this.active.splice(i, 1);
        out.push(this.event(alert, 'cleared', now, time));
        if (alert.clan) this.dropIfEmpty(alert.clan);
      }
    }
  }

  /** The alerts up now, with their current rate and live count. */
  current(now: number, time: string): AlertEvent[] {
    return this.active.map((a) => this.event(a, 'raised', now, time));
  }

  /** The process an alert up now is about. By the alert's own record, not by pid: a bomb's
   *  root usually exits early and its pid may belong to another process by now. */
  rootOf(alert: Pick<AlertEvent, 'kind' | 'root' | 'host'>): N | undefined {
    const key = this.hosts.keyOf(alert.host, alert.root);
    return this.active.find((a) => a.kind === alert.kind && a.root.pid === key)?.root;
  }

  /** A bomb's course over the last two seconds, from its live members: still growing,
   *  stalled (its forks fail at a limit, or it stopped forking), or shrinking. */
  private trendOf(alert: ActiveAlert<N>): AlertEvent['trend'] {
    const history = alert.liveHistory;
    const live = membersOf(alert.clan!);
    if (history.length < 2) return 'growing';
    const then = history[0].live;
    // A tenth either way is noise: a bomb at its limit loses members and regains them as
    // its forks get through (with 2% the bar flipped growing/stalled/shrinking at pids.max).
    // A growing bomb doubles within the window; one being stopped loses most.
    const margin = Math.max(3, then * 0.1);
    if (live > then + margin) return 'growing';
    if (live < then - margin) return 'shrinking';
    return 'stalled';
  }

  isActive(kind: ActiveAlert<N>['kind'], key: number): boolean {
    for (const a of this.active) if (a.kind === kind && a.key === key) return true;
    return false;
  }

  private leave(node: N): void {
    const clan = node.clan;
    if (!clan || clan.live <= 0) return;
    clan.live--;
    this.dropIfEmpty(clan);
  }

  private dropIfEmpty(clan: Clan<N>): void {
    // A clan with no live member can't fork again; keep it only while its alert is up.
    if (clan.live <= 0 && clan.forks && !this.isActive('fork-bomb', clan.id)) this.clans.delete(clan.id);
  }

  private rateOf(alert: ActiveAlert<N>, now: number): number {
    if (alert.clan) return alert.clan.forks?.sum(now) ?? 0;
    return alert.root.spawns?.sum(now, 10) ?? 0;
  }

  private raise(alert: ActiveAlert<N>, ts: number, time: string, out: AlertEvent[]): void {
    this.active.push(alert);
    out.push(this.event(alert, 'raised', ts, time));
  }

  private event(alert: ActiveAlert<N>, state: 'raised' | 'cleared', ts: number, time: string): AlertEvent {
    const clan = alert.clan;
    const live = clan ? membersOf(clan) : this.liveChildren(alert.root);
    return this.hosts.published({
      type: 'alert',
      time,
      ts,
      kind: alert.kind,
      state,
      root: alert.root.pid,
      rate: this.rateOf(alert, ts),
      live,
      generations: clan ? clan.maxGeneration : 1,
      comm: alert.root.comm,
      ...(clan ? { trend: state === 'cleared' ? 'shrinking' : this.trendOf(alert) } : {}),
    });
  }
}
