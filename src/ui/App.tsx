// The live view: header, one of three views or an inspect card, alert bar, footer.
// It re-reads the model when the feed moved on, at most FRAME_MS apart (use-feed-frames.ts), never per event.
import { Box, Text, useApp, useInput, useStdout, type Key } from 'ink';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { AlertEvent } from '../events/schema.js';
import type { Model } from '../model/model.js';
import { childPrograms, lifetime, type Matcher } from '../model/queries.js';
import { originLabel, type Origin } from '../model/origins.js';
import type { StopControl } from '../stop/control.js';
import { AlertBar, GoneBar } from './components/AlertBar.js';
import { pidText, printable, spawnsText, userName } from './format.js';
import { StopDialog } from './components/StopDialog.js';
import { StopStatus } from './components/StopStatus.js';
import { Header } from './components/Header.js';
import { clampHelpTop, HelpScreen } from './components/HelpScreen.js';
import type { Feed } from './feed.js';
import { footerFor, keyForChar, PLAIN_KEY, type Command } from './keymap.js';
import { makeKeyReader } from './key-reader.js';
import type { Theme } from './theme.js';
import { execSource, foldedSource, hostNameWidth, hostSource, originSource, spawnerSource, treeSource } from './list-sources.js';
import { useFilters, type InitialFilter } from './use-filters.js';
import { useBombBell } from './use-bell.js';
import { useEscapePrefix } from './use-escape-prefix.js';
import { useFeedFrames } from './use-feed-frames.js';
import { NewRows } from './new-rows.js';
import { useInspect } from './use-inspect.js';
import { useListSelection } from './use-list-selection.js';
import { useProcessNow } from './use-process-now.js';
import { useStop } from './use-stop.js';
import { useTreeState } from './use-tree-state.js';
import { ExecsView } from './views/ExecsView.js';
import { installFrameText } from './ink-install.js';
import { cardLayout, InspectView, inspectTargets, type ReadNow } from './views/InspectView.js';
import { OriginsView } from './views/OriginsView.js';
import { HostsView } from './views/HostsView.js';
import { SpawnersView } from './views/SpawnersView.js';
import { TreeView } from './views/TreeView.js';

// Frames reuse what the last ones drew (half the live view's CPU was Ink redoing it).
await installFrameText();

type View = 'execs' | 'tree' | 'spawners' | 'origins' | 'hosts';
const VIEWS: View[] = ['execs', 'tree', 'spawners', 'origins', 'hosts'];
export const MIN_COLUMNS = 60;
export const MIN_ROWS = 12;

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

/** What a storm's spawner runs, for its alert bar ("true ×412, sh ×410"): counted over all
 *  its children (thousands in a storm), so once a second of model time, not every frame. */
function useStormSpawns(model: Model, alert: AlertEvent | undefined): string | undefined {
  const last = useRef<{ key: string; text: string | undefined } | null>(null);
  const root = alert?.kind === 'fork-storm' ? model.alerts.rootOf(alert) : undefined;
  if (!root) return undefined;
  const key = `${root.id}:${Math.floor(model.now / 1e9)}`;
  if (last.current?.key !== key) last.current = { key, text: spawnsText(childPrograms(model, root, 2)) || undefined };
  return last.current.text;
}

