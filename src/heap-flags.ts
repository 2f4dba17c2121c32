// V8's heap as forktop runs it, set as it starts (cli.ts, and sea/main.ts for the single
// executable); the young generation's size and GC threads are fixed before any code runs, so
// cli.ts's first line sets those. And how --json's optimizing compiler inlines.
import v8 from 'node:v8';

export function setHeapFlags(): void {
  // V8 grows its old space by up to 4× what it kept before collecting it again: the live
  // view's frames leave garbage there, and RSS climbed to 400 MB at 500 exec/s though 46 MB
  // were live. Growing by 10% keeps it near what is live (bench/soak.js: 158 MB, flat) for a
  // few points of a core more of GC.
  v8.setFlagsFromString('--heap-growing-percent=10');
  // Until its first full collection V8 takes any growth of the old space by 1 MB as a heap to
  // shrink, and once allocation slows it runs up to three full collections to give the pages
  // back: right after forktop's first storm, 35–50 ms of CPU to return a few MB of a small
  // heap. The collections due when the old space reaches its limit still run.
  v8.setFlagsFromString('--no-memory-reducer-for-small-heaps');
}

/** For --json, before its first batch. */
export function setJsonCompilerFlags(): void {
  // --json's hot code is a few dozen small methods that a storm makes hot within a second:
  // TurboFan compiles each on its own and again inlined into its callers, and in the first
  // storm that compiling was a third of forktop's CPU. Inlining only functions of up to 100
  // bytes of bytecode (V8's default: 460) cut the first storm's CPU by about a tenth and left
  // the next storm's as it was (the README's benchmark section).
  v8.setFlagsFromString('--max-inlined-bytecode-size=100');
}
