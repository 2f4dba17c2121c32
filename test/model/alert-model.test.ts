// The AlertModel (--json's) against the Model (the screen's): fed the same events, the same
// alerts, batch by batch and tick by tick. Scripted scenes, then random worlds: processes
// forking, exec'ing and exiting, bombs, storms, pid reuse, renames, rescans after a loss,
// events overtaking each other, and several hosts in one stream.
import { describe, expect, it } from 'vitest';
import type { AlertEvent, ForktopEvent } from '../../src/events/schema.js';
import { AlertModel } from '../../src/model/alert-model.js';
import { HEADLESS_CONFIG } from '../../src/model/config.js';
import { Model } from '../../src/model/model.js';
import { childCount } from '../../src/model/process-node.js';
import { prng as random } from '../helpers/prng.js';
import { PackedBatch } from '../../src/events/packed.js';
import { packable, packedBatch } from '../helpers/packed.js';
import { bomb, Script } from '../helpers/script.js';

const PROGRAMS = [['/bin/sh', '-c', 'x'], ['/usr/bin/make', '-j8'], ['/usr/bin/cc', '-c', 'a.c'], ['./bomb'], ['/bin/true']];

/** A random world as batches of events, in (mostly) time order; with host names, one
 *  world per host, merged in time order into one stream. */
export function world(seed: number, steps: number, options: { hosts?: string[]; longArgs?: boolean } = {}): ForktopEvent[][] {
  const hosts = options.hosts ?? [];
  let events: ForktopEvent[];
  if (hosts.length === 0) events = happenings(seed, steps, options.longArgs === true);
  else {
    events = [
      ...hosts.map((host) => ({ type: 'host' as const, time: new Script().time, ts: 1, host, state: 'up' as const, reason: null })),
      ...hosts.flatMap((host, k) => happenings(seed * 10 + k, steps, false).map((ev) => ({ ...ev, host }))).sort((a, b) => a.ts - b.ts),
    ];
  }
  const rnd = random(seed);
  const batches: ForktopEvent[][] = [];
  for (let i = 0; i < events.length; ) {
    const n = 1 + Math.floor(rnd() * 200);
    batches.push(events.slice(i, i + n));
    i += n;
  }
  return batches;
}

