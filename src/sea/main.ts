// The single executable's entry (scripts/dist.js bundles it, and all of forktop, into one
// CommonJS script, what Node 20's single-executable applications run). It does what
// src/cli.ts does for `node dist/cli.js`: `--version` before anything else loads, V8's heap
// flags set, then main(). The package's fields come in at build time.
import { setHeapFlags } from '../heap-flags.js';

setHeapFlags();

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${FORKTOP_PACKAGE.version ?? '0'}\n`);
} else {
  // A dynamic import: the bundle evaluates forktop's modules only now (not for --version).
  void import('../main.js').then(({ main }) => main(FORKTOP_PACKAGE));
}
