import { Box, Text } from 'ink';
import { FILTER_FIELDS } from '../../model/filters.js';
import { BINDINGS } from '../keymap.js';

/** What the screen's marks mean. */
const SYMBOLS: [string, string][] = [
  ['✝ exit 0 after', 'exited (kept a while, dimmed), how, and how long it lived'],
  ['▸ ×N', 'N finished children running one program, folded (→ lists them)'],
  ['▸ / ▾', 'collapsed / expanded'],
  ['← from pid N', 'its spawner is no longer kept (a bomb\'s exited ancestors)'],
  ['[name]', 'a kernel thread (no command line)'],
  ['as alice', 'in the tree: runs as another user than its spawner (sudo, su, setuid)'],
  ['(argv not read)', 'the process was gone before its command line could be read'],
  ['exec', 'in EXIT: the program exec\'d another'],
  ['E2', 'in EXIT: the exec failed, errno 2 (ENOENT)'],
  ['end', 'in EXIT, in a replay: still running when the recording ended'],
  ['──── N lost', 'events the kernel, the eBPF ring or forktop dropped there'],
  ['\\x1b \\u{202E}', 'a control character in a name or argument, shown escaped'],
];

/** Every line of the help: the keys, then what the marks mean. */
export function helpLines(): { text: string; dim: boolean }[] {
  return [
    ...BINDINGS.map((b) => ({ text: `${b.label.padEnd(8)} ${b.help}`, dim: false })),
    { text: 'typing a filter or user: enter keeps it, esc clears it, ctrl-w deletes a word, ctrl-u the line', dim: true },
    { text: ' ', dim: false },
    { text: 'the filter takes words of the command line and these fields, all of them to match:', dim: false },
    ...Object.entries(FILTER_FIELDS).map(([field, meaning]) => ({ text: `${`${field}:`.padEnd(10)} ${meaning}`, dim: true })),
    { text: `${'failed'.padEnd(10)} failed execs and exits only`, dim: true },
    { text: 'e.g. /origin:ssh user:alice curl   (the same with --filter)', dim: true },
    { text: ' ', dim: false },
    ...SYMBOLS.map(([symbol, meaning]) => ({ text: `${symbol.padEnd(16)} ${meaning}`, dim: true })),
  ];
}

/** The help, from line `top`, in `lines` lines: it scrolls like the lists (↑ ↓ PgUp PgDn g G),
 *  and says what is above and below, so a small terminal shows all of it in turn. */
export function HelpScreen({ lines, top }: { lines: number; top: number }) {
  const all = helpLines();
  const room = Math.max(1, lines - 1); // the last line says where we are and how to leave
  const start = Math.max(0, Math.min(top, all.length - room));
  const shown = all.slice(start, start + room);
  const below = all.length - start - shown.length;
  return (
    <Box flexDirection="column">
      {shown.map((line, i) => (
        <Text key={start + i} dimColor={line.dim} wrap="truncate-end">{line.text}</Text>
      ))}
      <Text inverse wrap="truncate-end">
        {` help ${start + 1}–${start + shown.length} of ${all.length}${start > 0 ? `  ↑ ${start} above` : ''}${below > 0 ? `  ↓ ${below} below` : ''}   esc or ?: close `}
      </Text>
    </Box>
  );
}

/** Where `top` may go: the last page shows the last line. */
export function clampHelpTop(top: number, lines: number): number {
  return Math.max(0, Math.min(top, helpLines().length - Math.max(1, lines - 1)));
}
