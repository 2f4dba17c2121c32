// The App on a fake terminal of a given size, as the UI tests see it: every frame it writes
// is kept, keys are written to its stdin. ink-testing-library's terminal is always 100
// columns and has no rows (the App then assumes 24): this one has both, so a test can ask
// what a person sees on an 80×24 terminal or a 120×40 one.
import { EventEmitter } from 'node:events';
import { render as inkRender } from 'ink';
import stringWidth from 'string-width';
import { expect } from 'vitest';
import type { StopControl } from '../../src/stop/control.js';
import { App, type InitialFilter } from '../../src/ui/App.js';
import type { Feed } from '../../src/ui/feed.js';
import { themeFor, type Theme } from '../../src/ui/theme.js';
import type { ReadNow } from '../../src/ui/views/InspectView.js';
import { frameSince, until } from './wait.js';

export interface Size {
  columns: number;
  rows: number;
}

/** What the tests were written against: ink-testing-library's 100 columns, and the App's 24 rows. */
export const DEFAULT_SIZE: Size = { columns: 100, rows: 24 };
/** The classic terminal. */
export const SMALL: Size = { columns: 80, rows: 24 };
/** A roomy one. */
export const LARGE: Size = { columns: 120, rows: 40 };

export const theme: Theme = themeFor({ NO_COLOR: '1' });
export const users = new Map([[0, 'root'], [1000, 'alice']]);

class FakeStdout extends EventEmitter {
  readonly frames: string[] = [];
  constructor(public columns: number, public rows: number) {
    super();
  }
  write = (frame: string): boolean => {
    this.frames.push(frame);
    return true;
  };
  lastFrame = (): string | undefined => this.frames[this.frames.length - 1];
}

class FakeStderr extends EventEmitter {
  readonly frames: string[] = [];
  write = (frame: string): boolean => {
    this.frames.push(frame);
    return true;
  };
}

/** As ink-testing-library's: a write is one read of the terminal, handled at once. */
class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write = (data: string): void => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  read = (): string | null => {
    const { data } = this;
    this.data = null;
    return data;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

export interface Shown {
  stdin: FakeStdin;
  stdout: FakeStdout;
  /** Every frame written so far, oldest first. */
  frames: string[];
  lastFrame(): string | undefined;
  /** The terminal was resized (SIGWINCH). */
  resize(size: Size): void;
  /** Runs the effects of the last render now (see press). */
  settle(): void;
  unmount(): void;
}

export interface ShowOptions extends Partial<Size> {
  initial?: InitialFilter;
  stopControl?: StopControl;
  bell?: boolean;
  readNow?: ReadNow;
  users?: Map<number, string>;
  onWaitingForRows?: (waiting: boolean) => void;
}

const mounted: Shown[] = [];

/** Renders the App on a terminal of `columns`×`rows` (100×24 unless told). */
export function show(feed: Feed, options: ShowOptions = {}): Shown {
  const { columns, rows } = { ...DEFAULT_SIZE, ...options };
  const stdout = new FakeStdout(columns, rows);
  const stdin = new FakeStdin();
  const app = (
    <App
      feed={feed} theme={theme} users={options.users ?? users} initial={options.initial}
      stopControl={options.stopControl} bell={options.bell} readNow={options.readNow}
      onWaitingForRows={options.onWaitingForRows}
    />
  );
  const instance = inkRender(app,
    {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stderr: new FakeStderr() as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      debug: true, // every render written whole, at once: a frame is the screen
      exitOnCtrlC: false,
      patchConsole: false,
    },
  );
  let gone = false;
  const shown: Shown = {
    stdin,
    stdout,
    frames: stdout.frames,
    lastFrame: stdout.lastFrame,
    resize: ({ columns: c, rows: r }) => {
      stdout.columns = c;
      stdout.rows = r;
      stdout.emit('resize');
    },
    settle: () => {
      if (!gone) instance.rerender(app);
    },
    unmount: () => {
      if (gone) return;
      gone = true;
      instance.unmount();
      instance.cleanup();
    },
  };
  mounted.push(shown);
  return shown;
}

/** Renders and waits until the App reads keys (a key written before is lost) and has drawn
 *  a frame that satisfies `ready` (the header unless told). */
export async function showReady(feed: Feed, options: ShowOptions = {}, ready: string | RegExp = 'forktop'): Promise<Shown> {
  const shown = show(feed, options);
  await until(() => shown.stdin.listenerCount('readable') > 0, 'the App reads its keys');
  await until(() => {
    const frame = shown.lastFrame() ?? '';
    return typeof ready === 'string' ? frame.includes(ready) : ready.test(frame);
  }, `a first frame showing ${String(ready)}`);
  return shown;
}

type Expectation = string | RegExp | ((frame: string) => boolean);

/**
 * Types `keys` (one read of the terminal) and resolves with the first frame drawn after them
 * that shows `what`; without `what`, once they are read (a key that changes nothing visible:
 * the next key's effect proves it was handled).
 *
 * Before writing, the effects of the last render are run. Ink's renderer is React's legacy
 * root: a key's render is drawn at once, but its effects (among them useInput taking the
 * App's new key handler, which reads the state just drawn) run in a later task, and on a
 * loaded machine that task can come after the next key, which the handler of the screen
 * before would then take ("j" then Enter inspecting the row j left). A person's keys come
 * further apart than that; a test's come at once. Never a sleep: a rerender of the same
 * element runs them now.
 */
export async function press(view: Shown, keys: string, what?: Expectation): Promise<string> {
  view.settle();
  const before = view.frames.length;
  view.stdin.write(keys);
  if (what === undefined) return view.lastFrame() ?? '';
  return frameSince(view, before, what);
}

/** For afterEach: unmounts every App a test rendered. */
export function unmountAll(): void {
  for (const shown of mounted.splice(0)) shown.unmount();
}

/** The lines of a frame. */
export const linesOf = (frame: string): string[] => frame.split('\n');

/** The frame fills the terminal, no more: `rows` lines (the header stays at the top), none
 *  wider than `columns` (a wider line wraps and pushes the header off). */
export function expectFits(frame: string, { columns, rows }: Size): void {
  const lines = linesOf(frame);
  expect(lines, frame).toHaveLength(rows);
  const wide = lines.filter((l) => stringWidth(l) > columns);
  expect(wide, frame).toEqual([]);
}
