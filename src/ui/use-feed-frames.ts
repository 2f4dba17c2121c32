// When the live view draws for the feed: at once (STILL_GATHER_MS after) when the screen has
// been still for STILL_MS (an exec at a person's pace shows as it happens), else FRAME_MS after
// the last frame (a stream or a storm draws twice a second, however many batches come). A frame costs the same
// whatever changed, so the interval, not the event rate, sets what the screen costs. One exception:
// a change the person can read as it comes (a few new rows of a list a filter keeps quiet
// in a storm, see new-rows.ts) draws SOON_MS after the last frame, at most once per SOON_GAP_MS.
import { useEffect, useState } from 'react';
import type { Feed } from './feed.js';

/** 2 routine frames a second for a steady stream (keys draw at once, on their own, and so
 *  does an exec on a still screen): a frame costs a few ms of CPU whatever changed, and at a
 *  quiet pace frames are most of the live view's cost (the soak's 10 exec/s figures,
 *  bench/soak.js). htop draws every 1.5 s. */
export const FRAME_MS = 500;
/** A screen with no change for this long draws the next at once (STILL_GATHER_MS after it):
 *  execs up to 3 a second each show as they come. */
export const STILL_MS = 333;
/** How long a still screen's first change waits for those right behind it: a command's fork,
 *  exec and exit can come in two or three batches, and a frame for the fork alone (which the
 *  exec list does not show) would make the exec wait for the next routine frame. */
export const STILL_GATHER_MS = 15;
/** The least time between a frame and one for a change that `soon` says must not wait. */
export const SOON_MS = 10;
/** The least time between two such frames: a filter that lets a storm's every tenth exec
 *  through must not draw every batch. */
export const SOON_GAP_MS = 100;

export function useFeedFrames(feed: Feed, soon?: { current: () => boolean }, frameMs = FRAME_MS): void {
  const [, setVersion] = useState(feed.version);
  useEffect(() => {
    let last = -Infinity;
    /** The last frame that drew an event's change: the clock's frame once a second on an idle
     *  machine leaves the screen still. */
    let lastMoved = -Infinity;
    let moves = false;
    /** A still screen's first change is waiting STILL_GATHER_MS: what follows joins it. */
    let gathering = false;
    let lastSoon = -Infinity;
    let timer: NodeJS.Timeout | undefined;
    let due = Infinity;
    let dueIsSoon = false;
    const draw = () => {
      timer = undefined;
      due = Infinity;
      gathering = false;
      last = performance.now();
      if (moves) lastMoved = last;
      moves = false;
      if (dueIsSoon) lastSoon = last;
      dueIsSoon = false;
      setVersion(feed.version);
    };
    const unsubscribe = feed.onChange((clockOnly) => {
      const now = performance.now();
      if (!clockOnly) moves = true;
      if (gathering) return;
      const still = due === Infinity && now - lastMoved >= STILL_MS;
      const routine = still ? now + STILL_GATHER_MS : last + frameMs;
      // Asked only while waiting for a routine frame: a soon one is already on its way.
      const early = routine > now && due > last + SOON_MS && now - lastSoon >= SOON_GAP_MS && soon?.current() === true;
      const at = early ? last + SOON_MS : routine;
      if (at >= due) return;
      clearTimeout(timer);
      dueIsSoon = early;
      gathering = still && !early;
      if (at <= now) draw();
      else {
        due = at;
        timer = setTimeout(draw, at - now);
      }
    });
    // What changed before this effect ran (the first batches) is drawn too.
    draw();
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [feed, frameMs, soon]);
}
