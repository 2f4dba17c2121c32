// The live view: header, one of three views or an inspect card, alert bar, footer.
// It re-reads the model at most 30 times a second (Ink's maxFps), never per event.
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import { useEffect, useRef, useState } from 'react';
import type { ExecEntry } from '../model/process-node.js';
import {
  foldedExecs, recentExecs, topLineages, topSpawners, treeRowIndex, treeRows, type Matcher,
} from '../model/queries.js';
import type { StopControl } from '../stop/control.js';
import { AlertBar } from './components/AlertBar.js';
import { StopDialog } from './components/StopDialog.js';
import { StopStatus } from './components/StopStatus.js';
import { Header } from './components/Header.js';
import type { Feed } from './feed.js';
import { BINDINGS, commandFor, footerFor, type Command } from './keymap.js';
import type { Theme } from './theme.js';
import { useFilters, type InitialFilter } from './use-filters.js';
import { useStop } from './use-stop.js';
import { ExecsView, type ExecRow } from './views/ExecsView.js';
import { InspectView, inspectTargets } from './views/InspectView.js';
import { SpawnersView } from './views/SpawnersView.js';
import { TreeView } from './views/TreeView.js';

type View = 'execs' | 'tree' | 'spawners';
const VIEWS: View[] = ['execs', 'tree', 'spawners'];
export const MIN_COLUMNS = 60;
export const MIN_ROWS = 12;

