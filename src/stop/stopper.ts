// Stops a lineage that replaces itself faster than anyone can type `kill`: SIGSTOP every
// live member, again and again, until passes find no new one for a while (a stopped
// process cannot fork, so the set closes), then SIGKILL them all. Members come from the model (spawning
// lineage, so reparented ones too, and new ones as their fork events arrive) and from
// /proc (the children of stopped members, before their fork events are even decoded).
// Signals go through pidfds, checked against the start time: never to a reused pid.
import fs from 'node:fs';
import { constants } from 'node:os';
import { lineage, stopRoots } from '../model/lineage.js';
import type { Model } from '../model/model.js';
import type { ProcessNode } from '../model/process-node.js';
import { loadAddon, type SignalOutcome, type SignalTarget } from '../sources/addon.js';
import type { Protection } from './protection.js';

/** A process as the confirmation names it: data, formatted (and escaped) only by the UI. */
export interface NamedProcess {
  pid: number;
  argv: string[] | null;
  comm: string | null;
}

export interface StopPlan {
  /** The lineage as the user asked for it (it may have exited, or be refused as a root). */
  root: NamedProcess & { exited: boolean };
  /** Node ids stopping starts from. */
  rootIds: number[];
  live: number;
  generations: number;
  uids: number[];
  /** Processes passed over as roots, and why. */
  skipped: (NamedProcess & { why: string })[];
  /** Another host's lineage (--ssh): stopped there, by these commands over ssh. */
  host?: string;
  runs?: string[];
}

export interface StopRefusal {
  /** Why, in facts (pids, uids, fixed names): no text the process controls. */
  refused: string;
  /** The process refused, when there is one: named by the UI. */
  process?: NamedProcess;
}

function named(node: ProcessNode): NamedProcess {
  return { pid: node.pid, argv: node.argv, comm: node.comm };
}

/**
 * What stopping `node`'s lineage would signal. `descend`: when `node` itself may not be
 * signalled (a bomb that started in the user's shell), start from its same-program
 * children instead; otherwise refuse.
 */
export function planStop(model: Model, node: ProcessNode, protection: Protection, descend: boolean): StopPlan | StopRefusal {
  const { roots, skipped } = stopRoots(model, node, (n) => protection.whyNotRoot(n), descend);
  if (roots.length === 0) {
    const why = skipped[0]?.why ?? 'nothing to stop';
    return { refused: `will not stop pid ${node.pid}: it is ${why}`, process: named(node) };
  }
  const summary = lineage(model, roots.map((r) => r.id));
  const live = summary.live.filter((n) => !protection.isProtected(n.pid));
  // Nothing to signal: say so rather than offer to "stop and kill" no one, and say why when
  // the one still running was passed over (a protected shell whose children all ended).
  if (live.length === 0) {
    const kept = skipped.find(({ node: n }) => !n.exit);
    if (kept) return { refused: `will not stop pid ${kept.node.pid}: it is ${kept.why}; nothing it spawned is running`, process: named(kept.node) };
    return { refused: `nothing of the lineage of pid ${node.pid} is running any more`, process: named(node) };
  }
  return {
    root: { ...named(node), exited: node.exit !== null },
    rootIds: roots.map((r) => r.id),
    live: live.length,
    generations: summary.generations,
    uids: summary.uids,
    skipped: skipped.map(({ node: n, why }) => ({ ...named(n), why })),
  };
}

export interface Signaller {
  signal(targets: SignalTarget[], signal: number): Promise<SignalOutcome[]>;
  /** Children of a process now (every thread's), from /proc. */
  children(pid: number): number[];
  /** Still running (not gone, not a zombie). */
  alive(pid: number): boolean;
}

export const procSignaller: Signaller = {
  signal: (targets, signal) => loadAddon().signalProcesses(targets, signal),
  children(pid) {
    const out: number[] = [];
    try {
      for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
        const text = fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
        if (text) for (const child of text.split(' ')) out.push(Number(child));
      }
    } catch {
      // gone
    }
    return out;
  },
  alive(pid) {
    const stat = loadAddon().readStat(pid);
    return stat !== null && stat.state !== 'Z' && stat.state !== 'X';
  },
};

