// Builds the addon for this machine's platform into prebuilds/ with prebuildify: N-API, so one
// build serves every Node >= 20; stripped; tagged glibc so node-gyp-build never picks it on
// musl. `npm pack` runs this (prepack): the package carries the build, and installs where no
// compiler is. Skipped when the build there is newer than every native source and binding.gyp
// (`npm run dist` packs after building the executable from it: one compile, not two).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PREBUILD = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'forktop.glibc.node');

function newestSource() {
  const files = [path.join(root, 'binding.gyp')];
  for (const name of fs.readdirSync(path.join(root, 'native'))) {
    if (/\.(cc|h)$/.test(name)) files.push(path.join(root, 'native', name));
  }
  return Math.max(...files.map((file) => fs.statSync(file).mtimeMs));
}

export function prebuild() {
  const built = fs.statSync(PREBUILD, { throwIfNoEntry: false });
  if (built && built.mtimeMs > newestSource()) return PREBUILD;
  // prebuildify compiles in build/ and moves the result out: in a copy of the sources, so the
  // checkout's own build stays (inside the checkout, where node-addon-api is found).
  const scratch = path.join(root, 'release', 'prebuild');
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { recursive: true });
  for (const file of ['package.json', 'binding.gyp', 'native']) {
    fs.cpSync(path.join(root, file), path.join(scratch, file), { recursive: true });
  }
  const bin = path.join(root, 'node_modules', '.bin', 'prebuildify');
  // nodedir: N-API's headers come with Node; without it node-gyp downloads them.
  execFileSync(bin, ['--napi', '--strip', '--tag-libc', `--target=${process.versions.node}`], {
    cwd: scratch,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, npm_config_nodedir: process.env.npm_config_nodedir ?? path.resolve(process.execPath, '..', '..') },
  });
  const made = path.join(scratch, path.relative(root, PREBUILD));
  if (!fs.existsSync(made)) throw new Error(`prebuildify made no ${path.relative(root, PREBUILD)}`);
  fs.mkdirSync(path.dirname(PREBUILD), { recursive: true });
  fs.renameSync(made, PREBUILD);
  fs.rmSync(scratch, { recursive: true, force: true });
  return PREBUILD;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) prebuild();
