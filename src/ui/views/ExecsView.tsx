import { Box, Text } from 'ink';
import type { ExecEntry } from '../../model/process-node.js';
import type { LossRow } from '../../model/queries.js';
import { clock, commandLine, duration, exitText, failed, printable, userName, grouped, pidText } from '../format.js';
import type { Theme } from '../theme.js';
import { Lines, type Line } from '../components/Lines.js';
import { originLabel as defaultLabel, type Origin } from '../../model/origins.js';

export type ExecRow =
  | {
      entry: ExecEntry;
      loss?: undefined;
      /** Folded rows: how many identical command lines, over how long. */
      count?: number;
      spanMs?: number;
      /** Its program still runs (the process is alive and has not exec'd since). */
      running?: boolean;
    }
  | { loss: LossRow; entry?: undefined };

const LOST_WHERE: Record<string, string> = {
  kernel: "the kernel's buffer overran",
  ebpf: 'the eBPF ring buffer was full',
  queue: 'forktop fell behind',
  transport: 'they did not reach this viewer',
};

/** Where a loss happened, in words: its source, and its host in a stream of several. */
function lostWhere(where: string): string {
  const [source, host] = where.split(' ');
  const what = LOST_WHERE[source] ?? printable(source);
  return host === undefined ? what : `${what}, on ${printable(host)}`;
}

const cell = (text: string, width: number, right = false) =>
  (right ? text.padStart(width) : text.padEnd(width)).slice(0, width);

/** Below this width the PPID column gives its room to the command line (the card has it). */
const PPID_FROM_COLUMNS = 100;
/** From this width an ORIGIN column (who started it) comes before the command line, wider
 *  as the terminal is (`ssh alice@203.0.113.7 pts/1` is 29). */
const ORIGIN_FROM_COLUMNS = 140;
const originWidth = (columns: number) => Math.min(36, Math.max(20, Math.floor((columns - 100) / 2)));

export function ExecsView({ rows, selected, theme, users, now, columns = 120, recordingEnded = false, originLabel, host, hostWidth = 8 }: {
  rows: ExecRow[];
  selected: number;
  theme: Theme;
  users: Map<number, string>;
  /** The model's time: how long a running one has run. */
  now: number;
  columns?: number;
  /** A recording that ended: what still runs was running when it stopped (EXIT says "end"). */
  recordingEnded?: boolean;
  /** How an origin reads (App's, with container names). */
  originLabel?: (o: Origin) => string;
  /** A stream of several hosts: the host of a process (by its key), and its column's width. */
  host?: (key: number) => string | undefined;
  hostWidth?: number;
}) {
  const ppid = columns >= PPID_FROM_COLUMNS;
  const withOrigin = columns >= ORIGIN_FROM_COLUMNS;
  const ORIGIN_WIDTH = originWidth(columns);
  const label = originLabel ?? ((o: Origin) => defaultLabel(o, (uid) => userName(users, uid)));
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {cell('TIME', 12)} {host ? `${cell('HOST', hostWidth)} ` : ''}{cell('PID', 7, true)} {ppid ? `${cell('PPID', 7, true)} ` : ''}{cell('USER', 8)} {cell('EXIT', 5, true)} {cell('DUR', 6, true)}  {withOrigin ? `${cell('ORIGIN', ORIGIN_WIDTH)} ` : ''}COMMAND
      </Text>
      {rows.length === 0 ? <Text dimColor={theme.dim}>no execs yet (or none match)</Text> : null}
      <Lines width={columns} selected={selected} lines={rows.map((row): Line => {
        if (row.loss) {
          const l = row.loss;
          const text = `──── ${grouped(l.lost)} ${l.lost === 1 ? 'event' : 'events'} lost here${l.marks > 1 ? `, ${l.marks} times` : ''} (${l.sources.map(lostWhere).join('; ')}) ────`;
          return { shows: `lost\u0000${text}`, draw: () => ({ style: { color: theme.error, bold: true }, parts: [text] }) };
        }
        const e = row.entry;
        const user = userName(users, e.uid);
        const guessed = e.argvSource === 'comm' || e.argv === null;
        const fold = row.count && row.count > 1 ? `×${row.count} in ${duration(row.spanMs ?? 0)}  ` : '';
        const start = `${cell(clock(e.time), 12)} ${host ? `${cell(printable(host(e.pid) ?? ''), hostWidth)} ` : ''}${cell(pidText(e.pid), 7, true)} ${ppid ? `${cell(e.ppid === null ? '?' : pidText(e.ppid), 7, true)} ` : ''}${cell(user, 8)} `;
        // It ended by exec'ing another program (no exit code; how long it ran), runs still
        // (for how long, dimmed, as it is not an end), or ended.
        const end = e.replacedTs !== null && e.exitCode === null && !e.exitSignal
          ? { dim: true, text: `${cell('exec', 5, true)} ${cell(duration((e.replacedTs - e.ts) / 1e6), 6, true)}` }
          : row.running
            ? { dim: true, text: `${cell(recordingEnded ? 'end' : '', 5, true)} ${cell(duration(Math.max(0, now - e.ts) / 1e6), 6, true)}` }
            : { dim: false, failed: failed(e), text: `${cell(exitText(e), 5, true)} ${cell(duration(e.durationMs), 6, true)}` };
        const origin = withOrigin ? `${cell(e.origin ? printable(label(e.origin)) : '', ORIGIN_WIDTH)} ` : '';
        const command = `${commandLine(e.argv, e.comm)}${guessed ? ' (argv not read)' : ''}`;
        return {
          shows: [start, end.dim, end.failed, end.text, origin, fold, e.truncated, guessed, command].join('\u0000'),
          draw: () => ({
            parts: [
              start,
              // The exit code alone is red when it failed; what it took is not.
              end.dim ? { text: end.text, dimColor: true } : { text: end.text.slice(0, 5), color: end.failed ? theme.error : undefined },
              end.dim ? '' : end.text.slice(5),
              '  ',
              origin,
              fold,
              // Before the command line: a long one is cut by the screen's edge too.
              e.truncated && { text: '[argv cut at 16 KiB] ', color: theme.error },
              { text: command, dimColor: guessed && theme.dim },
            ],
          }),
        };
      })} />
    </Box>
  );
}
