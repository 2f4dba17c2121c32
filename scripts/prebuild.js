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

/** glibc's base symbol version on each architecture (what its oldest programs link to). */
const GLIBC_BASE = { x64: '2.2.5', arm64: '2.17' };

/**
 * A header put before every source of the prebuild (gcc -include), so that it loads on glibc
 * 2.28, as Node 20 itself does, not only on the glibc it was built on (here Debian 12's 2.36,
 * which made it ask for 2.32: Ubuntu 20.04, Debian 11 and RHEL 8 refused it). pthread_sigmask
 * binds to its base version (the same function; 2.32 only moved it into libc), and errno's
 * names come from a table of this glibc's own errno.h instead of strerrorname_np (2.32): the
 * same names, for every errno the headers know. Made from the compiler's own view of errno.h.
 * And libstdc++'s one function newer than GCC 9's (GLIBCXX_3.4.29, GCC 11: what `new T[n]`
 * throws past its limit) is defined weak here, so an older libstdc++ does without it (linking
 * libstdc++ in statically asked for glibc 2.36 instead).
 */
function glibcCompatHeader() {
  const macros = execFileSync('c++', ['-dM', '-E', '-include', 'errno.h', '-'], { input: '', encoding: 'utf8' });
  const names = new Map();
  for (const [, name, value] of macros.matchAll(/^#define (E[A-Z0-9]+) (\d+)$/gm)) {
    if (!names.has(Number(value))) names.set(Number(value), name);
  }
  const cases = [...names].sort(([a], [b]) => a - b).map(([value, name]) => `    case ${value}: return "${name}";`);
  return [
    '// Made by scripts/prebuild.js for the prebuild only (see glibcCompatHeader there).',
    '#pragma once',
    '#include <signal.h>',
    '#include <string.h>',
    `__asm__(".symver pthread_sigmask,pthread_sigmask@GLIBC_${GLIBC_BASE[process.arch]}");`,
    'static inline const char* forktop_errno_name(int e) {',
    '  switch (e) {',
    ...cases,
    '  }',
    '  return 0;',
    '}',
    '#define strerrorname_np forktop_errno_name',
    '#ifdef __cplusplus',
    '#include <new>',
    'namespace std {',
    '__attribute__((weak)) void __throw_bad_array_new_length() { throw bad_array_new_length(); }',
    '}',
    '#endif',
    '',
  ].join('\n');
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
  const compat = path.join(scratch, 'glibc-compat.h');
  fs.writeFileSync(compat, glibcCompatHeader());
  const bin = path.join(root, 'node_modules', '.bin', 'prebuildify');
  execFileSync(bin, ['--napi', '--strip', '--tag-libc', `--target=${process.versions.node}`], {
    cwd: scratch,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      // N-API's headers come with Node; without this node-gyp downloads them.
      npm_config_nodedir: process.env.npm_config_nodedir ?? path.resolve(process.execPath, '..', '..'),
      CXXFLAGS: `${process.env.CXXFLAGS ?? ''} -include ${compat}`,
    },
  });
  const made = path.join(scratch, path.relative(root, PREBUILD));
  if (!fs.existsSync(made)) throw new Error(`prebuildify made no ${path.relative(root, PREBUILD)}`);
  fs.mkdirSync(path.dirname(PREBUILD), { recursive: true });
  fs.renameSync(made, PREBUILD);
  fs.rmSync(scratch, { recursive: true, force: true });
  return PREBUILD;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) prebuild();
