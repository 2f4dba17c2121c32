// The model is deterministic: any split of the same events into batches gives the same
// state and the same alerts.
import { describe, expect, it } from 'vitest';
import type { ForktopEvent } from '../../src/events/schema.js';
import { Model } from '../../src/model/model.js';
import { foldedExecs, recentExecs, topSpawners, treeRows } from '../../src/model/queries.js';
import { bomb, Script } from '../helpers/script.js';

function mixedWorkload(): ForktopEvent[] {
  const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(40, 1, ['/bin/bash']);
  let pid = 100;
  for (let i = 0; i < 300; i++) {
    const a = pid++;
    s.after(3).fork(a, 40).exec(a, ['/bin/date', String(i % 4)]);
    if (i % 3 === 0) s.exit(a, i % 5);
    if (i % 50 === 0) s.lost(2).fork(a, 1); // a reused pid with its exit lost
  }
  bomb(s, 5000, 40, 7, () => pid++);
  s.after(4000).fork(pid++, 1);
  return s.events;
}

/** Everything observable, as plain data. */
function state(m: Model, alerts: unknown[]) {
  return {
    nodes: [...m.nodes.values()].map((n) => ({ ...n, childIds: [...n.childIds], spawns: n.spawns?.history(m.now), lastExec: n.lastExec?.seq })),
    roots: [...m.roots],
    execs: recentExecs(m, null, 100_000),
    folded: foldedExecs(m, null, 100),
    tree: treeRows(m, {}, 0, 100_000).map((r) => [r.node.id, r.depth]),
    spawners: topSpawners(m, 100).map((r) => [r.node.id, r.rate1s, r.rate10s]),
    totals: m.totals,
    live: m.live,
    loss: m.lossMarks,
    alerts,
  };
}

function seededRandom(seed: number): () => number {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('model: batching does not change the result', () => {
  const events = mixedWorkload();
  const whole = new Model({ maxTombstones: 200 });
  const expected = state(whole, whole.apply(events));

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('random split %i', (seed) => {
    const random = seededRandom(seed);
    const m = new Model({ maxTombstones: 200 });
    const alerts: unknown[] = [];
    for (let i = 0; i < events.length; ) {
      const size = 1 + Math.floor(random() * 200);
      alerts.push(...m.apply(events.slice(i, i + size)));
      i += size;
    }
    expect(state(m, alerts)).toEqual(expected);
  });

  it('the workload exercises what it claims', () => {
    expect(expected.alerts.length).toBeGreaterThan(0);
    expect(whole.totals.lost).toBeGreaterThan(0);
    expect(whole.tombstones).toBeGreaterThan(0);
  });
});
