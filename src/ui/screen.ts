// The terminal forktop draws on: the alternate screen, entered once and given back on every
// way out (even a hard exit), and where keys come from. It loads nothing heavy, so the CLI can
// switch screens and say "starting…" before Ink and React have loaded.
import fs from 'node:fs';
import os from 'node:os';
import tty from 'node:tty';
import { printable } from './text.js';

const ENTER = '\x1b[?1049h\x1b[?25l'; // alternate screen, hide cursor
const LEAVE = '\x1b[?25h\x1b[?1049l'; // show cursor, main screen
const HOME_AND_CLEAR = '\x1b[H\x1b[2J';

let entered = false;

/** Switches to the alternate screen (once) and shows `firstLine` at its top, if given; the
 *  cursor stays at the top left, where the next frame starts. */
export function enterScreen(firstLine?: string): void {
  if (!entered) {
    entered = true;
    process.on('exit', leaveScreen);
    process.stdout.write(ENTER);
  }
  if (firstLine !== undefined) process.stdout.write(HOME_AND_CLEAR + firstLine + '\x1b[H');
}

/** Gives the terminal back as it was; safe to call more than once. */
export function leaveScreen(): void {
  if (!entered) return;
  entered = false;
  process.off('exit', leaveScreen);
  process.stdout.write(LEAVE);
}

/** The header's first line while the source starts: what the person sees first. The live
 *  view's own first frame then draws over it (its header line is longer). */
export function startingLine(host = os.hostname(), columns = process.stdout.columns || 80): string {
  const name = printable(host).slice(0, Math.max(0, columns - 'forktop   starting…'.length));
  return `\x1b[1mforktop\x1b[22m ${name}  starting…`;
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
