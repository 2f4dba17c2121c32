// A list row that React draws again only when what it shows changed. A live list keeps most
// of its rows from frame to frame (shifted when one arrives): drawing each again made new
// elements and style closures, so Ink re-measured every row of every frame.
import { memo, type ReactNode } from 'react';

export const Row = memo(
  function Row({ draw }: {
    /** Everything the row shows, as text (its cells and styles): equal text, equal row. */
    shows: string;
    draw: () => ReactNode;
  }) {
    return draw();
  },
  (before, after) => before.shows === after.shows,
);
