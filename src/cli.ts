#!/usr/bin/env node
// forktop's entry. `forktop --version` is answered before anything else loads; the rest
// runs main.js: from the bundle (dist/bundle/, all of forktop and its dependencies in a few
// files, so Node reads, resolves and compiles far fewer) when it is there and was built after
// the compiled modules, else the compiled modules themselves (FORKTOP_NO_BUNDLE=1 forces
// them). The modules and the bundle behave the same; the bundle starts faster.
import fs from 'node:fs';

const here = new URL('.', import.meta.url);

function modifiedMs(file: string): number {
  try {
    return fs.statSync(new URL(file, here)).mtimeMs;
  } catch {
    return -1;
  }
}

/** The bundle, unless the modules were compiled after it was made (then it is out of date). */
function entry(): string {
  if (process.env.FORKTOP_NO_BUNDLE) return './main.js';
  const bundled = modifiedMs('bundle/main.js');
  return bundled >= 0 && bundled >= modifiedMs('main.js') ? './bundle/main.js' : './main.js';
}

const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', here), 'utf8')) as import('./main.js').PackageJson;
const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${pkg.version ?? '0'}\n`);
} else {
  const { main } = (await import(entry())) as typeof import('./main.js');
  await main(pkg);
}
