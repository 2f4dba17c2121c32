// When the live view draws for the feed (use-feed-frames.ts), on a fake clock: at once on a
// still screen, FRAME_MS apart in a storm, and SOON_MS after the last frame for a change the
// App says must not wait, at most once per SOON_GAP_MS.
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Feed } from '../../src/ui/feed.js';
import { FRAME_MS, SOON_GAP_MS, SOON_MS, useFeedFrames } from '../../src/ui/use-feed-frames.js';

let draws = 0;
function Probe({ feed, soon }: { feed: Feed; soon: { current: () => boolean } }) {
  useFeedFrames(feed, soon);
  draws++;
  return <Text>{feed.version}</Text>;
}

/** Lets React render what was set (its scheduler runs on setImmediate, left real). */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe('useFeedFrames', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    draws = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('draws at once on a still screen, FRAME_MS apart while changes keep coming, SOON_MS after the last when asked', async () => {
    expect(SOON_GAP_MS).toBeLessThan(FRAME_MS);
    const feed = new Feed('h', 'netlink');
    let urgent = false;
    const soon = { current: () => urgent };
    const app = render(<Probe feed={feed} soon={soon} />);
    await settle();
    vi.advanceTimersByTime(FRAME_MS);
    const start = draws;

    feed.push([]); // still for a frame interval: at once
    await settle();
    expect(draws).toBe(start + 1);

    feed.push([]); // a storm: waits for the interval
    vi.advanceTimersByTime(FRAME_MS / 2);
    await settle();
    expect(draws).toBe(start + 1);

    urgent = true; // a row to read: SOON_MS after the last frame, already past
    feed.push([]);
    await settle();
    expect(draws).toBe(start + 2);

    feed.push([]); // another within SOON_GAP_MS of it: the routine frame
    vi.advanceTimersByTime(FRAME_MS - 1);
    await settle();
    expect(draws).toBe(start + 2);
    vi.advanceTimersByTime(1);
    await settle();
    expect(draws).toBe(start + 3);

    feed.push([]); // past the gap: SOON_MS after that frame, not before
    vi.advanceTimersByTime(SOON_MS - 1);
    await settle();
    expect(draws).toBe(start + 3);
    vi.advanceTimersByTime(1);
    await settle();
    expect(draws).toBe(start + 4);

    urgent = false; // the rest of the storm: FRAME_MS after the last frame
    feed.push([]);
    vi.advanceTimersByTime(FRAME_MS - 1);
    await settle();
    expect(draws).toBe(start + 4);
    vi.advanceTimersByTime(1);
    await settle();
    expect(draws).toBe(start + 5);
    app.unmount();
  });
});
