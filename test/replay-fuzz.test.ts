// Fuzzing the replay path: a valid recording, its lines mutated field by field (wrong types,
// huge numbers, NaN-ish strings, negatives, nested objects, giant strings, self-parenting,
// reordering) and random ones, through validation, the model and every query the screen
// makes. Seeded: a failure names its seed and replays the same.
import { describe, expect, it } from 'vitest';
import type { ForktopEvent } from '../src/events/schema.js';
import { TsSpan, validateEvent } from '../src/events/validate.js';
import { lineage, stopRoots } from '../src/model/lineage.js';
import { Model } from '../src/model/model.js';
import {
  cardChildren, chain, childPrograms, children, compileFilter, execStream, execStreamIndex, execStreamLength, foldedExecs, headerStats,
  isDescendant, lifetime, siblingsOf, spawnerCount, streamAnchor, topLineages, topSpawners, treeFilter, treeRowIndex, treeRows, TreeMemo,
} from '../src/model/queries.js';
import { prng } from './helpers/prng.js';
import { bomb, Script } from './helpers/script.js';

/** A valid recording with every event type, pid reuse, a bomb, a storm and a resync. */
function fixture(): ForktopEvent[] {
  const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(2, 0, ['kthreadd']).snapshot(300, 1, ['/bin/bash'], { uid: 1000 });
  let pid = 1000;
  for (let i = 0; i < 30; i++) {
    const p = pid++;
    s.after(1).fork(p, 300).exec(p, ['/usr/bin/make', `-j${i}`]).push({ type: 'comm', pid: p, comm: 'make' });
    s.push({ type: 'uid', pid: p, ruid: 1000, euid: 0 }).push({ type: 'gid', pid: p, rgid: 1000, egid: 0 });
    s.push({ type: 'exec', pid: p, ppid: 300, argv: ['nope'], argv_source: 'kernel', comm: null, exe: '/usr/bin/nope', cwd: '/', uid: 1000, cgroup: '/', start_ts: null, start: null, ret: -2 });
    if (i % 3 === 0) s.after(2).exit(p, i % 2, i % 5 === 0 ? 9 : 0);
  }
  bomb(s, 5000, 300, 5, () => pid++);
  s.lost(12).push({ type: 'sid', pid: 300 }).push({ type: 'ptrace', pid: 1001, tracer: 300 }).push({ type: 'coredump', pid: 1002, ppid: 300 });
  s.push({ type: 'snapshot', pid: 300, ppid: 1, argv: ['/bin/bash'], argv_source: 'proc', comm: 'bash', exe: '/bin/bash', cwd: '/', uid: 1000, cgroup: '/', start_ts: null, start: null, resync: 1 });
  s.push({ type: 'resync', id: 1, count: 1 });
  s.push({ type: 'alert', kind: 'fork-storm', state: 'raised', root: 300, rate: 250, live: 3, generations: 1, comm: 'bash' });
  for (let i = 0; i < 20; i++) s.after(0.1).fork(1001, 300).exit(1001); // pid reuse
  return s.events;
}

const WEIRD: unknown[] = [
  null, true, false, 0, -1, 1, 2, 1.5, -0.5, 1e25, -1e25, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 4194304, 4194305, 4294967295, 4294967296,
  'NaN', 'Infinity', '-1', '', '0x10', 'x'.repeat(70_000), '\u001b[2J\u202e', [], [1], ['a', 2], [[]], {}, { a: { b: 1 } },
  new Array(1000).fill('x'), '2026-11-23T12:00:00Z', 'kernel', 'fork-bomb', 'raised',
];

