// Runs the full-screen live view on the terminal, and gives the terminal back exactly as it
// was on every way out (q, Ctrl-C, SIGTERM, SIGHUP, a crash).
import { render } from 'ink';
import fs from 'node:fs';
import os from 'node:os';
import tty from 'node:tty';
import type { Model } from '../model/model.js';
import type { StopControl } from '../stop/control.js';
import { App, type InitialFilter } from './App.js';
import type { ReadNow } from './views/InspectView.js';
import { Feed } from './feed.js';
import { themeFor } from './theme.js';
import { loadUserNames } from './users.js';

const ENTER = '\x1b[?1049h\x1b[?25l'; // alternate screen, hide cursor
const LEAVE = '\x1b[?25h\x1b[?1049l'; // show cursor, main screen

export interface LiveView {
  feed: Feed;
  /** Resolves when the user quits, with the exit status: 0 for q, 130 for Ctrl-C (as a
   *  shell expects of an interrupted program). */
  done: Promise<number>;
  /** Unmounts and restores the terminal; safe to call more than once. */
  close(): void;
}

/** Where keys come from: stdin when it is a terminal, else the terminal itself (/dev/tty),
 *  as when stdin carries a replay. Undefined when there is no terminal to read. */
export function keyboard(stdinIsData: boolean): NodeJS.ReadStream | undefined {
  if (!stdinIsData && process.stdin.isTTY) return process.stdin;
  try {
    return new tty.ReadStream(fs.openSync('/dev/tty', 'r')) as unknown as NodeJS.ReadStream;
  } catch {
    return undefined;
  }
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
  bell?: boolean;
  /** Reads a running process's cwd, exe and cgroup now (a live source: /proc). */
  readNow?: ReadNow;
}

export function startLiveView({
  sourceName, stdin = process.stdin, host = os.hostname(), note, initial = {}, makeStopControl, bell = true, readNow,
}: LiveViewOptions): LiveView {
  const feed = new Feed(host, sourceName, undefined, note);
  const stopControl = makeStopControl?.(feed.model);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.stdout.write(LEAVE);
  };
  // Even a hard exit puts the terminal back.
  process.on('exit', restore);
  process.stdout.write(ENTER);
  let status = 0;
  const onInterrupt = () => void (status = 130);
  const instance = render(<App feed={feed} theme={themeFor()} users={loadUserNames()} initial={initial} stopControl={stopControl} bell={bell} readNow={readNow} onInterrupt={onInterrupt} />, {
    stdin,
    exitOnCtrlC: false, // the App handles Ctrl-C, so the exit status can say so
    maxFps: 30,
    patchConsole: true,
  });
  return {
    feed,
    done: instance.waitUntilExit().then(() => status),
    close: () => {
      instance.unmount();
      restore();
    },
  };
}
