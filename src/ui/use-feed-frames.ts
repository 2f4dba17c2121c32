// When the live view draws for the feed: at once when the screen has been still for a frame
// interval (an exec at a person's pace shows as it happens), else when the interval is up (a
// storm draws FRAME_MS apart, however many batches come). A frame costs the same whatever
// changed, so the interval, not the event rate, sets what the screen costs.
import { useEffect, useState } from 'react';
import type { Feed } from './feed.js';

/** 5 frames a second at most for what the feed brings (keys draw at once, on their own): a
 *  frame costs ~5–10 ms of CPU, and at 10 a second the live view took twice forkstat's CPU in
 *  a 500 exec/s storm. htop draws every 1.5 s. */
export const FRAME_MS = 200;

export function useFeedFrames(feed: Feed, frameMs = FRAME_MS): void {
  const [, setVersion] = useState(feed.version);
  useEffect(() => {
    let last = -Infinity;
    let timer: NodeJS.Timeout | undefined;
    const draw = () => {
      timer = undefined;
      last = performance.now();
      setVersion(feed.version);
    };
    const unsubscribe = feed.onChange(() => {
      if (timer) return;
      const wait = last + frameMs - performance.now();
      if (wait <= 0) draw();
      else timer = setTimeout(draw, wait);
    });
    // What changed before this effect ran (the first batches) is drawn too.
    draw();
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [feed, frameMs]);
}
