// npm run dist: the release. release/forktop-linux-x64 is one file holding Node, all of
// forktop's code and its addon (Node's single-executable application: the running node
// binary with a blob injected by postject); release/forktop-VERSION.tgz is the npm package
// (npm pack: the addon prebuilt, so it installs where no compiler is).
//
// The executable runs one CommonJS script, bundled here by esbuild from dist/sea/main.js
// (tsc first: npm run build, prepare or test). Two of the module graph's parts can't run
// from inside it as they are, and are put in their place by the plugin below: yoga-layout
// (a top-level await, which CommonJS can't hold: src/sea/yoga.ts makes it synchronously) and
// node-gyp-build (a .node file can't be required from inside the executable:
// src/sea/addon.ts writes it out safely and dlopens it).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import esbuild from 'esbuild';
import { prebuild } from './prebuild.js';
import { lazyNormalize } from './bundle-plugins.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'release');
const work = path.join(out, 'sea');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const require = createRequire(import.meta.url);
const step = (what) => process.stderr.write(`dist: ${what}\n`);

if (process.platform !== 'linux') throw new Error('dist: forktop runs on Linux only');
const executable = path.join(out, `forktop-linux-${process.arch}`);

/** yoga-layout's index, WASM glue and enums, from its own package. */
const yogaDir = path.join(path.dirname(require.resolve('yoga-layout')), '..');
const YOGA_PARTS = {
  'forktop:yoga-binary': path.join(yogaDir, 'binaries', 'yoga-wasm-base64-esm.js'),
  'forktop:yoga-wrap': path.join(yogaDir, 'src', 'wrapAssembly.js'),
  'forktop:yoga-enums': path.join(yogaDir, 'src', 'generated', 'YGEnums.js'),
};

/** The module graph's other top-level awaits, none of which does anything in the executable:
 *  the App's is the bundle's no-op ink-install (bundle-plugin.ts), Ink's load React's devtools
 *  and Ink's package.json only when DEV=true. Each must be found as written, or the build
 *  stops: a changed Ink is looked at again, never guessed at. */
const NO_TOP_LEVEL_AWAIT = [
  [/[\\/]dist[\\/]ui[\\/]App\.js$/, 'await installFrameText();', 'void installFrameText();'],
  [/[\\/]ink[\\/]build[\\/]reconciler\.js$/, "if (isDev()) {\n    try {\n        await import('./devtools.js');", "if (false) {\n    try {\n        void 0;"],
  [/[\\/]ink[\\/]build[\\/]reconciler\.js$/, '? await loadPackageJson()', '? { name: undefined, version: undefined }'],
];

const seaSubstitutes = {
  name: 'sea-substitutes',
  setup(build) {
    build.onResolve({ filter: /^yoga-layout$/ }, () => ({ path: path.join(root, 'dist', 'sea', 'yoga.js') }));
    build.onResolve({ filter: /^node-gyp-build$/ }, () => ({ path: path.join(root, 'dist', 'sea', 'addon.js') }));
    build.onResolve({ filter: /^forktop:yoga-/ }, (args) => ({ path: YOGA_PARTS[args.path] }));
    build.onLoad({ filter: /([\\/]dist[\\/]ui[\\/]App|[\\/]ink[\\/]build[\\/]reconciler)\.js$/ }, async (args) => {
      let text = await fs.promises.readFile(args.path, 'utf8');
      for (const [file, from, to] of NO_TOP_LEVEL_AWAIT) {
        if (!file.test(args.path)) continue;
        if (!text.includes(from)) throw new Error(`${args.path} changed: no ${JSON.stringify(from)} to take the top-level await from`);
        text = text.replace(from, to);
      }
      return { contents: text, loader: 'js' };
    });
    // The glue keeps the WASM in a local of its factory; src/sea/yoga.ts needs its bytes.
    build.onLoad({ filter: /yoga-wasm-base64-esm\.js$/ }, async (args) => {
      const text = await fs.promises.readFile(args.path, 'utf8');
      const at = text.indexOf('H="data:application/octet-stream;base64,');
      if (at < 0 || text.indexOf('H="data:', at + 1) >= 0) throw new Error('yoga-layout changed: its WASM is not where src/sea/yoga.ts expects it');
      const end = text.indexOf('"', at + 3);
      const url = text.slice(at + 2, end + 1);
      return { contents: `const wasmDataUrl = ${url};\n${text.slice(0, at)}H=wasmDataUrl${text.slice(end + 1)}\nexport { wasmDataUrl };\n` };
    });
  },
};

fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });

step('the addon (prebuildify)');
const addon = prebuild();

step('one CommonJS script (esbuild)');
const { inkSubstitutes } = await import('../dist/ui/ink-substitutes/bundle-plugin.js');
const script = path.join(work, 'forktop.cjs');
await esbuild.build({
  entryPoints: [path.join(root, 'dist', 'sea', 'main.js')],
  outfile: script,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  define: {
    'process.env.NODE_ENV': '"production"',
    FORKTOP_PACKAGE: JSON.stringify({ name: pkg.name, version: pkg.version, description: pkg.description }),
    // No module URL inside the executable: modules that ask get the executable's own.
    'import.meta': 'forktopImportMeta',
  },
  banner: { js: "const forktopImportMeta = { url: require('node:url').pathToFileURL(process.execPath).href };" },
  external: ['react-devtools-core'],
  logLevel: 'warning',
  logOverride: { 'assign-to-define': 'silent' },
  legalComments: 'none',
  plugins: [lazyNormalize, inkSubstitutes(), seaSubstitutes],
});

step('the blob (node --experimental-sea-config)');
const config = path.join(work, 'sea-config.json');
const blob = path.join(work, 'sea.blob');
fs.writeFileSync(config, JSON.stringify({
  main: script,
  output: blob,
  disableExperimentalSEAWarning: true,
  // V8's compiled code for the script goes in too: the executable skips compiling it at start.
  useCodeCache: true,
  assets: { 'forktop.node': addon },
}));
execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: ['ignore', 'ignore', 'inherit'] });

step(`the executable (postject into a copy of ${process.execPath})`);
fs.rmSync(executable, { force: true });
fs.copyFileSync(process.execPath, executable);
execFileSync(path.join(root, 'node_modules', '.bin', 'postject'), [
  executable, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
], { stdio: ['ignore', 'ignore', 'inherit'] });
fs.chmodSync(executable, 0o755);

step('the package (npm pack)');
for (const old of fs.readdirSync(out).filter((name) => name.endsWith('.tgz'))) fs.rmSync(path.join(out, old));
execFileSync('npm', ['pack', '--pack-destination', out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
fs.rmSync(work, { recursive: true, force: true });
for (const name of fs.readdirSync(out)) {
  step(`${path.join('release', name)}: ${(fs.statSync(path.join(out, name)).size / 2 ** 20).toFixed(1)} MiB`);
}
