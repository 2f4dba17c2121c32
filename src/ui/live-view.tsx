// Runs the full-screen live view on the terminal, and gives the terminal back exactly as it
// was on every way out (q, Ctrl-C, SIGTERM, SIGHUP, a crash).
import { render } from 'ink';
import os from 'node:os';
import { App } from './App.js';
import { Feed } from './feed.js';
import { themeFor } from './theme.js';
import { loadUserNames } from './users.js';

const ENTER = '\x1b[?1049h\x1b[?25l'; // alternate screen, hide cursor
const LEAVE = '\x1b[?25h\x1b[?1049l'; // show cursor, main screen

export interface LiveView {
  feed: Feed;
  /** Resolves when the user quits. */
  done: Promise<void>;
  /** Unmounts and restores the terminal; safe to call more than once. */
  close(): void;
}

export function canShowLiveView(): boolean {
  return Boolean(process.stdout.isTTY && process.stdin.isTTY);
}

export function startLiveView(sourceName: string): LiveView {
  const feed = new Feed(os.hostname(), sourceName);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    process.stdout.write(LEAVE);
  };
  // Even a hard exit puts the terminal back.
  process.on('exit', restore);
  process.stdout.write(ENTER);
  const instance = render(<App feed={feed} theme={themeFor()} users={loadUserNames()} />, {
    exitOnCtrlC: true,
    maxFps: 30,
    patchConsole: true,
  });
  return {
    feed,
    done: instance.waitUntilExit().then(() => undefined),
    close: () => {
      instance.unmount();
      restore();
    },
  };
}