export function App({
  feed, theme, users, initial = {}, stopControl, bell = false, readNow, onInterrupt, containerName, onWaitingForRows,
}: {
  feed: Feed; theme: Theme; users: Map<number, string>; initial?: InitialFilter; stopControl?: StopControl;
  /** Ctrl-C: quits, and the exit status says it was interrupted (130), as a shell expects. */
  onInterrupt?: () => void;
  /** Ring the terminal's bell when a fork bomb is detected (someone may not be looking). */
  bell?: boolean;
  /** Reads a running process as the system shows it now, for its card (a live source only). */
  readNow?: ReadNow;
  /** A container's name from its runtime's files (a live source only). */
  containerName?: (origin: Origin) => string | null;
  /** Told when the screen starts and stops waiting for rows: a filtered exec list, which
   *  draws the few rows it keeps soon, even in a storm (the source then batches more often). */
  onWaitingForRows?: (waiting: boolean) => void;
}) {
  const { exit } = useApp();
  useBombBell(feed, bell);
  const escapePrefix = useEscapePrefix(); // before useInput: it must see each read first
  const stop = useStop(stopControl);
  const inspect = useInspect();
  const selection = useListSelection();
  const { columns, rows } = useTerminalSize();
  const [view, setView] = useState<View>('execs');
  const [fold, setFold] = useState(false);
  const [paused, setPaused] = useState<{ seq: number; events: number; ts: number } | null>(null);
  // The help screen, and the first line it shows (it scrolls). Keys can come faster than
  // renders: whether it is open is read from a ref.
  const [help, setHelpState] = useState<number | null>(null);
  const helpTop = useRef<number | null>(null);
  const setHelp = (next: number | null | ((top: number | null) => number | null)) => {
    helpTop.current = typeof next === 'function' ? next(helpTop.current) : next;
    setHelpState(helpTop.current);
  };
  /** Everything that changes what a row means (a move, a view, a filter), and the moves onto
   *  another row alone: Enter follows a new alert until the first, K until the second. */
  const moves = useRef(0);
  const rowMoves = useRef(0);
  const alertMark = useRef<{ key: string; moves: number; rowMoves: number } | null>(null);
  // Drawn when the feed moved on, FRAME_MS (500 ms) apart in a stream; paused too: the lists stay as they
  // were, but an alert, the bell and the count of events since the pause must not wait for a key.
  // A few new rows of a filtered exec list draw sooner (see use-feed-frames.ts).
  const [newRows] = useState(() => new NewRows());
  const soon = useRef<() => boolean>(() => false);
  useFeedFrames(feed, soon);
  const model = feed.model;
  newRows.drawn(model);
  const { collapsed, unfolded, toggle } = useTreeState(model);
  // How an origin reads everywhere: rows, the card, the filter's origin: words.
  const labelOf = useMemo(() => (o: Origin) => originLabel(o, (uid) => userName(users, uid), containerName), [users, containerName]);
  const {
    filterText, setFilterText, userText, setUserText, editingField, editing, setEditing, setField,
    failedOnly, setFailedOnly, subtreeOf, setSubtreeOf, state, setState, cycleState, uid, matcher, filterError, filtering,
    originKey, setOriginKey,
  } = useFilters(model, users, initial, labelOf);
  const setEditingFilter = (on: boolean) => setEditing(on ? 'filter' : null);
  const editingFilter = editingField === 'filter';

  // Header, tabs, column header, alert, footer, and a problem line when there is one.
  const height = Math.max(3, rows - 6 - (feed.problem ? 1 : 0));
  // Paused: the exec list stops at what was there; the model goes on underneath.
  const execMatcher: Matcher = paused
    ? { ...matcher, entry: (e) => e.seq <= paused.seq && matcher.entry(e), lossesUntil: paused.ts }
    : matcher;

  // Only the list on screen is read from the model. The spawners view spends two lines on
  // the headers of its two sections.
  const listHeight = view === 'spawners' ? Math.max(3, height - 2) : height;
  const execList = view === 'execs' ? selection.resolve(fold ? foldedSource(model, execMatcher) : execSource(model, execMatcher), listHeight) : undefined;
  const treeList = view === 'tree' ? selection.resolve(treeSource(model, collapsed, filtering ? matcher : null, unfolded, paused?.ts), listHeight) : undefined;
  const spawnerList = view === 'spawners' ? selection.resolve(spawnerSource(model, filtering ? matcher : null), listHeight) : undefined;
  const originList = view === 'origins' ? selection.resolve(originSource(model, filtering ? matcher : null), listHeight) : undefined;
  const hostList = view === 'hosts' ? selection.resolve(hostSource(model), listHeight) : undefined;
  // A stream of several hosts: the exec list gets a HOST column, as wide as the names need.
  const hosts = model.hosts.count > 0;
  const shownViews = hosts ? VIEWS : VIEWS.filter((v) => v !== 'hosts');
  const hostWidth = hosts ? hostNameWidth(model) : 0;
  // `!` asked for an alert's row: the list is there now; move onto it once drawn.
  const jumpTo = useRef<number | null>(null);
  useEffect(() => {
    const id = jumpTo.current;
    if (id === null || !spawnerList) return;
    jumpTo.current = null;
    const index = spawnerList.rows.findIndex((row) => (row.lineage ? row.lineage.root.id : row.spawner!.node.id) === id);
    if (index > 0) spawnerList.move(index);
  });
  // A filter just applied in the tree: the selection goes to the first match, not to pid 1
  // at the top of the way to it.
  const toFirstMatch = useRef(false);
  useEffect(() => {
    if (!toFirstMatch.current) return;
    toFirstMatch.current = false;
    if (!treeList) return;
    const index = treeList.rows.findIndex((row) => !row.context);
    if (index > 0) treeList.move(index);
  });
  const list = execList ?? treeList ?? spawnerList ?? originList ?? hostList!;
  const inspected = inspect.top === undefined ? undefined : model.node(inspect.top);
  const streaming = filtering && view === 'execs' && !fold && !paused && !inspected && help === null && !stop.state.dialog;
  soon.current = () => streaming && newRows.few(model, execMatcher);
  useEffect(() => {
    onWaitingForRows?.(streaming);
  }, [streaming, onWaitingForRows]);
  const inspectedNow = useProcessNow(readNow, inspected);
  const layout = inspected ? cardLayout(model, inspected, height + 1, columns, users) : undefined;
  const targets = inspected ? inspectTargets(model, inspected, layout!.childLimit) : [];

  const selectedNodeId = (): number | undefined => (inspected ? targets[inspect.cursorNow()]?.id : list.selectedNodeId());

  // Enter goes to a new alert's root until the user moves: the red bar is the newest thing
  // on the screen, and the person who sees it wants to look at the bomb.
  const alerts = feed.alerts;
  const alert = alerts[0];
  const alertSpawns = useStormSpawns(model, alert);
  const alertKey = alert ? `${alert.kind}:${alert.host ?? ''}:${alert.root}` : '';
  if (alertKey && alertMark.current?.key !== alertKey) alertMark.current = { key: alertKey, moves: moves.current, rowMoves: rowMoves.current };
  // Functions: a move earlier in the same read of keys counts.
  // Not in a filtered list: its rows are what the person narrowed the screen to.
  const enterGoesToAlert = () => !!alert && !inspected && !filtering && alertMark.current?.moves === moves.current;
  // K stops the bomb from any view, until the person picks another row: a view switched to
  // has its own first row selected, which nobody chose.
  const stopGoesToAlert = () => !!alert && !inspected && alertMark.current?.rowMoves === rowMoves.current;

  const move = (delta: number) => {
    if (inspected) {
      inspect.move(delta, targets.length);
      return;
    }
    moves.current++;
    rowMoves.current++;
    list.move(delta);
  };

  const switchView = (next: View) => {
    moves.current++; // a person who went elsewhere since the alert means what they select
    setView(next);
    selection.reset();
    inspect.close();
  };

  const run = (command: Command) => {
    switch (command) {
      case 'quit': exit(); break;
      case 'help': setHelp((h) => (h === null ? 0 : null)); break;
      case 'up': move(-1); break;
      case 'down': move(1); break;
      // On a card, the pages are its lifetime log's (a long life does not fit a small terminal).
      case 'pageUp': if (inspected) inspect.scrollLog(Math.max(1, height - 12), lifetime(inspected).length); else move(-height); break;
      case 'pageDown': if (inspected) inspect.scrollLog(-Math.max(1, height - 12), lifetime(inspected).length); else move(height); break;
      case 'home': selection.reset(); break;
      case 'end': move(Number.MAX_SAFE_INTEGER); break;
      case 'view.execs': switchView('execs'); break;
      case 'view.tree': switchView('tree'); break;
      case 'view.spawners': switchView('spawners'); break;
      case 'view.origins': switchView('origins'); break;
      case 'view.hosts': switchView('hosts'); break;
      case 'view.next': switchView(shownViews[(shownViews.indexOf(view) + 1) % shownViews.length]); break;
      case 'filter': setEditingFilter(true); break;
      case 'user': setUserText(''); setEditing('user'); break;
      case 'fold': setFold((f) => !f); selection.reset(); break;
      case 'failedOnly': setFailedOnly((f) => !f); selection.reset(); break;
      case 'state': cycleState(); selection.reset(); break;
      case 'pause':
        setPaused((p) => (p ? null : { seq: model.execs.total - 1, events: model.totals.events, ts: model.now }));
        break;
      case 'subtree': {
        const id = selectedNodeId();
        setSubtreeOf((s) => (s !== undefined ? undefined : id));
        selection.reset();
        break;
      }
      case 'inspect': {
        if (enterGoesToAlert()) {
          run('alert');
          break;
        }
        // An origin's row: its processes, as a tree (the other views narrowed to it too).
        // A host's row: its execs (a host: filter term the person can see and edit).
        const host = !inspected ? hostList?.selectedNow()?.host : undefined;
        if (host) {
          setFilterText(`host:${host.name}`);
          switchView('execs');
          break;
        }
        const origin = !inspected ? originList?.selectedNow()?.origin : undefined;
        if (origin) {
          setOriginKey(origin.key);
          switchView('tree');
          toFirstMatch.current = true;
          break;
        }
        const id = selectedNodeId();
        if (id !== undefined) inspect.open(id);
        break;
      }
      case 'alert': {
        const node = alert && model.alerts.rootOf(alert);
        if (node) {
          moves.current++; // seen: Enter means the selected row again
          inspect.open(node.id);
        }
        break;
      }
      case 'alerts': {
        // The Spawners view lists every lineage and spawner an alert can name: go there, on
        // the worst one's row.
        if (!alert) break;
        moves.current++;
        switchView('spawners');
        jumpTo.current = model.alerts.rootOf(alert)?.id ?? null;
        break;
      }
      case 'parent': {
        const id = inspected?.id ?? selectedNodeId();
        const node = id === undefined ? undefined : model.node(id);
        if (node?.parentId != null && model.node(node.parentId)) inspect.open(node.parentId);
        break;
      }
      case 'stop': {
        // The alert's lineage until the person picks another row; otherwise the selected process.
        if (stopGoesToAlert()) {
          const node = model.alerts.rootOf(alert);
          const what = alert.kind === 'fork-bomb' ? 'the fork bomb' : 'the fork storm';
          if (node) stop.ask(node.id, true, `${what} the red bar names (K acts on it until you move to another row)`);
        } else {
          const id = inspected?.id ?? selectedNodeId();
          // A lineage row is a bomb's: stop it as from its alert.
          const lineageRow = !inspected && !!spawnerList?.selectedNow()?.lineage;
          const which = inspected ? 'the process inspected' : lineageRow ? 'the lineage selected' : 'the process selected';
          const why = alert ? ': you moved to it after the alert appeared (! lists the alerts, a inspects the worst)' : '';
          if (id !== undefined) stop.ask(id, lineageRow, `${which}${why}`);
          else stop.refuse('no process is selected here: K stops the lineage of a process in Execs, Tree, Spawners or a card');
        }
        break;
      }
      case 'back':
        stop.dismiss();
        if (inspected) {
          inspect.back();
        } else if (filterText || userText || subtreeOf !== undefined || failedOnly || state || originKey !== undefined) {
          setFilterText('');
          setUserText('');
          setSubtreeOf(undefined);
          setOriginKey(undefined);
          setFailedOnly(false);
          setState(undefined);
        }
        break;
      case 'collapse':
      case 'expand': {
        const row = treeList?.selectedNow();
        if (row) toggle(row, command === 'expand');
        break;
      }
    }
  };

  /** Typing into the filter or user field. A read may hold text, a shell's line-editing
   *  keys and the Enter that ends it (a paste, a fast link): each character counts, and
   *  what follows the Enter is read as keys again. */
  const editField = (input: string, key: Key): void => {
    if (input.length > 1) {
      const text = input.match(/^[^\x00-\x1f\x7f]+/)?.[0] ?? '';
      if (text) setField((t) => t + text);
      else editField(input[0], keyForChar(input[0], PLAIN_KEY));
      const rest = input.slice(Math.max(text.length, 1));
      if (rest) handleKey(rest, PLAIN_KEY);
      return;
    }
    const ch = input.charCodeAt(0);
    if (key.escape) {
      setField(() => '');
      setEditing(null);
    } else if (key.return) {
      setEditing(null);
      toFirstMatch.current = true;
      moves.current++; // filtered since the alert: Enter means the row they narrowed to
    } else if (key.backspace || key.delete) {
      setField((t) => t.slice(0, -1));
    } else if ((key.ctrl && input === 'u') || ch === 0x15) {
      setField(() => ''); // as in a shell: the whole line
    } else if ((key.ctrl && input === 'w') || ch === 0x17) {
      setField((t) => t.replace(/\S*\s*$/, '')); // the last word
    } else if (input && !key.ctrl && !key.meta && ch >= 0x20) {
      setField((t) => t + input);
    }
    selection.reset();
  };

  /** The help screen takes the moving keys to scroll; esc or ? closes it, q quits. */
  const helpKey = (command: Command | undefined): void => {
    const lines = height + 1;
    const by = (delta: number) => setHelp((top) => clampHelpTop((top ?? 0) + delta, lines));
    switch (command) {
      case 'up': by(-1); break;
      case 'down': by(1); break;
      case 'pageUp': by(-(lines - 2)); break;
      case 'pageDown': by(lines - 2); break;
      case 'home': setHelp(0); break;
      case 'end': by(Number.MAX_SAFE_INTEGER); break;
      case 'back': case 'help': setHelp(null); break;
      case 'quit': exit(); break;
    }
  };

  // Keys read together with one that changes the screen go on once it is drawn, and the reads
  // after them wait behind them: keys keep their order (a second Esc read with the first must
  // not come after the K typed next, and cancel its confirmation).
  const deferred = useRef<{ input: string; key: Key; prefixed: boolean }[]>([]);
  const replaying = useRef<boolean | null>(null);
  const [, redraw] = useState(0);
  const handleKey = makeKeyReader({
    // A waiting read says itself whether it began with an Esc; it was asked when it came.
    escapePrefixed: () => replaying.current ?? escapePrefix.taken(),
    interrupt: () => {
      onInterrupt?.();
      exit();
    },
    confirming: () => stop.isOpen(),
    answer: (yes) => stop.answer(yes),
    editing: () => editing.current !== null,
    edit: (input, key) => editField(input, key),
    helping: () => helpTop.current !== null,
    help: (command) => helpKey(command),
    run,
    defer: (rest, key = PLAIN_KEY) => {
      // The rest of a read waiting itself goes before the reads that came after it.
      const entry = { input: rest, key, prefixed: false };
      if (replaying.current !== null) deferred.current.unshift(entry);
      else deferred.current.push(entry);
      redraw((n) => n + 1);
    },
  });
  // Ink subscribes a new handler in an effect, after the frame is drawn: a key read in
  // between went to the old one (the view before, `4` then Enter inspected an exec). The
  // one subscribed reads the handler of the latest render.
  const latestKey = useRef(handleKey);
  latestKey.current = handleKey;
  const onKey = useRef((input: string, key: Key) => {
    if (deferred.current.length > 0) {
      deferred.current.push({ input, key, prefixed: escapePrefix.taken() });
      return;
    }
    latestKey.current(input, key);
  }).current;
  useInput(onKey);
  // One waiting read per frame drawn, each in the mode the one before left.
  useEffect(() => {
    const next = deferred.current.shift();
    if (!next) return;
    replaying.current = next.prefixed;
    try {
      handleKey(next.input, next.key);
    } finally {
      replaying.current = null;
    }
    if (deferred.current.length > 0) redraw((n) => n + 1);
  });

  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    return (
      <Text>
        forktop needs a terminal of at least {MIN_COLUMNS}×{MIN_ROWS} (this one is {columns}×{rows}); make it larger.
      </Text>
    );
  }

  /** An origin filter's name, while the model keeps the origin. */
  function originNamed(key: string): string {
    const origin = model.origins.byKey.get(key);
    return origin ? labelOf(origin) : key;
  }

  const footerCommands: Command[] = inspected
    ? ['up', 'down', 'inspect', 'parent', 'back', 'quit']
    // The rest (u, s, x, l, p, a) is on the help screen: the footer fits 100 columns.
    : ['help', 'filter', 'pause', 'inspect', ...(stop.available ? (['stop'] as Command[]) : []), ...(view === 'execs' ? (['fold'] as Command[]) : []), ...(view === 'tree' ? (['collapse', 'expand'] as Command[]) : []), 'view.next', 'quit'];

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Header feed={feed} theme={theme} paused={paused !== null} newSincePause={paused ? model.totals.events - paused.events : 0} columns={columns} />
      <Text wrap="truncate-end">
        {shownViews.map((v, i) => (
          <Text key={v} inverse={v === view && !inspected}>{` ${i + 1} ${v[0].toUpperCase()}${v.slice(1)} `}</Text>
        ))}
        {'   '}
        {editingFilter || filterText ? <Text color={filterError ? theme.error : theme.accent}>filter /{printable(filterText)}{editingFilter ? '_' : ''} {printable(filterError)}</Text> : null}
        {editingField === 'user' || userText ? (
          <Text color={uid === -1 ? theme.error : theme.accent}>  user {printable(userText)}{editingField === 'user' ? '_' : ''}{uid === -1 ? ' (no such user)' : ''}</Text>
        ) : null}
        {subtreeOf !== undefined ? <Text color={theme.accent}>  subtree of {model.node(subtreeOf) ? pidText(model.node(subtreeOf)!.pid) : '?'}</Text> : null}
        {originKey !== undefined ? <Text color={theme.accent}>  origin {printable(originNamed(originKey))}</Text> : null}
        {failedOnly ? <Text color={theme.accent}>  failed only</Text> : null}
        {state ? <Text color={theme.accent}>  {state} only</Text> : null}
        {fold && view === 'execs' ? <Text color={theme.accent}>  folded</Text> : null}
        {feed.sourceNote ? <Text color={theme.warning}>  {printable(feed.sourceNote)}</Text> : null}
      </Text>
      {/* Whatever a view draws, it never pushes the header or the footer off the screen. Only
          rows are clipped: each line cuts itself at the edge (truncate), and clipping across
          too made Ink slice every line of every frame again. */}
      <Box flexDirection="column" flexGrow={1} flexShrink={1} overflowY="hidden">
        {stop.state.dialog ? (
          <StopDialog dialog={stop.state.dialog} reason={stop.state.reason} theme={theme} users={users} />
        ) : help !== null ? (
          <HelpScreen lines={height + 1} top={help} />
        ) : inspected ? (
          <InspectView model={model} node={inspected} selected={inspect.cursor} theme={theme} users={users} height={height + 1} columns={columns} logBack={inspect.logBack} now={inspectedNow} originLabel={labelOf} layout={layout} />
        ) : execList ? (
          <ExecsView rows={execList.rows} selected={execList.cursor} theme={theme} users={users} now={model.now} columns={columns} recordingEnded={model.recordingEndTs !== null} originLabel={labelOf} host={hosts ? (key) => model.hosts.nameOf(key) : undefined} hostWidth={hostWidth} />
        ) : treeList ? (
          <TreeView rows={treeList.rows} selected={treeList.cursor} theme={theme} now={paused?.ts ?? model.now} filtered={filtering} users={users} host={hosts ? (key) => model.hosts.nameOf(key) : undefined} columns={columns} />
        ) : spawnerList ? (
          <SpawnersView rows={spawnerList.rows} selected={spawnerList.cursor} host={hosts ? (key) => model.hosts.nameOf(key) : undefined} columns={columns} />
        ) : originList ? (
          <OriginsView rows={originList.rows} selected={originList.cursor} users={users} originLabel={labelOf} columns={columns} />
        ) : (
          <HostsView rows={hostList!.rows} selected={hostList!.cursor} theme={theme} now={model.now} nameWidth={Math.max(4, hostWidth)} columns={columns} />
        )}
      </Box>
      <StopStatus state={stop.state} theme={theme} />
      {feed.problem ? <Text color={theme.error} bold wrap="truncate-end">{`! ${printable(feed.problem)}`}</Text> : null}
      {alert ? (
        <AlertBar
          // K is the alert's only until the person moves: then the bar says how to get back to it.
          alert={alert} theme={theme} inspectKey={enterGoesToAlert() ? 'enter' : 'a'} stopKey={stop.available && stopGoesToAlert() ? 'K' : undefined}
          spawns={alertSpawns} more={alerts.length - 1} listKey="!"
        />
      ) : feed.recentlyGone ? (
        <GoneBar alert={feed.recentlyGone} theme={theme} />
      ) : null}
      {/* q:quit never falls off a narrow terminal's footer: the other keys are cut first. */}
      <Box>
        <Box flexShrink={1}>
          <Text dimColor wrap="truncate-end">{footerFor(footerCommands.filter((c) => c !== 'quit'))}</Text>
        </Box>
        <Box flexShrink={0} marginLeft={2}>
          <Text dimColor>{footerFor(['quit'])}</Text>
        </Box>
      </Box>
    </Box>
  );
}