function happenings(seed: number, steps: number, longArgs: boolean): ForktopEvent[] {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const program = (): string[] => (longArgs && rnd() < 0.3 ? ['/usr/bin/cc', '-I' + 'x'.repeat(Math.floor(rnd() * 4000))] : pick(PROGRAMS));
  const s = new Script();
  const live: number[] = [];
  /** When each live process started (its fork), as /proc would give it to a rescan. */
  const started = new Map<number, number>();
  /** Processes that exited lately, and ones a rescan missed (their exit may come yet). */
  let exited: number[] = [];
  let missed: number[] = [];
  let nextPid = 100;
  let rescans = 0;
  const newPid = (): number => {
    // Pids wrap within a few thousand: reuse is common, as on a busy machine.
    do nextPid = nextPid >= 3000 ? 100 : nextPid + 1;
    while (live.includes(nextPid));
    return nextPid;
  };
  const fork = (pid: number, ppid: number) => {
    s.fork(pid, ppid);
    live.push(pid);
    started.set(pid, s.ts);
  };
  const exit = (pid: number, signal = 0) => {
    live.splice(live.indexOf(pid), 1);
    exited.push(pid);
    if (exited.length > 50) exited = exited.slice(-20);
    s.exit(pid, signal ? 0 : Math.floor(rnd() * 3), signal);
  };
  // A scan at start, in an order of its own: children listed before their parents too.
  const boot: [number, number, string[]][] = [[1, 0, ['/sbin/init']]];
  for (let pid = 10; pid < 20; pid++) boot.push([pid, pid < 14 ? 1 : 10 + (pid % 4), pick(PROGRAMS)]);
  for (let i = boot.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [boot[i], boot[j]] = [boot[j], boot[i]];
  }
  for (const [pid, ppid, argv] of boot) {
    s.snapshot(pid, ppid, argv);
    live.push(pid);
    started.set(pid, s.ts - 1e9);
  }
  for (let step = 0; step < steps; step++) {
    s.after(rnd() < 0.01 ? 2000 + rnd() * 4000 : rnd() * 5);
    const r = rnd();
    const someone = pick(live);
    // Now and then about a process that is gone, or one never seen.
    const anyone = rnd() < 0.7 ? someone : rnd() < 0.5 && exited.length > 0 ? pick(exited) : 5000 + Math.floor(rnd() * 100);
    if (r < 0.3) {
      fork(newPid(), someone);
    } else if (r < 0.42) {
      s.exec(someone, program());
    } else if (r < 0.45) {
      s.exec(someone, program(), { ret: -2 });
    } else if (r < 0.66) {
      if (someone !== 1 && live.length > 5) exit(someone);
    } else if (r < 0.68) {
      // A bomb: every member forks two and exits; some are killed at the end, or not.
      const root = newPid();
      fork(root, someone);
      s.exec(root, ['./bomb']);
      let layer = [root];
      for (let g = 0; g < 4 + Math.floor(rnd() * 5) && layer.length < 300; g++) {
        const next: number[] = [];
        for (const pid of layer) {
          for (let k = 0; k < 2; k++) {
            const child = newPid();
            s.after(rnd());
            fork(child, pid);
            next.push(child);
          }
          if (rnd() < 0.8) exit(pid);
        }
        layer = next;
      }
      // Most are stopped (killed), a few left running.
      if (rnd() < 0.9) for (const pid of layer) if (live.includes(pid)) exit(pid, 9);
    } else if (r < 0.7) {
      // A storm: one process spawning children that exec and exit (a make or a shell from
      // the start, mostly: a bomb's member that spawns is part of its bomb).
      const booted = live.filter((pid) => pid < 100);
      const spawner = booted.length > 0 && rnd() < 0.8 ? pick(booted) : someone;
      for (let i = 0; i < 100 + rnd() * 400; i++) {
        const pid = newPid();
        s.after(rnd() * 4);
        fork(pid, spawner);
        s.exec(pid, program());
        if (rnd() < 0.9) exit(pid);
      }
    } else if (r < 0.72) {
      s.push({ type: 'comm', pid: anyone, comm: pick(['worker', 'bomb', 'sh']) });
    } else if (r < 0.73) {
      s.push({ type: 'uid', pid: anyone, ruid: 0, euid: 1000 });
    } else if (r < 0.74) {
      s.push(pick([
        { type: 'gid', pid: anyone, rgid: 0, egid: 1000 },
        { type: 'sid', pid: anyone },
        { type: 'ptrace', pid: anyone, tracer: someone },
        { type: 'coredump', pid: anyone, ppid: 1 },
      ] as const));
    } else if (r < 0.75) {
      // A thread: not a process.
      s.push({ type: 'fork', pid: someone, ppid: pick(live), tid: 6000 + Math.floor(rnd() * 100) });
    } else if (r < 0.76) {
      // Events were lost: a rescan lists what runs (with its start time from /proc, or a
      // start that does not match: the pid was reused meanwhile), not a few that exited
      // unseen, whose exits may still come; and one that just exited, listed before it did.
      const id = ++rescans;
      s.lost(1 + Math.floor(rnd() * 50));
      let count = 0;
      for (const pid of [...live]) {
        if (pid !== 1 && rnd() < 0.05) {
          live.splice(live.indexOf(pid), 1);
          missed.push(pid);
          continue;
        }
        const start = rnd() < 0.8 ? (started.get(pid) ?? null) : null;
        // Its parent: init mostly, a live one, or one never seen (it waits for it).
        const ppid = rnd() < 0.85 ? 1 : rnd() < 0.7 ? pick(live) : 7000 + Math.floor(rnd() * 20);
        s.snapshot(pid, ppid, pick(PROGRAMS), { resync: id, start_ts: start });
        count++;
      }
      // Processes whose forks were among the lost: new to the models, their parent too at times.
      for (let k = Math.floor(rnd() * 4); k > 0; k--) {
        const pid = newPid();
        s.snapshot(pid, rnd() < 0.5 ? 7000 + Math.floor(rnd() * 20) : pick(live), pick(PROGRAMS), { resync: id, start_ts: s.ts - 1e6 });
        live.push(pid);
        started.set(pid, s.ts - 1e6);
        count++;
      }
      if (exited.length > 0) {
        const pid = pick(exited);
        s.snapshot(pid, 1, pick(PROGRAMS), { resync: id, start_ts: started.get(pid) ?? null });
      }
      s.push({ type: 'resync', id, count });
    } else if (r < 0.77 && missed.length > 0) {
      // The exit of a process a rescan found gone arrives after all.
      s.exit(missed.shift()!);
    } else if (r < 0.775) {
      // Seen late: an exit or exec of a process whose fork was lost.
      const pid = newPid();
      if (rnd() < 0.5) s.exit(pid);
      else {
        s.exec(pid, pick(PROGRAMS));
        live.push(pid);
      }
    } else if (r < 0.79) {
      // An exec, then the exit: the exit's report reached us first.
      if (someone !== 1 && live.length > 5) {
        s.exec(someone, program());
        const exec = s.events.pop()!;
        s.after(0.01);
        exit(someone);
        s.events.push(exec);
      }
    } else if (r < 0.8 && s.events.length > 2) {
      // One event overtook the one before it (another CPU's).
      const n = s.events.length;
      [s.events[n - 2], s.events[n - 1]] = [s.events[n - 1], s.events[n - 2]];
    }
  }
  return s.events;
}

