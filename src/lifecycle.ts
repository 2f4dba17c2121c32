// One way out: SIGINT, SIGTERM, SIGHUP, an uncaught error, or the reader of stdout going
// away all run the same cleanup once (detach from the kernel, flush), then exit.
export type Cleanup = () => Promise<void>;

export function exitCleanlyOn(cleanup: Cleanup): (code: number) => Promise<never> {
  let exiting = false;
  const exit = async (code: number): Promise<never> => {
    if (exiting) process.exit(code); // a second signal while cleaning up: leave now
    exiting = true;
    try {
      await cleanup();
    } catch (error) {
      process.stderr.write(`forktop: while stopping: ${(error as Error).message}\n`);
      code = code || 1;
    }
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void exit(0));
  }
  process.on('uncaughtException', (error) => {
    process.stderr.write(`forktop: ${error.message}\n`);
    void exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`forktop: ${reason instanceof Error ? reason.message : String(reason)}\n`);
    void exit(1);
  });
  return exit;
}