function mutate(event: Record<string, unknown>, rnd: () => number, pick: <T>(list: readonly T[]) => T): unknown {
  const e = structuredClone(event);
  const keys = Object.keys(e);
  switch (Math.floor(rnd() * 8)) {
    case 0: // one field, a weird value
      e[pick(keys)] = pick(WEIRD);
      return e;
    case 1: // self-parenting, or a parent that is a known pid
      e.ppid = rnd() < 0.5 ? e.pid : pick([1, 2, 300, 1000, 5000, 0]);
      return e;
    case 2: // a field dropped
      delete e[pick(keys)];
      return e;
    case 3: // another type, same fields
      e.type = pick(['fork', 'exec', 'exit', 'comm', 'uid', 'gid', 'sid', 'ptrace', 'coredump', 'lost', 'snapshot', 'resync', 'alert']);
      return e;
    case 4: // time moved: far, near, back
      e.ts = (e.ts as number) + pick([-1e12, -61e9, -1e9, 1, 5e9, 86_399e9, 86_401e9, 1e18]);
      return e;
    case 5: // a pid moved to another valid one (out-of-order and cross-linked events)
      e.pid = pick([1, 2, 3, 300, 1000, 1001, 5000, 4194304]);
      return e;
    case 6: // nested junk
      return pick([[e], { event: e }, 'string', 42, null]);
    default: // several at once
      for (let k = 0; k < 3; k++) e[pick(keys)] = pick(WEIRD);
      return e;
  }
}

/** Every query the screen makes, and the model's invariants. */
function checkModel(m: Model, rnd: () => number): void {
  expect(m.live).toBeGreaterThanOrEqual(0);
  // Every node reachable from a root exactly once: no loops, none lost.
  const seen = new Set<number>();
  const stack = [...m.roots];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const node = m.node(id);
    if (!node) continue;
    expect(seen.has(id)).toBe(false);
    seen.add(id);
    for (const child of node.childIds) if (m.node(child)?.parentId === id) stack.push(child);
  }
  for (const node of m.nodes.values()) expect(seen.has(node.id), `node ${node.id} (pid ${node.pid}) reachable`).toBe(true);
  expect(m.live, 'live count').toBe([...m.nodes.values()].filter((n) => !n.exit).length);

  // Unfolded (a folded run hides what its members spawned), the tree lists every node once.
  const all = new Set(m.nodes.keys());
  const shown = treeRows(m, { unfolded: all }, 0, 10_000).map((r) => r.node.id);
  expect(new Set(shown).size, 'nodes the tree shows').toBe(shown.length);
  expect(shown.length, 'nodes the tree shows').toBe(m.nodes.size);
  const rows = treeRows(m, { memo: new TreeMemo() }, 0, 10_000);
  treeRows(m, { asOf: m.now - 5e8, collapsed: new Set([rows[0]?.node.id ?? 0]) }, 0, 50);
  const matcher = compileFilter(m, { text: 'make', uid: 1000, failedOnly: rnd() < 0.5, state: rnd() < 0.5 ? 'live' : 'exited' });
  const filter = treeFilter(m, matcher);
  treeRows(m, { filter }, 0, 100);
  execStream(m, matcher, 50);
  execStream(m, null, 50, 5);
  const length = execStreamLength(m, null);
  const some = execStream(m, null, 1, Math.floor(rnd() * Math.max(1, length)));
  if (some[0]) expect(execStreamIndex(m, null, streamAnchor(some[0]))).toBeGreaterThanOrEqual(0);
  foldedExecs(m, null, 50);
  foldedExecs(m, matcher, 50);
  topSpawners(m, 20);
  spawnerCount(m);
  topLineages(m, 20);
  const stats = headerStats(m);
  expect(stats.live).toBeGreaterThanOrEqual(0);
  expect(stats.execHistory).toHaveLength(60);
  const nodes = [...m.nodes.values()];
  for (let k = 0; k < 10 && nodes.length > 0; k++) {
    const node = nodes[Math.floor(rnd() * nodes.length)];
    const links = chain(m, node.id);
    expect(links[links.length - 1].node).toBe(node);
    children(m, node.id);
    cardChildren(m, node.id, 8);
    siblingsOf(m, node);
    lifetime(node);
    childPrograms(m, node, 2);
    lineage(m, [node.id]);
    stopRoots(m, node, (n) => (n.pid === 1 ? 'pid 1' : null), true);
    isDescendant(m, node.id, nodes[0].id);
    expect(treeRowIndex(m, { unfolded: all }, node.id)).toBeGreaterThanOrEqual(0);
    treeRowIndex(m, {}, node.id);
    compileFilter(m, { subtreeOf: node.id }).node(node);
  }
}

