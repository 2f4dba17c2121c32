// The header and the footer: which machine, which source, how busy, whether the screen is
// live, and the way out, on the terminal sizes people have.
import { afterEach, describe, expect, it } from 'vitest';
import { Feed } from '../../src/ui/feed.js';
import { bombFeed, stormFeed } from './feeds.js';
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
});
