import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import type { StopControl } from '../../src/stop/control.js';
import { App, type InitialFilter } from '../../src/ui/App.js';
import { Feed } from '../../src/ui/feed.js';
import { Model } from '../../src/model/model.js';
import { themeFor } from '../../src/ui/theme.js';
import { bomb, Script } from '../helpers/script.js';

const theme = themeFor({ NO_COLOR: '1' });
const users = new Map([[0, 'root'], [1000, 'alice']]);
const frame = () => new Promise((resolve) => setTimeout(resolve, 80)); // > one 30 fps frame

/** Types a key and waits a frame, as a person would. */
async function press(stdin: { write: (data: string) => void }, key: string): Promise<void> {
  stdin.write(key);
  await frame();
}

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

function show(feed: Feed, initial?: InitialFilter) {
  const view = render(<App feed={feed} theme={theme} users={users} initial={initial} />);
  unmount = view.unmount;
  return view;
}

function stormFeed(): Feed {
  const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/bin/bash'], { uid: 1000 });
  for (let i = 0; i < 30; i++) s.after(5).fork(100 + i, 10).exec(100 + i, ['/bin/true', `job-${i}`], { uid: 1000 }).after(1).exit(100 + i, i === 29 ? 3 : 0);
  s.fork(200, 10).exec(200, ['/usr/bin/sleep', '100'], { uid: 1000 });
  s.after(1).exit(200, 0, 9);
  const feed = new Feed('web-1', 'netlink');
  feed.push(s.events);
  return feed;
}

/** A fork bomb rooted at pid 999 (8 generations), optionally after some other execs. */
function bombFeed(before?: (s: Script) => void): Feed {
  const s = new Script().snapshot(1, 0, ['/sbin/init']);
  before?.(s);
  let next = 1000;
  bomb(s, 999, 1, 8, () => next++);
  const feed = new Feed('web-1', 'netlink');
  feed.push(s.events);
  return feed;
}

