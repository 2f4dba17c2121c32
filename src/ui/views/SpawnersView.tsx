import { Box, Text } from 'ink';
import type { SpawnerListRow } from '../list-sources.js';
import { commandLine, pidText, printable, rate, spawnsText, sparkline } from '../format.js';
import { Lines, type Line } from '../components/Lines.js';

/** Lineages (selectable: Enter inspects the root, K stops the lineage), then spawners. */
export function SpawnersView({ rows, selected, host, columns }: {
  rows: SpawnerListRow[]; selected: number; columns: number;
  /** A stream of several hosts: the host of a process (by its key), said before its command. */
  host?: (key: number) => string | undefined;
}) {
  const where = (key: number) => (host ? `${printable(host(key) ?? '')}: ` : '');
  const lineages = rows.filter((r) => r.lineage);
  const spawners = rows.filter((r) => r.spawner);
  return (
    <Box flexDirection="column">
      {lineages.length > 0 ? (
        <>
          <Text bold>{'ROOT'.padStart(7)} {'FORK/S'.padStart(7)} {'LIVE'.padStart(7)} {'GENS'.padStart(6)}  LINEAGES (one program forking itself)</Text>
          <Lines width={columns} selected={selected} lines={lineages.map(({ lineage: l }): Line => {
            const text = `${pidText(l!.root.pid).padStart(7)} ${rate(l!.rate1s).padStart(7)} ${String(l!.live).padStart(7)} ${String(l!.generations).padStart(6)}  ${where(l!.root.pid)}${commandLine(l!.root.argv, l!.root.comm)}`;
            return { shows: text, draw: () => ({ parts: [text] }) };
          })} />
          <Text> </Text>
        </>
      ) : null}
      <Text bold>{'PID'.padStart(7)} {'FORK/S'.padStart(7)} {'10S AVG'.padStart(7)} {'LIVE'.padStart(6)}  LAST 10 S    COMMAND</Text>
      {spawners.length === 0 ? <Text>nobody forked three times in the last 10 s</Text> : null}
      <Lines width={columns} selected={selected - lineages.length} lines={spawners.map(({ spawner: r }): Line => {
        const text = `${pidText(r!.node.pid).padStart(7)} ${rate(r!.rate1s).padStart(7)} ${r!.rate10s.toFixed(1).padStart(7)} ${String(r!.liveChildren).padStart(6)}  ${sparkline(r!.history)}  ${where(r!.node.pid)}${commandLine(r!.node.argv, r!.node.comm)}`;
        // What it spawns, so a storm reads as "make → cc1plus" without opening it.
        const spawns = r!.spawns.length > 0 ? `  → ${spawnsText(r!.spawns)}` : '';
        return {
          shows: `${text}\u0000${spawns}`,
          draw: () => ({ parts: [text, spawns && { text: spawns, dimColor: true }] }),
        };
      })} />
    </Box>
  );
}
