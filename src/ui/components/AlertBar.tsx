import { Text } from 'ink';
import type { AlertEvent } from '../../events/schema.js';
import { printable } from '../text.js';
import type { Theme } from '../theme.js';

export function AlertBar({ alert, theme, inspectKey, stopKey, spawns }: {
  alert: AlertEvent;
  theme: Theme;
  inspectKey: string;
  stopKey?: string;
  /** What a storm's spawner runs, most first ("true ×412, sh ×410"). */
  spawns?: string;
}) {
  const bomb = alert.kind === 'fork-bomb';
  const what = bomb ? 'FORK BOMB' : 'FORK STORM';
  // A storm is one process spawning: its shape is its live children, not generations.
  const shape = bomb
    ? `${alert.live} live  ${alert.generations} generation${alert.generations === 1 ? '' : 's'}`
    : `${alert.live} live children${spawns ? `  → ${spawns}` : ''}`;
  return (
    <Text color={bomb ? theme.error : theme.warning} bold inverse wrap="truncate-end">
      {` ! ${what}  ${alert.comm === null ? '?' : printable(alert.comm)} (pid ${alert.root})  ${Math.round(alert.rate)} forks/s  ${shape}    ${inspectKey}: inspect${stopKey && bomb ? `  ${stopKey}: stop it` : ''} `}
    </Text>
  );
}
