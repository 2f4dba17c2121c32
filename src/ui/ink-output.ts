// Ink turns each frame into text through its Output class: every line of every Text is
// parsed for ANSI codes into styled characters, laid into a width × height grid, and each row
// is turned back into a string. It starts from nothing each frame, and that was half of the
// live view's CPU. A live list redraws mostly the same lines (shifted a row when one arrives),
// so this get() remembers across frames each line's characters, each clipped line, and each
// row's finished string, keyed by what was written on the row. Its output is Ink's, character
// for character (test/ui/ink-output.test.ts compares the two on random frames).
import { styledCharsFromTokens, styledCharsToString, tokenize, type StyledChar } from '@alcalzone/ansi-tokenize';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import { Memo } from './memo.js';

/** Ink's Output as get() reads it (ink/build/output.js). */
interface Clip { x1?: number; x2?: number; y1?: number; y2?: number }
type Operation =
  | { type: 'write'; x: number; y: number; text: string; transformers: ((line: string, index: number) => string)[] }
  | { type: 'clip'; clip: Clip }
  | { type: 'unclip' };
export interface InkOutput {
  width: number;
  height: number;
  operations: Operation[];
}
export interface FrameText {
  output: string;
  height: number;
}

// Rows are remembered by their text, a few screens' worth (a 100-row terminal redraws 100
// rows a frame; a taller one only costs more misses); parsed characters only while a row is
// built (~100 bytes each).
const ROWS = 512;
const LINES = 128;
const charsOf = new Memo<string, StyledChar[]>(LINES);
const widthOf = new Memo<string, number>(ROWS);
const clipped = new Memo<string, string>(ROWS);
const rowText = new Memo<string, string>(ROWS);

interface Placed {
  x: number;
  line: string;
}

/** The frame's text, as Ink's Output.get() makes it. */
export function frameText(output: InkOutput): FrameText {
  const placed: Placed[][] = Array.from({ length: output.height }, () => []);
  const clips: Clip[] = [];
  for (const operation of output.operations) {
    if (operation.type === 'clip') clips.push(operation.clip);
    else if (operation.type === 'unclip') clips.pop();
    else place(operation, clips.at(-1), placed);
  }
  const rows: string[] = [];
  for (const writes of placed) rows.push(writes.length === 0 ? '' : row(writes, output.width));
  return { output: rows.join('\n'), height: output.height };
}

function place(
  { text, transformers, x, y }: Extract<Operation, { type: 'write' }>,
  clip: Clip | undefined,
  placed: Placed[][],
): void {
  if (!text) return;
  let lines = text.split('\n');
  if (clip) {
    const horizontally = typeof clip.x1 === 'number' && typeof clip.x2 === 'number';
    const vertically = typeof clip.y1 === 'number' && typeof clip.y2 === 'number';
    if (horizontally) {
      const width = widestOf(text);
      if (x + width < clip.x1! || x > clip.x2!) return;
    }
    if (vertically && (y + lines.length < clip.y1! || y > clip.y2!)) return;
    if (horizontally) {
      lines = lines.map((line) => {
        const from = x < clip.x1! ? clip.x1! - x : 0;
        const width = measure(line);
        const to = x + width > clip.x2! ? clip.x2! - x : width;
        return clipped.get(`${from},${to}|${line}`, () => sliceAnsi(line, from, to));
      });
      if (x < clip.x1!) x = clip.x1!;
    }
    if (vertically) {
      const from = y < clip.y1! ? clip.y1! - y : 0;
      const to = y + lines.length > clip.y2! ? clip.y2! - y : lines.length;
      lines = lines.slice(from, to);
      if (y < clip.y1!) y = clip.y1!;
    }
  }
  // As Ink does: a text whose first row is off the grid is not drawn at all (its later
  // lines do not move up), and one that runs past the last row is cut there.
  if (!placed[y]) return;
  lines.forEach((line, index) => {
    const target = placed[y + index];
    if (!target) return;
    for (const transform of transformers) line = transform(line, index);
    target.push({ x, line });
  });
}

const parse = (line: string) => styledCharsFromTokens(tokenize(line));
const measure = (text: string) => widthOf.get(text, stringWidth);
const widestOf = (text: string) => {
  let widest = 0;
  for (const line of text.split('\n')) widest = Math.max(widest, measure(line));
  return widest;
};

const BLANK: StyledChar = Object.freeze({ type: 'char', value: ' ', fullWidth: false, styles: [] }) as StyledChar;

/** Printable ASCII, no escape: a character per column and no style, so the row needs no
 *  parsing. A storm's list rows are new every frame and mostly this; parsing them into
 *  styled characters (an object per character) was most of a frame's cost and garbage. */
const PLAIN = /^[\x20-\x7e]*$/;

/** One row's string: the same writes at the same places make the same row. */
function row(writes: Placed[], width: number): string {
  const plain = plainRow(writes, width);
  if (plain !== undefined) return plain;
  let key = `${width}`;
  for (const { x, line } of writes) key += `;${x},${line.length}:${line}`;
  return rowText.get(key, () => {
    const cells: (StyledChar | undefined)[] = new Array(width).fill(BLANK);
    for (const { x, line } of writes) {
      let at = x;
      for (const char of charsOf.get(line, parse)) {
        cells[at] = char;
        // One column below U+1100 (where wide scripts begin), as Ink's max(1, width) gives.
        const charWidth = char.value.length === 1 && char.value.charCodeAt(0) < 0x1100 ? 1 : Math.max(1, measure(char.value));
        // A wide character covers the next cells: they print nothing.
        for (let i = 1; i < charWidth; i++) cells[at + i] = { type: 'char', value: '', fullWidth: false, styles: char.styles };
        at += charWidth;
      }
    }
    return styledCharsToString(cells.filter((cell): cell is StyledChar => cell !== undefined)).trimEnd();
  });
}

/** The row as row() makes it, when every write on it is plain: undefined when one is not. */
function plainRow(writes: Placed[], width: number): string | undefined {
  for (const { x, line } of writes) if (x < 0 || !PLAIN.test(line)) return undefined;
  if (writes.length === 1 && writes[0].x === 0) return writes[0].line.trimEnd();
  const cells: (string | undefined)[] = new Array(width).fill(' ');
  for (const { x, line } of writes) for (let i = 0; i < line.length; i++) cells[x + i] = line[i];
  // As row(): columns past the width that nothing wrote are no columns at all.
  return cells.filter((cell) => cell !== undefined).join('').trimEnd();
}

/** Ink's Output with frameText() for get(): what a bundle builds in Ink's place
 *  (ink-substitutes/output.ts), where Ink's own module is not a file to patch. */
export class FrameOutput implements InkOutput {
  readonly width: number;
  readonly height: number;
  readonly operations: Operation[] = [];

  constructor({ width, height }: { width: number; height: number }) {
    this.width = width;
    this.height = height;
  }

  write(x: number, y: number, text: string, { transformers }: { transformers: ((line: string, index: number) => string)[] }): void {
    if (text) this.operations.push({ type: 'write', x, y, text, transformers });
  }

  clip(clip: Clip): void {
    this.operations.push({ type: 'clip', clip });
  }

  unclip(): void {
    this.operations.push({ type: 'unclip' });
  }

  get(): FrameText {
    return frameText(this);
  }
}
