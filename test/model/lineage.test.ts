import { describe, expect, it } from 'vitest';
import { lineage, stopRoots } from '../../src/model/lineage.js';
import { Model } from '../../src/model/model.js';
import { Script } from '../helpers/script.js';

describe('lineage', () => {
  // shell(10) → bomb(11) → 12, 13; 12 → 14, 15; 12 exits (14 and 15 are reparented to 1).
  function bomb(): Model {
    const s = new Script()
      .snapshot(10, 1, ['-bash'])
      .fork(11, 10).after(1).fork(12, 11).fork(13, 11).after(1)
      .fork(14, 12).fork(15, 12).after(1).exit(12);
    const m = new Model();
    m.apply(s.events);
    return m;
  }

  it('follows the spawning parent: members reparented after their parent exited still belong', () => {
    const m = bomb();
    const { live, generations } = lineage(m, [m.byPid.get(11)!.id]);
    expect(live.map((n) => n.pid).sort()).toEqual([11, 13, 14, 15]);
    expect(generations).toBe(2);
  });

  it('a root that may not be signalled hands over to its same-program children', () => {
    const m = bomb();
    const shell = m.byPid.get(10)!;
    const refuse = (n: { pid: number }) => (n.pid === 10 ? 'a login shell' : null);
    const down = stopRoots(m, shell, refuse, true);
    expect(down.roots.map((n) => n.pid)).toEqual([11]);
    expect(down.skipped.map((s) => [s.node.pid, s.why])).toEqual([[10, 'a login shell']]);
    expect(stopRoots(m, shell, refuse, false).roots).toEqual([]);
  });
});
