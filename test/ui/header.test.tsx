// The header and the footer: which machine, which source, how busy, whether the screen is
// live, and the way out, on the terminal sizes people have.
import { afterEach, describe, expect, it } from 'vitest';
import { Feed } from '../../src/ui/feed.js';
import { Script } from '../helpers/script.js';
import { bombFeed, feedOf, later, stormFeed } from './feeds.js';
import { DEFAULT_SIZE, expectFits, LARGE, linesOf, showReady, SMALL, unmountAll, type Size } from './render.js';
import { frameWhere } from './wait.js';

afterEach(unmountAll);

const name = ({ columns, rows }: Size) => `${columns}×${rows}`;

describe('header', () => {
  it('empty: the header and a clear empty state', async () => {
    const view = await showReady(new Feed('web-1', 'netlink'));
    const frame = await frameWhere(view, 'no execs yet');
    expect(frame).toContain('forktop web-1  netlink');
    expect(frame).toContain('LIVE');
    expect(frame).toContain('q:quit');
  });

  it.each([SMALL, DEFAULT_SIZE, LARGE])('empty, at $columns×$rows: the header, the empty state and q:quit, filling the terminal exactly', async (size) => {
    const view = await showReady(new Feed('web-1', 'netlink'), size);
    const frame = await frameWhere(view, 'no execs yet');
    expect(frame.split('\n')[0]).toMatch(/^forktop web-1  netlink .*lost 0  LIVE$/);
    expect(frame).toContain('q:quit');
    expectFits(frame, size);
  });

  it('a replay says REPLAY, and ENDED once its last event is in (not LIVE)', async () => {
    const feed = new Feed('web-1', 'replay netlink');
    const view = await showReady(feed, {}, 'REPLAY');
    expect(view.lastFrame()).not.toContain('LIVE');
    feed.end();
    const ended = await frameWhere(view, 'ENDED');
    expect(ended).not.toContain('REPLAY');
  });

  // A busy machine: the rates, the sparkline and the live count, lost and LIVE at the right.
  const numbers = /exec \d+\/s .*fork \d+\/s  exit \d+\/s  live \d+ .*lost 0  LIVE/;

  it(`at ${name(LARGE)} the header shows every number`, async () => {
    const view = await showReady(bombFeed(), LARGE, 'FORK BOMB');
    expect(view.lastFrame()!.split('\n')[0]).toMatch(numbers);
    expectFits(view.lastFrame()!, LARGE);
  });

  // At 80 columns the header used to keep the 30-column sparkline and cut the numbers after
  // it ("exec 32/s  █ …  lost 0  LIVE"); since 88ede74 the sparkline gives way first.
  it(`at ${name(SMALL)} the header still shows every number (the sparkline gives way first)`, async () => {
    const view = await showReady(bombFeed(), SMALL, 'FORK BOMB');
    expect(view.lastFrame()!.split('\n')[0]).toMatch(numbers);
  });

  it(`at ${name(SMALL)} the header never loses lost and LIVE, and the frame fits`, async () => {
    const view = await showReady(bombFeed(), SMALL, 'FORK BOMB');
    const top = view.lastFrame()!.split('\n')[0];
    // What a narrow header gives up is its own business; the name and the rate come first.
    expect(top).toMatch(/^forktop .*exec \d+\/s/);
    expect(top).toMatch(/lost 0  LIVE$/);
    expectFits(view.lastFrame()!, SMALL);
  });

  it(`a terminal made smaller (${name(LARGE)} to ${name(SMALL)}) is drawn again at its new size`, async () => {
    const view = await showReady(stormFeed(), LARGE, 'job-0');
    view.resize(SMALL);
    const frame = await frameWhere(view, (f) => linesOf(f).length === SMALL.rows);
    expect(linesOf(frame)[0]).toMatch(/^forktop .*lost 0  LIVE$/);
    expect(linesOf(frame).at(-1)).toContain('q:quit');
    expectFits(frame, SMALL);
  });

  // As top's: the numbers are those of the second's first frame, so at any pace the header
  // line stays the same between frames (the list moves, the header does not).
  it('the rates and live count change once a second of model time; a loss shows at once', async () => {
    const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/bin/bash']);
    s.ts = 2000e9 + 1e6; // just after a second starts: what follows stays within it
    s.fork(100, 10).exec(100, ['/bin/true', 'first']);
    const feed = feedOf(s);
    const view = await showReady(feed, {}, 'first');
    const top = (frame: string) => frame.split('\n')[0];
    expect(top(view.lastFrame()!)).toMatch(/exec 1\/s .* live 3 .*lost 0  LIVE$/);

    feed.push(later(feed).fork(101, 10).exec(101, ['/bin/true', 'second']).events);
    expect(top(await frameWhere(view, 'second'))).toMatch(/exec 1\/s .* live 3 .*lost 0  LIVE$/);

    feed.push(later(feed).lost(2).events);
    expect(top(await frameWhere(view, (f) => top(f).includes('lost 2')))).toMatch(/exec 2\/s .* live 4 .*lost 2  LIVE$/);

    const next = later(feed);
    next.ts = 2001e9 + 1e6;
    feed.push(next.fork(102, 10).events);
    expect(top(await frameWhere(view, (f) => / live 5 /.test(top(f))))).toMatch(/fork 1\/s .* live 5 .*lost 2  LIVE$/);

    // A replay's clock stops with it: once it ended, the numbers are the last ones, not the
    // second's first frame's.
    feed.push(later(feed).fork(103, 10).events);
    feed.end();
    expect(top(await frameWhere(view, 'ENDED'))).toMatch(/ live 6 .*lost 2  ENDED$/);
  });
});
