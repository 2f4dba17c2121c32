// One way out: SIGINT, SIGTERM, SIGHUP, an uncaught error, or the reader of stdout going
// away all run the same cleanup once (detach from the kernel, flush), then exit.
import { loadAddon } from './sources/addon.js';

export type Cleanup = () => Promise<void>;

export function exitCleanlyOn(cleanup: Cleanup): (code: number) => Promise<never> {
  let exiting = false;
  // SIGHUP, or EIO writing to it: the terminal is gone (an ssh that dropped, a closed
  // tmux window). Node 20 aborts at exit restoring a vanished tty; stdio is pointed at
  // /dev/null first so it doesn't try.
  let terminalGone = false;
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
  const exit = async (code: number): Promise<never> => {
    if (exiting) leave(code); // a second signal while cleaning up: leave now
    exiting = true;
    try {
      await cleanup();
    } catch (error) {
      if (!terminalGone) process.stderr.write(`forktop: while stopping: ${(error as Error).message}\n`);
      code = code || 1;
    }
    return leave(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (signal === 'SIGHUP') terminalGone = true;
      void exit(0);
    });
  }
  process.on('uncaughtException', (error) => {
    if ((error as NodeJS.ErrnoException).code === 'EIO') {
      terminalGone = true;
      void exit(0);
      return;
    }
    process.stderr.write(`forktop: ${error.message}\n`);
    void exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`forktop: ${reason instanceof Error ? reason.message : String(reason)}\n`);
    void exit(1);
  });
  return exit;
}
