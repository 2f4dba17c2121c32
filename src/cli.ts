#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS FORKTOP_CA=${NODE_EXTRA_CA_CERTS} node --max-semi-space-size=4 --single-threaded-gc
// (V8's young generation, 32 MB by default, and its GC threads are fixed when Node starts:
// only a command line sets them. An 8 MB young generation, collected on the JS thread, kept
// the live view at 125 MiB and --json at 86 at 500 exec/s where 16 MB and helper threads kept
// 139 and 96, and cost a point of a core less: on two cores the helper threads only contend.
// Node reads the certificates NODE_EXTRA_CA_CERTS names as it starts, whatever it runs: with
// Debian's whole bundle there, 50 ms of every start. forktop needs them only for a tls://
// NATS server, so the variable moves aside to FORKTOP_CA, and back below; that connection
// reads the file (transport/nats-client.ts). Kernels before 5.1 keep 127 bytes of this line.
// bench/ runs forktop by this line too.)
// forktop's entry. `forktop --version` is answered before anything else loads; the rest
// runs main.js: from the bundle (dist/bundle/, all of forktop and its dependencies in a few
// files, so Node reads, resolves and compiles far fewer) when it is there and up to date, else
// from the compiled modules (FORKTOP_NO_BUNDLE=1 forces them). Both behave the same; the
// bundle starts faster.
import fs from 'node:fs';
import { setHeapFlags } from './heap-flags.js';

const here = new URL('.', import.meta.url);

function modifiedMs(file: string): number | undefined {
  try {
    return fs.statSync(new URL(file, here)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The bundle, unless it is out of date: in a checkout (src/ beside dist/) tsc rewrites
 *  every module, so one newer than the bundle means the modules were compiled after it. An
 *  installed package has no src/, and its files' times are when they were unpacked. */
function entry(): string {
  if (process.env.FORKTOP_NO_BUNDLE) return './main.js';
  const bundled = modifiedMs('bundle/main.js');
  if (bundled === undefined) return './main.js';
  if (modifiedMs('../src') === undefined) return './bundle/main.js';
  return bundled >= (modifiedMs('main.js') ?? 0) ? './bundle/main.js' : './main.js';
}

// The variable back where the NATS client, and whatever forktop starts, look for it.
const extraCaCerts = process.env.FORKTOP_CA;
if (extraCaCerts !== undefined) {
  delete process.env.FORKTOP_CA;
  if (extraCaCerts !== '') process.env.NODE_EXTRA_CA_CERTS = extraCaCerts;
}

setHeapFlags();

const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', here), 'utf8')) as import('./main.js').PackageJson;
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${pkg.version ?? '0'}\n`);
} else {
  const { main } = (await import(entry())) as typeof import('./main.js');
  await main(pkg);
}
