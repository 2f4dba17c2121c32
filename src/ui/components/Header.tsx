import { Box, Text } from 'ink';
import { headerStats } from '../../model/queries.js';
import type { Feed } from '../feed.js';
import { printable, rate, sparkline } from '../format.js';
import type { Theme } from '../theme.js';

/** 60 one-second counts as 30 two-second cells: the last minute in half the width. */
function pairs(history: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < history.length; i += 2) out.push(history[i] + history[i + 1]);
  return out;
}

export function Header({ feed, theme, paused, newSincePause }: { feed: Feed; theme: Theme; paused: boolean; newSincePause: number }) {
  const s = headerStats(feed.model);
  return (
    <Box>
      <Box flexGrow={1} flexShrink={1}>
        <Text wrap="truncate-end">
        <Text bold>forktop</Text> {printable(feed.host)}  {printable(feed.sourceName)}  exec {rate(s.execsPerSec)}/s{' '}
        <Text color={theme.accent}>{sparkline(pairs(s.execHistory))}</Text>  fork {rate(s.forksPerSec)}/s  exit{' '}
        {rate(s.exitsPerSec)}/s  live {s.live}
        </Text>
      </Box>
      {/* Never cut: lost events and whether the screen is live must always show. */}
      <Box flexShrink={0} marginLeft={2}>
        <Text color={s.lost > 0 ? theme.error : undefined} bold={s.lost > 0}>lost {s.lost}  </Text>
        {paused ? (
          <Text color={theme.warning} bold>PAUSED +{newSincePause}</Text>
        ) : feed.ended ? (
          <Text color={theme.warning}>ENDED</Text>
        ) : feed.sourceName.startsWith('replay') ? (
          <Text color={theme.accent}>REPLAY</Text>
        ) : (
          <Text color={theme.accent}>LIVE</Text>
        )}
      </Box>
    </Box>
  );
}
