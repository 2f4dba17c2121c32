// Which slice of a list is on screen and which row of it is selected: pure arithmetic,
// shared by every list view.

/** The first row shown (offset, in the whole list) and the selected row (cursor, on screen). */
export interface ListWindow {
  offset: number;
  cursor: number;
}

export const TOP: ListWindow = { offset: 0, cursor: 0 };

/** The window that keeps the row now at `index` selected and on screen. */
export function follow(window: ListWindow, index: number, height: number): ListWindow {
  let offset = window.offset;
  if (index < offset) offset = index;
  if (index >= offset + height) offset = index - height + 1;
  return { offset, cursor: index - offset };
}

/**
 * The window after moving the selection by `delta` rows in a list of `length` rows: it
 * scrolls at the edges and stops at the first and the last row.
 */
export function step(from: ListWindow, delta: number, height: number, length: number): ListWindow {
  const last = Math.max(0, length - 1);
  const index = Math.max(0, Math.min(last, from.offset + from.cursor + delta));
  let offset = from.offset;
  if (index < offset) offset = index;
  if (index >= offset + height) offset = index - height + 1;
  // Near the end, fill the screen rather than leave blank rows below the last one.
  offset = Math.max(0, Math.min(offset, length - height));
  return { offset, cursor: index - offset };
}

/** The window moved up so the last page is full: a list that shrank under a window near its
 *  end (the tree folding exited processes) would show a few rows above blank ones. */
export function fillUp(window: ListWindow, height: number, length: number): ListWindow {
  const offset = Math.max(0, Math.min(window.offset, length - height));
  return offset === window.offset ? window : { offset, cursor: Math.min(window.cursor + window.offset - offset, Math.max(0, length - 1 - offset)) };
}
