// For the bundle (esbuild): three of Ink's modules built from ours instead, string-width with a
// wider fast path for every module, and the App's runtime patch of Ink left out. Ink's own
// measure-text and wrap-text keep every text they ever saw; its output redoes each frame
// from nothing. Ours give the same results (test/ui/ink-output.test.ts,
// test/ui/ink-substitutes.test.ts). Only Ink's own imports of its modules are redirected;
// string-width is ours for every module but ours.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SUBSTITUTED = ['output', 'measure-text', 'wrap-text'] as const;

export function inkSubstitutes(): Plugin {
  return {
    name: 'ink-substitutes',
    setup(build) {
      build.onResolve({ filter: /^\.\/(output|measure-text|wrap-text)\.js$/ }, (args) => {
        if (!/[\\/]node_modules[\\/]ink[\\/]build$/.test(args.resolveDir)) return undefined;
        // Built (dist/…/*.js), or the source itself where the tests run it (src/…/*.ts).
        const built = path.join(here, path.basename(args.path));
        return { path: fs.existsSync(built) ? built : built.replace(/\.js$/, '.ts') };
      });
      // string-width, for every module but ours (which is built from the real one). wrap-ansi
      // asks for string-width 7 and gets ours over 8, as Ink's own measuring has: one measure
      // of a character's width on the whole screen.
      build.onResolve({ filter: /^string-width$/ }, (args) => {
        const built = path.join(here, 'string-width.js');
        const ours = fs.existsSync(built) ? built : built.replace(/\.js$/, '.ts');
        return path.resolve(args.importer) === ours ? undefined : { path: ours };
      });
      // The App's runtime patch of Ink: in the bundle, Ink is built with ours already.
      build.onResolve({ filter: /^\.\/ink-install\.js$/ }, (args) => {
        if (path.resolve(args.resolveDir) !== path.dirname(here)) return undefined;
        const built = path.join(here, 'ink-install.js');
        return { path: fs.existsSync(built) ? built : built.replace(/\.js$/, '.ts') };
      });
    },
  };
}