describe('live view', () => {
  it('a fork storm\'s bar counts its live children, not generations (it has one), and says what it spawns', () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/usr/bin/make']);
    for (let i = 0; i < 300; i++) s.after(1).fork(100 + i, 10).exec(100 + i, ['/usr/bin/cc', `f${i}.c`]).after(1).exit(100 + i);
    for (let i = 0; i < 4; i++) s.fork(500 + i, 10).exec(500 + i, ['/usr/bin/cc', `g${i}.c`]);
    const feed = new Feed('web-1', 'netlink');
    feed.push(s.events);
    const { lastFrame } = show(feed);
    expect(lastFrame()).toMatch(/! FORK STORM\s+make \(pid 10\)\s+\d+ forks\/s\s+enter: inspect\s+4 live children  → cc ×304/);
    expect(lastFrame()).not.toContain('generation');
  });

  it('a bomb raises the alert bar naming the root; Enter inspects it', async () => {
    const { lastFrame, stdin } = show(bombFeed());
    expect(lastFrame()).toMatch(/! FORK BOMB\s+bomb \(pid 999\)\s+\d+ alive, growing\s+enter: inspect/);
    await press(stdin, '\r'); // the alert is the newest thing on screen: Enter goes to it
    expect(lastFrame()).toContain('pid 999  ./bomb');
    expect(lastFrame()).toMatch(/children \(\d+\)/);
  });

  it('rings the terminal bell once when a fork bomb starts (with bell on), not for a storm', async () => {
    const feed = new Feed('web-1', 'netlink');
    const view = render(<App feed={feed} theme={theme} users={users} bell />);
    unmount = view.unmount;
    const bells = () => view.frames.filter((f) => f.includes('\x07')).length;
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/bin/bash']);
    for (let i = 0; i < 300; i++) s.after(2).fork(5000 + i, 10).exec(5000 + i, ['/bin/true']).exit(5000 + i); // a storm
    feed.push(s.events);
    await frame();
    expect(view.lastFrame()).toContain('FORK STORM');
    expect(bells()).toBe(0);
    let next = 1000;
    const b = new Script();
    b.ts = feed.model.now + 1e6;
    bomb(b, 999, 1, 8, () => next++);
    feed.push(b.events);
    await frame();
    await frame();
    expect(bells()).toBe(1);
  });

  it('once the user moves, Enter inspects the selected row again and a goes to the alert', async () => {
    const feed = bombFeed((s) => {
      for (let i = 0; i < 5; i++) s.fork(50 + i, 1).exec(50 + i, ['/bin/ls', String(i)]);
    });
    const { lastFrame, stdin } = show(feed);
    await press(stdin, 'j');
    expect(lastFrame()).toContain('a: inspect');
    await press(stdin, '\r');
    expect(lastFrame()).not.toContain('pid 999  ./bomb');
    await press(stdin, '\u001b');
    await press(stdin, 'a');
    expect(lastFrame()).toContain('pid 999  ./bomb');
  });

  it('/ filters as you type, Enter inspects with the lineage, Esc goes back', async () => {
    const { lastFrame, stdin } = show(stormFeed());
    await press(stdin, '/');
    for (const c of 'job-17') await press(stdin, c);
    await press(stdin, '\r');
    expect(lastFrame()).toContain('filter /job-17');
    expect(lastFrame()).toContain('job-17');
    expect(lastFrame()).not.toContain('job-16');
    await press(stdin, '\r');
    expect(lastFrame()).toContain('pid 117  /bin/true job-17');
    expect(lastFrame()).toMatch(/lineage init\(1\) › bash\(10\) › true\(117\)/);
    expect(lastFrame()).toMatch(/fork +from bash\(10\)\n/); // the spawner by name
    await press(stdin, '\u001b');
    expect(lastFrame()).toContain('TIME');
  });

  it('in the filter line, Ctrl-W deletes the last word and Ctrl-U the whole line, as in a shell', async () => {
    const { lastFrame, stdin } = show(stormFeed());
    await press(stdin, '/');
    for (const c of 'sleep job-17') await press(stdin, c);
    await press(stdin, '\u0017'); // Ctrl-W
    expect(lastFrame()).toContain('filter /sleep ');
    expect(lastFrame()).not.toContain('job-17');
    await press(stdin, '\u0015'); // Ctrl-U
    for (const c of 'job-17') await press(stdin, c);
    await press(stdin, '\r');
    expect(lastFrame()).toContain('filter /job-17');
    expect(lastFrame()).not.toContain('job-16');
    // The same keys in one read (tmux send-keys, a paste, a fast link): none lands in the text.
    await press(stdin, '/\u0015job-1x\u007f6\r');
    expect(lastFrame()).toMatch(/filter \/job-16(?!_)/);
    expect(lastFrame()).not.toContain('job-17');
  });

  it('keys that arrive in one read (key repeat over ssh) each count: "jjj" and Enter', async () => {
    const { lastFrame, stdin } = show(stormFeed());
    await press(stdin, 'jjj\r');
    expect(lastFrame()).toContain('pid 127  /bin/true job-27');
    await press(stdin, '\u001b');
    await press(stdin, 'uali'); // u, then the start of the name, in one read
    await press(stdin, 'ce\r');
    expect(lastFrame()).toMatch(/user alice(?!_)/);
  });

  it('a key that changes the screen, read with others ("2G"): the rest acts on the new screen', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    for (let i = 0; i < 50; i++) s.after(1).fork(100 + i, 1).exec(100 + i, ['/bin/sleep', `${i}`]); // running: never folded
    const feed = new Feed('h', 'netlink');
    feed.push(s.events);
    const { lastFrame, stdin } = show(feed);
    await press(stdin, '2G');
    expect(lastFrame()).toContain('TREE (by spawning parent');
    expect(lastFrame()).toContain('/bin/sleep 49'); // the last row of the tree
    expect(lastFrame()).not.toContain('/sbin/init'); // scrolled past the top
  });

  it('u filters by user name', async () => {
    const feed = stormFeed();
    const s = new Script();
    s.ts = feed.model.now + 1e6;
    s.fork(400, 1).exec(400, ['/usr/sbin/cron'], { uid: 0 });
    feed.push(s.events);
    const { lastFrame, stdin } = show(feed);
    await frame();
    expect(lastFrame()).toContain('/usr/sbin/cron');
    await press(stdin, 'u');
    await press(stdin, 'alice\r');
    expect(lastFrame()).toContain('user alice');
    expect(lastFrame()).toContain('job-29');
    expect(lastFrame()).not.toContain('/usr/sbin/cron');
  });

  it('starts with the filters given on the command line (--filter, --user, --pid)', async () => {
    const feed = stormFeed();
    const s = new Script();
    s.ts = feed.model.now + 1e6;
    s.fork(400, 1).exec(400, ['/usr/sbin/cron'], { uid: 0 }).fork(401, 400).exec(401, ['/bin/backup-job-7'], { uid: 0 });
    feed.push(s.events);
    const byText = show(feed, { text: 'job-7' });
    await frame();
    expect(byText.lastFrame()).toContain('filter /job-7');
    expect(byText.lastFrame()).toContain('backup-job-7');
    expect(byText.lastFrame()).toContain('/bin/true job-7');
    byText.unmount();
    const byUserAndPid = show(feed, { user: 'root', pid: 400 });
    await frame();
    await frame();
    expect(byUserAndPid.lastFrame()).toContain('subtree of 400');
    expect(byUserAndPid.lastFrame()).toContain('/bin/backup-job-7');
    expect(byUserAndPid.lastFrame()).toContain('/usr/sbin/cron');
    expect(byUserAndPid.lastFrame()).not.toContain('job-29');
  });

  it('a bad /regex/ says so in the filter line and keeps the list', async () => {
    const { lastFrame, stdin } = show(stormFeed());
    await press(stdin, '/');
    await press(stdin, '/(/');
    expect(lastFrame()).toContain('bad regular expression');
  });

  it('space pauses: new execs do not appear and the header counts them', async () => {
    const feed = stormFeed();
    const { lastFrame, stdin } = show(feed);
    await press(stdin, ' ');
    const s = new Script();
    s.ts = feed.model.now + 1e6;
    s.fork(300, 10).exec(300, ['/bin/after-pause']);
    feed.push(s.events);
    await frame();
    await press(stdin, 'j'); // a key press re-renders: still paused
    expect(lastFrame()).toMatch(/PAUSED \+2/);
    expect(lastFrame()).not.toContain('after-pause');
    await press(stdin, ' ');
    expect(lastFrame()).toContain('after-pause');
  });

  it('? shows the keys and what the marks mean, cut to the terminal (the header stays on screen)', async () => {
    const { lastFrame, stdin } = show(stormFeed());
    await press(stdin, '?');
    const lines = lastFrame()!.split('\n');
    expect(lines[0]).toMatch(/^forktop web-1/);
    expect(lines.length).toBeLessThanOrEqual(24); // the test terminal's height
    expect(lastFrame()).toContain('/        filter argv/comm');
    expect(lastFrame()).toMatch(/help 1–\d+ of \d+  ↓ \d+ below   esc or \?: close/); // the rest scrolls into view
    await press(stdin, '?');
    expect(lastFrame()).toContain('TIME');
  });

});
