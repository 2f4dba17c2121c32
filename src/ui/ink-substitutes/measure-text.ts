// Built into the bundle in place of ink/build/measure-text.js (see bundle-plugin.ts): the same
// measure, but Ink 6's keeps every text it ever measured (vadimdemedes/ink#986), and a live
// list measures new text every frame: ~6 MB a minute at 500 exec/s, for ever.
import widestLine from 'widest-line';
import { Memo } from '../memo.js';

interface Size {
  width: number;
  height: number;
}

const sizes = new Memo<string, Size>(1024);
const EMPTY: Size = { width: 0, height: 0 };

export default function measureText(text: string): Size {
  if (text.length === 0) return EMPTY;
  return sizes.get(text, () => ({ width: widestLine(text), height: text.split('\n').length }));
}
