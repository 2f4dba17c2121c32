// Waiting for a frame, not for a time: on a loaded machine a render may take far longer than
// a frame's 33 ms, and a test that sleeps a fixed time then reads the screen flakes there.

interface Rendered {
  lastFrame(): string | undefined;
}

/** Resolves with the first frame that contains (or matches) `what`; fails after `timeoutMs`. */
export async function frameWhere(view: Rendered, what: string | RegExp | ((frame: string) => boolean), timeoutMs = 10_000): Promise<string> {
  const test = typeof what === 'function' ? what : typeof what === 'string' ? (f: string) => f.includes(what) : (f: string) => what.test(f);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = view.lastFrame() ?? '';
    if (test(frame)) return frame;
    if (Date.now() > deadline) throw new Error(`no frame matched ${String(what)}; the last was:\n${frame}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves once `condition()` holds; fails after `timeoutMs`. */
export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Recorded extends Rendered {
  frames: string[];
}

/** As frameWhere, but only a frame drawn after the first `since` frames: the screen a key
 *  drew, not the one that was there before it (for a key whose effect looks like the screen
 *  before it, or that changes nothing visible but must be seen handled). */
export async function frameSince(view: Recorded, since: number, what: string | RegExp | ((frame: string) => boolean), timeoutMs = 10_000): Promise<string> {
  const test = typeof what === 'function' ? what : typeof what === 'string' ? (f: string) => f.includes(what) : (f: string) => what.test(f);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = view.lastFrame() ?? '';
    if (view.frames.length > since && test(frame)) return frame;
    if (Date.now() > deadline) {
      const drawn = view.frames.length > since ? `${view.frames.length - since} frames drawn since; the last was` : 'no frame drawn since; the one before was';
      throw new Error(`no frame matched ${String(what)}; ${drawn}:\n${frame}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
