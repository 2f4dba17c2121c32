import { Box, Text } from 'ink';
import { endedBadly, isKernelThread } from '../../model/process-node.js';
import type { TreeRow } from '../../model/queries.js';
import { activityBar, commandLine, duration, lifetimeBar, userName, grouped, pidText, printable } from '../format.js';
import type { Theme } from '../theme.js';
import { Lines, type Line } from '../components/Lines.js';

export function TreeView({ rows, selected, theme, now, filtered, users, host, columns }: {
  rows: TreeRow[];
  selected: number;
  theme: Theme;
  now: number;
  filtered: boolean;
  users: Map<number, string>;
  /** A stream of several hosts: the host of a process (by its key); its roots say it. */
  host?: (key: number) => string | undefined;
  columns: number;
}) {
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {'PID'.padStart(7)}  {'LAST 60 S'.padEnd(10)}  TREE (by spawning parent; exited processes dimmed{filtered ? '; • a match, the rest the way to it' : '; ▸ ×N: N finished children running one program, → lists them'})
      </Text>
      {rows.length === 0 ? <Text dimColor={theme.dim}>no process matches</Text> : null}
      <Lines width={columns} selected={selected} lines={rows.map((row): Line => {
        const n = row.node;
        // A run of finished siblings shows its newest, after the count: ▸ says → lists them.
        const marker = row.run ? `▸ ×${grouped(row.run.count)} ` : row.hasChildren ? (row.collapsed ? '▸ ' : '▾ ') : '  ';
        const ended = row.exited;
        const life = n.startTs !== null ? duration(((ended ? n.exit!.ts : now) - n.startTs) / 1e6) : '';
        // A kernel thread has no command line to read: [name] says it, as in ps.
        const kernel = isKernelThread(n);
        const guessed = (n.argvSource === 'comm' || n.argv === null) && !kernel;
        const bar = row.run ? activityBar(row.run.members, (m) => m.startTs, (m) => m.exit!.ts, now) : lifetimeBar(n.startTs, ended ? n.exit!.ts : null, now);
        const start = `${pidText(n.pid).padStart(7)}  ${bar}  ${'  '.repeat(row.depth)}${marker}${filtered ? (row.context ? '  ' : '• ') : ''}${host && row.depth === 0 ? `${printable(host(n.pid) ?? '')}: ` : ''}${commandLine(kernel ? null : n.argv, n.comm)}${guessed ? ' (argv not read)' : ''}`;
        // Where the user changes down the tree (sudo, su, setuid, a service): pspy's question.
        const as = row.userChanged ? `  as ${userName(users, n.uid)}` : '';
        const from = row.spawnerGone !== null ? `  ← from pid ${pidText(row.spawnerGone)}` : '';
        const end = ended ? `  ✝ ${n.exit!.unseen ? 'exit unseen' : n.exit!.signal ? `sig${n.exit!.signal}` : n.exit!.code === null ? 'gone' : `exit ${n.exit!.code}`} after ${life}` : '';
        const badly = ended && endedBadly(n);
        const failedRuns = row.run?.failed ? `  (${grouped(row.run.failed)} of them failed)` : '';
        const dim = !!(ended || row.context) && theme.dim;
        return {
          shows: [dim, start, as, from, end, badly, failedRuns].join('\u0000'),
          draw: () => ({
            style: { dimColor: dim },
            parts: [
              start,
              as && { text: as, color: theme.accent },
              from,
              // A failure stands out among the dimmed tombstones, as in the exec list.
              end && { text: end, color: badly ? theme.error : undefined },
              failedRuns && { text: failedRuns, color: theme.error },
            ],
          }),
        };
      })} />
    </Box>
  );
}
