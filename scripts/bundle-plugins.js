// esbuild plugins that both bundles use: dist/bundle/ (scripts/bundle.js) and the single
// executable's (scripts/dist.js).
import fs from 'node:fs';

/**
 * meow's prebuilt dependencies.js runs normalize-package-data's setup as it loads, and that
 * sorts the SPDX licence list with localeCompare: ~10 ms of every start (57 ms under load),
 * for a function forktop never calls (cli.ts hands meow the package.json, and nothing asks
 * meow for a normalized one). Here it loads on its first call instead. Should meow change,
 * the text is not found: the bundle is then made as it is, and says so.
 */
export const lazyNormalize = {
  name: 'lazy-normalize-package-data',
  setup(build) {
    build.onLoad({ filter: /[\\/]meow[\\/]build[\\/]dependencies\.js$/ }, async (args) => {
      const eager = 'var normalizeExports = requireNormalize();\nconst normalizePackageData = getDefaultExportFromCjs(normalizeExports);';
      const lazy = 'const normalizePackageData = (...args) => getDefaultExportFromCjs(requireNormalize())(...args);';
      const text = await fs.promises.readFile(args.path, 'utf8');
      if (!text.includes(eager)) {
        return { contents: text, warnings: [{ text: 'meow changed: normalize-package-data loads eagerly (~10 ms of every start)' }] };
      }
      return { contents: text.replace(eager, lazy) };
    });
  },
};
