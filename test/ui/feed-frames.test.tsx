// When the live view draws for the feed (use-feed-frames.ts), on a fake clock: at once on a
// screen still for STILL_MS, FRAME_MS apart in a stream, and SOON_MS after the last frame for a change the
// App says must not wait, at most once per SOON_GAP_MS.
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Feed } from '../../src/ui/feed.js';
import { FRAME_MS, SOON_GAP_MS, SOON_MS, STILL_GATHER_MS, STILL_MS, useFeedFrames } from '../../src/ui/use-feed-frames.js';

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

  it('draws at once on a still screen (with what comes right behind), FRAME_MS apart while changes keep coming, SOON_MS after the last when asked', async () => {
    expect(SOON_GAP_MS).toBeLessThan(STILL_MS);
    expect(STILL_MS).toBeLessThan(FRAME_MS);
    const feed = new Feed('h', 'netlink');
    let urgent = false;
    const soon = { current: () => urgent };
    const app = render(<Probe feed={feed} soon={soon} />);
    await settle();
    vi.advanceTimersByTime(FRAME_MS);
    const start = draws;
    /** Frames drawn since `start`, once `ms` have passed and React has rendered. */
    const framesAfter = async (ms: number) => {
      vi.advanceTimersByTime(ms);
      await settle();
      return draws - start;
    };

    feed.push([]); // still for a frame interval: at once, STILL_GATHER_MS after it...
    expect(await framesAfter(STILL_GATHER_MS - 2)).toBe(0);
    feed.push([]); // ...with what comes right behind it (an exec after its fork), in one frame
    expect(await framesAfter(1)).toBe(0);
    expect(await framesAfter(1)).toBe(1);

    feed.push([]); // a storm: waits for the interval
    expect(await framesAfter(FRAME_MS / 2)).toBe(1);

    urgent = true; // a row to read: SOON_MS after the last frame, already past
    feed.push([]);
    expect(await framesAfter(0)).toBe(2);

    feed.push([]); // another within SOON_GAP_MS of it: the routine frame
    expect(await framesAfter(FRAME_MS - 1)).toBe(2);
    expect(await framesAfter(1)).toBe(3);

    feed.push([]); // past the gap: SOON_MS after that frame, not before
    expect(await framesAfter(SOON_MS - 1)).toBe(3);
    expect(await framesAfter(1)).toBe(4);

    urgent = false; // the rest of the storm: FRAME_MS after the last frame
    feed.push([]);
    expect(await framesAfter(FRAME_MS - 1)).toBe(4);
    expect(await framesAfter(1)).toBe(5);

    // Nothing since that frame for STILL_MS: the next change draws at once, though FRAME_MS
    // has not passed (execs a few a second each show as they come)...
    vi.advanceTimersByTime(STILL_MS);
    feed.push([]);
    expect(await framesAfter(STILL_GATHER_MS)).toBe(6);
    // ...and a stream right behind it waits FRAME_MS from it, though it passes STILL_MS
    // meanwhile: a frame on its way is not a still screen.
    feed.push([]);
    expect(await framesAfter(STILL_MS)).toBe(6);
    feed.push([]);
    expect(await framesAfter(FRAME_MS - STILL_MS - 1)).toBe(6);
    expect(await framesAfter(1)).toBe(7);

    // Not quite still: a change STILL_MS - 1 after a frame waits for FRAME_MS.
    vi.advanceTimersByTime(STILL_MS - 1);
    feed.push([]);
    expect(await framesAfter(FRAME_MS - STILL_MS)).toBe(7);
    expect(await framesAfter(1)).toBe(8);

    // The clock's frame once a second on an idle machine (the rates fall) does not make the
    // screen less still: an exec right after it draws at once.
    vi.advanceTimersByTime(STILL_MS);
    feed.advance(feed.model.now + 2e9, '');
    expect(await framesAfter(STILL_GATHER_MS)).toBe(9);
    feed.push([]);
    expect(await framesAfter(STILL_GATHER_MS)).toBe(10);
    app.unmount();
  });
});
