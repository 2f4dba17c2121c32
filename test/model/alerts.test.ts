import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/events/schema.js';
import { HEADLESS_CONFIG } from '../../src/model/config.js';
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
    // A real bomb soon hits pids.max: its forks fail and its rate drops, but its members
    // live on. The alert stays (stalled) until the last of them is gone.
    const clan = m.byPid.get(999)!.clan!;
    const quiet = new Script();
    quiet.ts = s.ts;
    for (let i = 0; i < 6; i++) quiet.after(500).fork(5 + i, 1);
    expect(m.apply(quiet.events)).toEqual([]);
    expect(m.alerts.current(m.now, m.nowTime)).toEqual([expect.objectContaining({ kind: 'fork-bomb', root: 999, trend: 'stalled', live: clan.live })]);
    const members = [...m.byPid.values()].filter((n) => n.clan === clan && !n.exit).map((n) => n.pid);
    expect(members.length).toBeGreaterThanOrEqual(20);
    const dying = new Script();
    dying.ts = quiet.ts;
    for (const pid of members.slice(1)) dying.after(2).exit(pid);
    expect(m.apply(dying.events)).toEqual([]);
    expect(m.alerts.current(m.now, m.nowTime)[0]).toMatchObject({ trend: 'shrinking', live: 1 });
    const last = new Script();
    last.ts = dying.ts;
    last.after(1).exit(members[0]).after(200).fork(6, 1);
    expect(m.apply(last.events)).toEqual([expect.objectContaining({ kind: 'fork-bomb', state: 'cleared', root: 999, live: 0 })]);
  });

  it('a bomb typed into a shell (its members fork from the shell, no exec) clears once they are gone, the shell left running', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(50, 1, ['/bin/bash']);
    // :(){ :|:& };: — every member is a copy of the shell; the shell itself lives on.
    let next = 100;
    let layer = [50];
    const members: number[] = [];
    for (let g = 0; g < 9; g++) {
      const born: number[] = [];
      for (const pid of layer) {
        for (let k = 0; k < 2; k++) {
          const child = next++;
          s.after(0.5).fork(child, pid);
          born.push(child);
          members.push(child);
        }
        if (pid !== 50) s.after(0.1).exit(pid);
      }
      layer = born;
    }
    const m = new Model();
    const raised = m.apply(s.events).filter((a) => a.state === 'raised');
    expect(raised).toEqual([expect.objectContaining({ kind: 'fork-bomb', root: 50 })]);
    // Its live count is the bomb's members: not the shell.
    const alive = members.filter((pid) => !m.byPid.get(pid)!.exit);
    expect(m.alerts.current(m.now, m.nowTime)[0]).toMatchObject({ live: alive.length });
    const stop = new Script();
    stop.ts = s.ts;
    for (const pid of alive) stop.after(0.2).exit(pid, 0, 9);
    stop.after(200).fork(7, 1);
    expect(m.apply(stop.events)).toEqual([expect.objectContaining({ kind: 'fork-bomb', state: 'cleared', root: 50, live: 0 })]);
    expect(m.byPid.get(50)!.exit).toBeNull();
  });

  it('a storm clears when time passes with no event at all (advance), once its rate has stayed low', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(70, 1, ['/bin/bash', 'loop.sh']);
    for (let i = 0; i < 400; i++) s.after(1).fork(3000 + i, 70).exec(3000 + i, ['/bin/date']).after(0.5).exit(3000 + i);
    const { m, alerts } = run(s);
    expect(alerts.map((a) => a.state)).toEqual(['raised']);
    expect(m.advance(s.ts + 0.2e9, 'later')).toEqual([]);
    expect(m.advance(s.ts + 2e9, 'later')).toEqual([]); // low for a second: not yet
    expect(m.advance(s.ts + 5e9, 'later')).toEqual([expect.objectContaining({ kind: 'fork-storm', state: 'cleared', root: 70 })]);
  });

  it('a storm whose rate dips under load and rises again is one storm (hysteresis), not two', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(70, 1, ['/bin/bash', 'loop.sh']);
    let pid = 3000;
    const burst = (n: number) => {
      for (let i = 0; i < n; i++, pid++) s.after(1).fork(pid, 70).exec(pid, ['/bin/date']).after(0.5).exit(pid);
    };
    burst(600);
    s.after(1500); // the machine got busy: no fork for 1.5 s
    burst(600);
    const { alerts } = run(s);
    expect(alerts.map((a) => [a.kind, a.state])).toEqual([['fork-storm', 'raised']]);
  });

  it('a bomb at its limit, losing members and regaining them, stays stalled (the bar does not flip)', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    let next = 1000;
    bomb(s, 999, 1, 8, () => next++);
    const { m } = run(s);
    const clan = m.byPid.get(999)!.clan!;
    const trends = new Set<string | undefined>();
    // At pids.max: every 100 ms some members exit and as many new ones get through, up to
    // 8% of the lineage either way.
    // The CLI moves the model's clock on every 500 ms when nothing happens.
    for (let t = 0.5e9; t <= 3e9; t += 0.5e9) m.advance(s.ts + t, 'later');
    for (let round = 0; round < 40; round++) {
      const alive = [...m.byPid.values()].filter((n) => n.clan === clan && !n.exit).map((n) => n.pid);
      const churn = Math.round(alive.length * (round % 2 ? 0.08 : 0.04));
      const step = new Script();
      step.ts = m.now;
      for (const pid of alive.slice(1, 1 + churn)) step.after(1).exit(pid);
      for (let i = 0; i < churn; i++) step.after(1).fork(next++, alive[alive.length - 1]);
      step.after(100 - 2 * churn > 0 ? 100 - 2 * churn : 1);
      m.apply(step.events);
      m.advance(step.ts, 'later');
      trends.add(m.alerts.current(m.now, m.nowTime)[0]?.trend);
    }
    expect([...trends]).toEqual(['stalled']);
  });

  it('a bomb grows, then stalls at its limit, then shrinks as it is stopped', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    let next = 1000;
    bomb(s, 999, 1, 8, () => next++);
    const { m } = run(s);
    expect(m.alerts.current(m.now, m.nowTime)[0].trend).toBe('growing');
    // The CLI moves the model's clock on every 500 ms when nothing happens.
    for (let t = 0.5e9; t <= 3e9; t += 0.5e9) expect(m.advance(s.ts + t, 'later')).toEqual([]);
    expect(m.alerts.current(m.now, m.nowTime)[0].trend).toBe('stalled');
  });

  it('a bomb whose last exits were lost clears once the rescan after the loss finds none of its members', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    let next = 1000;
    bomb(s, 999, 1, 8, () => next++);
    const { m } = run(s);
    expect(m.alerts.current(m.now, m.nowTime)).toHaveLength(1);
    // Its members died, but those exits were dropped (forktop fell behind); the source
    // rescans /proc: only init is left.
    const after = new Script();
    after.ts = s.ts;
    after.after(100).lost(600);
    after.after(200).push({ type: 'snapshot', pid: 1, ppid: 0, argv: ['/sbin/init'], argv_source: 'proc', comm: 'init', exe: '/sbin/init', cwd: '/', uid: 0, cgroup: '/', start_ts: s.ts - 10e9, start: null, resync: 1 } as never);
    after.push({ type: 'resync', id: 1, count: 1 } as never);
    after.after(200).fork(5, 1);
    expect(m.apply(after.events)).toEqual([expect.objectContaining({ kind: 'fork-bomb', state: 'cleared', live: 0 })]);
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

describe('model: with the limits for alerts only (HEADLESS_CONFIG, the AlertModel\'s) it raises the same alerts', () => {
  it('through a bomb past its limits, a shell loop storm, an exec storm and the bomb stopped', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(50, 1, ['/bin/bash']).snapshot(60, 1, ['/bin/bash']);
    let next = 1000;
    bomb(s, 999, 50, 11, () => next++); // 4,095 members, 2,047 of them exited: past 1,000 tombstones
    for (let i = 0; i < 3000; i++) {
      const pid = next++;
      s.after(3).fork(pid, 60).exec(pid, ['/bin/date', String(i % 5)]).after(0.5).exit(pid, i % 3);
    }
    const [full, headless] = [new Model(), new Model(HEADLESS_CONFIG)];
    const feed = (events: Script['events']) => [full.apply(events), headless.apply(events)];
    const [a, b] = feed(s.events);
    expect(b).toEqual(a);
    expect(a.map((x) => `${x.kind} ${x.state}`)).toEqual(expect.arrayContaining(['fork-bomb raised', 'fork-storm raised']));
    expect(headless.tombstones).toBe(1000);
    // The bomb is stopped: every member still alive exits; then time passes.
    const members = [...full.byPid.values()].filter((n) => !n.exit && n.pid >= 999 && n.comm === 'bomb').map((n) => n.pid);
    expect(members.length).toBeGreaterThan(1000);
    const stop = new Script();
    stop.ts = s.ts;
    for (const pid of members) stop.after(0.1).exit(pid, 0, 9);
    const [c, d] = feed(stop.events);
    expect(d).toEqual(c);
    for (let t = 1; t <= 10; t++) {
      const ts = stop.ts + t * 1e9;
      const later = full.advance(ts, stop.time);
      expect(headless.advance(ts, stop.time)).toEqual(later);
      c.push(...later);
    }
    expect(c.map((x) => `${x.kind} ${x.state}`)).toEqual(expect.arrayContaining(['fork-bomb cleared', 'fork-storm cleared']));
    expect(headless.alerts.current(headless.now, headless.nowTime)).toEqual(full.alerts.current(full.now, full.nowTime));
  });
});
