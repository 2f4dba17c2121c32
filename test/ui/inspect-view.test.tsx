// The card (Enter): one process's life, where it came from (its lineage), what it became
// (exec, uid, comm changes) and what it spawned.
import { afterEach, describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import { Feed } from '../../src/ui/feed.js';
import { Script } from '../helpers/script.js';
import { bombFeed, feedOf, stormFeed } from './feeds.js';
import { expectFits, LARGE, linesOf, press, showReady, SMALL, unmountAll } from './render.js';

afterEach(unmountAll);

describe('inspect view', () => {
  it('the card folds a PATH search into the exec that found the program', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).fork(50, 1);
    for (const dir of ['/a', '/b', '/c']) s.after(0.01).exec(50, ['make', 'all'], { exe: `${dir}/make`, ret: -2 });
    s.after(0.01).exec(50, ['make', 'all'], { exe: '/usr/bin/make' });
    const view = await showReady(feedOf(s, 'web-1', 'ebpf'), {}, 'make all');
    const card = await press(view, '\r', 'pid 50  make all');
    expect(card).toMatch(/exec +make all +\(found on PATH after 3 misses\)/);
    expect(card).not.toContain('ENOENT');
  });

  it('the card says how many children were pruned, and what of a long life it could not keep or show', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/bin/bash']);
    for (let i = 0; i < 40; i++) s.after(1).fork(100 + i, 10).exec(100 + i, ['/bin/true', `n${i}`]).exit(100 + i);
    for (let i = 0; i < 70; i++) s.after(1).push({ type: 'comm', pid: 10, comm: `name-${i}` });
    const feed = new Feed('web-1', 'netlink', new Model({ maxTombstones: 10, maxLogEntries: 64 }));
    feed.push(s.events);
    const view = await showReady(feed, { initial: { pid: 10 } }, 'subtree of 10');
    await press(view, '2', 'TREE');
    await press(view, 'j'); // init, then bash
    const card = await press(view, '\r', 'pid 10  /bin/bash');
    expect(card).toMatch(/children \(10 kept of 40 spawned\)/);
    expect(card).toContain('… 6 later changes not kept (at most 64 per process)');
    // What it cannot show: older entries above, PgUp scrolls to them (ffb71d3).
    expect(card).toMatch(/… \d+ earlier above \(PgUp\)/);
  });

  it("a busy parent's card lists its running children first, then the newest, under what they run", async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/bin/bash']);
    s.fork(90, 10).exec(90, ['/bin/sleep', '100']);
    for (let i = 0; i < 20; i++) s.after(1).fork(100 + i, 10).exec(100 + i, ['/bin/true', `t${i}`]).exit(100 + i);
    s.fork(91, 10).exec(91, ['/bin/sleep', '200']);
    const view = await showReady(feedOf(s), { initial: { pid: 10 } }, 'subtree of 10');
    await press(view, '2', 'TREE');
    await press(view, 'j'); // init is the way to it; then bash
    const card = await press(view, '\r', 'pid 10  /bin/bash');
    expect(card).toMatch(/children \(22\)  true ×20, sleep ×2; running first, then the newest/);
    const listed = linesOf(card).filter((l) => /^\s+\d+  \/bin\//.test(l)).map((l) => l.trim().split(/\s+/)[0]);
    expect(listed).toEqual(['90', '91', '119', '118', '117', '116', '115', '114']);
  });

  it('the card of one run among many says how the others went', async () => {
    const view = await showReady(stormFeed());
    await press(view, '/job-17\r', /filter \/job-17(?!_)/);
    const card = await press(view, '\r', 'pid 117  /bin/true job-17');
    expect(card).toMatch(/one of 30 runs of this program by bash\(10\) over 174ms: 30 ended, 1 failed, lived 1ms\n/);
  });

  it("a running process's card says where it is now when it moved since its exec (and only for that same process)", async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).fork(80, 1).exec(80, ['/bin/bash'], { cwd: '/srv' });
    s.after(1).fork(81, 1).exec(81, ['/bin/sh'], { cwd: '/srv' });
    const feed = feedOf(s);
    const started = (pid: number) => feed.model.byPid.get(pid)!.startTs;
    const readNow = (pid: number) =>
      pid === 80 ? { cwd: '/tmp', exe: '/usr/bin/bash', cgroup: '/', startTs: started(80) }
        : { cwd: '/home', exe: '/bin/sh', cgroup: '/', startTs: (started(81) ?? 0) + 5e9 }; // 81 is another process now
    const view = await showReady(feed, { readNow }, '/bin/sh');
    await press(view, 'j'); // bash
    await press(view, '\r', /exe \/bin\/bash \(now \/usr\/bin\/bash\)  cwd \/srv \(now \/tmp\)  cgroup \//);
    await press(view, '\u001b', 'TIME');
    await press(view, 'k');
    const card = await press(view, '\r', 'pid 81');
    expect(card).toMatch(/cwd \/srv  cgroup/);
  });

  it('the card names the user a process became, and both ids when a setuid program splits them', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).fork(60, 1).exec(60, ['/usr/bin/setpriv', 'bash']);
    s.after(1).push({ type: 'uid', pid: 60, ruid: 1000, euid: 1000 }).after(1).push({ type: 'uid', pid: 60, ruid: 1000, euid: 0 });
    const view = await showReady(feedOf(s), {}, 'setpriv');
    const card = await press(view, '\r', 'pid 60');
    expect(card).toMatch(/uid +→ alice \(1000\)\n/);
    expect(card).toMatch(/uid +→ real alice \(1000\), effective root \(0\)/);
  });

  it.each([SMALL, LARGE])('at $columns×$rows: the card, its footer with esc:back and q:quit, and it fits', async (size) => {
    const view = await showReady(bombFeed(), size, 'FORK BOMB');
    const card = await press(view, '\r', 'pid 999  ./bomb');
    expect(card).toMatch(/lineage init\(1\) › bomb\(999\)/);
    expect(card).toMatch(/children \(2\)/);
    expect(linesOf(card).at(-1)).toMatch(/esc:back  q:quit$/);
    expectFits(card, size);
  });
});
