import { Box, Text } from 'ink';
import type { StopPlan, StopRefusal } from '../../stop/stopper.js';
import { commandLine, printable, userName, grouped } from '../format.js';
import type { Theme } from '../theme.js';

/** Processes passed over as roots, shown at most (a deep lineage may pass over many). */
const SKIPPED_SHOWN = 3;

/** The confirmation before signals go out: what it names is what the person agrees to, so
 *  every name in it is formatted here, quoted and escaped like every other view. */
export function StopDialog({ dialog, reason, theme, users, selfUid = process.getuid?.() ?? 0 }: {
  dialog: StopPlan | StopRefusal;
  /** Which lineage K took, and why (the alert's, or the selected row's). */
  reason: string | null;
  theme: Theme;
  users: Map<number, string>;
  /** Who forktop runs as: not root, the kernel refuses signals to other users' processes. */
  selfUid?: number;
}) {
  if ('refused' in dialog) {
    return (
      <Box flexDirection="column" borderStyle="round" borderColor={theme.warning} paddingX={1}>
        <Text color={theme.warning} wrap="wrap">{printable(dialog.refused)}</Text>
        {dialog.process ? <Text wrap="truncate-end">{`pid ${dialog.process.pid}  ${commandLine(dialog.process.argv, dialog.process.comm)}`}</Text> : null}
        <Text dimColor>any key: close</Text>
      </Box>
    );
  }
  const who = dialog.uids.map((uid) => userName(users, uid)).join(', ') || '?';
  const others = selfUid === 0 ? [] : dialog.uids.filter((uid) => uid !== selfUid);
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={theme.error} paddingX={1}>
      <Text bold color={theme.error}>Stop this lineage?</Text>
      {reason ? <Text dimColor wrap="truncate-end">{`which  ${reason}`}</Text> : null}
      <Text wrap="truncate-end">
        root   pid {dialog.root.pid}{dialog.host === undefined ? '' : ` on ${printable(dialog.host)}`}{dialog.root.exited ? ' (exited)' : ''}  {commandLine(dialog.root.argv, dialog.root.comm)}
      </Text>
      {dialog.host !== undefined ? (
        <Text wrap="truncate-end">{`where  on ${printable(dialog.host)}, over ssh: ${printable((dialog.runs ?? []).join('; '))} (its forktop decides what it may signal)`}</Text>
      ) : null}
      {dialog.skipped.slice(0, SKIPPED_SHOWN).map((s) => (
        <Text key={s.pid} wrap="truncate-end" color={theme.warning}>
          {'       '}pid {s.pid} ({commandLine(s.argv, s.comm)}) is {printable(s.why)}: not signalled, only what it spawned
        </Text>
      ))}
      {dialog.skipped.length > SKIPPED_SHOWN ? (
        <Text color={theme.warning}>{`       … and ${dialog.skipped.length - SKIPPED_SHOWN} more passed over`}</Text>
      ) : null}
      <Text>
        live   {grouped(dialog.live)} member{dialog.live === 1 ? '' : 's'}, {dialog.generations} generation{dialog.generations === 1 ? '' : 's'} below it, user{dialog.uids.length === 1 ? '' : 's'} {who}
      </Text>
      {others.length > 0 ? (
        <Text color={theme.warning} wrap="wrap">
          {`note   forktop is not running as root: the kernel will refuse the signals to processes of ${others.map((uid) => userName(users, uid)).join(', ')}`}
        </Text>
      ) : null}
      <Text wrap="wrap">
        how    SIGSTOP every live member, again until a pass finds no new one (new members are caught as they are born), then SIGKILL them all. Never pid 1, forktop or its own session.
      </Text>
      <Text bold>y: stop and kill them    any other key: cancel</Text>
    </Box>
  );
}
