// The selected row of the list on screen, kept on its exec or process while the list
// moves under it (new execs push in above, the tree grows), for whichever list is shown.
import { useRef, useState } from 'react';
import type { ListSource } from './list-sources.js';
import { fillUp, follow, step, TOP, type ListWindow } from './list-window.js';

export interface ResolvedList<Row> {
  rows: Row[];
  /** The selected row's index in `rows`. */
  cursor: number;
  selected: Row | undefined;
  /** The selected row after moves made since this render (keys read in one go). */
  selectedNow(): Row | undefined;
  /** The process that row is about. */
  selectedNodeId(): number | undefined;
  move(delta: number): void;
}

export function useListSelection() {
  const [window, setWindow] = useState<ListWindow>(TOP);
  const [anchor, setAnchor] = useState<number | null>(null);
  // Keys that arrive between two frames (key repeat over ssh) each move from where the
  // previous one left the selection, not from what was last drawn.
  const pending = useRef<ListWindow | null>(null);
  pending.current = null;

  function resolve<Row>(source: ListSource<Row>, height: number): ResolvedList<Row> {
    let shown = window;
    if (anchor !== null) {
      const index = source.indexOf(anchor);
      if (index >= 0) shown = follow(shown, index, height);
    }
    let rows = source.rows(shown.offset, height);
    if (rows.length < height && shown.offset > 0) {
      // Fewer rows than room, scrolled down: the list shrank under the window.
      const filled = fillUp(shown, height, source.length());
      if (filled !== shown) {
        shown = filled;
        rows = source.rows(shown.offset, height);
      }
    }
    const cursor = Math.max(0, Math.min(shown.cursor, rows.length - 1));
    const move = (delta: number) => {
      const next = step(pending.current ?? shown, delta, height, source.length());
      pending.current = next;
      setWindow(next);
      if (source.topFollowsNewest && next.offset === 0 && next.cursor === 0) {
        setAnchor(null); // back at the top of a stream: follow the newest again
      } else {
        const there = source.rows(next.offset, height);
        const row = there[Math.min(next.cursor, there.length - 1)];
        setAnchor(row === undefined ? null : source.anchorOf(row));
      }
    };
    const selectedNow = () => {
      if (!pending.current) return rows[cursor];
      const there = source.rows(pending.current.offset, height);
      return there[Math.min(pending.current.cursor, there.length - 1)];
    };
    const selectedNodeId = () => {
      const row = selectedNow();
      return row === undefined ? undefined : source.nodeIdOf(row);
    };
    return { rows, cursor, selected: rows[cursor], selectedNow, selectedNodeId, move };
  }

  /** Back to the top row, following nothing: a new view, filter or fold. */
  const reset = () => {
    pending.current = null;
    setWindow(TOP);
    setAnchor(null);
  };

  return { resolve, reset };
}
