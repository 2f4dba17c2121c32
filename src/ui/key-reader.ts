// From what the terminal sent to what it means: one read may hold several keys (key repeat
// over ssh, a paste, "Ky"), an Esc glued to the next key, text for a prompt, or the answer
// to a confirmation. Each is routed, in the mode the key before it left, to the one thing
// that takes it. The screen's state is read through the callbacks (refs, not a render's
// snapshot): keys come faster than renders.
import type { Key } from 'ink';
import { commandFor, CONTINUES_IN_READ, isPlain, keyForChar, PLAIN_KEY, type Command } from './keymap.js';

export interface KeyRoutes {
  /** This read began with an Esc of its own ("\x1b/"): see use-escape-prefix.ts. */
  escapePrefixed(): boolean;
  interrupt(): void;
  /** A confirmation waits for its answer: any key answers it. */
  confirming(): boolean;
  answer(yes: boolean): void;
  /** A prompt (the filter, the user) takes text. */
  editing(): boolean;
  edit(text: string, key: Key): void;
  /** The help screen is open: it takes the moving keys. */
  helping(): boolean;
  help(command: Command | undefined): void;
  run(command: Command): void;
  /** Keys read together with one that changes the screen wait until it is drawn (text, or
   *  one named key: a second Esc). */
  defer(rest: string, key?: Key): void;
}

export function makeKeyReader(routes: KeyRoutes): (input: string, key: Key) => void {
  const read = (input: string, key: Key): void => {
    if (routes.escapePrefixed()) {
      read('', { ...PLAIN_KEY, escape: true });
      if (key.escape) {
        // Esc Esc: the second goes back from where the first left (a card closed, then the
        // filter under it cleared), so it waits until that is drawn.
        routes.defer('', { ...PLAIN_KEY, escape: true });
        return;
      }
      key = { ...key, meta: false };
    }
    if ((key.ctrl && input === 'c') || input === '\x03') { // \x03: Ctrl-C read among other keys
      routes.interrupt();
      return;
    }
    // Each character of a read of several is a key, read in the mode the one before left.
    const several = input.length > 1 && isPlain(key);
    if (input.length === 1 && isPlain(key)) key = keyForChar(input, key);
    if (routes.confirming()) {
      routes.answer(input[0] === 'y' || input[0] === 'Y');
      if (several) read(input.slice(1), key);
      return;
    }
    if (routes.editing()) {
      routes.edit(input, key);
      return;
    }
    if (routes.helping() && !several) {
      routes.help(commandFor(input, key));
      return;
    }
    if (several) {
      const first = input[0];
      const command = commandFor(first, keyForChar(first, key));
      read(first, key);
      if (command && !CONTINUES_IN_READ.has(command)) routes.defer(input.slice(1));
      else read(input.slice(1), key);
      return;
    }
    const command = commandFor(input, key);
    if (command) routes.run(command);
  };
  return read;
}
