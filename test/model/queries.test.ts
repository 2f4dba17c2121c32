import { describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import {
  compileFilter, execStream, execStreamIndex, execStreamLength, foldedExecs, isLossRow, lifetime, spawnerCount, streamAnchor, recentExecs, topLineages, topSpawners, treeFilter, treeRowIndex, treeRows, headerStats,
} from '../../src/model/queries.js';
import { Script } from '../helpers/script.js';

function world(): { m: Model; s: Script } {
  const s = new Script().snapshot(1, 0, ['/sbin/init'])
    .snapshot(10, 1, ['/bin/bash'], { uid: 1000 })
    .fork(11, 10).exec(11, ['/usr/bin/ssh', 'web-1'], { uid: 1000 })
    .fork(12, 1).exec(12, ['/usr/bin/cron'])
    .fork(13, 12).exec(13, ['/bin/sh', '-c', 'backup'])
    .after(5).exit(13, 2);
  const m = new Model();
  m.apply(s.events);
  return { m, s };
}

const pids = (entries: { pid: number }[]) => entries.map((e) => e.pid);

describe('model queries', () => {
  it('recent execs, newest first, with substring, /regex/, user and failed-only filters', () => {
    const { m } = world();
    expect(pids(recentExecs(m, null, 10))).toEqual([13, 12, 11]);
    expect(pids(recentExecs(m, compileFilter(m, { text: 'web' }), 10))).toEqual([11]);
    expect(pids(recentExecs(m, compileFilter(m, { text: '/^\\/usr\\/bin\\/(ssh|cron)/' }), 10))).toEqual([12, 11]);
    expect(pids(recentExecs(m, compileFilter(m, { text: '/SSH/i' }), 10))).toEqual([11]);
    expect(pids(recentExecs(m, compileFilter(m, { uid: 1000 }), 10))).toEqual([11]);
    expect(pids(recentExecs(m, compileFilter(m, { failedOnly: true }), 10))).toEqual([13]);
    expect(pids(recentExecs(m, compileFilter(m, { state: 'live' }), 10))).toEqual([12, 11]);
    expect(pids(recentExecs(m, null, 1, 1))).toEqual([12]);
  });

  it('a bad /regex/ is a clear error', () => {
    const { m } = world();
    expect(() => compileFilter(m, { text: '/(/' })).toThrow(/bad regular expression \/\(\//);
  });

  it('a subtree filter follows descendants born after it was set', () => {
    const { m, s } = world();
    const filter = compileFilter(m, { subtreeOf: m.byPid.get(12)!.id });
    expect(pids(recentExecs(m, filter, 10))).toEqual([13, 12]);
    m.apply(new Script().fork(14, 12).exec(14, ['/bin/later']).events.map((e) => ({ ...e, ts: s.ts + 1e6 })));
    expect(pids(recentExecs(m, filter, 10))).toEqual([14, 13, 12]);
  });

  it('folds identical command lines: ×N in T', () => {
    const s = new Script();
    for (let i = 0; i < 312; i++) s.after(16).fork(100 + i, 1).exec(100 + i, ['/bin/date']);
    s.fork(999, 1).exec(999, ['/bin/other']);
    const m = new Model();
    m.apply(s.events);
    const rows = foldedExecs(m, null, 10);
    expect(rows.map((r) => [r.entry.argv, r.count])).toEqual([[['/bin/other'], 1], [['/bin/date'], 312]]);
    expect(rows[1].spanMs).toBeCloseTo(311 * 16, 0);
  });

  it('fold counts cover exactly the execs still in the ring, however often they are asked for', () => {
    const s = new Script();
    const argvs = [['/bin/date'], ['/bin/true'], ['/bin/date'], ['/bin/date'], ['/bin/ls'], ['/bin/true'], ['/bin/date']];
    for (let i = 0; i < 40; i++) s.after(1).fork(100 + i, 1).exec(100 + i, argvs[i % argvs.length]);
    const counts = (m: Model) => foldedExecs(m, null, 10).map((r) => [r.entry.argv![0], r.count, r.entry.pid]);
    const askedOnce = new Model({ execRingSize: 7 });
    askedOnce.apply(s.events);
    const askedEachTime = new Model({ execRingSize: 7 });
    for (const ev of s.events) {
      askedEachTime.apply([ev]);
      counts(askedEachTime);
    }
    const askedMidway = new Model({ execRingSize: 7 });
    askedMidway.apply(s.events.slice(0, 31));
    counts(askedMidway);
    askedMidway.apply(s.events.slice(31));
    // The last 7 execs, pids 133..139: true date date true date date ls.
    const expected = [['/bin/ls', 1, 139], ['/bin/date', 4, 138], ['/bin/true', 2, 136]];
    expect(counts(askedOnce)).toEqual(expected);
    expect(counts(askedEachTime)).toEqual(expected);
    expect(counts(askedMidway)).toEqual(expected);
    expect(askedEachTime.execs.groupCount).toBe(3);
  });

  it('tree rows: depth first by spawning parent, collapsible, only the requested slice', () => {
    const { m } = world();
    const rows = treeRows(m, {}, 0, 100);
    expect(rows.map((r) => [r.node.pid, r.depth])).toEqual([[1, 0], [10, 1], [11, 2], [12, 1], [13, 2]]);
    expect(rows[3].node.exit).toBeNull();
    expect(rows[4].node.exit).not.toBeNull(); // a tombstone, still shown
    const collapsed = treeRows(m, { collapsed: new Set([m.byPid.get(10)!.id]) }, 0, 100);
    expect(collapsed.map((r) => r.node.pid)).toEqual([1, 10, 12, 13]);
    expect(collapsed[1].collapsed).toBe(true);
    expect(treeRows(m, {}, 2, 2).map((r) => r.node.pid)).toEqual([11, 12]);
  });

  it('top spawners by rate, and the header numbers', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(5, 1, ['/bin/bash']).snapshot(6, 1, ['/usr/bin/make']);
    for (let i = 0; i < 40; i++) s.after(10).fork(100 + i, 5).exit(100 + i);
    for (let i = 0; i < 5; i++) s.after(10).fork(200 + i, 6);
    const m = new Model();
    m.apply(s.events);
    const top = topSpawners(m, 5);
    expect(top.map((r) => r.node.pid)).toEqual([5, 6]);
    expect(top[0].rate1s).toBeGreaterThan(top[1].rate1s);
    expect(top[1].liveChildren).toBe(5);
    expect(top[0].history).toHaveLength(10);
    const header = headerStats(m);
    expect(header.live).toBe(3 + 5);
    expect(header.forksPerSec).toBeGreaterThan(30);
  });
});

describe('exec stream with its losses', () => {
  it('shows each loss where it happened among the execs, marks between two listed execs as one row', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    s.after(1).fork(10, 1).exec(10, ['/bin/a']);
    s.after(1).lost(5);
    s.after(1).fork(11, 1).exec(11, ['/bin/b']);
    s.after(1).push({ type: 'lost', count: 2, source: 'ebpf' }).after(1).lost(3);
    s.after(1).fork(12, 1).exec(12, ['/bin/c']);
    const m = new Model();
    m.apply(s.events);
    const text = (rows: ReturnType<typeof execStream>) =>
      rows.map((r) => (isLossRow(r) ? `lost ${r.lost} (${r.marks}, ${r.sources.join('+')})` : r.argv![0]));
    expect(text(execStream(m, null, 10))).toEqual(['/bin/c', 'lost 5 (2, kernel+ebpf)', '/bin/b', 'lost 5 (1, kernel)', '/bin/a']);
    expect(execStreamLength(m, null)).toBe(5);
    // A filter hides execs, never losses: the two marks around /bin/b now stand together.
    const notB = { entry: (e: { argv: string[] | null }) => e.argv?.[0] !== '/bin/b', node: () => true, origin: () => true };
    expect(text(execStream(m, notB, 10))).toEqual(['/bin/c', 'lost 10 (3, kernel+ebpf)', '/bin/a']);
    expect(text(execStream(m, null, 2, 1))).toEqual(['lost 5 (2, kernel+ebpf)', '/bin/b']);
    // A loss row is found again by its anchor; a paused list shows no newer loss.
    const row = execStream(m, null, 10)[3];
    expect(execStreamIndex(m, null, streamAnchor(row))).toBe(3);
    const paused = { entry: () => true, node: () => true, origin: () => true, lossesUntil: m.byPid.get(11)!.startTs ?? 0 };
    expect(text(execStream(m, paused, 10))).toEqual(['/bin/c', '/bin/b', 'lost 5 (1, kernel)', '/bin/a']);
  });
});

describe('tree: runs of finished siblings', () => {
  it("folds a parent's finished children of one program into their newest; running ones, and short runs, stay", () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/bin/bash']);
    const child = (pid: number, argv: string[], code: number | null, parent = 10) => {
      s.after(1).fork(pid, parent).exec(pid, argv);
      if (code !== null) s.after(1).exit(pid, code);
    };
    for (let i = 0; i < 4; i++) {
      child(100 + i, ['/bin/true', `a${i}`], i === 2 ? 1 : 0);
      child(110 + i, ['/bin/sh', '-c', `ls ${i}`], null);
      child(120 + i, ['/bin/ls', `${i}`], 0, 110 + i);
      s.after(1).exit(110 + i); // sh and its ls both done: finished
    }
    child(130, ['/bin/sleep', '60'], null); // running
    child(131, ['/bin/ls'], 0);
    child(132, ['/bin/ls'], 0); // two of a program: not folded
    child(133, ['/bin/sh', '-c', 'daemon'], null);
    child(134, ['/usr/sbin/daemon'], null, 133);
    s.after(1).exit(133); // exited, but what it spawned runs: not finished
    const m = new Model();
    m.apply(s.events);
    const rows = treeRows(m, {}, 0, 100);
    expect(rows.map((r) => [r.node.pid, r.run?.count ?? 1, r.run?.failed ?? 0])).toEqual([
      [1, 1, 0], [10, 1, 0], [103, 4, 1], [113, 4, 0], [130, 1, 0], [131, 1, 0], [132, 1, 0], [133, 1, 0], [134, 1, 0],
    ]);
    // Any member finds its run's row (a selection stays on the row as the run grows).
    expect(treeRowIndex(m, {}, m.byPid.get(100)!.id)).toBe(2);
    expect(treeRowIndex(m, {}, m.byPid.get(111)!.id)).toBe(3);
    // Listed one by one under an unfolded parent, and whenever a filter is set.
    const bash = m.byPid.get(10)!.id;
    const unfolded = treeRows(m, { unfolded: new Set([bash]) }, 0, 100).map((r) => r.node.pid);
    expect(unfolded.slice(0, 8)).toEqual([1, 10, 100, 110, 120, 101, 111, 121]);
    expect(unfolded).toHaveLength(2 + 12 + 5);
    expect(treeRowIndex(m, { unfolded: new Set([bash]) }, m.byPid.get(111)!.id)).toBe(6);
    expect(treeRows(m, { filter: treeFilter(m, compileFilter(m, { text: 'ls' })) }, 0, 100).some((r) => r.run)).toBe(false);
  });
});

