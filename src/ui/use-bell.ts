// The alarm: the terminal's bell, once for each fork bomb detected, for someone ssh'd in
// who is looking at another window (tmux and most terminals flag it).
import { useStdout } from 'ink';
import { useEffect, useRef } from 'react';
import type { Feed } from './feed.js';

export function useBombBell(feed: Feed, enabled: boolean): void {
  const { stdout } = useStdout();
  const rung = useRef(feed.bombAlarms); // bombs raised before the screen opened are not news
  useEffect(() => {
    if (feed.bombAlarms <= rung.current) return;
    rung.current = feed.bombAlarms;
    if (enabled) stdout.write('\x07'); // BEL moves nothing on screen, so Ink's frame stays right
  });
}
