import { Text } from 'ink';
import { grouped } from '../format.js';
import type { AlertEvent } from '../../events/schema.js';
import { printable } from '../text.js';
import type { Theme } from '../theme.js';

const TREND: Record<NonNullable<AlertEvent['trend']>, string> = {
  growing: 'growing',
  stalled: 'stalled',
  shrinking: 'shrinking',
};

const n = grouped;

/** The worst alert up now (a bomb before a storm), and how many more a key lists. */
export function AlertBar({ alert, theme, inspectKey, stopKey, spawns, more, listKey }: {
  alert: AlertEvent;
  theme: Theme;
  inspectKey: string;
  stopKey?: string;
  /** What a storm's spawner runs, most first ("true ×412, sh ×410"). */
  spawns?: string;
  /** Other alerts up now, and the key that lists them. */
  more: number;
  listKey: string;
}) {
  const bomb = alert.kind === 'fork-bomb';
  const name = `${alert.comm === null ? '?' : printable(alert.comm)} (pid ${alert.root}${alert.host === undefined ? '' : ` on ${printable(alert.host)}`})`;
  // What a narrow terminal cuts is the end: first the name, how big it is and where it is
  // going, the keys, then the details. A bomb's rate drops to nothing once it hits a limit,
  // so it is a detail; a storm is its rate, and what it spawns.
  const size = bomb ? `${n(alert.live)} alive, ${TREND[alert.trend ?? 'growing']}` : `${n(Math.round(alert.rate))} forks/s`;
  // Stopping it and the other alerts first: an 80-column bar cuts what comes last.
  const keys = [stopKey && bomb ? `${stopKey}: stop it` : '', more > 0 ? `${listKey}: +${more} more` : '', `${inspectKey}: inspect`].filter(Boolean).join('  ');
  const details = bomb
    ? `${alert.generations} generation${alert.generations === 1 ? '' : 's'}  ${n(Math.round(alert.rate))} forks/s`
    // What it spawns says more than its live children (a storm's are short-lived: 0).
    : `${spawns ? `→ ${spawns}  ` : ''}${n(alert.live)} live ${alert.live === 1 ? 'child' : 'children'}`;
  return (
    <Text color={bomb ? theme.error : theme.warning} bold inverse wrap="truncate-end">
      {` ! ${bomb ? 'FORK BOMB' : 'FORK STORM'}  ${name}  ${size}   ${keys}   ${details} `}
    </Text>
  );
}

/** A bomb whose last member is gone: said for a while, so its end is seen, not guessed. */
export function GoneBar({ alert, theme }: { alert: AlertEvent; theme: Theme }) {
  return (
    <Text color={theme.accent} bold wrap="truncate-end">
      {` ✓ fork bomb ${alert.comm === null ? '?' : printable(alert.comm)} (pid ${alert.root}${alert.host === undefined ? '' : ` on ${printable(alert.host)}`}): gone, 0 left`}
    </Text>
  );
}
