// A list drawn as one Text of finished lines (components/Lines.tsx) must be what Ink drew
// from a Text per row with a Text inside for each styled piece: the same characters and the
// same colour codes, cut at the same place, at every width.
import chalk from 'chalk';
import { Box, Text } from 'ink';
import { render } from 'ink-testing-library';
import stringWidth from 'string-width';
import { stripVTControlCharacters as stripAnsi } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lines, type Line, type Part, type Style } from '../../src/ui/components/Lines.js';

let seed = 11;
const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
const pick = <T,>(values: readonly T[]): T => values[random(values.length)];

const WORDS = ['bash', '-c', 'echo hi', '/usr/bin/make', '-j8', '漢字', '🙂', 'e\u0301', '→ sh ×2', '─────', '…', '▁▂▇█', 'a-rather-long-argument-that-runs-past-the-edge', ' ', ''];
const COLORS = [undefined, 'red', 'cyan', 'yellow', 'blue'];

function randomStyle(): Style {
  return { color: pick(COLORS), dimColor: random(3) === 0, bold: random(4) === 0, inverse: random(4) === 0 };
}

function randomRow(): { style: Style; parts: Part[] } {
  // A view's row always has text (an empty Text took no line; an empty line is one).
  const parts: Part[] = [pick(WORDS.filter(Boolean))];
  for (let n = random(5); n > 0; n--) {
    const text = Array.from({ length: 1 + random(4) }, () => pick(WORDS)).join(' ');
    parts.push(random(2) === 0 ? text : random(5) === 0 ? null : { text, ...randomStyle() });
  }
  return { style: randomStyle(), parts };
}

/** The row as the views drew it before: a Text per row, a Text per styled piece. */
function InkRow({ style, parts }: { style: Style; parts: Part[] }) {
  return (
    <Text {...style} wrap="truncate-end">
      {parts.map((part, i) => (typeof part === 'string' ? part : part ? <Text key={i} {...part}>{part.text}</Text> : null))}
    </Text>
  );
}

describe('Lines', () => {
  let level: typeof chalk.level;
  beforeAll(() => {
    level = chalk.level;
    chalk.level = 3; // colour codes in the frames, so they are compared too
  });
  afterAll(() => {
    chalk.level = level;
  });

  it("draws what a Text per row drew, character for character, on 300 random lists at widths 8 to 100, a row selected or none (and never past the width)", () => {
    let overflows = 0;
    for (let list = 0; list < 300; list++) {
      const width = 8 + random(93);
      const rows = Array.from({ length: 1 + random(12) }, randomRow);
      const selected = random(rows.length + 2) - 1; // -1 or past the end: none
      const before = render(<Box width={width} flexDirection="column">{rows.map((row, i) => <InkRow key={i} style={i === selected ? { ...row.style, inverse: true } : row.style} parts={row.parts} />)}</Box>);
      const lines: Line[] = rows.map((row, i) => ({ shows: `${list} ${i}`, draw: () => row }));
      const now = render(<Box width={width} flexDirection="column"><Lines width={width} lines={lines} selected={selected} /></Box>);
      const drawn = now.lastFrame()!.split('\n');
      const wanted = before.lastFrame()!.split('\n');
      expect(drawn).toHaveLength(rows.length);
      for (const [row, line] of wanted.entries()) {
        // Where cli-truncate left a wide character straddling the edge, Ink drew a column
        // past the box: Lines cuts one sooner.
        if (stringWidth(line) > width) {
          expect(stringWidth(drawn[row])).toBeLessThanOrEqual(width);
          expect(stringWidth(drawn[row])).toBeGreaterThanOrEqual(width - 1);
          expect(stripAnsi(drawn[row])).toMatch(/…$/);
          overflows++;
        } else expect({ list, width, row, line: drawn[row] }).toEqual({ list, width, row, line });
      }
      before.unmount();
      now.unmount();
    }
    expect(overflows).toBeGreaterThan(0); // the case is met, not only possible
  });

  it('draws a row again only when what it shows changed', () => {
    let drawn = 0;
    const line = (shows: string): Line => ({ shows, draw: () => (drawn++, { parts: [shows] }) });
    const view = render(<Lines width={40} lines={[line('a'), line('b')]} />);
    view.rerender(<Lines width={40} lines={[line('c'), line('a'), line('b')]} />);
    expect(drawn).toBe(3);
    expect(view.lastFrame()).toBe('c\na\nb');
    // At another width, each is cut anew.
    view.rerender(<Lines width={30} lines={[line('c'), line('a'), line('b')]} />);
    expect(drawn).toBe(6);
    // Selected, a row is drawn anew (inverse); unselected again, its line is the one kept.
    view.rerender(<Lines width={30} lines={[line('c'), line('a'), line('b')]} selected={1} />);
    expect(drawn).toBe(7);
    view.rerender(<Lines width={30} lines={[line('c'), line('a'), line('b')]} />);
    expect(drawn).toBe(7);
    view.unmount();
  });
});
