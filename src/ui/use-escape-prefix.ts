// Esc typed just before another key (a person leaving the filter and moving on, or keys that
// crossed a slow link together) reaches the program as one read, "\x1b/" or "\x1bj", which
// terminals also send for Alt+key: Ink then reports "/" alone, or "j" with meta, and the
// Esc is lost. forktop binds no Alt keys, so such a read is Esc, then the key. This hook
// sees each read before useInput does and says when one began with such an Esc.
import { useStdin } from 'ink';
import { useEffect, useRef } from 'react';

/** ESC followed by one key that is not the start of an escape sequence (CSI "[" or SS3 "O"). */
const ESC_THEN_KEY = /^\x1b(?:[^[O\x1b]|\x1b)$/su;

/** Call before useInput in the same component: listeners run in the order they were added. */
export function useEscapePrefix(): { taken(): boolean } {
  const { internal_eventEmitter: events } = useStdin();
  const prefixed = useRef(false);
  useEffect(() => {
    const onInput = (input: string) => {
      prefixed.current = ESC_THEN_KEY.test(input);
    };
    events?.on('input', onInput);
    return () => void events?.removeListener('input', onInput);
  }, [events]);
  return {
    /** Whether the read now being handled began with an Esc of its own; asks once. */
    taken() {
      const was = prefixed.current;
      prefixed.current = false;
      return was;
    },
  };
}
