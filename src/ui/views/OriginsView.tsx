import { Box, Text } from 'ink';
import type { Origin } from '../../model/origins.js';
import type { OriginRow } from '../../model/queries.js';
import { printable, rate, spawnsText, minuteSparkline, userName } from '../format.js';
import { Lines, type Line } from '../components/Lines.js';

/** Who started what: one row per origin, busiest first (Enter lists its processes as a tree). */
export function OriginsView({ rows, selected, users, originLabel, columns }: {
  rows: OriginRow[]; selected: number; users: Map<number, string>; originLabel: (o: Origin) => string; columns: number;
}) {
  const name = (uid: number) => userName(users, uid);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{'EXEC/S'.padStart(7)} {'10S AVG'.padStart(7)} {'LIVE'.padStart(6)}  {'LAST 60 S'.padEnd(20)}  ORIGIN</Text>
      {rows.length === 0 ? <Text>no origin has run anything in the last minute (or none match)</Text> : null}
      <Lines width={columns} selected={selected} lines={rows.map((r): Line => {
        const text = `${rate(r.rate1s).padStart(7)} ${r.rate10s.toFixed(1).padStart(7)} ${String(r.live).padStart(6)}  ${minuteSparkline(r.history)}  ${printable(originLabel(r.origin))}`;
        // As whom it runs, when not (only) as the one who logged in; and what it runs most.
        const as = r.origin.uids.filter((uid) => uid !== r.origin.auid).slice(0, 3).map(name);
        const more = `${as.length ? `  as ${printable(as.join(', '))}` : ''}${r.runs.length ? `  → ${spawnsText(r.runs)}` : ''}`;
        return {
          shows: `${text}\u0000${more}`,
          draw: () => ({ parts: [text, more && { text: more, dimColor: true }] }),
        };
      })} />
    </Box>
  );
}
