import { describe, expect, it } from 'vitest';
import { commandLine } from '../../src/ui/format.js';

describe('commandLine', () => {
  it('quotes what a shell would need quoted, and shows an empty argument', () => {
    expect(commandLine(['/bin/echo', 'a b', "it's", '', 'x'], null)).toBe("/bin/echo 'a b' 'it'\\''s' '' x");
    expect(commandLine(['cmd', ''], null)).toBe("cmd ''");
  });

  it('a title written over argv (the rest NUL-filled) shows as the title, as ps shows it', () => {
    expect(commandLine(['forktop', ...Array(16).fill('')], null)).toBe('forktop');
    expect(commandLine(['nginx: worker process', '', ''], null)).toBe('nginx: worker process');
    expect(commandLine(['postgres: checkpointer', '', '', ''], null)).toBe('postgres: checkpointer');
  });

  it('no argv: the comm in brackets, or ?', () => {
    expect(commandLine(null, 'kworker/0:1')).toBe('[kworker/0:1]');
    expect(commandLine(null, null)).toBe('?');
  });
});
