// frameText() must give exactly what Ink's own Output.get() gives: the same frames, drawn
// from random writes, clips, styles and wide characters, compared character for character,
// again once its caches are warm, and through a real render.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { inkFrameText, installFrameText } from '../../src/ui/ink-install.js';
import { frameText, type FrameText, type InkOutput } from '../../src/ui/ink-output.js';

interface OutputClass {
  new (options: { width: number; height: number }): InkOutput & {
    write(x: number, y: number, text: string, options: { transformers: ((line: string, index: number) => string)[] }): void;
    clip(clip: { x1?: number; x2?: number; y1?: number; y2?: number }): void;
    unclip(): void;
  };
}
const { default: Output } = (await import(new URL('./output.js', import.meta.resolve('ink')).href)) as { default: OutputClass };
const installed = await installFrameText();

/** A small deterministic generator (mulberry32): a failure names its seed. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { int: (n: number) => Math.floor(next() * n), pick: <T,>(items: readonly T[]) => items[Math.floor(next() * items.length)] };
}

const PIECES = ['a', 'bash', ' ', '  ', '-c', '漢字', '🙂', 'é', 'e\u0301', '│', '▸', '✝', '/usr/bin/true', '0123456789'];
const STYLES = ['\x1b[31m', '\x1b[1m', '\x1b[7m', '\x1b[2m', '\x1b[39m', '\x1b[22m', '\x1b[27m', '\x1b[0m', '\x1b[38;5;208m', '\x1b[48;2;10;20;30m'];
const TRANSFORMS: ((line: string, index: number) => string)[] = [
  (line) => `\x1b[32m${line}\x1b[39m`,
  (line) => `\x1b[1m${line}\x1b[22m`,
  (line, index) => (index === 0 ? line : ` ${line}`),
];

/** Plain frames: printable ASCII only, no style or transform (a storm's list rows). */
const PLAIN_PIECES = ['a', 'bash', ' ', '  ', '-c', '/usr/bin/true', '0123456789', '~'];

function randomFrame(seed: number, plain = false): InstanceType<OutputClass> {
  const r = random(seed);
  const width = 8 + r.int(50);
  const height = 1 + r.int(12);
  const output = new Output({ width, height });
  let depth = 0;
  for (let n = r.int(25); n > 0; n--) {
    const what = r.int(10);
    if (what === 0) {
      const clip: Record<string, number> = {};
      if (r.int(2)) Object.assign(clip, { x1: r.int(width), x2: r.int(width + 10) });
      if (r.int(2)) Object.assign(clip, { y1: r.int(height), y2: r.int(height + 3) });
      output.clip(clip);
      depth++;
    } else if (what === 1 && depth > 0) {
      output.unclip();
      depth--;
    } else {
      let text = '';
      for (let k = r.int(12); k > 0; k--) {
        text += r.int(3) === 0 && !plain ? r.pick(STYLES) : r.int(8) === 0 ? '\n' : r.pick(plain ? PLAIN_PIECES : PIECES);
      }
      const transformers = r.int(3) === 0 && !plain ? [r.pick(TRANSFORMS)] : [];
      output.write(r.int(width + 4) - 2, r.int(height + 2) - 1, text, { transformers });
    }
  }
  return output;
}

describe("the live view's frame text", () => {
  it('replaces Ink\'s Output.get() where Ink is installed as a package', () => {
    expect(installed).toBe(true);
    expect(inkFrameText).toBeDefined();
  });

  it("is Ink's, character for character, on 3,000 random frames, cold and warm", () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const frame = randomFrame(seed);
      const expected: FrameText = inkFrameText!(frame);
      expect({ seed, ...frameText(frame) }).toEqual({ seed, ...expected });
      expect({ seed, ...frameText(frame) }).toEqual({ seed, ...expected }); // from its caches
    }
  });

  it("is Ink's on 3,000 random plain frames (rows drawn without parsing)", () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const frame = randomFrame(seed, true);
      expect({ seed, ...frameText(frame) }).toEqual({ seed, ...inkFrameText!(frame) });
    }
  });

  it('takes every character below U+1100 as one column, as string-width does', () => {
    for (let code = 0; code < 0x1100; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      expect({ code, width: Math.max(1, stringWidth(String.fromCharCode(code))) }).toEqual({ code, width: 1 });
    }
  });

  it('stays right while what it remembers turns over (a long run of distinct lines)', () => {
    for (let i = 0; i < 10_000; i++) {
      const output = new Output({ width: 40, height: 2 });
      output.write(0, 0, `line ${i} \x1b[31m${i % 97}\x1b[39m`, { transformers: [] });
      output.write(3, 1, `${i}漢`, { transformers: [] });
      expect(frameText(output)).toEqual(inkFrameText!(output));
    }
    const frame = randomFrame(7);
    expect(frameText(frame)).toEqual(inkFrameText!(frame));
  });
});
