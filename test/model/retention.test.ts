import { describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import { chain, children } from '../../src/model/queries.js';
import { Script } from '../helpers/script.js';

describe('model: tombstones and bounded memory', () => {
  it('keeps an exited process inspectable, then prunes it after the age limit', () => {
    const m = new Model({ tombstoneAgeNs: 5e9 });
    const s = new Script().snapshot(1, 0, ['/sbin/init']).fork(10, 1).exec(10, ['/bin/true']).after(1).exit(10);
    m.apply(s.events);
    expect(m.byPid.get(10)!.exit).not.toBeNull();
    m.apply(new Script().after(4_000).lost(0).events.map((e) => ({ ...e, ts: s.ts + 4e9 })));
    expect(m.byPid.has(10)).toBe(true);
    m.apply(new Script().lost(0).events.map((e) => ({ ...e, ts: s.ts + 6e9 })));
    expect(m.byPid.has(10)).toBe(false);
    expect(m.tombstones).toBe(0);
  });

  it('the count limit pushes out the oldest tombstones first', () => {
    const m = new Model({ maxTombstones: 3 });
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    for (let pid = 10; pid < 20; pid++) s.after(1).fork(pid, 1).after(1).exit(pid);
    m.apply(s.events);
    expect(m.tombstones).toBe(3);
    expect([...m.byPid.keys()].sort((a, b) => a - b)).toEqual([1, 17, 18, 19]);
  });

  it('an exited ancestor stays while a descendant is kept, so the chain stays whole', () => {
    const m = new Model({ maxTombstones: 1, tombstoneAgeNs: 1e9 });
    const s = new Script().snapshot(1, 0, ['/sbin/init'])
      .fork(20, 1).after(1).fork(21, 20).after(1).fork(22, 21).after(1).exit(21).exit(20);
    for (let pid = 30; pid < 40; pid++) s.after(10).fork(pid, 1).exit(pid); // pressure
    s.after(5000).fork(41, 1);
    m.apply(s.events);
    const leaf = m.byPid.get(22)!;
    expect(chain(m, leaf.id).map((l) => l.pid)).toEqual([1, 20, 21, 22]);
    expect(m.byPid.get(21)!.expired).toBe(true);
    // When the leaf goes and its own tombstone expires, the ancestors go with it.
    m.apply(new Script().exit(22).events.map((e) => ({ ...e, ts: s.ts + 1 })));
    m.apply(new Script().fork(42, 1).events.map((e) => ({ ...e, ts: s.ts + 3e9 })));
    expect(m.byPid.has(21)).toBe(false);
    expect(m.byPid.has(20)).toBe(false);
    expect(m.retainedAncestors).toBe(0);
  });

  it(`memory stays bounded under an endless storm: nodes <= live + maxTombstones + maxRetainedAncestors`, () => {
    const config = { maxTombstones: 500, maxRetainedAncestors: 500, execRingSize: 1000 };
    const m = new Model(config);
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    m.apply(s.events);
    // 1 million events: a loop spawning, and chains of daemonizing forks (fork, exit parent).
    let pid = 100;
    let events = 0;
    while (events < 1_000_000) {
      const batch = new Script();
      batch.ts = s.ts;
      for (let i = 0; i < 1000; i++) {
        const a = pid++;
        const b = pid++;
        batch.after(0.2).fork(a, 1).exec(a, ['/bin/date', String(i % 7)]).fork(b, a).exit(a).after(0.1).exit(b);
        if (pid > 4_000_000) pid = 100;
      }
      s.ts = batch.ts;
      events += batch.events.length;
      m.apply(batch.events);
      expect(m.nodes.size).toBeLessThanOrEqual(m.live + config.maxTombstones + config.maxRetainedAncestors);
    }
    expect(m.execs.size).toBe(1000);
    expect(m.execs.groupCount).toBeLessThanOrEqual(7);
    expect(m.totals.events).toBeGreaterThanOrEqual(1_000_000);
    expect(m.live).toBe(1);
  });
});

describe('model: children lists', () => {
  it('keeps children in birth order as they come and go, past the point a list becomes a set', () => {
    const m = new Model({ maxTombstones: 0 });
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/bin/bash']);
    for (let pid = 100; pid < 130; pid++) s.after(1).fork(pid, 10);
    for (const pid of [101, 105, 120, 129]) s.after(1).exit(pid);
    m.apply(s.events);
    const expected = Array.from({ length: 30 }, (_, i) => 100 + i).filter((pid) => ![101, 105, 120, 129].includes(pid));
    expect(children(m, m.byPid.get(10)!.id).map((n) => n.pid)).toEqual(expected);
    // And a few, still a list.
    const few = new Model({ maxTombstones: 0 });
    few.apply(new Script().snapshot(1, 0, ['/sbin/init']).fork(20, 1).fork(21, 1).fork(22, 1).after(1).exit(21).events);
    expect(children(few, few.byPid.get(1)!.id).map((n) => n.pid)).toEqual([20, 22]);
  });
});
