import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/events/schema.js';
import { Model } from '../../src/model/model.js';
import { bomb, Script } from '../helpers/script.js';

function run(s: Script): { m: Model; alerts: AlertEvent[] } {
  const m = new Model();
  return { m, alerts: m.apply(s.events) };
}

describe('model: fork bombs and fork storms', () => {
  it('a bomb (2 children per member per generation, parents exit early) raises fork-bomb naming its root', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(50, 1, ['/bin/bash']);
    let next = 1000;
    bomb(s, 999, 50, 9, () => next++);
    const { m, alerts } = run(s);
    const raised = alerts.filter((a) => a.state === 'raised');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ kind: 'fork-bomb', root: 999, comm: 'bomb' });
    expect(raised[0].generations).toBeGreaterThanOrEqual(5);
    expect(raised[0].live).toBeGreaterThanOrEqual(20);
    expect(raised[0].rate).toBeGreaterThanOrEqual(50);
    // Members were reparented as their parents exited; the spawning lineage still holds them.
    expect(m.alerts.isActive('fork-bomb', m.byPid.get(999)!.clan!.id)).toBe(true);
    // It clears once the bomb stops forking.
    const quiet = new Script();
    quiet.ts = s.ts;
    quiet.after(3000).fork(5, 1);
    const later = m.apply(quiet.events);
    expect(later).toEqual([expect.objectContaining({ kind: 'fork-bomb', state: 'cleared', root: 999 })]);
  });

  it('an alert also clears when time passes with no event at all (advance)', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    let next = 1000;
    bomb(s, 999, 1, 8, () => next++);
    const { m, alerts } = run(s);
    expect(alerts.map((a) => a.state)).toEqual(['raised']);
    expect(m.advance(s.ts + 0.2e9, 'later')).toEqual([]);
    expect(m.advance(s.ts + 2e9, 'later')).toEqual([expect.objectContaining({ state: 'cleared', root: 999 })]);
  });

  it('a make -j8 build raises nothing', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(60, 1, ['/usr/bin/make', '-j8']);
    let pid = 2000;
    // 400 compile jobs, 8 at a time, each a shell that execs the compiler for ~150 ms.
    const running: number[] = [];
    for (let job = 0; job < 400; job++) {
      if (running.length === 8) s.after(20).exit(running.shift()!);
      const sh = pid++;
      s.after(2).fork(sh, 60).exec(sh, ['/bin/sh', '-c', `cc -c f${job}.c`]);
      const cc = pid++;
      s.fork(cc, sh).exec(cc, ['/usr/bin/cc', '-c', `f${job}.c`]);
      running.push(cc);
    }
    const { alerts } = run(s);
    expect(alerts).toEqual([]);
  });

  it('a busy shell loop is a fork storm, not a bomb', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(70, 1, ['/bin/bash', 'loop.sh']);
    let pid = 3000;
    for (let i = 0; i < 2000; i++) {
      const child = pid++;
      s.after(1).fork(child, 70).exec(child, ['/bin/date']).after(0.5).exit(child);
    }
    const { alerts } = run(s);
    expect(alerts.map((a) => [a.kind, a.state, a.root])).toEqual([['fork-storm', 'raised', 70]]);
    expect(alerts.some((a) => a.kind === 'fork-bomb')).toBe(false);
  });
});
