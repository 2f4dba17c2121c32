// Keys are data: each command has its bindings and the words the footer and help show.
import type { Key } from 'ink';

export type Command =
  | 'up' | 'down' | 'pageUp' | 'pageDown' | 'home' | 'end'
  | 'view.execs' | 'view.tree' | 'view.spawners' | 'view.origins' | 'view.hosts' | 'view.next'
  | 'filter' | 'user' | 'pause' | 'inspect' | 'parent' | 'back' | 'fold'
  | 'collapse' | 'expand' | 'failedOnly' | 'state' | 'subtree' | 'help' | 'quit' | 'alert' | 'alerts' | 'stop';

interface Binding {
  command: Command;
  keys: string[];
  label: string;
  help: string;
}

export const BINDINGS: Binding[] = [
  { command: 'up', keys: ['up', 'k'], label: '↑/k', help: 'move up' },
  { command: 'down', keys: ['down', 'j'], label: '↓/j', help: 'move down' },
  { command: 'pageUp', keys: ['pageUp'], label: 'PgUp', help: 'page up' },
  { command: 'pageDown', keys: ['pageDown'], label: 'PgDn', help: 'page down' },
  { command: 'home', keys: ['home', 'g'], label: 'g', help: 'newest / top' },
  { command: 'end', keys: ['end', 'G'], label: 'G', help: 'oldest / bottom' },
  { command: 'view.execs', keys: ['1'], label: '1', help: 'execs view' },
  { command: 'view.tree', keys: ['2'], label: '2', help: 'tree view' },
  { command: 'view.spawners', keys: ['3'], label: '3', help: 'spawners view' },
  { command: 'view.origins', keys: ['4'], label: '4', help: 'origins view: who started what (enter: its processes as a tree)' },
  { command: 'view.hosts', keys: ['5'], label: '5', help: 'hosts view, with --ssh or --nats: up or down, rates, alerts (enter: its execs)' },
  { command: 'view.next', keys: ['tab'], label: 'tab', help: 'next view' },
  { command: 'filter', keys: ['/'], label: '/', help: 'filter argv/comm (text or /regex/) and fields (user:alice origin:ssh…)' },
  { command: 'user', keys: ['u'], label: 'u', help: 'user filter (a name or a uid)' },
  { command: 'pause', keys: [' '], label: 'space', help: 'pause the display (capture goes on)' },
  { command: 'inspect', keys: ['return'], label: 'enter', help: 'inspect the process' },
  { command: 'parent', keys: ['p'], label: 'p', help: 'parent (its card)' },
  { command: 'back', keys: ['escape', 'backspace'], label: 'esc', help: 'back / clear filter' },
  { command: 'fold', keys: ['f'], label: 'f', help: 'fold identical command lines' },
  { command: 'collapse', keys: ['left', '-'], label: '←', help: 'collapse (on one of a listed run: fold it again)' },
  { command: 'expand', keys: ['right', '+'], label: '→', help: 'expand (on ▸ ×N: list the N finished)' },
  { command: 'failedOnly', keys: ['x'], label: 'x', help: 'failed exits only' },
  { command: 'state', keys: ['l'], label: 'l', help: 'live only / exited only / all' },
  { command: 'subtree', keys: ['s'], label: 's', help: 'follow the selected subtree' },
  { command: 'alert', keys: ['a'], label: 'a', help: 'inspect the alert\'s root' },
  { command: 'alerts', keys: ['!'], label: '!', help: 'every alert up now: the Spawners view, on the worst (enter inspects, K stops)' },
  { command: 'stop', keys: ['K'], label: 'K', help: 'stop a lineage (the alert\'s, or the selected process\'s): SIGSTOP all, then SIGKILL, after you confirm' },
  { command: 'help', keys: ['?'], label: '?', help: 'help' },
  { command: 'quit', keys: ['q'], label: 'q', help: 'quit' },
];

function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageUp';
  if (key.pageDown) return 'pageDown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'return';
  if (key.escape) return 'escape';
  if (key.backspace || key.delete) return 'backspace';
  if (key.tab) return 'tab';
  return input;
}

export function commandFor(input: string, key: Key): Command | undefined {
  const name = keyName(input, key);
  return BINDINGS.find((b) => b.keys.includes(name))?.command;
}

export function footerFor(commands: Command[]): string {
  return commands
    .map((c) => BINDINGS.find((b) => b.command === c)!)
    .map((b) => `${b.label}:${b.help.split(' ')[0]}`)
    .join('  ');
}

/** No arrow, modifier or named key: text, one character or several read at once. */
export function isPlain(key: Key): boolean {
  return !(key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown ||
    key.home || key.end || key.return || key.escape || key.backspace || key.delete || key.tab || key.ctrl || key.meta);
}

/** A character split off a read of several, as the key it stands for. */
export function keyForChar(ch: string, key: Key): Key {
  if (ch === '\r' || ch === '\n') return { ...key, return: true };
  if (ch === '\t') return { ...key, tab: true };
  if (ch === '\x7f' || ch === '\b') return { ...key, backspace: true };
  if (ch === '\x1b') return { ...key, escape: true };
  return key;
}

/** Commands after which the rest of the same read can go on at once: they move within the
 *  list on screen or open a prompt (read through refs). After any other (a new view, a
 *  fold, a card) the rest waits until that screen is drawn, so "2G" ends in the tree. */
export const CONTINUES_IN_READ: ReadonlySet<Command> = new Set<Command>([
  'up', 'down', 'pageUp', 'pageDown', 'end', 'stop', 'filter', 'user', 'quit',
]);

/** A Key with nothing pressed but text. */
export const PLAIN_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false,
  home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false,
  backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false,
};