/** What both models know of each process they find by pid, as comparable rows. */
function stateOf(reference: Model, lean: AlertModel): [string[], string[]] {
  const row = (pid: number, exit: { unseen?: boolean } | null, generation: number, live: number, kept: number, clanLive: number | undefined, expired: boolean) =>
    `${pid} ${exit ? (exit.unseen ? 'unseen' : 'exited') : 'live'} g${generation} c${live}/${kept} clan${clanLive ?? '-'} ${expired ? 'expired' : ''}`;
  const a = [...reference.byPid.values()].map((n) => row(n.pid, n.exit, n.generation, n.liveChildren, childCount(n), n.clan?.live, n.expired));
  type Member = { pid: number; exit: { unseen: boolean } | null; generation: number; liveChildren: number; keptChildren: number; clan: { live: number } | null; expired: boolean };
  const members = (lean as unknown as { byPid: Map<number, Member> }).byPid;
  const b = [...members.values()].sort((x, y) => x.pid - y.pid).map((n) => row(n.pid, n.exit, n.generation, n.liveChildren, n.keptChildren, n.clan?.live, n.expired));
  // And the scanned processes still waiting for their parent, by parent pid.
  const waiting = (model: object) => [...(model as { waitingForParent: Map<number, unknown[]> }).waitingForParent]
    .map(([ppid, list]) => `${ppid} waited for by ${list.length}`).sort();
  return [[...a, ...waiting(reference)], [...b, ...waiting(lean)]];
}

/** Feeds both models, with clock ticks between batches; returns the alerts each raised.
 *  With the same limits, what they hold of each process must agree after every batch too. */
