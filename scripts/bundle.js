// Bundles the compiled modules (dist/main.js and all it imports, dependencies included) into
// dist/bundle/: main.js, what the live view alone needs (Ink, React, yoga) in a chunk loaded
// only for it, and a few shared chunks. Node then reads a handful of files instead of ~650
// (es-toolkit alone is 400), which is most of what starting took. dist/cli.js runs the bundle
// when it is newer than dist/main.js; without esbuild (an install without dev dependencies)
// this says so and the modules run as they are.
//
// Node >= 20, ESM; run after tsc (npm run build, prepare and test do).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'bundle');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('bundle: esbuild is not installed (a dev dependency): forktop runs from its modules, and starts slower');
  fs.rmSync(outdir, { recursive: true, force: true });
  process.exit(0);
}

// Ink's measure-text and wrap-text keep every text they ever saw (the live view leaked
// ~4.5 MB a minute at 500 exec/s), and its output redoes each frame from nothing: built from
// forktop's bounded ones (src/ui/ink-substitutes) instead.
const { inkSubstitutes } = await import('../dist/ui/ink-substitutes/bundle-plugin.js');
const { lazyNormalize } = await import('./bundle-plugins.js');

fs.rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: [path.join(root, 'dist', 'main.js')],
  outdir,
  bundle: true,
  splitting: true, // the UI in its own chunk, loaded by the live view only
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // React and its reconciler ship a development build beside the production one: the live
  // view runs the production build (cli sets NODE_ENV), so only that goes in.
  define: { 'process.env.NODE_ENV': '"production"' },
  // Ink loads it only when DEV=true is set, and it is not a dependency of forktop.
  external: ['react-devtools-core'],
  // The CommonJS dependencies (React) call require() for Node's own modules.
  banner: { js: "import { createRequire as __forktopRequire } from 'node:module'; const require = __forktopRequire(import.meta.url);" },
  // The native addon is found from dist/<dir>/ two levels up, as from dist/sources/: the
  // bundle sits at the same depth.
  logLevel: 'warning',
  logOverride: { 'assign-to-define': 'silent' }, // main.ts's `NODE_ENV ??=`: production either way
  legalComments: 'none',
  sourcemap: false,
  plugins: [lazyNormalize, inkSubstitutes()],
});
