import { Box, Text } from 'ink';
import type { HostRow } from '../../model/queries.js';
import { duration, grouped, printable, rate, minuteSparkline } from '../format.js';
import { Lines, type Line } from '../components/Lines.js';
import type { Theme } from '../theme.js';

/** What a host's row says after its numbers: its worst alert, or why it is down. */
function status(row: HostRow, now: number): { text: string; bad: boolean } {
  const bomb = row.alerts[0];
  if (bomb) {
    const what = bomb.kind === 'fork-bomb' ? `fork bomb ${printable(bomb.comm ?? '?')}(${bomb.root}): ${grouped(bomb.live)} live` : `fork storm ${printable(bomb.comm ?? '?')}(${bomb.root})`;
    return { text: `${what}${row.alerts.length > 1 ? `  +${row.alerts.length - 1} more` : ''}`, bad: true };
  }
  const host = row.host;
  if (host.state === 'down') return { text: `down ${host.since === null ? '' : duration(Math.max(0, now - host.since) / 1e6)}: ${printable(host.reason ?? '')}`, bad: true };
  return { text: host.state === 'up' ? '' : 'not heard from yet', bad: false };
}

/** The hosts of a merged stream (--ssh, --nats): what needs a look first (Enter: its processes). */
export function HostsView({ rows, selected, theme, now, nameWidth, columns }: {
  rows: HostRow[]; selected: number; theme: Theme; now: number; nameWidth: number; columns: number;
}) {
  // Below 100 columns the 10 s average goes: what is wrong needs the room.
  const average = columns >= 100;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{'HOST'.padEnd(nameWidth)} {'STATE'.padEnd(5)} {'EXEC/S'.padStart(7)} {average ? `${'10S AVG'.padStart(7)} ` : ''}{'LIVE'.padStart(6)} {'LOST'.padStart(6)}  {'LAST 60 S'.padEnd(20)}  STATUS</Text>
      {rows.length === 0 ? <Text>one machine: this one (hosts are listed here with --ssh or --nats)</Text> : null}
      <Lines width={columns} selected={selected} lines={rows.map((r): Line => {
        const h = r.host;
        const state = h.state === 'unknown' ? '?' : h.state;
        const text = `${printable(h.name).slice(0, nameWidth).padEnd(nameWidth)} ${state.padEnd(5)} ${rate(r.rate1s).padStart(7)} ${average ? `${r.rate10s.toFixed(1).padStart(7)} ` : ''}${String(h.live).padStart(6)} ${grouped(h.lost).padStart(6)}  ${minuteSparkline(r.history)}  `;
        const why = status(r, now);
        return {
          shows: `${text}\u0000${why.bad}\u0000${why.text}`,
          draw: () => ({ parts: [text, { text: why.text, color: why.bad ? theme.error : undefined }] }),
        };
      })} />
    </Box>
  );
}