export function compare(
  batches: ForktopEvent[][], reference: Model, lean = new AlertModel(HEADLESS_CONFIG), quietAfter = true,
  /** The AlertModel's batches as the eBPF source hands them on (where it could have packed them). */
  packed = false,
): { alerts: AlertEvent[]; lean: AlertModel } {
  const sameLimits = reference.config.maxTombstones === lean.config.maxTombstones && reference.config.maxTombstoneText === lean.config.maxTombstoneText;
  const all: AlertEvent[] = [];
  for (const [i, batch] of batches.entries()) {
    const expected = reference.apply(batch);
    const fed = packed && batch.every(packable) ? packedBatch(batch) : batch;
    expect(lean.apply(fed)).toEqual(expected);
    if (fed instanceof PackedBatch) expect(fed.isDecoded).toBe(false); // read in place, not as objects
    all.push(...expected);
    // The clock ticks between batches, up to the next one's time (as the CLI's does while
    // nothing comes), so time never runs ahead of the events.
    const next = batches[i + 1]?.[0]?.ts ?? Infinity;
    const tick = Math.min(reference.now + 5e8, next - 1);
    const later = reference.advance(tick, reference.nowTime);
    expect(lean.advance(tick, reference.nowTime)).toEqual(later);
    all.push(...later);
    if (sameLimits && (i % 4 === 0 || i === batches.length - 1)) {
      const [a, b] = stateOf(reference, lean);
      expect(b).toEqual(a);
    }
  }
  expect(lean.alerts.current(lean.now, lean.nowTime)).toEqual(reference.alerts.current(reference.now, reference.nowTime));
  // Then ten quiet seconds: what is over clears.
  for (let t = 1; t <= (quietAfter ? 10 : 0); t++) {
    const tick = reference.now + 1e9;
    const later = reference.advance(tick, reference.nowTime);
    expect(lean.advance(tick, reference.nowTime)).toEqual(later);
    all.push(...later);
  }
  return { alerts: all, lean };
}

