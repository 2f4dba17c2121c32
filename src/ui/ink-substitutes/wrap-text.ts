// Built into the bundle in place of ink/build/wrap-text.js (see bundle-plugin.ts): the same
// wrapping and truncating, remembered in a bounded memo instead of Ink 6's object that keeps
// every text ever cut (vadimdemedes/ink#986).
import cliTruncate from 'cli-truncate';
import wrapAnsi from 'wrap-ansi';
import { Memo } from '../memo.js';

type Wrap = 'wrap' | 'end' | 'middle' | 'truncate' | 'truncate-end' | 'truncate-middle' | 'truncate-start';

const wrapped = new Memo<string, string>(1024);

export default function wrapText(text: string, maxWidth: number, wrapType: Wrap): string {
  return wrapped.get(`${maxWidth},${wrapType},${text}`, () => {
    if (wrapType === 'wrap') return wrapAnsi(text, maxWidth, { trim: false, hard: true });
    if (wrapType.startsWith('truncate')) {
      const position = wrapType === 'truncate-middle' ? 'middle' : wrapType === 'truncate-start' ? 'start' : 'end';
      return cliTruncate(text, maxWidth, { position });
    }
    return text;
  });
}
