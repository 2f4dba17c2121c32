// The Tree view (2): processes by spawning parent, tombstones kept a while, runs of finished
// siblings folded, kernel threads under [kthreadd]; a filter shows the way to its matches.
import { afterEach, describe, expect, it } from 'vitest';
import { Model } from '../../src/model/model.js';
import { Feed } from '../../src/ui/feed.js';
import { bomb, Script } from '../helpers/script.js';
import { feedOf, later, stormFeed } from './feeds.js';
import { expectFits, LARGE, linesOf, press, showReady, SMALL, unmountAll } from './render.js';
import { frameWhere } from './wait.js';

afterEach(unmountAll);

const TREE = 'TREE (by spawning parent';

describe('tree view', () => {
  it('2 shows the tree by spawning parent with tombstones, finished siblings folded; → lists them, ← folds and collapses', async () => {
    const view = await showReady(stormFeed());
    const tree = await press(view, '2', TREE);
    expect(tree).toMatch(/\n\s+1  [█·]{10}  ▾ \/sbin\/init/);
    expect(tree).toMatch(/\n\s+10  [█·]{10}\s+▾ \/bin\/bash  as alice\n/); // init runs as root: the user changes here
    expect(tree).not.toMatch(/job-\d+.*as alice/); // and not again below
    // Thirty finished /bin/true, one after another: one row, the newest, with the count.
    expect(tree).toMatch(/▸ ×30 \/bin\/true job-29  ✝ exit 3 after 1ms  \(1 of them failed\)/);
    expect(tree).not.toContain('job-0');
    expect(tree).toMatch(/sleep 100  ✝ sig9/); // another program: its own row
    await press(view, 'jj');
    // Right arrow on the run: listed, the selection still on job-29.
    // job-12 lived 1 ms, 180 ms before the newest event: one block, in the last cell.
    const listed = await press(view, '\u001b[C', (f) => !f.includes('×30') && f.includes('job-12 '));
    expect(listed).toMatch(/·········█\s+\/bin\/true job-12  ✝ exit 0 after 1ms\n/);
    expect(listed).not.toContain('×30');
    await press(view, '\u001b[D', '▸ ×30 /bin/true job-29'); // left arrow on one of them: folded again
    await press(view, 'k');
    const collapsed = await press(view, '\u001b[D', /▸ \/bin\/bash/); // left arrow on bash
    expect(collapsed).not.toContain('job-');
  });

  it('kernel threads start folded under [kthreadd], named as ps names them; → opens them', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    s.snapshot(2, 0, ['kthreadd'], { argv_source: 'comm', exe: null });
    for (let i = 0; i < 5; i++) s.snapshot(3 + i, 2, [`kworker/${i}:1`], { argv_source: 'comm', comm: `kworker/${i}:1`, exe: null });
    s.snapshot(10, 1, ['/bin/bash']);
    const view = await showReady(feedOf(s));
    const tree = await press(view, '2', TREE);
    expect(tree).toMatch(/\n\s+2  [█·]{10}  ▸ \[kthreadd\]\n/);
    expect(tree).not.toContain('kworker');
    expect(tree).not.toContain('argv not read');
    await press(view, 'jj'); // init, bash, kthreadd
    await press(view, '\u001b[C', /\n\s+3  [█·]{10}\s+\[kworker\/0:1\]\n/);
  });

  it('in the tree, the selection stays on its process while rows above it go away', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/bin/bash']);
    for (let i = 0; i < 20; i++) s.after(5).fork(100 + i, 10).exec(100 + i, ['/bin/true', `job-${i}`]).after(1).exit(100 + i);
    const feed = new Feed('h', 'netlink', new Model({ maxTombstones: 20 }));
    feed.push(s.events);
    const view = await showReady(feed);
    await press(view, '2', TREE);
    await press(view, 'jj');
    await press(view, '\u001b[C', (f) => !f.includes('×20') && f.includes('job-19 ')); // the folded run, listed one by one
    await press(view, 'g', 'job-0 '); // back to the top
    for (let i = 0; i < 12; i++) await press(view, 'j'); // init, bash, job-0 ... job-9: on job-10
    // Ten more exit: the ten oldest tombstones (job-0..9, above the selection) are pruned.
    const more = later(feed);
    for (let i = 20; i < 30; i++) more.after(1).fork(100 + i, 10).exec(100 + i, ['/bin/true', `job-${i}`]).exit(100 + i);
    feed.push(more.events);
    await frameWhere(view, (f) => !f.includes('job-0 ') && f.includes('job-10 '));
    await press(view, '\r', 'pid 110  /bin/true job-10');
  });

  it('a deep tree indents by generation, and the card shows the whole chain, wrapped', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    let parent = 1;
    for (let depth = 0; depth < 30; depth++) {
      const pid = 100 + depth;
      s.after(1).fork(pid, parent).exec(pid, ['/bin/sh', `level-${depth}`]);
      parent = pid;
    }
    const view = await showReady(feedOf(s));
    await press(view, '2', /\n\s+105  [█·]{10}\s{14}▾ \/bin\/sh level-5/); // 6 levels deep: 2 + 12 spaces
    await press(view, '1', 'TIME');
    const card = await press(view, '\r', 'pid 129  /bin/sh level-29'); // the newest exec: level-29
    expect(card).toMatch(/started \d\d:\d\d:\d\d\.\d{3}/);
    expect(card.replace(/\s+/g, ' ')).toContain('sh(127) › sh(128) › sh(129)');
    expect(card).toMatch(/lineage init\(1\) › sh\(100\)/);
  });

  it('a subtree whose spawner was pruned stands at the top of the tree saying where it came from', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    let next = 1000;
    bomb(s, 999, 1, 6, () => next++);
    const feed = new Feed('web-1', 'netlink', new Model({ maxTombstones: 5, maxRetainedAncestors: 5 }));
    feed.push(s.events);
    const view = await showReady(feed);
    const tree = await press(view, '2', TREE);
    const orphans = linesOf(tree).filter((l) => l.includes('./bomb') && /← from pid \d+/.test(l));
    expect(orphans.length).toBeGreaterThan(0);
    expect(tree).not.toMatch(/\/sbin\/init.*← from pid/);
  });

  it('a filter narrows the tree to the matches and the way to them; l cycles live / exited / all', async () => {
    const view = await showReady(stormFeed());
    await press(view, '2', TREE);
    await press(view, '/job-1', 'filter /job-1_');
    const filtered = await press(view, '\r', /filter \/job-1(?!_)/);
    const rows = linesOf(filtered).filter((l) => /^\s+\d+\s/.test(l));
    expect(rows.some((l) => l.includes('• /bin/true job-12'))).toBe(true);
    const bash = rows.find((l) => l.includes('/bin/bash'));
    expect(bash).toBeDefined(); // the way there, unmarked
    expect(bash).not.toContain('•');
    expect(rows.some((l) => l.includes('job-2') || l.includes('sleep'))).toBe(false);
    const cleared = await press(view, '\u001b', 'sleep 100'); // clears the filter
    expect(cleared).not.toContain('filter /');
    const liveOnly = await press(view, 'l', 'live only');
    const live = linesOf(liveOnly).filter((l) => /^\s+\d+\s/.test(l) && l.includes('• '));
    expect(live.map((l) => l.trim().split(/\s+/)[0]).sort()).toEqual(['1', '10']); // only init and bash still run
    const exitedOnly = await press(view, 'l', 'exited only');
    expect(exitedOnly).toContain('• /bin/true job-0');
    expect(exitedOnly).toMatch(/\n\s+10\s+\S+\s+▾\s+\/bin\/bash/); // bash runs: the way there, unmarked
  });

  it('paused, the tree stays as it was too: no process born since, no exit since', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/bin/bash']);
    s.fork(20, 10).exec(20, ['/usr/bin/sleep', '60']);
    const feed = feedOf(s);
    const view = await showReady(feed);
    await press(view, '2', TREE);
    await press(view, ' ', 'PAUSED +0');
    const more = later(feed);
    more.after(5).exit(20, 0, 15).fork(21, 10).exec(21, ['/bin/after-pause']);
    feed.push(more.events);
    await frameWhere(view, 'PAUSED +3'); // the header counts what came: the screen was redrawn
    const paused = await press(view, 'j', 'PAUSED +3'); // a key press re-renders: still paused
    expect(paused).toMatch(/sleep 60\n/); // not ✝ yet
    expect(paused).not.toContain('after-pause');
    const resumed = await press(view, ' ', /sleep 60  ✝ sig15/);
    expect(resumed).toContain('after-pause');
  });

  it.each([SMALL, LARGE])('at $columns×$rows: the tree fits the terminal', async (size) => {
    const view = await showReady(stormFeed(), size);
    const tree = await press(view, '2', TREE);
    expect(tree).toMatch(/▸ ×30 \/bin\/true job-29/);
    expectFits(tree, size);
  });

  it(`at ${LARGE.columns}×${LARGE.rows}: the footer shows every key of the tree, q:quit last`, async () => {
    const view = await showReady(stormFeed(), LARGE);
    const tree = await press(view, '2', TREE);
    expect(linesOf(tree).at(-1)).toMatch(/←:collapse  →:expand  tab:next\s+q:quit$/);
  });

  // At 80 columns the tree's footer, with ←:collapse and →:expand, used to be cut at
  // "tab:next  q…"; since 88ede74 q:quit is never cut.
  it(`at ${SMALL.columns}×${SMALL.rows}: the footer still shows q:quit`, async () => {
    const view = await showReady(stormFeed(), SMALL);
    const tree = await press(view, '2', TREE);
    expect(linesOf(tree).at(-1)).toContain('q:quit');
  });
});
