// The inspect cards the user drilled through (a stack of node ids: Esc goes back one) and
// the selected line of the card on top.
import { useRef, useState } from 'react';

export function useInspect() {
  const [stack, setStack] = useState<number[]>([]);
  const [cursor, setCursorState] = useState(0);
  // Keys read before the next render (`jjj` then Enter over ssh) each move from where the
  // last one left the cursor: read from a ref, set at once.
  const cursorNow = useRef(0);
  cursorNow.current = cursor;
  const setCursor = (next: number | ((c: number) => number)) => {
    cursorNow.current = typeof next === 'function' ? next(cursorNow.current) : next;
    setCursorState(cursorNow.current);
  };
  // How many entries of the card's lifetime log are scrolled back from the newest (PgUp).
  const [logBack, setLogBack] = useState(0);
  return {
    /** The node id on top, if any. */
    top: stack.length > 0 ? stack[stack.length - 1] : undefined,
    cursor,
    /** The cursor after moves made since this render. */
    cursorNow: () => cursorNow.current,
    logBack,
    open(id: number) {
      setStack((s) => [...s, id]);
      setCursor(0);
      setLogBack(0);
    },
    back() {
      setStack((s) => s.slice(0, -1));
      setCursor(0);
      setLogBack(0);
    },
    close() {
      setStack([]);
      setCursor(0);
      setLogBack(0);
    },
    /** Scrolls the lifetime log: positive goes back in time, at most `max` entries back. */
    scrollLog(delta: number, max: number) {
      setLogBack((b) => Math.max(0, Math.min(max, b + delta)));
    },
    /** Moves the selection among the card's `count` selectable lines. */
    move(delta: number, count: number) {
      setCursor((c) => Math.max(0, Math.min(count - 1, c + delta)));
    },
  };
}
