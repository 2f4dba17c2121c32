// Built into the bundle in place of string-width for every module that measures text (Ink,
// widest-line, cli-truncate, slice-ansi, wrap-ansi, ours). string-width has a fast path for
// printable ASCII only: a line with one of the screen's own drawing characters (a sparkline's
// blocks, ─, →, ×, …) went through Intl.Segmenter, character by character, and the header's
// sparkline is new every frame. These characters are one column each, alone and beside any
// other (test/ui/ink-substitutes.test.ts checks each against string-width itself).
import stringWidth from 'string-width';

export const NARROW_DRAWING = '→×…─▸▾←–✝█▇▆▅▄▃▂▁↓↑■•·✓›';
const NARROW = new RegExp(`^[\\x20-\\x7e${NARROW_DRAWING}]*$`);

export default function width(text: string, options?: Parameters<typeof stringWidth>[1]): number {
  if (options === undefined && typeof text === 'string' && NARROW.test(text)) return text.length;
  return stringWidth(text, options);
}
