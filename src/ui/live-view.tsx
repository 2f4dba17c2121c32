// Runs the full-screen live view on the terminal, and gives the terminal back exactly as it
// was on every way out (q, Ctrl-C, SIGTERM, SIGHUP, a crash).
import { render } from 'ink';
import os from 'node:os';
import type { Model } from '../model/model.js';
import type { Origin } from '../model/origins.js';
import type { StopControl } from '../stop/control.js';
import { App, type InitialFilter } from './App.js';
import type { ReadNow } from './views/InspectView.js';
import { Feed } from './feed.js';
import { themeFor } from './theme.js';
import { enterScreen, leaveScreen } from './screen.js';
import { loadUserNames } from './users.js';

export interface LiveView {
  feed: Feed;
  /** Resolves when the user quits, with the exit status: 0 for q, 130 for Ctrl-C (as a
   *  shell expects of an interrupted program). */
  done: Promise<number>;
  /** Unmounts and restores the terminal; safe to call more than once. */
  close(): void;
}

export interface LiveViewOptions {
  sourceName: string;
  stdin?: NodeJS.ReadStream;
  host?: string;
  /** What the source can't see, when the screen must say it. */
  note?: string;
  initial?: InitialFilter;
  /** What the K key drives: only for a live source, never a replay. */
  makeStopControl?: (model: Model) => StopControl;
  /** Told whenever the screen starts or stops waiting for rows (see App). */
  onWaitingForRows?: (waiting: boolean) => void;
  bell?: boolean;
  /** Reads a running process's cwd, exe and cgroup now (a live source: /proc). */
  readNow?: ReadNow;
  /** A container's name from its runtime's files (a live source). */
  containerName?: (origin: Origin) => string | null;
}

export function startLiveView({
  sourceName, stdin = process.stdin, host = os.hostname(), note, initial = {}, makeStopControl, onWaitingForRows, bell = true, readNow, containerName,
}: LiveViewOptions): LiveView {
  const feed = new Feed(host, sourceName, undefined, note);
  const stopControl = makeStopControl?.(feed.model);
  // Even a hard exit puts the terminal back. The CLI may have switched already, to say
  // "starting…" while this loaded: the first frame draws over that line.
  enterScreen();
  let status = 0;
  const onInterrupt = () => void (status = 130);
  const instance = render(<App feed={feed} theme={themeFor()} users={loadUserNames()} initial={initial} stopControl={stopControl} bell={bell} readNow={readNow} containerName={containerName} onWaitingForRows={onWaitingForRows} onInterrupt={onInterrupt} />, {
    stdin,
    exitOnCtrlC: false, // the App handles Ctrl-C, so the exit status can say so
    // Ink's own cap on renders: the pace is set by use-feed-frames.ts, and at 30 a frame asked
    // for 10 ms after another (a new row amid a filtered storm) waited 33.
    maxFps: 100,
    patchConsole: true,
  });
  return {
    feed,
    done: instance.waitUntilExit().then(() => status),
    close: () => {
      instance.unmount();
      leaveScreen();
    },
  };
}
