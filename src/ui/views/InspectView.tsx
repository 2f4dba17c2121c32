import { Box, Text } from 'ink';
import type { Model } from '../../model/model.js';
import type { LifeEntry, ProcessNode, ProcessNow } from '../../model/process-node.js';
import { cardChildren, chain, childPrograms, children, lifetime, siblingsOf, TREE_RUN_MIN, type ChainLink, type Siblings } from '../../model/queries.js';
import { clock, commandLine, duration, errnoName, printable, spawnsText, userName, grouped, pidText } from '../format.js';
import { originLabel as defaultLabel, type Origin } from '../../model/origins.js';
import type { Theme } from '../theme.js';

/** Children a card lists at least (when it has them), then as many as the rows its short
 *  lifetime log leaves: a busy parent's card said `… 3785 more` above empty rows. */
const CARD_CHILDREN = 8;

/** The selectable entries of the card: ancestors, then the children it lists. */
export function inspectTargets(model: Model, node: ProcessNode, childLimit = CARD_CHILDREN): ProcessNode[] {
  const ancestors = chain(model, node.id).map((l) => l.node).filter((n): n is ProcessNode => !!n && n !== node);
  return [...ancestors, ...cardChildren(model, node.id, childLimit)];
}

/** How a card fits `height` lines: what it shows besides its log and its children, and how
 *  many children it lists (App selects among the same). Worked out once a frame: the
 *  one-of-many line walks the parent's children, thousands in a storm. */
export interface CardLayout {
  /** Title, times, paths, origin, the lineage (it wraps), the one-of-many line, the
   *  dropped-log note, the children's title and a scroll note. */
  fixed: number;
  childLimit: number;
  /** This process is one run of many of its parent's (a loop's, a build's). */
  many: Siblings | null;
}

export function cardLayout(model: Model, node: ProcessNode, height: number, columns: number, users: Map<number, string>): CardLayout {
  const links = chain(model, node.id);
  const lineageLines = Math.max(1, Math.ceil((8 + links.reduce((n, l) => n + name(l).length + 3, 0)) / Math.max(20, columns)));
  const siblings = siblingsOf(model, node);
  const many = siblings && siblings.count >= TREE_RUN_MIN ? siblings : null;
  const fixed = 3 + originLines(node, users).length + lineageLines + (many ? 1 : 0) + (node.logDropped > 0 ? 1 : 0) + 1 + 1;
  const room = height - fixed - lifetime(node).length - 1; /* "… N more" */
  return { fixed, childLimit: Math.max(CARD_CHILDREN, room), many };
}

/** Each model's wall clock offset as the cards last used it. */
const wallOffsets = new WeakMap<Model, number>();

function isoOf(model: Model, ts: number): string {
  // Event times are kept as ISO strings on events; a card maps ts through the model's clock.
  // Its wall time has ms steps: the offset moves by one now and then, and a time shown
  // would flicker between .731 and .732. Kept until the clocks really part (a replay's jump).
  const measured = Date.parse(model.nowTime) - model.now / 1e6;
  const kept = wallOffsets.get(model);
  const wallOffsetMs = kept !== undefined && Math.abs(kept - measured) < 20 ? kept : measured;
  wallOffsets.set(model, wallOffsetMs);
  return new Date(ts / 1e6 + wallOffsetMs).toISOString();
}

/** Reads a running process as the system shows it now (the CLI gives /proc; a replay, nothing). */
export type ReadNow = (pid: number) => ProcessNow | null;

/** "/srv/app", or "/srv/app (now /tmp)" when the running process has moved on since. */
function factNow(atExec: string | null, now: string | null | undefined): string {
  const shown = atExec === null ? '?' : printable(atExec);
  return now && now !== atExec ? `${shown} (now ${printable(now)})` : shown;
}

function execText(e: Extract<LifeEntry, { kind: 'exec' }>): string {
  if (e.ret === 0) return commandLine(e.argv, null);
  const tries = e.misses && e.misses > 1 ? ` ×${e.misses} on PATH, last` : '';
  return `failed ${errnoName(-e.ret)}${tries} ${printable(e.exe ?? '')}: ${commandLine(e.argv, null)}`;
}

/** "→ nobody (65534)", or both ids when the real and the effective differ (a setuid program). */
function uidText(ruid: number, euid: number, users: Map<number, string>): string {
  const who = (uid: number) => (users.has(uid) ? `${userName(users, uid)} (${uid})` : String(uid));
  return ruid === euid ? `→ ${who(ruid)}` : `→ real ${who(ruid)}, effective ${who(euid)}`;
}

