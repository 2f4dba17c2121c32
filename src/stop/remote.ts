// K on another host's process (--ssh): the plan is what the viewer's model knows of the
// lineage; the stop itself runs there, as `forktop --stop-lineage PID --yes` over ssh, whose
// forktop decides from its own /proc what it may signal (pid 1, itself, sessions, sshd) and
// answers with its JSON report.
import { localPid } from '../model/hosts.js';
import { lineage, stopRoots } from '../model/lineage.js';
import type { Model } from '../model/model.js';
import type { StopControl } from './control.js';
import type { StopPlan, StopReport } from './stopper.js';

export interface RemoteResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command on a host (over ssh) and gives what it printed. */
export type RemoteRunner = (host: string, command: string) => Promise<RemoteResult>;

/** What the viewer can tell without the host's /proc: pid 1 and kthreadd are never roots. */
function whyNotRoot(pid: number): string | null {
  const own = localPid(pid);
  if (own === 1) return 'pid 1 (init)';
  if (own === 2) return 'kthreadd';
  return null;
}

/** The host's report, checked: a JSON line of type stop with counts (its last line). */
export function parseReport(stdout: string): StopReport | null {
  const last = stdout.trim().split('\n').pop() ?? '';
  let value: unknown;
  try {
    value = JSON.parse(last);
  } catch {
    return null;
  }
  const r = value as Record<string, unknown>;
  const count = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (!r || r.type !== 'stop' || !count(r.root) || !count(r.stopped) || !count(r.killed) || !count(r.denied) || !count(r.passes)) return null;
  if (typeof r.ms !== 'number' || !Number.isFinite(r.ms) || !Array.isArray(r.survivors) || !r.survivors.every(count)) return null;
  return {
    type: 'stop', root: r.root as number, command: typeof r.command === 'string' ? r.command.slice(0, 4096) : '',
    stopped: r.stopped as number, killed: r.killed as number, survivors: (r.survivors as number[]).slice(0, 1000),
    denied: r.denied as number, passes: r.passes as number, ms: r.ms,
  };
}

export function remoteStopControl(model: Model, run: RemoteRunner, stopCommand: (pid: number) => string): StopControl {
  return {
    plan(nodeId, descend) {
      const node = model.node(nodeId);
      if (!node) return { refused: 'that process is no longer known' };
      const host = model.hosts.nameOf(node.pid);
      if (host === undefined) return { refused: 'that process is of no host forktop reaches over ssh' };
      const named = (n: typeof node) => ({ pid: localPid(n.pid), argv: n.argv, comm: n.comm });
      const { roots, skipped } = stopRoots(model, node, (n) => whyNotRoot(n.pid), descend);
      if (roots.length === 0) return { refused: `will not stop pid ${localPid(node.pid)} on ${host}: it is ${skipped[0]?.why ?? 'nothing to stop'}`, process: named(node) };
      const summary = lineage(model, roots.map((r) => r.id));
      if (summary.live.length === 0) return { refused: `nothing of the lineage of pid ${localPid(node.pid)} on ${host} is running any more`, process: named(node) };
      return {
        root: { ...named(node), exited: node.exit !== null },
        rootIds: roots.map((r) => r.id),
        live: summary.live.length,
        generations: summary.generations,
        uids: summary.uids,
        skipped: skipped.map(({ node: n, why }) => ({ ...named(n), why })),
        host,
        runs: roots.map((r) => stopCommand(localPid(r.pid))),
      };
    },
    async run(plan: StopPlan, onProgress) {
      const started = Date.now();
      const host = plan.host!;
      const total: StopReport = { type: 'stop', root: plan.root.pid, command: '', stopped: 0, killed: 0, survivors: [], denied: 0, passes: 0, ms: 0, host };
      for (const command of plan.runs ?? []) {
        onProgress({ phase: 'stopping', stopped: total.stopped, killed: total.killed, passes: total.passes, ms: Date.now() - started });
        const result = await run(host, command);
        const report = parseReport(result.stdout);
        if (!report) {
          const why = result.stderr.trim().split('\n').pop() || `exit status ${result.code}`;
          throw new Error(`on ${host}: ${why}`);
        }
        total.stopped += report.stopped;
        total.killed += report.killed;
        total.denied += report.denied;
        total.passes += report.passes;
        total.survivors.push(...report.survivors);
      }
      total.ms = Date.now() - started;
      return total;
    },
  };
}