describe('failed execs', () => {
  it('hides the failed tries of a PATH search once the same command line runs, but keeps them in the lifetime', () => {
    const s = new Script().fork(20, 1);
    for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin']) {
      s.after(0.01).exec(20, ['bash', '-c', 'x'], { exe: `${dir}/bash`, ret: -2 });
    }
    s.after(0.01).exec(20, ['bash', '-c', 'x'], { exe: '/usr/bin/bash' });
    // A real failure stays: another pid, and nothing succeeded after it.
    s.fork(21, 1).after(0.01).exec(21, ['/opt/missing'], { ret: -2 });
    const m = new Model();
    m.apply(s.events);
    expect(recentExecs(m, null, 10).map((e) => [e.pid, e.ret])).toEqual([[21, -2], [20, 0]]);
    expect(foldedExecs(m, null, 10).map((r) => [r.entry.pid, r.count])).toEqual([[21, 1], [20, 1]]);
    expect(recentExecs(m, compileFilter(m, { failedOnly: true }), 10).map((e) => e.pid)).toEqual([21]);
    // The lifetime says it once: the exec that worked, after 3 misses.
    const execs = lifetime(m.byPid.get(20)!).filter((e) => e.kind === 'exec');
    expect(execs.map((e) => [e.ret, e.exe, e.misses])).toEqual([[0, '/usr/bin/bash', 3]]);
    expect(lifetime(m.byPid.get(21)!).filter((e) => e.kind === 'exec').map((e) => [e.ret, e.misses])).toEqual([[-2, undefined]]);
  });

  it('a PATH search that found nothing is one failed entry with its count; other entries stay in order', () => {
    const s = new Script().fork(40, 1).after(0.01).exec(40, ['/bin/sh', '-c', 'nosuch']);
    for (const dir of ['/usr/local/bin', '/usr/bin', '/bin']) s.after(0.01).exec(40, ['nosuch'], { exe: `${dir}/nosuch`, ret: -2 });
    s.after(0.01).exec(40, ['other'], { exe: '/bin/other', ret: -2 }).after(0.01).exit(40, 127);
    const m = new Model();
    m.apply(s.events);
    // The list shows the search once, as its last miss, and the other command line's failure.
    expect(recentExecs(m, null, 10).map((e) => [e.ret, e.exe])).toEqual([[-2, '/bin/other'], [-2, '/bin/nosuch'], [0, '/bin/sh']]);
    const life = lifetime(m.byPid.get(40)!).map((e) => e.kind === 'exec' ? [e.kind, e.ret, e.exe, e.misses] : [e.kind]);
    expect(life).toEqual([
      ['fork'], ['exec', 0, '/bin/sh', undefined], ['exec', -2, '/bin/nosuch', 3], ['exec', -2, '/bin/other', undefined], ['exit'],
    ]);
  });

  it('keeps a failure that is not a PATH search (another command line, or another errno)', () => {
    const s = new Script().fork(30, 1);
    s.after(0.01).exec(30, ['./build.sh'], { ret: -8 }); // ENOEXEC: no shebang
    s.after(0.01).exec(30, ['sh', './build.sh']);
    const m = new Model();
    m.apply(s.events);
    expect(recentExecs(m, null, 10).map((e) => e.ret)).toEqual([0, -8]);
  });
});

