// A list's rows as one Text: each row's line built once, as Ink would draw
// <Text {...style} wrap="truncate-end">{parts}</Text>, and kept while the row shows the same.
// A Text per row (with one inside for each styled cell) made Ink lay out, walk and squash some
// 200 nodes every frame for a list that changed by a row or two: at 10 exec/s the frames cost
// more than the events. One Text of finished lines is one node. Ink's output of the two is the
// same, character for character (test/ui/lines.test.tsx), but where a wide character straddles
// the edge: there a line is cut a column sooner instead of running past it.
import chalk from 'chalk';
import cliTruncate from 'cli-truncate';
import { Text } from 'ink';
import { useState } from 'react';
import stringWidth from 'string-width';
import { Memo } from '../memo.js';

/** What Ink's Text takes to style its text. */
export interface Style {
  color?: string;
  dimColor?: boolean;
  bold?: boolean;
  inverse?: boolean;
}

/** A row's piece: plain text, or text in a style (a Text inside the row's). */
export type Part = string | (Style & { text: string }) | null | undefined | false;

export interface Line {
  /** Everything the row shows, as text (its cells and styles): equal text, equal row. */
  shows: string;
  /** The row's own style (its Text's), and its pieces. Called only when `shows` is new. */
  draw: () => { style?: Style; parts: readonly Part[] };
}

/** Styles as Ink's Text applies them, in its order (so the codes are the ones it writes). */
export function styled(text: string, style: Style | undefined): string {
  if (!style || text.length === 0) return text;
  if (style.dimColor) text = chalk.dim(text);
  if (style.color) text = colorize(text, style.color);
  if (style.bold) text = chalk.bold(text);
  if (style.inverse) text = chalk.inverse(text);
  return text;
}

/** A named colour (the theme's) as Ink's colorize() takes it; another is left unstyled. */
function colorize(text: string, color: string): string {
  const paint = (chalk as unknown as Record<string, unknown>)[color];
  return typeof paint === 'function' ? (paint as (t: string) => string)(text) : text;
}

/** One row's line at this width: its pieces, cut at the edge with an ellipsis (Ink's
 *  truncate-end), then the row's style over it (Ink applies a Text's own style after it cuts).
 *  It never runs past the width: one line of the Text is one row of the screen. */
export function lineOf({ style, parts }: ReturnType<Line['draw']>, width: number): string {
  let text = '';
  for (const part of parts) if (part) text += typeof part === 'string' ? part : styled(part.text, part);
  if (stringWidth(text) > width) {
    // cli-truncate gives a column too many when a wide character straddles the edge (Ink
    // then drew past the box): cut a column sooner.
    let cut = cliTruncate(text, width, { position: 'end' });
    for (let room = width - 1; stringWidth(cut) > width && room > 0; room--) cut = cliTruncate(text, room, { position: 'end' });
    text = cut;
  }
  return styled(text, style);
}

function inverted(row: ReturnType<Line['draw']>): ReturnType<Line['draw']> {
  return { ...row, style: { ...row.style, inverse: true } };
}

/** Lines kept per list: a few screens' worth. */
const KEPT = 256;

/** Each row is a line, an empty one too (an empty Text took none: no view draws one). The
 *  selected row (`selected`, an index into `lines`) is drawn inverse over its own style. */
export function Lines({ lines, width, selected = -1 }: { lines: readonly Line[]; width: number; selected?: number }) {
  const [kept] = useState(() => new Memo<string, string>(KEPT));
  if (lines.length === 0) return null;
  let text = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (i > 0) text += '\n';
    // After the width's digits, \u0001 marks the selected row's line, \u0000 any other's.
    text += i === selected
      ? kept.get(`${width}\u0001${line.shows}`, () => lineOf(inverted(line.draw()), width))
      : kept.get(`${width}\u0000${line.shows}`, () => lineOf(line.draw(), width));
  }
  return <Text>{text}</Text>;
}
