// A process's live children are counted as they change (forks, exits, rescans, adoption,
// pruning): the count must always be what its children say.
import { describe, expect, it } from 'vitest';
import type { ForktopEvent } from '../../src/events/schema.js';
import { Model } from '../../src/model/model.js';
import { Script } from '../helpers/script.js';

function seededRandom(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/** Forks, execs and exits in a random order, pids reused, exits of unknown pids, events
 *  lost, snapshots of processes whose parent comes later, and rescans. */
function workload(seed: number): ForktopEvent[][] {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const s = new Script().snapshot(1, 0, ['/sbin/init']);
  const live = [1];
  const batches: ForktopEvent[][] = [];
  for (let i = 0; i < 3000; i++) {
    const what = pick(20);
    s.after(pick(3));
    if (what < 8) {
      const pid = 2 + pick(400);
      s.fork(pid, live[pick(live.length)]);
      live.push(pid);
    } else if (what < 14) {
      const at = pick(live.length);
      const pid = live[at];
      if (pid !== 1) live.splice(at, 1);
      s.exit(pid === 1 ? 2 + pick(400) : pid, pick(3));
    } else if (what < 16) {
      s.exec(live[pick(live.length)], ['/bin/x', String(i)]);
    } else if (what < 17) {
      s.snapshot(2 + pick(400), 2 + pick(400), ['/bin/snap']);
    } else if (what < 18) {
      s.lost(1 + pick(3));
    } else {
      s.fork(2 + pick(400), 2 + pick(400));
    }
    if (pick(10) === 0) batches.push(s.events.splice(0));
  }
  batches.push(s.events.splice(0));
  return batches;
}

function counted(m: Model): { id: number; kept: number; walked: number }[] {
  const wrong = [];
  for (const node of m.nodes.values()) {
    let walked = 0;
    for (const id of node.childIds) if (!m.node(id)!.exit) walked++;
    if (walked !== m.liveChildren(node)) wrong.push({ id: node.id, kept: m.liveChildren(node), walked });
  }
  return wrong;
}

describe('live children, counted as they change', () => {
  it.each([1, 2, 3, 4, 5, 6])('equal what the children say after every batch (seed %i, pruned hard)', (seed) => {
    const m = new Model({ maxTombstones: 50 });
    let checked = 0;
    for (const batch of workload(seed)) {
      m.apply(batch);
      expect(counted(m)).toEqual([]);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
    // The workload leaves processes with live children behind, and ended ones.
    expect([...m.nodes.values()].some((n) => m.liveChildren(n) > 0)).toBe(true);
  });
});
