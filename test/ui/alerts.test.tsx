// What the App does when the alert detector raises a bar: the bar itself (alert-bar.test.tsx
// has the worst-first order, the end and K), Enter and a going to its root, and the bell.
import { afterEach, describe, expect, it } from 'vitest';
import { Feed } from '../../src/ui/feed.js';
import { bomb, Script } from '../helpers/script.js';
import { bombFeed, feedOf, later } from './feeds.js';
import { expectFits, LARGE, press, show, showReady, SMALL, unmountAll } from './render.js';
import { frameWhere, until } from './wait.js';

afterEach(unmountAll);

describe('alerts', () => {
  it('a fork storm\'s bar counts its live children, not generations (it has one), and says what it spawns', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/usr/bin/make']);
    for (let i = 0; i < 300; i++) s.after(1).fork(100 + i, 10).exec(100 + i, ['/usr/bin/cc', `f${i}.c`]).after(1).exit(100 + i);
    for (let i = 0; i < 4; i++) s.fork(500 + i, 10).exec(500 + i, ['/usr/bin/cc', `g${i}.c`]);
    const view = await showReady(feedOf(s, 'web-1'), {}, 'FORK STORM');
    const frame = view.lastFrame()!;
    expect(frame).toMatch(/! FORK STORM\s+make \(pid 10\)\s+\d+ forks\/s\s+enter: inspect\s+→ cc ×304  4 live children/);
    expect(frame).not.toContain('generation');
  });

  it('a bomb raises the alert bar naming the root; Enter inspects it', async () => {
    const view = await showReady(bombFeed(), {}, 'FORK BOMB');
    expect(view.lastFrame()).toMatch(/! FORK BOMB\s+bomb \(pid 999\)\s+\d+ alive, growing\s+enter: inspect/);
    // The alert is the newest thing on screen: Enter goes to it.
    const card = await press(view, '\r', 'pid 999  ./bomb');
    expect(card).toMatch(/children \(\d+\)/);
  });

  it.each([SMALL, LARGE])('at $columns×$rows: the bar names the bomb, its size and the key, and the frame fits', async (size) => {
    const view = await showReady(bombFeed(), size, 'FORK BOMB');
    expect(view.lastFrame()).toMatch(/! FORK BOMB\s+bomb \(pid 999\)\s+256 alive, growing\s+enter: inspect/);
    expectFits(view.lastFrame()!, size);
  });

  it('rings the terminal bell once when a fork bomb starts (with bell on), not for a storm', async () => {
    const feed = new Feed('web-1', 'netlink');
    const view = show(feed, { bell: true });
    const bells = () => view.frames.filter((f) => f.includes('\x07')).length;
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/bin/bash']);
    for (let i = 0; i < 300; i++) s.after(2).fork(5000 + i, 10).exec(5000 + i, ['/bin/true']).exit(5000 + i); // a storm
    feed.push(s.events);
    await frameWhere(view, 'FORK STORM');
    expect(bells()).toBe(0);
    let next = 1000;
    const b = later(feed);
    bomb(b, 999, 1, 8, () => next++);
    feed.push(b.events);
    await until(() => bells() > 0, 'the bell rang');
    // Drawn again since (a later exec on screen): still the one bell.
    const after = later(feed);
    after.fork(7000, 1).exec(7000, ['/bin/afterwards']);
    feed.push(after.events);
    await frameWhere(view, '/bin/afterwards');
    expect(bells()).toBe(1);
  });

  it('once the user moves, Enter inspects the selected row again and a goes to the alert', async () => {
    const feed = bombFeed((s) => {
      for (let i = 0; i < 5; i++) s.fork(50 + i, 1).exec(50 + i, ['/bin/ls', String(i)]);
    });
    const view = await showReady(feed, {}, 'enter: inspect');
    await press(view, 'j', 'a: inspect');
    const card = await press(view, '\r', /^pid \d+/m);
    expect(card).not.toContain('pid 999  ./bomb');
    await press(view, '\u001b', 'TIME');
    await press(view, 'a', 'pid 999  ./bomb');
  });

  it('a filter typed since the alert counts as moving: Enter inspects the row it narrowed to', async () => {
    const feed = bombFeed((s) => {
      for (let i = 0; i < 5; i++) s.fork(50 + i, 1).exec(50 + i, ['/bin/ls', `dir-${i}`]);
    });
    const view = await showReady(feed, {}, 'enter: inspect');
    view.stdin.write('/');
    view.stdin.write('dir-3');
    await press(view, '\r', 'a: inspect');
    const card = await press(view, '\r', /^pid \d+/m);
    expect(card).toContain('/bin/ls dir-3');
  });
});