/** Re-renders when the feed moved on, at most every frame. */
function useFeedVersion(feed: Feed, paused: boolean): number {
  const [version, setVersion] = useState(feed.version);
  useEffect(() => {
    if (paused) return;
    const timer = setInterval(() => setVersion(feed.version), 1000 / 30);
    return () => clearInterval(timer);
  }, [feed, paused]);
  return version;
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const [size, setSize] = useState({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  useEffect(() => {
    const onResize = () => setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
    stdout.on('resize', onResize);
    return () => void stdout.off('resize', onResize);
  }, [stdout]);
  return size;
}

export type { InitialFilter } from './use-filters.js';

export function App({
  feed, theme, users, initial = {}, stopControl,
}: { feed: Feed; theme: Theme; users: Map<number, string>; initial?: InitialFilter; stopControl?: StopControl }) {
  const { exit } = useApp();
  const stop = useStop(stopControl);
  const { columns, rows } = useTerminalSize();
  const [view, setView] = useState<View>('execs');
  const [inspecting, setInspecting] = useState<number[]>([]); // node ids, a stack
  const [fold, setFold] = useState(false);
  const [paused, setPaused] = useState<{ seq: number; events: number } | null>(null);
  const [help, setHelp] = useState(false);
  const [cursor, setCursor] = useState(0); // row index in the current list
  const [offset, setOffset] = useState(0);
  const [followSeq, setFollowSeq] = useState<number | null>(null); // execs: the selected entry
  const [collapsed, setCollapsed] = useState<Set<number>>(new Set());
  const pendingMove = useRef<{ cursor: number; offset: number } | null>(null);
  const moves = useRef(0);
  const alertMark = useRef<{ key: string; moves: number } | null>(null);
  const [treeSelectedId, setTreeSelectedId] = useState<number | null>(null); // tree: the selected process
  useFeedVersion(feed, paused !== null);
  const model = feed.model;
  const {
    filterText, setFilterText, userText, setUserText, editingField, editing, setEditing, setField,
    failedOnly, setFailedOnly, subtreeOf, setSubtreeOf, uid, matcher, filterError,
  } = useFilters(model, users, initial);
  const setEditingFilter = (on: boolean) => setEditing(on ? 'filter' : null);
  const editingFilter = editingField === 'filter';

  const height = Math.max(3, rows - 6); // header, tabs, column header, alert, footer
  // Paused: the exec list stops at what was there; the model goes on underneath.
  const execMatcher: Matcher = paused
    ? { entry: (e) => e.seq <= paused.seq && matcher.entry(e), node: matcher.node }
    : matcher;

  // The selected exec stays selected while newer rows push in above it.
  let execOffset = offset;
  let execCursor = cursor;
  if (view === 'execs' && followSeq !== null) {
    let index = 0;
    let found = -1;
    model.execs.forEachNewest((e) => {
      if (!execMatcher.entry(e)) return true;
      if (e.seq === followSeq) {
        found = index;
        return false;
      }
      index++;
      return true;
    });
    if (found >= 0) {
      if (found < execOffset) execOffset = found;
      if (found >= execOffset + height) execOffset = found - height + 1;
      execCursor = found - execOffset;
    }
  }

  const execRows: ExecRow[] =
    view !== 'execs' ? [] : fold
      ? foldedExecs(model, execMatcher, height, offset).map((r) => ({ entry: r.entry, count: r.count, spanMs: r.spanMs }))
      : recentExecs(model, execMatcher, height, execOffset).map((entry) => ({ entry }));
  // In the tree too, the selection stays on its process while rows appear above it.
  let treeOffset = offset;
  let treeCursor = cursor;
  if (view === 'tree' && treeSelectedId !== null) {
    const found = treeRowIndex(model, collapsed, treeSelectedId);
    if (found >= 0) {
      if (found < treeOffset) treeOffset = found;
      if (found >= treeOffset + height) treeOffset = found - height + 1;
      treeCursor = found - treeOffset;
    }
  }
  const tree = view === 'tree' ? treeRows(model, collapsed, treeOffset, height) : [];
  const lineages = view === 'spawners' ? topLineages(model, 3) : [];
  const spawnerHeight = Math.max(3, height - (lineages.length > 0 ? lineages.length + 2 : 0));
  const spawners = view === 'spawners' ? topSpawners(model, offset + spawnerHeight).slice(offset) : [];
  const listLength = view === 'execs' ? execRows.length : view === 'tree' ? tree.length : spawners.length;
  const current = view === 'execs' ? execCursor : view === 'tree' ? treeCursor : cursor;
  const inspected = inspecting.length > 0 ? model.node(inspecting[inspecting.length - 1]) : undefined;
  const targets = inspected ? inspectTargets(model, inspected) : [];

  const selectedNodeId = (): number | undefined => {
    if (inspected) return targets[cursor]?.id;
    if (view === 'execs') return execRows[execCursor]?.entry.nodeId;
    if (view === 'tree') return tree[treeCursor]?.node.id;
    return spawners[cursor]?.node.id;
  };

  // Enter goes to a new alert's root until the user moves: the red bar is the newest thing
  // on the screen, and the person who sees it wants to look at the bomb.
  const alert = feed.alerts[feed.alerts.length - 1];
  const alertKey = alert ? `${alert.kind}:${alert.root}` : '';
  if (alertKey && alertMark.current?.key !== alertKey) alertMark.current = { key: alertKey, moves: moves.current };
  const enterGoesToAlert = !!alert && !inspected && alertMark.current?.moves === moves.current;

  // Keys that arrive between two frames (key repeat over ssh) each move from where the
  // previous one left the selection, not from what was last drawn.
  pendingMove.current = null;
  const move = (delta: number) => {
    if (inspected) {
      setCursor((c) => Math.max(0, Math.min(targets.length - 1, c + delta)));
      return;
    }
    moves.current++;
    const from = pendingMove.current ?? { cursor: current, offset: view === 'execs' ? execOffset : view === 'tree' ? treeOffset : offset };
    let next = from.cursor + delta;
    let nextOffset = from.offset;
    if (next < 0) {
      nextOffset = Math.max(0, nextOffset + next);
      next = 0;
    } else if (next >= height) {
      nextOffset += next - height + 1;
      next = height - 1;
    } else if (next >= listLength) {
      next = Math.max(0, listLength - 1);
    }
    setOffset(nextOffset);
    setCursor(next);
    pendingMove.current = { cursor: next, offset: nextOffset };
    if (view === 'tree') {
      const rowsThere = treeRows(model, collapsed, nextOffset, height);
      setTreeSelectedId(rowsThere[Math.min(next, rowsThere.length - 1)]?.node.id ?? null);
    }
    if (view === 'execs' && !fold) {
      const rowsThere = recentExecs(model, execMatcher, height, nextOffset);
      const entry: ExecEntry | undefined = rowsThere[Math.min(next, rowsThere.length - 1)];
      // Back at the top: follow the newest again.
      setFollowSeq(nextOffset === 0 && next === 0 ? null : entry?.seq ?? null);
    }
  };

  const switchView = (next: View) => {
    setView(next);
    setCursor(0);
    setOffset(0);
    setFollowSeq(null);
    setTreeSelectedId(null);
    setInspecting([]);
  };

  const run = (command: Command) => {
    switch (command) {
      case 'quit': exit(); break;
      case 'help': setHelp((h) => !h); break;
      case 'up': move(-1); break;
      case 'down': move(1); break;
      case 'pageUp': move(-height); break;
      case 'pageDown': move(height); break;
      case 'home': setCursor(0); setOffset(0); setFollowSeq(null); break;
      case 'end': move(model.execs.size); break;
      case 'view.execs': switchView('execs'); break;
      case 'view.tree': switchView('tree'); break;
      case 'view.spawners': switchView('spawners'); break;
      case 'view.next': switchView(VIEWS[(VIEWS.indexOf(view) + 1) % VIEWS.length]); break;
      case 'filter': setEditingFilter(true); break;
      case 'user': setUserText(''); setEditing('user'); break;
      case 'fold': setFold((f) => !f); setCursor(0); setOffset(0); setFollowSeq(null); break;
      case 'failedOnly': setFailedOnly((f) => !f); setCursor(0); setOffset(0); break;
      case 'pause':
        setPaused((p) => (p ? null : { seq: model.execs.total - 1, events: model.totals.events }));
        break;
      case 'subtree': {
        const id = selectedNodeId();
        setSubtreeOf((s) => (s !== undefined ? undefined : id));
        setCursor(0);
        setOffset(0);
        setFollowSeq(null);
        break;
      }
      case 'inspect': {
        if (enterGoesToAlert) {
          run('alert');
          break;
        }
        const id = selectedNodeId();
        if (id !== undefined) {
          setInspecting((stack) => [...stack, id]);
          setCursor(0);
        }
        break;
      }
      case 'alert': {
        const node = alert && model.byPid.get(alert.root);
        if (node) {
          moves.current++; // seen: Enter means the selected row again
          setInspecting((stack) => [...stack, node.id]);
          setCursor(0);
        }
        break;
      }
      case 'parent': {
        const id = inspected?.id ?? selectedNodeId();
        const node = id === undefined ? undefined : model.node(id);
        if (node?.parentId != null && model.node(node.parentId)) {
          setInspecting((stack) => [...stack, node.parentId!]);
          setCursor(0);
        }
        break;
      }
      case 'stop': {
        // The alert's lineage while Enter would go to it; otherwise the selected process.
        if (enterGoesToAlert) {
          const node = model.byPid.get(alert.root);
          if (node) stop.ask(node.id, true);
        } else {
          const id = inspected?.id ?? selectedNodeId();
          if (id !== undefined) stop.ask(id, false);
        }
        break;
      }
      case 'back':
        stop.dismiss();
        if (inspecting.length > 0) {
          setInspecting((stack) => stack.slice(0, -1));
          setCursor(0);
        } else if (filterText || userText || subtreeOf !== undefined || failedOnly) {
          setFilterText('');
          setUserText('');
          setSubtreeOf(undefined);
          setFailedOnly(false);
        }
        break;
      case 'collapse':
      case 'expand': {
        const row = tree[treeCursor];
        if (view === 'tree' && row) {
          setCollapsed((set) => {
            const next = new Set(set);
            if (command === 'collapse') next.add(row.node.id);
            else next.delete(row.node.id);
            return next;
          });
        }
        break;
      }
    }
  };

  useInput((input, key) => {
    if (stop.isOpen()) {
      stop.answer(input === 'y' || input === 'Y');
      return;
    }
    if (editing.current) {
      if (key.escape) {
        setField(() => '');
        setEditing(null);
      } else if (key.return) {
        setEditing(null);
      } else if (key.backspace || key.delete) {
        setField((t) => t.slice(0, -1));
      } else if (input && !key.ctrl && !key.meta) {
        // A paste (or a fast ssh link) can bring the text and its Enter in one read.
        const end = input.search(/[\r\n]/);
        setField((t) => t + (end >= 0 ? input.slice(0, end) : input));
        if (end >= 0) setEditing(null);
      }
      setCursor(0);
      setOffset(0);
      setFollowSeq(null);
      return;
    }
    if (input.length > 1 && input.startsWith('/')) {
      // "/" and the text arrived in one read (a paste, or a fast typist over ssh).
      const end = input.search(/[\r\n]/);
      setFilterText(input.slice(1, end >= 0 ? end : undefined));
      setEditingFilter(end < 0);
      return;
    }
    const command = commandFor(input, key);
    if (command) run(command);
  });

  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return (
      <Text>
        forktop needs a terminal of at least {MIN_COLUMNS}×{MIN_ROWS} (this one is {columns}×{rows}); make it larger.
      </Text>
    );
  }

  const footerCommands: Command[] = inspected
    ? ['up', 'down', 'inspect', 'parent', 'back', 'quit']
    : ['help', 'filter', 'user', 'pause', 'inspect', 'subtree', 'failedOnly', ...(stop.available ? (['stop'] as Command[]) : []), ...(view === 'execs' ? (['fold'] as Command[]) : []), ...(view === 'tree' ? (['collapse', 'expand'] as Command[]) : []), 'view.next', 'quit'];

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Header feed={feed} theme={theme} paused={paused !== null} newSincePause={paused ? model.totals.events - paused.events : 0} />
      <Text wrap="truncate-end">
        {VIEWS.map((v, i) => (
          <Text key={v} inverse={v === view && !inspected}>{` ${i + 1} ${v[0].toUpperCase()}${v.slice(1)} `}</Text>
        ))}
        {'   '}
        {editingFilter || filterText ? <Text color={filterError ? theme.error : theme.accent}>filter /{filterText}{editingFilter ? '_' : ''} {filterError}</Text> : null}
        {editingField === 'user' || userText ? (
          <Text color={uid === -1 ? theme.error : theme.accent}>  user {userText}{editingField === 'user' ? '_' : ''}{uid === -1 ? ' (no such user)' : ''}</Text>
        ) : null}
        {subtreeOf !== undefined ? <Text color={theme.accent}>  subtree of {model.node(subtreeOf)?.pid ?? '?'}</Text> : null}
        {failedOnly ? <Text color={theme.accent}>  failed only</Text> : null}
        {fold && view === 'execs' ? <Text color={theme.accent}>  folded</Text> : null}
        {feed.sourceNote ? <Text color={theme.warning}>  {feed.sourceNote}</Text> : null}
      </Text>
      <Box flexDirection="column" flexGrow={1}>
        {stop.state.dialog ? (
          <StopDialog dialog={stop.state.dialog} theme={theme} users={users} />
        ) : help ? (
          <Box flexDirection="column">
            {BINDINGS.map((b) => (
              <Text key={b.command}>{b.label.padEnd(8)} {b.help}</Text>
            ))}
          </Box>
        ) : inspected ? (
          <InspectView model={model} node={inspected} selected={cursor} theme={theme} users={users} height={height} />
        ) : view === 'execs' ? (
          <ExecsView rows={execRows} selected={execCursor} theme={theme} users={users} />
        ) : view === 'tree' ? (
          <TreeView rows={tree} selected={treeCursor} theme={theme} now={model.now} />
        ) : (
          <SpawnersView rows={spawners} lineages={lineages} selected={cursor} />
        )}
      </Box>
      <StopStatus state={stop.state} theme={theme} />
      {alert ? <AlertBar alert={alert} theme={theme} inspectKey={enterGoesToAlert ? 'enter' : 'a'} stopKey={stop.available ? 'K' : undefined} /> : null}
      <Text dimColor wrap="truncate-end">{footerFor(footerCommands)}</Text>
    </Box>
  );
}