function name(link: ChainLink): string {
  if (!link.node) return `(${pidText(link.pid)}, gone)`;
  const n = link.node;
  return `${printable(n.comm ?? n.argv?.[0]?.split('/').pop() ?? '?')}(${pidText(n.pid)})${n.exit ? '✝' : ''}`;
}

/** Who started it: its origin, the login behind it, the allowlisted environment, and the
 *  script an interpreter runs. Every value is the process's own text: printable() each. */
function originLines(node: ProcessNode, users: Map<number, string>, label?: (o: Origin) => string): string[] {
  const who = (uid: number) => (users.has(uid) ? `${userName(users, uid)} (${uid})` : String(uid));
  const login = node.facts.login;
  const parts = [`origin ${printable(label ? label(node.origin) : defaultLabel(node.origin, (uid) => userName(users, uid)))}`];
  if (login) {
    parts.push(login.auid === null ? 'no login uid' : `login ${who(login.auid)}`);
    if (login.session !== null) parts.push(`session ${login.session}`);
    parts.push(`tty ${login.tty === null ? 'none' : printable(login.tty)}`);
    if (login.sid !== null) parts.push(`sid ${login.sid}`);
    if (login.pgid !== null) parts.push(`pgid ${login.pgid}`);
    if (login.late) parts.push('(read from /proc after the exec)');
  }
  const lines = [parts.join('  ')];
  const env = login?.env ? Object.entries(login.env) : [];
  if (env.length > 0) lines.push(`env ${env.map(([k, v]) => `${printable(k)}=${printable(v)}`).join('  ')}`);
  if (node.facts.filename) lines.push(`script ${printable(node.facts.filename)} run by ${printable(node.exe ?? '?')}`);
  return lines;
}

