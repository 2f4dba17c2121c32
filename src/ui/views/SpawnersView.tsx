import { Box, Text } from 'ink';
import type { LineageRow, SpawnerRow } from '../../model/queries.js';
import { commandLine, rate, sparkline } from '../format.js';

export function SpawnersView({ rows, lineages, selected }: { rows: SpawnerRow[]; lineages: LineageRow[]; selected: number }) {
  return (
    <Box flexDirection="column">
      {lineages.length > 0 ? (
        <>
          <Text bold>{'ROOT'.padStart(7)} {'FORK/S'.padStart(7)} {'LIVE'.padStart(7)} {'GENS'.padStart(6)}  LINEAGES (one program forking itself)</Text>
          {lineages.map((l) => (
            <Text key={l.root.id} wrap="truncate-end">
              {String(l.root.pid).padStart(7)} {rate(l.rate1s).padStart(7)} {String(l.live).padStart(7)} {String(l.generations).padStart(6)}  {commandLine(l.root.argv, l.root.comm)}
            </Text>
          ))}
          <Text> </Text>
        </>
      ) : null}
      <Text bold>{'PID'.padStart(7)} {'FORK/S'.padStart(7)} {'10S AVG'.padStart(7)} {'LIVE'.padStart(6)}  LAST 10 S    COMMAND</Text>
      {rows.length === 0 ? <Text>nobody forked in the last 10 s</Text> : null}
      {rows.map((r, i) => (
        <Text key={r.node.id} inverse={i === selected} wrap="truncate-end">
          {String(r.node.pid).padStart(7)} {rate(r.rate1s).padStart(7)} {r.rate10s.toFixed(1).padStart(7)} {String(r.liveChildren).padStart(6)}  {sparkline(r.history)}  {commandLine(r.node.argv, r.node.comm)}
        </Text>
      ))}
    </Box>
  );
}
