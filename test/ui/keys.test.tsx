// Keys as they reach forktop: several in one read (key repeat over ssh, a paste), a key that
// changes the screen read with others, space (pause) and ? (help).
import { afterEach, describe, expect, it } from 'vitest';
import { Script } from '../helpers/script.js';
import { bombFeed, feedOf, later, stormFeed } from './feeds.js';
import { DEFAULT_SIZE, expectFits, LARGE, linesOf, press, showReady, SMALL, unmountAll } from './render.js';
import { frameWhere } from './wait.js';

afterEach(unmountAll);

describe('keys', () => {
  it('keys that arrive in one read (key repeat over ssh) each count: "jjj" and Enter', async () => {
    const view = await showReady(stormFeed());
    await press(view, 'jjj\r', 'pid 127  /bin/true job-27');
    await press(view, '\u001b', 'TIME');
    await press(view, 'uali', 'user ali_'); // u, then the start of the name, in one read
    await press(view, 'ce\r', /user alice(?!_)/);
  });

  it('a key that changes the screen, read with others ("2G"): the rest acts on the new screen', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']);
    for (let i = 0; i < 50; i++) s.after(1).fork(100 + i, 1).exec(100 + i, ['/bin/sleep', `${i}`]); // running: never folded
    const view = await showReady(feedOf(s));
    const frame = await press(view, '2G', (f) => f.includes('TREE (by spawning parent') && f.includes('/bin/sleep 49')); // the last row of the tree
    expect(frame).not.toContain('/sbin/init'); // scrolled past the top
  });

  it('space pauses: new execs do not appear and the header counts them', async () => {
    const feed = stormFeed();
    const view = await showReady(feed);
    await press(view, ' ', 'PAUSED +0');
    const s = later(feed);
    s.fork(300, 10).exec(300, ['/bin/after-pause']);
    feed.push(s.events);
    await frameWhere(view, 'PAUSED +2'); // the header counts what came: the screen was redrawn
    const paused = await press(view, 'j', 'PAUSED +2'); // a key press re-renders: still paused
    expect(paused).not.toContain('after-pause');
    const resumed = await press(view, ' ', 'after-pause');
    expect(resumed).toContain('LIVE');
  });

  it('? shows the keys and what the marks mean, cut to the terminal (the header stays on screen)', async () => {
    const view = await showReady(stormFeed());
    const help = await press(view, '?', 'esc or ?: close');
    const lines = linesOf(help);
    expect(lines[0]).toMatch(/^forktop web-1/);
    expect(lines.length).toBeLessThanOrEqual(24); // the test terminal's height
    expect(help).toContain('/        filter argv/comm');
    expect(help).toMatch(/help 1–\d+ of \d+  ↓ \d+ below   esc or \?: close/); // the rest scrolls into view
    await press(view, '?', 'TIME');
  });

  it.each([SMALL, DEFAULT_SIZE, LARGE])('at $columns×$rows: the help keeps the header and the footer on screen and fits', async (size) => {
    const view = await showReady(stormFeed(), size);
    const help = await press(view, '?', 'esc or ?: close');
    expect(linesOf(help)[0]).toMatch(/^forktop web-1/);
    expect(linesOf(help).at(-1)).toContain('q:quit');
    expectFits(help, size);
  });

  // The help was given rows - 3 lines: with an alert bar up, one too many, and the tabs were
  // drawn over the header.
  it.each([SMALL, DEFAULT_SIZE, LARGE])('at $columns×$rows, with an alert bar up: the help keeps the header on screen and fits', async (size) => {
    const view = await showReady(bombFeed(), size, 'FORK BOMB');
    const help = await press(view, '?', 'esc or ?: close');
    expect(linesOf(help)[0]).toMatch(/^forktop web-1/);
    expect(help).toContain('FORK BOMB');
    expectFits(help, size);
  });
});
