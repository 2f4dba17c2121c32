import { describe, expect, it } from 'vitest';
import { fillUp, follow, step, TOP } from '../../src/ui/list-window.js';

describe('list window', () => {
  it('moves the selection down the screen, then scrolls', () => {
    expect(step(TOP, 1, 5, 100)).toEqual({ offset: 0, cursor: 1 });
    expect(step({ offset: 0, cursor: 4 }, 1, 5, 100)).toEqual({ offset: 1, cursor: 4 });
    expect(step({ offset: 10, cursor: 0 }, -1, 5, 100)).toEqual({ offset: 9, cursor: 0 });
    expect(step({ offset: 10, cursor: 2 }, 5, 5, 100)).toEqual({ offset: 13, cursor: 4 });
  });

  it('stops at the first and the last row, and End shows a full screen ending with the last', () => {
    expect(step(TOP, -3, 5, 100)).toEqual(TOP);
    expect(step(TOP, Number.MAX_SAFE_INTEGER, 5, 100)).toEqual({ offset: 95, cursor: 4 });
    expect(step(TOP, Number.MAX_SAFE_INTEGER, 5, 3)).toEqual({ offset: 0, cursor: 2 });
    expect(step(TOP, 1, 5, 0)).toEqual(TOP);
    // The list shrank under a scrolled window (a filter): it comes back to fill the screen.
    expect(step({ offset: 50, cursor: 0 }, 0, 5, 20)).toEqual({ offset: 15, cursor: 4 });
  });

  it('follows a row that moved, scrolling only when it left the screen', () => {
    expect(follow({ offset: 0, cursor: 2 }, 4, 5)).toEqual({ offset: 0, cursor: 4 });
    expect(follow({ offset: 0, cursor: 2 }, 12, 5)).toEqual({ offset: 8, cursor: 4 });
    expect(follow({ offset: 10, cursor: 2 }, 3, 5)).toEqual({ offset: 3, cursor: 0 });
  });
});

describe('fillUp', () => {
  it('moves a window past a shrunk list up so its last page is full, the same row selected', () => {
    expect(fillUp({ offset: 90, cursor: 5 }, 10, 50)).toEqual({ offset: 40, cursor: 9 }); // row 95 is gone: the last one
    expect(fillUp({ offset: 45, cursor: 2 }, 10, 50)).toEqual({ offset: 40, cursor: 7 }); // row 47 stays selected
    const full = { offset: 20, cursor: 3 };
    expect(fillUp(full, 10, 50)).toBe(full);
    expect(fillUp({ offset: 5, cursor: 1 }, 10, 4)).toEqual({ offset: 0, cursor: 3 });
  });
});
