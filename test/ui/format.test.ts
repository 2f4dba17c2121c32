import { describe, expect, it } from 'vitest';
import { activityBar, commandLine, grouped, lifetimeBar } from '../../src/ui/format.js';

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

describe('activity over the last minute', () => {
  it('a cell is full when any of the lives touched it: a folded run shows when the loop ran', () => {
    const now = 100e9; // the window is 40..100 s, six seconds a cell
    expect(lifetimeBar(41e9, 42e9, now)).toBe('█·········');
    expect(lifetimeBar(10e9, null, now)).toBe('██████████'); // started before the window, still running
    const lives: [number, number][] = [[70e9, 71e9], [99e9, 99.5e9], [5e9, 6e9]];
    expect(activityBar(lives, (l) => l[0], (l) => l[1], now)).toBe('·····█···█');
    expect(activityBar([], () => null, () => null, now)).toBe('··········');
  });
});

describe('grouped', () => {
  it("groups thousands as toLocaleString('en-US') does, for every size and sign", () => {
    for (const n of [0, 7, 42, 999, 1000, 12_345, 999_999, 1_000_000, 123_456_789, 2 ** 53 - 1, -1, -1234, -1_000_000]) {
      expect(grouped(n)).toBe(n.toLocaleString('en-US'));
    }
  });
});
