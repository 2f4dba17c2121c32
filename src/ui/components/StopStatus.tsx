import { Text } from 'ink';
import { grouped } from '../format.js';
import type { StopState } from '../use-stop.js';
import { printable } from '../text.js';
import type { Theme } from '../theme.js';

const n = grouped;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One line while a stop runs, and its result after (esc clears it). */
export function StopStatus({ state, theme }: { state: StopState; theme: Theme }) {
  const { progress, report, error } = state;
  if (error) return <Text color={theme.error} wrap="truncate-end">stop failed: {printable(error)}</Text>;
  if (progress) {
    const what = progress.phase === 'stopping' ? `stopping: ${n(progress.stopped)} stopped (pass ${progress.passes})` : `killing ${n(progress.stopped)}`;
    return <Text color={theme.warning} bold wrap="truncate-end">{`■ ${what}  ${secs(progress.ms)}`}</Text>;
  }
  if (!report) return null;
  const left = report.survivors.length === 0 ? 'none left' : `${n(report.survivors.length)} still running: ${report.survivors.slice(0, 8).join(' ')}`;
  const denied = report.denied ? `, ${n(report.denied)} refused by the kernel` : '';
  return (
    <Text color={report.survivors.length ? theme.error : theme.accent} bold wrap="truncate-end">
      {`■ lineage of pid ${report.root}${report.host === undefined ? '' : ` on ${printable(report.host)}`}: stopped ${n(report.stopped)}, killed ${n(report.killed)} in ${secs(report.ms)}, ${left}${denied}   esc: clear`}
    </Text>
  );
}
