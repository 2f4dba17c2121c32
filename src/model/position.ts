// Lists are walked, not built: where a row stands is found by walking to it.
/** Where the first item a walk visits that `is` picks stands among the items visited, or -1. */
export function positionOf<T>(walk: (visit: (item: T) => boolean) => void, is: (item: T) => boolean): number {
  let index = 0;
  let found = -1;
  walk((item) => {
    if (is(item)) {
      found = index;
      return false;
    }
    index++;
    return true;
  });
  return found;
}
