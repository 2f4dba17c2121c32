import { Box, Text } from 'ink';
import { useRef } from 'react';
import { headerStats, type HeaderStats } from '../../model/queries.js';
import type { Model } from '../../model/model.js';
import type { Feed } from '../feed.js';
import { printable, rate, sparkline } from '../format.js';
import type { Theme } from '../theme.js';
import type { HostState } from '../../model/hosts.js';

/** 60 one-second counts as 30 two-second cells: the last minute in half the width. */
function pairs(history: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < history.length; i += 2) out.push(history[i] + history[i + 1]);
  return out;
}

/** A replay's source is "replay /long/path/storm.ndjson": the file's name says enough. */
function shortSource(name: string): string {
  const replay = /^replay (.*\/)?([^/]+)$/.exec(name);
  return replay ? `replay ${replay[2]}` : name;
}

interface Part {
  key: string;
  text: string;
  /** Lower is kept longer when the terminal is narrow: the numbers go last. */
  keep: number;
  accent?: boolean;
  bold?: boolean;
}

/** The parts that fit `width`, in display order: dropped by `keep`, highest first. */
export function fitParts(parts: Part[], width: number): Part[] {
  const byKeep = [...parts].sort((a, b) => a.keep - b.keep);
  const kept = new Set<Part>();
  let used = 0;
  for (const part of byKeep) {
    const cost = part.text.length + (kept.size > 0 ? 2 : 0); // and its separator
    if (used + cost > width) continue;
    kept.add(part);
    used += cost;
  }
  return parts.filter((p) => kept.has(p));
}

function hostsUp(hosts: readonly HostState[]): string {
  let up = 0;
  for (const host of hosts) if (host.state === 'up') up++;
  return `${up}/${hosts.length} hosts up`;
}

interface Sample {
  second: number;
  stats: HeaderStats;
}

/** The numbers as of the first frame in this second of model time, as top's header: the rates
 *  and the live count would change every frame at any pace, and an unchanged header line is one
 *  Ink's output step reuses instead of parsing and measuring it again. Lost events are never
 *  held back: a new loss takes a new sample at once; nor is anything once a replay ended (its
 *  clock stops, and with it the next second). */
function useHeaderStats(model: Model, ended: boolean): HeaderStats {
  const sample = useRef<Sample | null>(null);
  const second = Math.floor(model.now / 1e9);
  const held = sample.current;
  if (held && !ended && held.second === second && held.stats.lost === model.totals.lost) return held.stats;
  const stats = headerStats(model);
  sample.current = { second, stats };
  return stats;
}

export function Header({ feed, theme, paused, newSincePause, columns = 120 }: {
  feed: Feed; theme: Theme; paused: boolean; newSincePause: number; columns?: number;
}) {
  const s = useHeaderStats(feed.model, feed.ended);
  const state = paused ? `PAUSED +${newSincePause}` : feed.ended ? 'ENDED' : feed.sourceName.startsWith('replay') ? 'REPLAY' : 'LIVE';
  const lost = `lost ${s.lost}`;
  const parts: Part[] = [
    { key: 'name', text: 'forktop', keep: 0, bold: true },
    // Which machine (someone may watch several); of a merged stream, how many are up (5 lists them).
    { key: 'host', text: feed.model.hosts.count > 0 ? hostsUp(feed.model.hosts.list) : printable(feed.host), keep: 3 },
    { key: 'source', text: printable(shortSource(feed.sourceName)), keep: 5 },
    { key: 'exec', text: `exec ${rate(s.execsPerSec)}/s`, keep: 1 },
    { key: 'spark', text: sparkline(pairs(s.execHistory)), keep: 8, accent: true },
    { key: 'fork', text: `fork ${rate(s.forksPerSec)}/s`, keep: 2 },
    { key: 'exit', text: `exit ${rate(s.exitsPerSec)}/s`, keep: 6 },
    { key: 'live', text: `live ${s.live}`, keep: 4 },
  ];
  // Never cut: lost events and whether the screen is live must always show.
  const right = lost.length + 2 + state.length;
  // +1: the part after the name is set off by one space, not two.
  const shown = fitParts(parts, Math.max(0, columns - right - 2 + 1));
  return (
    <Box>
      <Box flexGrow={1} flexShrink={1}>
        <Text wrap="truncate-end">
          {shown.map((p, i) => (
            <Text key={p.key} bold={p.bold} color={p.accent ? theme.accent : undefined}>{`${i === 0 ? '' : shown[i - 1].key === 'name' ? ' ' : '  '}${p.text}`}</Text>
          ))}
        </Text>
      </Box>
      <Box flexShrink={0} marginLeft={2}>
        <Text color={s.lost > 0 ? theme.error : undefined} bold={s.lost > 0}>{lost}  </Text>
        {paused ? (
          <Text color={theme.warning} bold>{state}</Text>
        ) : feed.ended ? (
          <Text color={theme.warning}>{state}</Text>
        ) : (
          <Text color={theme.accent}>{state}</Text>
        )}
      </Box>
    </Box>
  );
}
