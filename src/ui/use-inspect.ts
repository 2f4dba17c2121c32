// The inspect cards the user drilled through (a stack of node ids: Esc goes back one) and
// the selected line of the card on top.
import { useState } from 'react';

export function useInspect() {
  const [stack, setStack] = useState<number[]>([]);
  const [cursor, setCursor] = useState(0);
  return {
    /** The node id on top, if any. */
    top: stack.length > 0 ? stack[stack.length - 1] : undefined,
    cursor,
    open(id: number) {
      setStack((s) => [...s, id]);
      setCursor(0);
    },
    back() {
      setStack((s) => s.slice(0, -1));
      setCursor(0);
    },
    close() {
      setStack([]);
      setCursor(0);
    },
    /** Moves the selection among the card's `count` selectable lines. */
    move(delta: number, count: number) {
      setCursor((c) => Math.max(0, Math.min(count - 1, c + delta)));
    },
  };
}
