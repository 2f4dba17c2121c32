import { describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import { chain, children, lifetime, recentExecs } from '../../src/model/queries.js';
import { Script } from '../helpers/script.js';

const latest = (m: Model, pid: number) => m.byPid.get(pid)!;

describe('model: processes and their lifetimes', () => {
  it('builds the tree from fork, exec and exit, with a lifetime log, exit code and duration', () => {
    const s = new Script()
      .snapshot(1, 0, ['/sbin/init'])
      .fork(100, 1).after(1).exec(100, ['/bin/bash', '-c', 'make'])
      .after(2).fork(101, 100).after(1).exec(101, ['/usr/bin/cc', 'a.c'])
      .after(12.5).exit(101, 1);
    const m = new Model();
    m.apply(s.events);
    const cc = latest(m, 101);
    expect(cc.ppid).toBe(100);
    expect(m.node(cc.parentId!)!.pid).toBe(100);
    expect(cc.argv).toEqual(['/usr/bin/cc', 'a.c']);
    expect(cc.exit).toMatchObject({ code: 1, signal: 0, unseen: false });
    expect(lifetime(cc).map((e) => e.kind)).toEqual(['fork', 'exec', 'exit']);
    const [entry] = recentExecs(m, null, 1);
    expect(entry).toMatchObject({ pid: 101, argv: ['/usr/bin/cc', 'a.c'], exitCode: 1, ppid: 100 });
    expect(entry.durationMs).toBeCloseTo(13.5, 6); // from the fork, not the exec
    expect(m.live).toBe(2);
    expect(children(m, latest(m, 100).id).map((n) => n.pid)).toEqual([101]);
  });

  it("a program that replaced another (env, sudo, setpriv exec'ing it) is timed from its own exec; the one it replaced, until then", () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init'])
      .fork(200, 1).after(1).exec(200, ['/usr/bin/setpriv', 'sh'])
      .after(4).exec(200, ['/bin/sh', '-c', 'work'])
      .after(10).exit(200, 0);
    const m = new Model();
    m.apply(s.events);
    const [sh, setpriv] = recentExecs(m, null, 2);
    expect(sh).toMatchObject({ argv: ['/bin/sh', '-c', 'work'], exitCode: 0, followsExec: true });
    expect(sh.durationMs).toBeCloseTo(10, 6);
    expect(setpriv).toMatchObject({ exitCode: null, replacedTs: sh.ts, followsExec: false });
  });

  it('a fork child inherits its parent program until it execs', () => {
    const m = new Model();
    m.apply(new Script().snapshot(50, 1, ['/usr/sbin/sshd', '-D']).fork(51, 50).events);
    expect(latest(m, 51).argv).toEqual(['/usr/sbin/sshd', '-D']);
  });

  it('keeps the spawning parent after reparenting, and the chain up to pid 1 after the middle dies', () => {
    const s = new Script()
      .snapshot(1, 0, ['/sbin/init'])
      .fork(10, 1).exec(10, ['/bin/sh'])
      .after(1).fork(11, 10).after(1).fork(12, 11)
      .after(1).exit(11).after(1).exit(10); // 12 is reparented to init by the kernel
    const m = new Model();
    m.apply(s.events);
    const orphan = latest(m, 12);
    expect(orphan.ppid).toBe(11);
    expect(chain(m, orphan.id).map((l) => l.pid)).toEqual([1, 10, 11, 12]);
    expect(chain(m, orphan.id)[1].node!.exit).not.toBeNull();
  });

  it('pid reuse makes a new process; the old one keeps its history', () => {
    const s = new Script()
      .fork(200, 1).exec(200, ['/bin/first']).after(5).exit(200, 3)
      .after(100).fork(200, 1).exec(200, ['/bin/second']);
    const m = new Model();
    m.apply(s.events);
    const nodes = [...m.nodes.values()].filter((n) => n.pid === 200);
    expect(nodes).toHaveLength(2);
    expect(nodes[0].argv).toEqual(['/bin/first']);
    expect(nodes[0].exit!.code).toBe(3);
    expect(nodes[1].argv).toEqual(['/bin/second']);
    expect(nodes[1].exit).toBeNull();
    expect(latest(m, 200)).toBe(nodes[1]);
  });

  it('a reused pid whose exit was lost: the old process gets "exit unseen"', () => {
    const m = new Model();
    m.apply(new Script().fork(300, 1).after(10).fork(300, 1).events);
    const [old, fresh] = [...m.nodes.values()].filter((n) => n.pid === 300);
    expect(old.exit).toMatchObject({ unseen: true });
    expect(lifetime(old).at(-1)!.kind).toBe('exit-unseen');
    expect(fresh.exit).toBeNull();
    expect(m.live).toBe(1);
  });

  it('an exit or exec that arrives before its fork is merged by timestamp, not arrival order', () => {
    const s = new Script().fork(400, 1);
    const fork = s.events.pop()!;
    s.after(1).exec(400, ['/bin/true', 'x']).after(1).exit(400);
    s.events.push(fork); // arrives last, but happened first
    const m = new Model();
    m.apply(s.events);
    const nodes = [...m.nodes.values()].filter((n) => n.pid === 400);
    expect(nodes).toHaveLength(1);
    expect(nodes[0].seenFrom).toBe('fork');
    expect(nodes[0].ppid).toBe(1);
    expect(lifetime(nodes[0]).map((e) => e.kind)).toEqual(['fork', 'exec', 'exit']);
    expect(m.live).toBe(0);
  });

  it('an exec or exit of an unknown pid creates it, marked seen late', () => {
    const m = new Model();
    m.apply(new Script().exec(500, ['/bin/ls']).exit(501, 0, 9).events);
    expect(latest(m, 500).seenFrom).toBe('late');
    expect(latest(m, 500).argv).toEqual(['/bin/ls']);
    expect(latest(m, 501)).toMatchObject({ seenFrom: 'late', exit: { signal: 9 } });
  });

  it('an exit overtaking the exec still fills the exec entry', () => {
    const s = new Script().fork(600, 1).after(1).exec(600, ['/bin/x']);
    const exec = s.events.pop()!;
    s.after(1).exit(600, 4);
    s.events.push(exec);
    const m = new Model();
    m.apply(s.events);
    expect(recentExecs(m, null, 1)[0]).toMatchObject({ pid: 600, exitCode: 4 });
  });

  it('snapshots make processes known, children linked even when listed before the parent', () => {
    const m = new Model();
    m.apply(new Script().snapshot(1, 0, ['/sbin/init']).snapshot(90, 700, ['/bin/child']).snapshot(700, 1, ['/bin/parent']).events);
    expect(m.node(latest(m, 90).parentId!)!.pid).toBe(700);
    expect(chain(m, latest(m, 90).id).map((l) => l.pid)).toEqual([1, 700, 90]);
    expect(m.roots.has(latest(m, 90).id)).toBe(false);
  });

  it('threads are not processes', () => {
    const m = new Model();
    m.apply(new Script().fork(700, 1).push({ type: 'fork', pid: 700, ppid: 1, tid: 701, ptid: 700 } as never).events);
    expect([...m.nodes.values()].filter((n) => n.pid === 700)).toHaveLength(1);
    expect(m.totals.forks).toBe(1);
  });

  it('uid and comm changes land in the lifetime log and the current facts', () => {
    const m = new Model();
    m.apply(
      new Script().fork(800, 1).exec(800, ['/bin/su'])
        .push({ type: 'uid', pid: 800, ruid: 1000, euid: 1000 } as never)
        .push({ type: 'comm', pid: 800, comm: 'worker' } as never).events,
    );
    const node = latest(m, 800);
    expect(node.uid).toBe(1000);
    expect(node.comm).toBe('worker');
    expect(lifetime(node).map((e) => e.kind)).toEqual(['fork', 'exec', 'uid', 'comm']);
  });

  it('counts lost events and keeps them as marks on the timeline', () => {
    const m = new Model();
    m.apply(new Script().lost(12).after(1000).lost(3).events);
    expect(m.totals.lost).toBe(15);
    expect(m.lossMarks.map((l) => l.count)).toEqual([12, 3]);
  });

  it('a resync after a loss marks vanished processes "exit unseen" and adds unknown ones', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).fork(900, 1).fork(901, 1).after(2000);
    const m = new Model();
    m.apply(s.events);
    const scan = new Script();
    scan.ts = s.ts;
    scan.snapshot(1, 0, ['/sbin/init'], { resync: 1 })
      .snapshot(901, 1, ['/bin/x'], { start_ts: m.byPid.get(901)!.startTs, resync: 1 })
      .snapshot(902, 1, ['/bin/new'], { resync: 1 })
      .push({ type: 'resync', id: 1, count: 3 } as never);
    m.apply(scan.events);
    expect(latest(m, 900).exit).toMatchObject({ unseen: true });
    expect(latest(m, 901).exit).toBeNull();
    expect(latest(m, 902).argv).toEqual(['/bin/new']);
  });

  it('a rescan that listed a process whose exit has already arrived does not bring it back', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).fork(950, 1).after(5).exit(950);
    const m = new Model();
    m.apply(s.events);
    const start = m.byPid.get(950)!.startTs;
    m.apply(new Script().snapshot(950, 1, ['/bin/gone'], { start_ts: start, resync: 2 }).push({ type: 'resync', id: 2, count: 1 } as never).events.map((e) => ({ ...e, ts: s.ts + 1e6 })));
    expect([...m.nodes.values()].filter((n) => n.pid === 950)).toHaveLength(1);
    expect(m.live).toBe(0); // init was not listed by that rescan: exit unseen
  });

  it('an exit that arrives after a rescan marked it "exit unseen" fills in how it ended', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).fork(960, 1).after(2000);
    const m = new Model();
    m.apply(s.events);
    const scan = new Script();
    scan.ts = s.ts;
    scan.snapshot(1, 0, ['/sbin/init'], { resync: 3, start_ts: m.byPid.get(1)!.startTs }).push({ type: 'resync', id: 3, count: 1 } as never);
    scan.after(1).exit(960, 0, 15);
    m.apply(scan.events);
    const nodes = [...m.nodes.values()].filter((n) => n.pid === 960);
    expect(nodes).toHaveLength(1);
    expect(nodes[0].exit).toMatchObject({ signal: 15, unseen: false });
    expect(m.live).toBe(1);
  });

  it('rates over 1 s and 10 s and 60 s of history, from event time only', () => {
    const s = new Script();
    for (let i = 0; i < 50; i++) s.after(20).fork(1000 + i, 1).exec(1000 + i, ['/bin/date']);
    const m = new Model();
    m.apply(s.events); // 50 execs in 1 s
    expect(m.recentExecs.sum(m.now)).toBeGreaterThanOrEqual(45);
    expect(m.execRate.sum(m.now, 10)).toBe(50);
    expect(m.execRate.history(m.now)).toHaveLength(60);
    m.apply(new Script().after(30_000).lost(0).events.map((e) => ({ ...e, ts: m.now + 30e9 })));
    expect(m.recentExecs.sum(m.now)).toBe(0);
  });
});
