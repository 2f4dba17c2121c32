// The machines the UI tests look at, built from scripted events (no kernel, no clock).
import { Feed } from '../../src/ui/feed.js';
import { bomb, Script } from '../helpers/script.js';

/** bash (pid 10, alice) runs /bin/true job-0..29 (job-29 exits 3), then a sleep killed by signal 9. */
export function stormFeed(): Feed {
  const s = new Script().snapshot(1, 0, ['/sbin/init']).snapshot(10, 1, ['/bin/bash'], { uid: 1000 });
  for (let i = 0; i < 30; i++) s.after(5).fork(100 + i, 10).exec(100 + i, ['/bin/true', `job-${i}`], { uid: 1000 }).after(1).exit(100 + i, i === 29 ? 3 : 0);
  s.fork(200, 10).exec(200, ['/usr/bin/sleep', '100'], { uid: 1000 });
  s.after(1).exit(200, 0, 9);
  const feed = new Feed('web-1', 'netlink');
  feed.push(s.events);
  return feed;
}

/** A fork bomb rooted at pid 999 (8 generations), optionally after some other execs. */
export function bombFeed(before?: (s: Script) => void): Feed {
  const s = new Script().snapshot(1, 0, ['/sbin/init']);
  before?.(s);
  let next = 1000;
  bomb(s, 999, 1, 8, () => next++);
  const feed = new Feed('web-1', 'netlink');
  feed.push(s.events);
  return feed;
}

/** A feed of `s`'s events. */
export function feedOf(s: Script, host = 'h', source = 'netlink'): Feed {
  const feed = new Feed(host, source);
  feed.push(s.events);
  return feed;
}

/** A script whose clock starts just after the feed's last event, for events that come later. */
export function later(feed: Feed): Script {
  const s = new Script();
  s.ts = feed.model.now + 1e6;
  return s;
}
