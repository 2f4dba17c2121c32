// V8 optimizes the AlertModel's code from the types each of its lines has seen run. A line a
// storm reaches for the first time once that code is built (the first tombstone pushed out,
// the first alert raised or cleared, a pid reused, a spawner's third fork) has seen none: V8
// throws the code away there and builds it again, with all it had inlined, on a machine busy
// with the storm. So before its first batch, `--json` runs a few made-up scenes through a
// private AlertModel with tiny limits, taking the lines a storm of forks, execs and exits
// reaches late a dozen times: too few events for V8 to optimize any of the AlertModel then (a
// few ms, once), enough for those lines to have their types when it does (the README's
// benchmark says what that spares). The scenes go as the eBPF source's batches come (packed,
// read in place) and nothing leaves them.
import { packedBatch } from '../events/pack.js';
import type { AlertEvent, ForktopEvent } from '../events/schema.js';
import { Script } from '../events/script.js';
import { AlertModel } from './alert-model.js';
import type { ModelConfig } from './config.js';
import { Fifo } from './retention.js';

/** Limits a few events reach: three tombstones, alerts at a handful of forks. */
const TINY: Partial<ModelConfig> = {
  maxTombstones: 3,
  maxRetainedAncestors: 1,
  tombstoneAgeNs: 2e9,
  maxTombstoneText: 120,
  alerts: { bombRate: 5, bombLive: 3, bombGenerations: 2, stormRate: 5, clearFraction: 0.5, stormClearNs: 1e9 },
};

/** V8 keeps a function's type feedback only from its 8th call on (lazy feedback
 *  allocation): each scene's rare lines come round more often than that. */
const ROUNDS = 12;

/** The fields a real exec has (its parent, who started it, where it runs): the AlertModel's
 *  code must see the types a storm's execs bring, or it is thrown away at the first one. */
function exec(s: Script, pid: number, ppid: number, argv: string[], ret = 0): Script {
  return s.exec(pid, argv, {
    ppid, argv_source: 'kernel', uid: 1000, cwd: '/srv/build', cgroup: '/user.slice', start_ts: s.ts - 1e6, start: s.time, ret,
    auid: 4294967295, session: 4294967295, tty: null, sid: 900, pgid: pid, env: null,
  });
}

/** One round, in batches: a shell's storm of short commands, a bomb, events out of order, a
 *  pid reused, then quiet until every alert clears and the tombstones age out. */
function scene(round: number): { batches: ForktopEvent[][]; ts: number } {
  const s = new Script().after(round * 20_000);
  const cuts: number[] = [];
  const cut = () => cuts.push(s.events.length);
  const pid = 1000 + round * 100;
  const shell = pid;
  exec(s.fork(shell, 1).after(1), shell, 1, ['/bin/sh', '-c', 'make']);
  // A storm: short commands, one of them failing to exec first.
  for (let i = 1; i <= 8; i++) {
    const child = pid + i;
    s.after(5).fork(child, shell).after(1);
    if (i === 3) exec(s, child, shell, ['/usr/bin/missing'], -2);
    exec(s, child, shell, ['/bin/true', String(i)]).after(1).exit(child, i === 5 ? 1 : 0);
    if (i % 3 === 0) cut();
  }
  // A bomb: a lineage of one program, forking without exec.
  const bomb = pid + 20;
  s.after(2).fork(bomb, shell);
  for (let g = 1; g <= 6; g++) s.after(5).fork(bomb + g, bomb + g - 1);
  cut();
  s.push({ type: 'comm', pid: shell, comm: 'make' }).push({ type: 'uid', pid: shell, ruid: 0, euid: 0 });
  // Out of order: an exec and an exit before the fork that started them.
  exec(s.after(1), pid + 40, shell, ['/bin/cat']).exit(pid + 41).fork(pid + 40, shell).fork(pid + 41, shell);
  // A pid reused while the model still has it live (its exit was lost).
  exec(s.after(1).fork(bomb + 6, shell), bomb + 6, shell, ['/bin/echo']);
  cut();
  for (let g = 0; g <= 6; g++) s.after(1).exit(bomb + g, 137);
  s.after(1).exit(pid + 40).exit(shell);
  cut();
  s.after(4000).fork(pid + 50, 1).exit(pid + 50);
  const batches = [0, ...cuts].map((from, k) => s.events.slice(from, k < cuts.length ? cuts[k] : undefined));
  return { batches, ts: s.ts };
}

/** What the scenes did: the alerts they raised and cleared, and the processes the private
 *  model still kept at the end (its tombstone limits hold it to a few). */
export interface Priming {
  alerts: AlertEvent[];
  kept: number;
}

export function primeAlertModel(): Priming {
  const model = new AlertModel(TINY);
  const alerts: AlertEvent[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const s = scene(round);
    for (const batch of s.batches) if (batch.length > 0) alerts.push(...model.apply(packedBatch(batch, false)));
    alerts.push(...model.advance(s.ts + 3e9, ''));
  }
  primeFifos();
  return { alerts, kept: model.size };
}

/** The tombstone queues (of nodes, and of their weights) compact themselves once 1,024 have
 *  left: more than the scenes push out. */
function primeFifos(): void {
  const nodes = new Fifo<{ pid: number }>();
  const weights = new Fifo<number>();
  for (let i = 0; i < 1100; i++) {
    nodes.push({ pid: i });
    weights.push(i);
  }
  for (let i = 0; i < 1100; i++) {
    nodes.shift();
    weights.shift();
  }
}
