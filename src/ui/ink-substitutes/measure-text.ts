// Built into the bundle in place of ink/build/measure-text.js (see bundle-plugin.ts): the same
// measure, but Ink 6's keeps every text it ever measured (vadimdemedes/ink#986), and a live
// list measures new text every frame: ~6 MB a minute at 500 exec/s, for ever. Ours remembers
// widths by line: a list is one text of many lines (components/Lines.tsx), new as a whole each
// frame but mostly the lines of the last one, and a whole list kept per frame would be a few
// KB each (tens on a large terminal) for nothing.
import stringWidth from 'string-width';
import { Memo } from '../memo.js';

interface Size {
  width: number;
  height: number;
}

const widths = new Memo<string, number>(1024);
const EMPTY: Size = { width: 0, height: 0 };

export default function measureText(text: string): Size {
  if (text.length === 0) return EMPTY;
  const lines = text.split('\n');
  let width = 0;
  for (const line of lines) width = Math.max(width, widths.get(line, stringWidth));
  return { width, height: lines.length };
}