describe('AlertModel: the same alerts as the Model', () => {
  it('through a bomb past the tombstone limits, a storm, and the bomb stopped', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(50, 1, ['/bin/bash']).snapshot(60, 1, ['/bin/bash']);
    let next = 1000;
    bomb(s, 999, 50, 11, () => next++);
    for (let i = 0; i < 3000; i++) {
      const pid = next++;
      s.after(3).fork(pid, 60).exec(pid, ['/bin/date', String(i % 5)]).after(0.5).exit(pid, i % 3);
    }
    const full = new Model();
    const stop = new Script();
    stop.ts = s.ts;
    const { alerts, lean } = compare([s.events], full);
    const members = [...full.byPid.values()].filter((n) => !n.exit && n.pid >= 999 && n.comm === 'bomb').map((n) => n.pid);
    expect(members.length).toBeGreaterThan(1000);
    for (const pid of members) stop.after(0.1).exit(pid, 0, 9);
    alerts.push(...compare([stop.events], full, lean).alerts);
    expect(alerts.map((a) => `${a.kind} ${a.state}`)).toEqual(expect.arrayContaining(['fork-bomb raised', 'fork-storm raised', 'fork-bomb cleared', 'fork-storm cleared']));
    // What it holds is bounded as the Model's is: live processes, 1,000 tombstones, and
    // exited ancestors kept for their children.
    expect(lean.size).toBeLessThanOrEqual(full.live + 1000 + 5000);
  });

  it('through random worlds (seeded), holding what it knows of each process to the Model after every batch', () => {
    const raised: string[] = [];
    for (let seed = 1; seed <= 8; seed++) {
      const { alerts } = compare(world(seed, 3000), new Model(HEADLESS_CONFIG));
      raised.push(...alerts.map((a) => `${a.kind} ${a.state}`));
    }
    // The worlds do raise and clear alerts of both kinds, or they would prove nothing.
    for (const what of ['fork-bomb raised', 'fork-bomb cleared', 'fork-storm raised', 'fork-storm cleared']) {
      expect(raised.filter((r) => r === what).length).toBeGreaterThan(20);
    }
  });

  it('through random worlds (seeded) fed as the eBPF source packs its batches: forks, execs and exits read in place', () => {
    let readInPlace = 0;
    let raised = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const batches = world(seed, 2500);
      for (const batch of batches.filter((b) => b.every(packable))) readInPlace += batch.filter((ev) => ev.type === 'fork' || ev.type === 'exec' || ev.type === 'exit').length;
      const { alerts } = compare(batches, new Model(HEADLESS_CONFIG), undefined, true, true);
      raised += alerts.filter((a) => a.state === 'raised').length;
    }
    // Most forks, execs and exits went through the packed path, bombs and storms among them.
    expect(readInPlace).toBeGreaterThan(7500);
    expect(raised).toBeGreaterThan(0);
  });

  it("takes a packed exec's facts as it takes the event's: its name from argv where comm is unread, its start time, cwd and cgroup kept where unread", () => {
    type Facts = { argv: string[] | null; comm: string | null; exe: string | null; cwd: string | null; cgroup: string | null };
    const factsOf = (model: AlertModel, pid: number) => {
      const node = (model as unknown as { byPid: Map<number, { facts: Facts; startTs: number | null }> }).byPid.get(pid)!;
      return { ...node.facts, startTs: node.startTs };
    };
    const s = new Script().fork(100, 1);
    const forked = s.ts;
    s.after(1).exec(100, ['/usr/bin/a-very-long-program-name', '-v'], { comm: null, start_ts: forked, cwd: '/srv', cgroup: '/a.slice' });
    const first = s.events.length;
    s.after(1).exec(100, ['/nonexistent'], { ret: -2, comm: null, cwd: '/tmp' });
    s.after(1).exec(100, ['/bin/sh', '-c', 'x'], { comm: null, exe: null, cwd: null, cgroup: null });
    // A process whose fork was not seen: its start time is the exec's reading.
    s.exec(200, ['/bin/true'], { start_ts: forked - 1e9 });
    const objects = new AlertModel(HEADLESS_CONFIG);
    const packed = new AlertModel(HEADLESS_CONFIG);
    for (const [from, to] of [[0, first], [first, s.events.length]]) {
      const batch = s.events.slice(from, to);
      objects.apply(batch);
      packed.apply(packedBatch(batch));
      expect(factsOf(packed, 100)).toEqual(factsOf(objects, 100));
      if (from === 0) expect(factsOf(packed, 100).comm).toBe('a-very-long-pro');
    }
    expect(factsOf(packed, 100)).toMatchObject({ argv: ['/bin/sh', '-c', 'x'], comm: 'sh', exe: null, cwd: '/srv', cgroup: '/a.slice', startTs: forked });
    expect(factsOf(packed, 200)).toEqual(factsOf(objects, 200));
    expect(factsOf(packed, 200).startTs).toBe(forked - 1e9);
  });

  it('through random worlds with long command lines, past the tombstones\' text limit', () => {
    const limits = { ...HEADLESS_CONFIG, maxTombstoneText: 50_000 };
    for (let seed = 20; seed <= 22; seed++) {
      const reference = new Model(limits);
      compare(world(seed, 3000, { longArgs: true }), reference, new AlertModel(limits), false);
      expect(reference.tombstoneText).toBeGreaterThan(25_000);
      expect(reference.tombstones).toBeLessThan(1000); // the text, not the count, decided
    }
  });

  it('through random worlds of three hosts in one stream', () => {
    const raised: string[] = [];
    for (let seed = 100; seed <= 102; seed++) {
      const { alerts } = compare(world(seed, 1500, { hosts: ['a', 'b', 'c'] }), new Model(HEADLESS_CONFIG));
      raised.push(...alerts.map((a) => `${a.host} ${a.kind}`));
    }
    for (const host of ['a', 'b', 'c']) {
      for (const kind of ['fork-bomb', 'fork-storm']) expect(raised.filter((r) => r === `${host} ${kind}`).length).toBeGreaterThan(5);
    }
  });

  it('lets go of what it removed: a chain of processes each forking and exiting stays bounded', () => {
    // A pid-walking loop, or a daemon forking away from its parent again and again.
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    let pid = 100;
    s.fork(pid, 1);
    for (let i = 0; i < 20_000; i++, pid++) s.after(0.05).fork(pid + 1, pid).exit(pid);
    const lean = new AlertModel(HEADLESS_CONFIG);
    lean.apply(s.events);
    const members = (lean as unknown as { byPid: Map<number, { parent: unknown }> }).byPid;
    let chain = 0;
    for (let m = members.get(pid) as { parent: unknown } | null | undefined; m; m = m.parent as typeof m) chain++;
    // The live one, its exited ancestors kept (1,000 tombstones, 5,000 retained), and at
    // most one removed one it still points to.
    expect(chain).toBeLessThanOrEqual(1 + 1000 + 5000 + 1);
    expect(chain).toBeGreaterThan(1000);
  });
});