describe('spawner ranking', () => {
  it('a spawner idle long enough to leave the ranking is back in it when it forks again', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(5, 1, ['/bin/bash']);
    for (let i = 0; i < 4; i++) s.after(10).fork(100 + i, 5).exec(100 + i, ['/bin/true']).exit(100 + i);
    const m = new Model();
    m.apply(s.events);
    expect(topSpawners(m, 5).map((r) => r.node.pid)).toEqual([5]);
    expect(topSpawners(m, 5)[0].spawns).toEqual([{ program: 'true', count: 4 }]);
    expect(spawnerCount(m)).toBe(1);
    s.events.length = 0;
    s.after(20_000);
    m.advance(s.ts, s.time);
    expect(spawnerCount(m)).toBe(0); // counted as the ranking would list them
    expect(topSpawners(m, 5)).toEqual([]); // idle: dropped from the candidates
    for (let i = 0; i < 3; i++) s.after(10).fork(300 + i, 5).exec(300 + i, ['/bin/true']).exit(300 + i);
    m.apply(s.events);
    expect(topSpawners(m, 5).map((r) => r.node.pid)).toEqual([5]);
  });
});

describe('lineage ranking', () => {
  it('a bomb that stopped forking but has hundreds alive ranks above a shell forking now; a busy one above both', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    // A quiet bomb: 300 members over 3 generations, then no fork for 2 s.
    s.fork(500, 1).exec(500, ['./quiet']);
    let pid = 1000;
    let level = [500];
    for (let g = 0; g < 3; g++) {
      const next: number[] = [];
      for (const parent of level) for (let k = 0; k < 7 && pid < 1300; k++) { s.after(0.1).fork(pid, parent); next.push(pid++); }
      level = next;
    }
    s.after(2000);
    // A shell whose subshells fork subshells, twice a second.
    s.fork(600, 1).exec(600, ['/bin/bash']).after(400).fork(601, 600).after(400).fork(602, 601);
    const m = new Model();
    m.apply(s.events);
    expect(topLineages(m, 3).map((r) => r.root.pid)).toEqual([500, 600]);
    // Now a small bomb forks fast: it goes first, whatever its size.
    const busy = new Script();
    busy.ts = s.ts;
    busy.fork(700, 1).exec(700, ['./busy']);
    let b = 2000;
    let parents = [700];
    for (let g = 0; g < 4; g++) {
      const next: number[] = [];
      for (const parent of parents) for (let k = 0; k < 2; k++) { busy.after(5).fork(b, parent); next.push(b++); }
      parents = next;
    }
    m.apply(busy.events);
    expect(topLineages(m, 3).map((r) => r.root.pid)).toEqual([700, 500, 600]);
  });
});