export function InspectView({ model, node, selected, theme, users, height, columns = 100, logBack = 0, now, originLabel, layout }: {
  model: Model;
  node: ProcessNode;
  selected: number;
  theme: Theme;
  users: Map<number, string>;
  /** Lines the card may use, and the terminal's width: it never draws more. */
  height: number;
  columns?: number;
  /** Lifetime log entries scrolled back from the newest (PgUp / PgDn). */
  logBack?: number;
  /** The process as the system shows it now, when it runs and someone could look. */
  now?: ProcessNow | null;
  originLabel?: (o: Origin) => string;
  /** The layout App worked out for this frame (else the card works it out). */
  layout?: CardLayout;
}) {
  const links = chain(model, node.id);
  const kids = children(model, node.id);
  const { fixed, childLimit, many } = layout ?? cardLayout(model, node, height, columns, users);
  const shownKids = cardChildren(model, node.id, childLimit);
  const ancestors = links.filter((l) => l.node && l.node !== node);
  const user = userName(users, node.uid);
  const life = node.startTs !== null ? duration(((node.exit?.ts ?? model.now) - node.startTs) / 1e6) : '?';
  const status = node.exit
    ? node.exit.unseen ? 'exit unseen' : node.exit.code === null && !node.exit.signal ? 'gone (how it ended was not seen)' : node.exit.signal ? `killed by signal ${node.exit.signal}${node.exit.core ? ' (core)' : ''}` : `exit ${node.exit.code}`
    : model.recordingEndTs !== null ? 'still running when the recording ended' : 'running';
  const entries = lifetime(node);
  const spawner = node.parentId === null ? undefined : model.node(node.parentId);
  // The card fits the terminal: title, times, paths, the lineage (it wraps), the one-of-many
  // line (a loop's or a build's one run among many, and how the others went), the children;
  // the lifetime log gets the rest and scrolls (PgUp / PgDn).
  const origin = originLines(node, users, originLabel);
  const kidRoom = Math.max(1, Math.min(shownKids.length, height - fixed - 3 - (kids.length > shownKids.length ? 1 : 0)));
  const kidsShown = shownKids.slice(0, kidRoom);
  const budget = Math.max(1, height - fixed - kidsShown.length - (kids.length > kidsShown.length ? 1 : 0));
  const back = Math.max(0, Math.min(logBack, entries.length - budget));
  const logEnd = entries.length - back;
  const logStart = Math.max(0, logEnd - budget);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        pid {pidText(node.pid)}{model.hosts.nameOf(node.pid) === undefined ? '' : ` on ${printable(model.hosts.nameOf(node.pid)!)}`}  {commandLine(node.argv, node.comm)}
      </Text>
      <Text>
        {node.startTs !== null ? `started ${clock(isoOf(model, node.startTs))}  ` : ''}user {user}  <Text color={node.exit && (node.exit.code || node.exit.signal) ? theme.error : undefined}>{status}</Text> after {life}
        {node.seenFrom !== 'fork' ? `  (${node.seenFrom === 'late' ? 'seen late: its fork was not seen' : 'running when forktop started'})` : ''}
      </Text>
      <Text wrap="truncate-end">
        exe {factNow(node.exe, now?.exe)}  cwd {factNow(node.cwd, now?.cwd)}  cgroup {factNow(node.cgroup, now?.cgroup)}
      </Text>
      {origin.map((line, i) => (
        <Text key={`origin-${i}`} wrap="truncate-end">{line}</Text>
      ))}
      <Text wrap="wrap">
        lineage{' '}
        {links.map((l, i) => {
          const index = ancestors.indexOf(l);
          return (
            <Text key={i} inverse={index >= 0 && index === selected}>
              {i > 0 ? ' › ' : ''}
              {name(l)}
            </Text>
          );
        })}
      </Text>
      {many ? (
        <Text wrap="truncate-end">
          one of {grouped(many.count)} runs of this program by {name({ pid: node.ppid ?? 0, node: model.node(node.parentId!) })} over {duration((many.lastTs - many.firstTs) / 1e6)}:{' '}
          {grouped(many.exited)} ended
          {many.failed ? <Text color={theme.error}>, {grouped(many.failed)} failed</Text> : null}
          {many.shortestMs !== null ? `, lived ${duration(many.shortestMs)}${many.longestMs !== many.shortestMs ? `–${duration(many.longestMs)}` : ''}` : ''}
        </Text>
      ) : null}
      {logStart > 0 || back > 0 ? (
        <Text dimColor wrap="truncate-end">
          {`… ${logStart > 0 ? `${logStart} earlier above (PgUp)` : ''}${logStart > 0 && back > 0 ? ', ' : ''}${back > 0 ? `${back} later below (PgDn)` : ''}`}
        </Text>
      ) : null}
      {node.logDropped > 0 ? <Text color={theme.warning}>… {node.logDropped} later changes not kept (at most {model.config.maxLogEntries} per process)</Text> : null}
      {entries.slice(logStart, logEnd).map((e, i) => (
        <Text key={logStart + i} wrap="truncate-end">
          {clock(isoOf(model, e.ts))}  {e.kind.padEnd(11)}
          {e.kind === 'fork' ? `from ${spawner && spawner.pid === e.ppid ? name({ pid: e.ppid, node: spawner }) : `pid ${pidText(e.ppid)}`}` : ''}
          {e.kind === 'exec' ? execText(e) : ''}
          {e.kind === 'exec' && e.ret === 0 && e.misses ? <Text dimColor>  (found on PATH after {e.misses} {e.misses === 1 ? 'miss' : 'misses'})</Text> : null}
          {e.kind === 'exit' ? (e.signal ? `signal ${e.signal}` : `code ${e.code}`) : ''}
          {e.kind === 'comm' ? printable(e.comm) : ''}
          {e.kind === 'uid' ? uidText(e.ruid, e.euid, users) : ''}
          {e.kind === 'gid' ? `rgid ${e.rgid} egid ${e.egid}` : ''}
          {e.kind === 'ptrace' ? `tracer ${e.tracer}` : ''}
        </Text>
      ))}
      <Text wrap="truncate-end">
        <Text bold>children ({kids.length}{node.spawnsTotal > kids.length ? ` kept of ${grouped(node.spawnsTotal)} spawned` : ''})</Text>
        {kids.length > CARD_CHILDREN ? <Text dimColor>{`  ${spawnsText(childPrograms(model, node, 3))}; running first, then the newest`}</Text> : null}
      </Text>
      {kidsShown.map((k, i) => (
        <Text key={k.id} inverse={ancestors.length + i === selected} dimColor={!!k.exit && theme.dim} wrap="truncate-end">
          {'  '}
          {pidText(k.pid).padStart(7)}  {commandLine(k.argv, k.comm)}
          {k.exit ? '  ✝' : ''}
        </Text>
      ))}
      {kids.length > kidsShown.length ? <Text dimColor>  … {kids.length - kidsShown.length} more</Text> : null}
    </Box>
  );
}
