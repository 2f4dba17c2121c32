import { Box, Text } from 'ink';
import type { StopPlan, StopRefusal } from '../../stop/stopper.js';
import type { Theme } from '../theme.js';

export function StopDialog({ dialog, theme, users }: { dialog: StopPlan | StopRefusal; theme: Theme; users: Map<number, string> }) {
  if ('refused' in dialog) {
    return (
      <Box flexDirection="column" borderStyle="round" borderColor={theme.warning} paddingX={1}>
        <Text color={theme.warning} wrap="wrap">{dialog.refused}</Text>
        <Text dimColor>any key: close</Text>
      </Box>
    );
  }
  const who = dialog.uids.map((uid) => users.get(uid) ?? String(uid)).join(', ') || '?';
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.error} paddingX={1}>
      <Text bold color={theme.error}>Stop this lineage?</Text>
      <Text wrap="truncate-end">
        root   pid {dialog.root.pid}{dialog.root.exited ? ' (exited)' : ''}  {dialog.root.command}
      </Text>
      {dialog.skipped.map((s) => (
        <Text key={s.pid} wrap="truncate-end" color={theme.warning}>
          {'       '}pid {s.pid} is {s.why}: not signalled, only what it spawned
        </Text>
      ))}
      <Text>
        live   {dialog.live.toLocaleString('en-US')} member{dialog.live === 1 ? '' : 's'}, {dialog.generations} generation{dialog.generations === 1 ? '' : 's'} below it, user{dialog.uids.length === 1 ? '' : 's'} {who}
      </Text>
      <Text wrap="wrap">
        how    SIGSTOP every live member, again until a pass finds no new one (new members are caught as they are born), then SIGKILL them all. Never pid 1, forktop or its own session.
      </Text>
      <Text bold>y: stop and kill them    any other key: cancel</Text>
    </Box>
  );
}