describe('replay fuzz: mutated and random lines through validate → model → queries', () => {
  it('never throws, and the model keeps its invariants', () => {
    const base = fixture();
    for (const e of base) expect(validateEvent(structuredClone(e)).problem).toBeUndefined();
    const deadline = Date.now() + 6_000;
    let seed = 1;
    let accepted = 0;
    let refused = 0;
    for (; Date.now() < deadline; seed++) {
      const rnd = prng(seed);
      const pick = <T,>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
      const model = new Model({ maxTombstones: 50, maxRetainedAncestors: 20, execRingSize: 200, maxLogEntries: 8 });
      const span = new TsSpan();
      try {
        for (let i = 0; i < base.length; i++) {
          let value: unknown = structuredClone(base[i]);
          const r = rnd();
          if (r < 0.25) value = mutate(value as Record<string, unknown>, rnd, pick);
          else if (r < 0.3) value = base[Math.floor(rnd() * base.length)]; // replayed out of order
          // Through text, as a replay reads it (a giant string survives the round trip).
          let parsed: unknown;
          try {
            parsed = JSON.parse(JSON.stringify(value) ?? 'null');
          } catch {
            continue;
          }
          const checked = validateEvent(parsed);
          const problem = checked.problem ?? span.take(checked.event!.ts);
          if (problem) {
            expect(typeof problem).toBe('string');
            refused++;
            continue;
          }
          accepted++;
          model.apply([checked.event!]);
          if (rnd() < 0.02) model.advance(model.now + Math.floor(rnd() * 2e9), '2026-11-23T12:00:00.000000Z');
          if (i % 97 === 0) checkModel(model, rnd);
        }
        checkModel(model, rnd);
      } catch (error) {
        throw new Error(`seed ${seed}: ${(error as Error).message}`, { cause: error });
      }
    }
    expect(seed).toBeGreaterThan(3);
    expect(accepted).toBeGreaterThan(1000);
    expect(refused).toBeGreaterThan(100);
  }, 30_000);

  it('a chain 30,000 deep (each process forked by the one before) lists and walks without overflowing the stack', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    for (let pid = 2; pid <= 30_001; pid++) s.fork(pid + 10, pid === 2 ? 1 : pid + 9);
    const m = new Model();
    m.apply(s.events);
    const rows = treeRows(m, {}, 29_990, 20);
    expect(rows.at(-1)!.depth).toBe(30_000);
    expect(treeRowIndex(m, {}, m.byPid.get(30_011)!.id)).toBe(30_000);
    expect(chain(m, m.byPid.get(30_011)!.id)).toHaveLength(30_001);
    // all exited but the deepest: "finished?" walks the whole chain
    const t = new Script();
    t.ts = m.now + 1;
    for (let pid = 12; pid < 30_011; pid++) t.exit(pid);
    m.apply(t.events);
    expect(treeRows(m, {}, 0, 5)).toHaveLength(5);
  });

  it('events that would link two processes under each other leave them both in the tree', () => {
    // 10 seen late (its exec first), forks 11; then a fork naming 11 as 10's parent.
    const s = new Script().snapshot(1, 0, ['/sbin/init']).exec(10, ['/bin/a']).fork(11, 10).fork(10, 11);
    // Two snapshots naming each other as parent, the first before its parent is known.
    s.snapshot(20, 21, ['/bin/b']).snapshot(21, 20, ['/bin/c']);
    const m = new Model();
    m.apply(s.events);
    const pids = treeRows(m, {}, 0, 100).map((r) => r.node.pid).sort((a, b) => a - b);
    expect(pids).toEqual([1, 10, 11, 20, 21]);
  });
});
