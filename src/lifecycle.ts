// One way out: SIGINT, SIGTERM, SIGHUP, an uncaught error, or the reader of stdout going
// away all run the same cleanup once (detach from the kernel, flush), then exit.
import { loadAddon } from './sources/addon.js';
import { errorLine } from './ui/text.js';

/** Resolves with a status to exit with when the run otherwise went well (a recording that
 *  stopped on a full disk: 1), or nothing. */
export type Cleanup = () => Promise<number | void>;

/** A step's error is kept for later so the steps after it still run (the terminal being gone
 *  must not cost the recording its tail); the first error is thrown once all have run. */
export async function eachStep(...steps: Array<() => unknown>): Promise<void> {
  let first: unknown;
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      first ??= error;
    }
  }
  if (first !== undefined) throw first;
}

const isEio = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code === 'EIO';
/** With the terminal gone nobody can press Ctrl-C again: how long the cleanup may take before
 *  forktop leaves anyway. */
const CLEANUP_MS = 5000;

export function exitCleanlyOn(cleanup: Cleanup): (code: number) => Promise<never> {
  let exiting: Promise<never> | undefined;
  // SIGHUP, or EIO writing to it: the terminal is gone (an ssh that dropped, a closed
  // tmux window). Node 20 aborts at exit restoring a vanished tty; stdio is pointed at
  // /dev/null first so it doesn't try.
  let terminalGone = false;
  let exitCode = 0;
  let deadline: NodeJS.Timeout | undefined;
  const leave = (code: number): never => {
    if (terminalGone && (process.stdin.isTTY || process.stdout.isTTY)) {
      try {
        loadAddon().detachStdio();
      } catch {
        // no addon: nothing better to do
      }
    }
    process.exit(code);
  };
  const terminalWentAway = () => {
    terminalGone = true;
    if (exiting) deadline ??= setTimeout(() => leave(exitCode), CLEANUP_MS);
  };
  const run = async (): Promise<never> => {
    if (terminalGone) terminalWentAway();
    try {
      const status = await cleanup();
      if (status) exitCode ||= status;
    } catch (error) {
      // A write to a terminal that closed meanwhile is how it ends, not a failure.
      if (!(terminalGone && isEio(error))) {
        if (!terminalGone) process.stderr.write(errorLine(`while stopping: ${(error as Error).message}`));
        exitCode ||= 1;
      }
    }
    return leave(exitCode);
  };
  // Asked again while stopping (the view ending as the cleanup closes it, an error from a
  // step), the cleanup under way finishes: leaving at once would cut off the recording's tail.
  const exit = (code: number): Promise<never> => {
    exitCode ||= code;
    exiting ??= run();
    return exiting;
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // A hangup (one per process group, or with EIO) is not someone insisting.
      if (signal === 'SIGHUP') terminalWentAway();
      else if (exiting) leave(exitCode); // a second Ctrl-C while cleaning up: leave now
      void exit(0);
    });
  }
  process.on('uncaughtException', (error) => {
    if (isEio(error)) {
      terminalWentAway();
      void exit(0);
      return;
    }
    process.stderr.write(errorLine(String((error as Error | undefined)?.message ?? error)));
    if (exiting) leave(exitCode || 1); // the cleanup itself crashed
    void exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(errorLine(reason instanceof Error ? reason.message : String(reason)));
    if (exiting) leave(exitCode || 1);
    void exit(1);
  });
  return exit;
}