export interface StopProgress {
  phase: 'stopping' | 'killing' | 'done';
  stopped: number;
  killed: number;
  passes: number;
  ms: number;
}

export interface StopReport {
  type: 'stop';
  root: number;
  command: string;
  stopped: number;
  /** Stopped members dead at the end. */
  killed: number;
  /** Members still running at the end (should be none). */
  survivors: number[];
  /** Signals the kernel refused (EPERM). */
  denied: number;
  passes: number;
  ms: number;
  /** Stopped on another host (--ssh). */
  host?: string;
}

const SIGSTOP = constants.signals.SIGSTOP;
const SIGKILL = constants.signals.SIGKILL;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The set counts as closed when passes have found nothing new for this long: longer than
 *  a fork event takes to reach the model (batches every 100 ms, then up to 150 ms in the
 *  eBPF source's merge), so a member whose parent exited before it could be stopped, and
 *  whom /proc no longer shows under any stopped member, still arrives in time. */
const SETTLE_MS = 500;
const PASS_EVERY_MS = 40;
const GIVE_UP_MS = 20_000;

export async function stopLineage(
  model: Model,
  plan: StopPlan,
  protection: Protection,
  signaller: Signaller = procSignaller,
  onProgress: (p: StopProgress) => void = () => {},
): Promise<StopReport> {
  const started = performance.now();
  const stopped = new Map<number, SignalTarget>();
  const toScan: number[] = []; // stopped, children not looked at yet
  let denied = 0;
  let passes = 0;
  let lastNew = performance.now();
  const elapsed = () => Math.round(performance.now() - started);

  while (performance.now() - lastNew < SETTLE_MS && elapsed() < GIVE_UP_MS) {
    passes++;
    const fresh = new Map<number, SignalTarget>();
    for (const node of lineage(model, plan.rootIds).live) {
      if (!stopped.has(node.pid) && !protection.isProtected(node.pid)) {
        fresh.set(node.pid, { pid: node.pid, ...(node.startTs !== null ? { startNs: node.startTs } : {}) });
      }
    }
    // Children of members stopped in an earlier pass: they had time to take the SIGSTOP,
    // so their child lists are final.
    for (const parent of toScan.splice(0)) {
      for (const child of signaller.children(parent)) {
        if (!stopped.has(child) && !fresh.has(child) && !protection.isProtected(child)) fresh.set(child, { pid: child, ppid: parent });
      }
    }
    const targets = [...fresh.values()];
    const results = targets.length ? await signaller.signal(targets, SIGSTOP) : [];
    let newlyStopped = 0;
    results.forEach(({ result, startNs }, i) => {
      if (result === 'sent') {
        // From now on it is known by its start time: its parent may die and change.
        stopped.set(targets[i].pid, { pid: targets[i].pid, startNs });
        toScan.push(targets[i].pid);
        newlyStopped++;
      } else if (result === 'denied') {
        denied++;
      }
    });
    if (newlyStopped > 0 || toScan.length > 0) lastNew = performance.now();
    onProgress({ phase: 'stopping', stopped: stopped.size, killed: 0, passes, ms: elapsed() });
    await sleep(newlyStopped > 0 ? 5 : PASS_EVERY_MS);
  }

  onProgress({ phase: 'killing', stopped: stopped.size, killed: 0, passes, ms: elapsed() });
  const all = [...stopped.values()];
  if (all.length) await signaller.signal(all, SIGKILL);
  let survivors = all.map((t) => t.pid).filter((pid) => signaller.alive(pid));
  for (let waited = 0; survivors.length > 0 && waited < 3000; waited += 50) {
    await sleep(50);
    survivors = survivors.filter((pid) => signaller.alive(pid));
  }
  // Dead by our SIGKILL, or by the kernel's SIGHUP to a stopped group that lost its parents.
  const killed = stopped.size - survivors.length;
  const report: StopReport = {
    type: 'stop', root: plan.root.pid, command: plan.root.argv?.join(' ') ?? plan.root.comm ?? '?', stopped: stopped.size, killed, survivors, denied, passes, ms: elapsed(),
  };
  onProgress({ phase: 'done', stopped: stopped.size, killed, passes, ms: report.ms });
  return report;
}
