// The AlertModel (--json's) against the Model (the screen's): fed the same events, the same
// alerts, batch by batch and tick by tick. Scripted scenes, then random worlds: processes
// forking, exec'ing and exiting, bombs, storms, pid reuse, renames, rescans after a loss,
// events overtaking each other, and several hosts in one stream.
import { describe, expect, it } from 'vitest';
import type { AlertEvent, ForktopEvent } from '../../src/events/schema.js';
import { AlertModel } from '../../src/model/alert-model.js';
import { HEADLESS_CONFIG } from '../../src/model/config.js';
import { Model } from '../../src/model/model.js';
import { bomb, Script } from '../helpers/script.js';

/** A small seeded generator (mulberry32): the same seed, the same world. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PROGRAMS = [['/bin/sh', '-c', 'x'], ['/usr/bin/make', '-j8'], ['/usr/bin/cc', '-c', 'a.c'], ['./bomb'], ['/bin/true']];

/** A random world as batches of events, in (mostly) time order; with host names, one
 *  world per host, merged in time order into one stream. */
export function world(seed: number, steps: number, hostNames: string[] = []): ForktopEvent[][] {
  let events: ForktopEvent[];
  if (hostNames.length === 0) events = happenings(seed, steps);
  else {
    events = [
      ...hostNames.map((host) => ({ type: 'host' as const, time: new Script().time, ts: 1, host, state: 'up' as const, reason: null })),
      ...hostNames.flatMap((host, k) => happenings(seed * 10 + k, steps).map((ev) => ({ ...ev, host }))).sort((a, b) => a.ts - b.ts),
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

function happenings(seed: number, steps: number): ForktopEvent[] {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const s = new Script();
  const live: number[] = [];
  let nextPid = 100;
  let rescans = 0;
  const newPid = (): number => {
    // Pids wrap within a few thousand: reuse is common, as on a busy machine.
    do nextPid = nextPid >= 3000 ? 100 : nextPid + 1;
    while (live.includes(nextPid));
    return nextPid;
  };
  const exit = (pid: number, signal = 0) => {
    live.splice(live.indexOf(pid), 1);
    s.exit(pid, signal ? 0 : Math.floor(rnd() * 3), signal);
  };
  // A scan at start: children listed before their parents too.
  const boot: [number, number, string[]][] = [[1, 0, ['/sbin/init']]];
  for (let pid = 10; pid < 20; pid++) boot.push([pid, pid < 14 ? 1 : 10 + (pid % 4), pick(PROGRAMS)]);
  for (const [pid, ppid, argv] of boot.sort(() => rnd() - 0.5)) {
    s.snapshot(pid, ppid, argv);
    live.push(pid);
  }
  for (let step = 0; step < steps; step++) {
    s.after(rnd() < 0.01 ? 2000 + rnd() * 4000 : rnd() * 5);
    const r = rnd();
    const someone = pick(live);
    if (r < 0.3) {
      const pid = newPid();
      s.fork(pid, someone);
      live.push(pid);
    } else if (r < 0.42) {
      s.exec(someone, pick(PROGRAMS));
    } else if (r < 0.45) {
      s.exec(someone, pick(PROGRAMS), { ret: -2 });
    } else if (r < 0.68) {
      if (someone !== 1 && live.length > 5) exit(someone);
    } else if (r < 0.7) {
      // A bomb: every member forks two and exits; some are killed at the end, or not.
      const root = newPid();
      s.fork(root, someone).exec(root, ['./bomb']);
      live.push(root);
      let layer = [root];
      for (let g = 0; g < 4 + Math.floor(rnd() * 5) && layer.length < 300; g++) {
        const next: number[] = [];
        for (const pid of layer) {
          for (let k = 0; k < 2; k++) {
            const child = newPid();
            s.after(rnd()).fork(child, pid);
            live.push(child);
            next.push(child);
          }
          if (rnd() < 0.8) exit(pid);
        }
        layer = next;
      }
      if (rnd() < 0.5) for (const pid of layer) if (live.includes(pid)) exit(pid, 9);
    } else if (r < 0.72) {
      // A storm: one process spawning children that exec and exit (a make or a shell from
      // the start, mostly: a bomb's member that spawns is part of its bomb).
      const booted = live.filter((pid) => pid < 100);
      const spawner = booted.length > 0 && rnd() < 0.8 ? pick(booted) : someone;
      for (let i = 0; i < 100 + rnd() * 400; i++) {
        const pid = newPid();
        s.after(rnd() * 4).fork(pid, spawner);
        live.push(pid);
        s.exec(pid, pick(PROGRAMS));
        if (rnd() < 0.9) exit(pid);
      }
    } else if (r < 0.75) {
      s.push({ type: 'comm', pid: someone, comm: pick(['worker', 'bomb', 'sh']) });
    } else if (r < 0.77) {
      s.push({ type: 'uid', pid: someone, ruid: 0, euid: 1000 });
    } else if (r < 0.78) {
      // Events were lost: a rescan lists what runs (not a few that exited meanwhile).
      const id = ++rescans;
      s.lost(1 + Math.floor(rnd() * 50));
      let count = 0;
      for (const pid of [...live]) {
        if (pid !== 1 && rnd() < 0.05) {
          live.splice(live.indexOf(pid), 1);
          continue;
        }
        s.snapshot(pid, rnd() < 0.9 ? 1 : pick(live), pick(PROGRAMS), { resync: id });
        count++;
      }
      s.push({ type: 'resync', id, count });
    } else if (r < 0.79) {
      // Seen late: an exit or exec of a process whose fork was lost.
      const pid = newPid();
      if (rnd() < 0.5) s.exit(pid);
      else {
        s.exec(pid, pick(PROGRAMS));
        live.push(pid);
      }
    } else if (r < 0.8 && s.events.length > 2) {
      // One event overtook the one before it (another CPU's).
      const n = s.events.length;
      [s.events[n - 2], s.events[n - 1]] = [s.events[n - 1], s.events[n - 2]];
    }
  }
  return s.events;
}

/** Feeds both models, with clock ticks between batches; returns the alerts each raised. */
export function compare(batches: ForktopEvent[][], reference: Model, lean = new AlertModel(HEADLESS_CONFIG)): { alerts: AlertEvent[]; lean: AlertModel } {
  const all: AlertEvent[] = [];
  for (const batch of batches) {
    const expected = reference.apply(batch);
    expect(lean.apply(batch)).toEqual(expected);
    all.push(...expected);
    const tick = reference.now + 5e8;
    const later = reference.advance(tick, reference.nowTime);
    expect(lean.advance(tick, reference.nowTime)).toEqual(later);
    all.push(...later);
  }
  expect(lean.alerts.current(lean.now, lean.nowTime)).toEqual(reference.alerts.current(reference.now, reference.nowTime));
  // Then ten quiet seconds: what is over clears.
  for (let t = 1; t <= 10; t++) {
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

  it('through random worlds (seeded), against the Model with its --json limits and with its defaults', () => {
    const raised: string[] = [];
    for (let seed = 1; seed <= 12; seed++) {
      for (const reference of [new Model(HEADLESS_CONFIG), new Model()]) {
        const { alerts, lean } = compare(world(seed, 3000), reference);
        raised.push(...alerts.map((a) => `${a.kind} ${a.state}`));
        // With the same limits, it finds by pid exactly the processes the Model does.
        if (reference.config.maxTombstones === HEADLESS_CONFIG.maxTombstones) expect(lean.size).toBe(reference.byPid.size);
      }
    }
    // The worlds do raise and clear alerts of both kinds, or they would prove nothing.
    for (const what of ['fork-bomb raised', 'fork-bomb cleared', 'fork-storm raised', 'fork-storm cleared']) {
      expect(raised.filter((r) => r === what).length).toBeGreaterThan(50);
    }
  });

  it('through random worlds of three hosts in one stream', () => {
    const raised: (string | undefined)[] = [];
    for (let seed = 100; seed <= 104; seed++) {
      const reference = new Model(HEADLESS_CONFIG);
      const { alerts, lean } = compare(world(seed, 2000, ['a', 'b', 'c']), reference);
      raised.push(...alerts.map((a) => a.host));
      expect(lean.size).toBe(reference.byPid.size);
    }
    for (const host of ['a', 'b', 'c']) expect(raised.filter((h) => h === host).length).toBeGreaterThan(20);
  });
});
