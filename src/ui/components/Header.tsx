import { Box, Text } from 'ink';
import { headerStats } from '../../model/queries.js';
import type { Feed } from '../feed.js';
import { rate, sparkline } from '../format.js';
import type { Theme } from '../theme.js';

export function Header({ feed, theme, paused, newSincePause }: { feed: Feed; theme: Theme; paused: boolean; newSincePause: number }) {
  const s = headerStats(feed.model);
  return (
    <Box>
      <Box flexGrow={1} flexShrink={1}>
        <Text wrap="truncate-end">
        <Text bold>forktop</Text> {feed.host}  {feed.sourceName}  exec {rate(s.execsPerSec)}/s{' '}
        <Text color={theme.accent}>{sparkline(s.execHistory.slice(-20))}</Text>  fork {rate(s.forksPerSec)}/s  exit{' '}
        {rate(s.exitsPerSec)}/s  live {s.live}
        </Text>
      </Box>
      {/* Never cut: lost events and whether the screen is live must always show. */}
      <Box flexShrink={0} marginLeft={2}>
        <Text color={s.lost > 0 ? theme.error : undefined} bold={s.lost > 0}>lost {s.lost}  </Text>
        {paused ? <Text color={theme.warning} bold>PAUSED +{newSincePause}</Text> : <Text color={theme.accent}>LIVE</Text>}
      </Box>
    </Box>
  );
}
