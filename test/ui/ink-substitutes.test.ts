// The bundle builds three of Ink's modules (and string-width) from ours (src/ui/ink-substitutes): each must give
// what Ink's gives, hold a bounded amount however much text goes through it, and be what
// the bundle really contains.
import * as esbuild from 'esbuild';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inkSubstitutes } from '../../src/ui/ink-substitutes/bundle-plugin.js';
import measureText from '../../src/ui/ink-substitutes/measure-text.js';
import wrapText from '../../src/ui/ink-substitutes/wrap-text.js';
import width, { NARROW_DRAWING } from '../../src/ui/ink-substitutes/string-width.js';
import stringWidth from 'string-width';
import { Memo } from '../../src/ui/memo.js';

type Measure = typeof measureText;
type Wrap = typeof wrapText;
const inkModule = async <T,>(name: string) =>
  ((await import(new URL(`./${name}.js`, import.meta.resolve('ink')).href)) as { default: T }).default;
const inkMeasure = await inkModule<Measure>('measure-text');
const inkWrap = await inkModule<Wrap>('wrap-text');

const TEXTS = [
  '', 'a', 'bash -c "echo hi"', 'two\nlines', '\x1b[31mred\x1b[39m text', '漢字 wide', '🙂 emoji', 'e\u0301 combining',
  '/usr/lib/jvm/java-17-openjdk-amd64/bin/java -Xmx2g -jar /opt/app/service.jar --spring.profiles.active=prod',
  'line one is long enough to wrap\nand a second', '\x1b[1m\x1b[7m selected row \x1b[27m\x1b[22m',
];
const WRAPS = ['wrap', 'truncate', 'truncate-end', 'truncate-middle', 'truncate-start', 'end', 'middle'] as const;

/** The files a bundle of `contents` (with the plugin) is made of, relative, with / between. */
async function bundleInputs(contents: string): Promise<string[]> {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent',
    external: ['react-devtools-core'],
    plugins: [inkSubstitutes()],
  });
  return Object.keys(result.metafile.inputs).map((input) => input.split(path.sep).join('/'));
}

describe("Ink's modules as the bundle builds them", () => {
  it("measure as Ink's measure-text does", () => {
    for (const text of TEXTS) expect(measureText(text)).toEqual(inkMeasure(text));
  });

  it("wrap and truncate as Ink's wrap-text does, at every width", () => {
    for (const text of TEXTS) {
      for (const wrap of WRAPS) {
        for (let width = 1; width <= 40; width += 3) {
          expect({ text, wrap, width, out: wrapText(text, width, wrap) }).toEqual({ text, wrap, width, out: inkWrap(text, width, wrap) });
        }
      }
    }
  });

  it("measure as string-width does: the screen's drawing characters one column each, the rest by string-width", () => {
    for (const char of NARROW_DRAWING) {
      expect({ char, width: stringWidth(char) }).toEqual({ char, width: 1 });
      // Nor does one join what is beside it into a wider cluster.
      for (const next of [...NARROW_DRAWING, 'a', ' ']) expect({ char, next, width: stringWidth(`a${char}${next}`) }).toEqual({ char, next, width: 3 });
    }
    const alphabet = [...NARROW_DRAWING, 'a', 'Z', ' ', '~', '漢', '🙂', '\u0301', '\u200d', '\ufe0f', '\x1b[31m', '\x1b[39m', '\u00ad', 'é', '\t'];
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let i = 0; i < 3000; i++) {
      let text = '';
      for (let n = random(40); n > 0; n--) text += alphabet[random(random(3) === 0 ? alphabet.length : NARROW_DRAWING.length + 4)];
      expect({ text, width: width(text) }).toEqual({ text, width: stringWidth(text) });
    }
    for (const text of TEXTS) expect(width(text)).toBe(stringWidth(text));
  });

  it('remember at most twice their limit, however many texts pass', () => {
    const memo = new Memo<string, number>(100);
    for (let i = 0; i < 10_000; i++) memo.get(`text ${i}`, () => i);
    expect(memo.size).toBeLessThanOrEqual(200);
    // What is used again each round stays.
    let made = 0;
    for (let round = 0; round < 50; round++) {
      memo.get('kept', () => ++made);
      for (let i = 0; i < 30; i++) memo.get(`churn ${round} ${i}`, () => 0);
    }
    expect(made).toBe(1);
  });

  it('are what a bundle of Ink contains, in place of Ink\'s own', async () => {
    const inputs = await bundleInputs("export { render } from 'ink';");
    for (const name of ['output', 'measure-text', 'wrap-text']) {
      expect(inputs.some((input) => input.endsWith(`ink-substitutes/${name}.js`) || input.endsWith(`ink-substitutes/${name}.ts`))).toBe(true);
      expect(inputs).not.toContain(`node_modules/ink/build/${name}.js`);
    }
    // string-width: ours for every module that measures (Ink's, widest-line, cli-truncate,
    // slice-ansi, wrap-ansi with its own older copy), built from the real one.
    const { metafile } = await esbuild.build({
      stdin: { contents: "export { render } from 'ink'; export { default as wrapAnsi } from 'wrap-ansi'; export { default as sliceAnsi } from 'slice-ansi';", resolveDir: process.cwd(), loader: 'ts' },
      bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, logLevel: 'silent',
      external: ['react-devtools-core'], plugins: [inkSubstitutes()],
    });
    const importers = Object.entries(metafile.inputs).filter(([, input]) => input.imports.some((i) => i.original === 'string-width'));
    const ours = (file: string) => /ink-substitutes[\\/]string-width\.[jt]s$/.test(file);
    expect(importers.map(([file]) => file)).toEqual(expect.arrayContaining([expect.stringMatching(/node_modules\/wrap-ansi\//), expect.stringMatching(/node_modules\/widest-line\//), expect.stringMatching(/node_modules\/cli-truncate\//)]));
    for (const [file, input] of importers) {
      const to = input.imports.filter((i) => i.original === 'string-width').map((i) => i.path);
      expect({ file, to: to.map((p) => (ours(p) ? 'ours' : p)) }).toEqual({ file, to: to.map(() => (ours(file) ? expect.stringMatching(/node_modules\/string-width\/index\.js$/) : 'ours')) });
    }
    // Only one string-width in it: the one ours is built from.
    expect(Object.keys(metafile.inputs).filter((file) => /node_modules\/(.*\/)?string-width\/index\.js$/.test(file))).toEqual(['node_modules/string-width/index.js']);
  });

  it("leave out the App's runtime patch of Ink: the bundle has nothing to patch", async () => {
    const inputs = await bundleInputs("export { App } from './src/ui/App.js';");
    expect(inputs).toContain('src/ui/ink-substitutes/ink-install.ts');
    expect(inputs).not.toContain('src/ui/ink-install.ts');
  });
});
