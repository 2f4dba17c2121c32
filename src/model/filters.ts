// What the lists are narrowed by: text or /regex/ on argv and comm, user, failed only,
// live or exited, a subtree; compiled once into tests on execs and on processes.
import type { Model } from './model.js';
import type { ExecEntry, ProcessNode } from './process-node.js';

export interface Filter {
  /** Substring of argv/comm, or /regex/ (with optional flags after the last slash). */
  text?: string;
  uid?: number;
  /** Only this process (a node id) and its descendants, including ones born later. */
  subtreeOf?: number;
  state?: 'live' | 'exited';
  /** Non-zero exit code, killed by a signal, or a failed exec. */
  failedOnly?: boolean;
}

export type Matcher = {
  entry: (e: ExecEntry) => boolean;
  node: (n: ProcessNode) => boolean;
  /** The exec list shows no loss newer than this (a paused list stops where it was). */
  lossesUntil?: number;
};

/** Compiles a filter once; throws on a bad /regex/ with a message for the user. */
export function compileFilter(model: Model, filter: Filter): Matcher {
  const text = compileText(filter.text);
  const inSubtree = (nodeId: number): boolean =>
    filter.subtreeOf === undefined || isDescendant(model, nodeId, filter.subtreeOf);
  const nodeState = (n: ProcessNode | undefined): boolean =>
    !filter.state || (filter.state === 'live' ? !!n && !n.exit : !n || !!n.exit);
  return {
    entry: (e) => {
      if (filter.uid !== undefined && e.uid !== filter.uid) return false;
      if (filter.failedOnly && e.ret === 0 && !e.exitCode && !e.exitSignal) return false;
      if (text && !text(e.argv, e.comm)) return false;
      if (filter.state && !nodeState(model.node(e.nodeId))) return false;
      return inSubtree(e.nodeId);
    },
    node: (n) => {
      if (filter.uid !== undefined && n.uid !== filter.uid) return false;
      if (filter.failedOnly && !(n.exit && (n.exit.code || n.exit.signal))) return false;
      if (text && !text(n.argv, n.comm)) return false;
      if (!nodeState(n)) return false;
      return inSubtree(n.id);
    },
  };
}

function compileText(text: string | undefined): ((argv: string[] | null, comm: string | null) => boolean) | null {
  if (!text) return null;
  const regex = /^\/(.*)\/([a-z]*)$/s.exec(text);
  if (regex) {
    let re: RegExp;
    try {
      re = new RegExp(regex[1], regex[2]);
    } catch (error) {
      throw new Error(`bad regular expression ${text}: ${(error as Error).message}`);
    }
    return (argv, comm) => (argv !== null && re.test(argv.join(' '))) || (comm !== null && re.test(comm));
  }
  return (argv, comm) =>
    (argv !== null && argv.some((a) => a.includes(text))) || (comm !== null && comm.includes(text)) ||
    (argv !== null && argv.join(' ').includes(text));
}

export function isDescendant(model: Model, nodeId: number, ancestorId: number): boolean {
  let node = model.node(nodeId);
  for (let depth = 0; node && depth < 10_000; depth++) {
    if (node.id === ancestorId) return true;
    node = node.parentId === null ? undefined : model.node(node.parentId);
  }
  return false;
}
