import { Text } from 'ink';
import type { AlertEvent } from '../../model/events.js';
import type { Theme } from '../theme.js';

export function AlertBar({ alert, theme, inspectKey, stopKey }: { alert: AlertEvent; theme: Theme; inspectKey: string; stopKey?: string }) {
  const what = alert.kind === 'fork-bomb' ? 'FORK BOMB' : 'FORK STORM';
  return (
    <Text color={alert.kind === 'fork-bomb' ? theme.error : theme.warning} bold inverse wrap="truncate-end">
      {` ! ${what}  ${alert.comm ?? '?'} (pid ${alert.root})  ${Math.round(alert.rate)} forks/s  ${alert.live} live  ${alert.generations} generations    ${inspectKey}: inspect${stopKey && alert.kind === 'fork-bomb' ? `  ${stopKey}: stop it` : ''} `}
    </Text>
  );
}
