import { describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import { chain, children } from '../../src/model/queries.js';
import type { ExecEntry } from '../../src/model/process-node.js';
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

/** Characters of every string the model can reach through its processes and exec ring
 *  (argv, paths, log entries, failed tries), each array or string counted once. */
function textReachable(m: Model): number {
  const seen = new Set<unknown>();
  let n = 0;
  const str = (s: string | null | undefined) => {
    if (s) n += s.length; // equal strings from different events are different strings
  };
  const argv = (a: readonly string[] | null | undefined) => {
    if (!a || seen.has(a)) return;
    seen.add(a);
    for (const s of a) n += s.length + 1;
  };
  const entry = (e: ExecEntry | null) => {
    if (!e || seen.has(e)) return;
    seen.add(e);
    argv(e.argv);
    str(e.exe);
  };
  for (const node of m.nodes.values()) {
    if (!seen.has(node.facts)) {
      seen.add(node.facts);
      argv(node.facts.argv);
      str(node.facts.exe);
      str(node.facts.cwd);
      str(node.facts.cgroup);
    }
    entry(node.lastExec);
    for (const tried of node.failedTries ?? []) entry(tried);
    for (const l of node.log) if (l.kind === 'exec') argv(l.argv);
  }
  m.execs.forEachNewest((e) => (entry(e), true));
  return n;
}

describe('model: memory bounded in bytes, not only in count', () => {
  const longArgv = (i: number, chars: number) => ['/usr/bin/cc', `-DTAG=${i}`, 'x'.repeat(chars)];

  it('the exec ring keeps at most maxExecRingText characters: the newest that fit, folded as before', () => {
    const m = new Model({ execRingSize: 1000, maxExecRingText: 100_000 });
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    for (let i = 0; i < 200; i++) s.after(1).fork(100 + i, 1).exec(100 + i, longArgv(i % 3, 16 * 1024)).after(1).exit(100 + i);
    m.apply(s.events);
    // 16,384 + 11 + 8 + 3 + 11 characters each: 6 fit in 100,000.
    expect(m.execs.size).toBe(6);
    expect(m.execs.textHeld).toBeLessThanOrEqual(100_000);
    expect(m.execs.total).toBe(200);
    const held: number[] = [];
    m.execs.forEachNewest((e) => (held.push(e.pid), true));
    expect(held).toEqual([299, 298, 297, 296, 295, 294]);
    expect(m.execs.groupCount).toBe(3);
    // Short lines come back to the count limit.
    const t = new Script();
    t.ts = s.ts;
    for (let i = 0; i < 2000; i++) t.after(1).fork(1000 + i, 1).exec(1000 + i, ['/bin/true', String(i % 5)]).exit(1000 + i);
    m.apply(t.events);
    expect(m.execs.size).toBe(1000);
    expect(m.execs.groupCount).toBe(5);
  });

  it('one command line longer than the whole budget is still shown (alone)', () => {
    const m = new Model({ execRingSize: 10, maxExecRingText: 1000 });
    m.apply(new Script().snapshot(1, 0, ['/sbin/init']).fork(5, 1).exec(5, ['/bin/true']).fork(6, 1).exec(6, longArgv(0, 5000)).events);
    expect(m.execs.size).toBe(1);
    expect(m.execs.textHeld).toBeGreaterThan(1000);
  });

  it('tombstones are pruned by the text they hold, oldest first', () => {
    const m = new Model({ maxTombstones: 1000, maxTombstoneText: 50_000, maxExecRingText: 50_000 });
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    for (let i = 0; i < 100; i++) s.after(1).fork(100 + i, 1).exec(100 + i, longArgv(i, 10_000)).after(1).exit(100 + i);
    m.apply(s.events);
    expect(m.tombstones).toBe(4); // ~10,030 characters each, with cwd and cgroup
    expect(m.tombstoneText).toBeLessThanOrEqual(50_000);
    expect([...m.byPid.keys()].sort((a, b) => a - b)).toEqual([1, 196, 197, 198, 199]);
  });

  it(`after a million events of everything the model keeps, it holds no more than its limits say`, () => {
    const config = {
      maxTombstones: 500, maxRetainedAncestors: 500, execRingSize: 1000,
      maxExecRingText: 200_000, maxTombstoneText: 200_000, maxLogEntries: 8, maxLossMarks: 50,
    };
    const m = new Model(config);
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(2, 1, ['/usr/sbin/sshd']);
    m.apply(s.events);
    let pid = 100;
    let round = 0;
    const next = () => {
      const p = pid++;
      if (pid > 60_000) pid = 100; // pids come round again: reuse
      return p;
    };
    while (m.totals.events < 1_000_000) {
      const b = new Script();
      b.ts = s.ts;
      for (let i = 0; i < 200; i++, round++) {
        const a = next();
        const c = next();
        const long = round % 10 === 0;
        b.after(0.3).fork(a, 2);
        // A PATH search (failed tries), then the exec; now and then a 16 KiB command line.
        b.exec(a, ['cc', String(round)], { ret: -2, exe: '/usr/local/bin/cc' }).exec(a, long ? longArgv(round, 16 * 1024) : ['/usr/bin/cc', String(round % 13)]);
        b.push({ type: 'comm', pid: a, comm: `cc-${round % 7}` }).push({ type: 'uid', pid: a, ruid: 0, euid: round % 3 });
        for (let k = 0; k < 12; k++) b.push({ type: 'gid', pid: a, rgid: k, egid: k }); // past maxLogEntries
        b.fork(c, a).exec(c, ['/bin/sh', '-c', `step ${round}`]).exit(a); // c outlives its parent
        b.after(0.2).exit(c, round % 5);
        if (round % 97 === 0) b.lost(1);
      }
      s.ts = b.ts;
      m.apply(b.events);
      expect(m.nodes.size).toBeLessThanOrEqual(m.live + config.maxTombstones + config.maxRetainedAncestors);
    }
    expect(m.live).toBe(2);
    expect(m.execs.size).toBeLessThanOrEqual(config.execRingSize);
    expect(m.execs.textHeld).toBeLessThanOrEqual(config.maxExecRingText);
    expect(m.tombstones).toBeLessThanOrEqual(config.maxTombstones);
    expect(m.tombstoneText).toBeLessThanOrEqual(config.maxTombstoneText);
    expect(m.lossMarks.length).toBeLessThanOrEqual(config.maxLossMarks);
    expect(m.alerts.clans.size).toBeLessThanOrEqual(m.live);
    expect(m.spawners.size).toBeLessThanOrEqual(m.nodes.size);
    for (const node of m.nodes.values()) {
      expect(node.log.length).toBeLessThanOrEqual(config.maxLogEntries);
      expect(node.failedTries?.length ?? 0).toBeLessThanOrEqual(64);
    }
    // The strings it can reach: the two budgets, plus what the live processes and the
    // ancestors kept for their descendants run (here a few short lines).
    const held = textReachable(m);
    expect(held).toBeLessThanOrEqual(config.maxExecRingText + config.maxTombstoneText + 10_000);
    expect(held).toBeGreaterThan(config.maxExecRingText / 2); // it is counting what is there
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
