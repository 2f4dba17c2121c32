// What the lists are narrowed by: text or /regex/ on argv and comm, field terms
// (user:alice origin:ssh unit:nginx container:3f2a tty:pts/1 exe:curl cwd:/tmp failed),
// user, failed only, live or exited, a subtree, an origin; compiled once into tests on
// execs, on processes and on origins.
import { hostIndexOf } from './hosts.js';
import type { Model } from './model.js';
import { ORIGIN_KINDS, originLabel, type Origin } from './origins.js';
import type { ExecEntry, ProcessNode } from './process-node.js';

export interface Filter {
  /** Substring of argv/comm, or /regex/ (with optional flags after the last slash), with
   *  field terms among the words (see FILTER_FIELDS). */
  text?: string;
  uid?: number;
  /** Only this process (a node id) and its descendants, including ones born later. */
  subtreeOf?: number;
  state?: 'live' | 'exited';
  /** Non-zero exit code, killed by a signal, or a failed exec. */
  failedOnly?: boolean;
  /** Only processes of this origin (its key): the Origins view's Enter. */
  originKey?: string;
}

/** The filter's field terms, `name:value`, and what each matches (the help lists them). */
export const FILTER_FIELDS: Record<string, string> = {
  user: 'runs as this user (a name or a uid)',
  origin: 'ssh, login, cron, unit, container, kernel, system; or part of a name',
  unit: 'systemd unit (part of its name)',
  container: 'container id (its start) or runtime',
  tty: 'controlling terminal (pts/1, tty1)',
  exe: 'program path (part of it)',
  cwd: 'working directory (it, or a directory in it)',
  host: 'host of a merged stream (--ssh, --nats): a name, or a glob (web-*)',
};

export interface FilterTerm {
  field: string;
  value: string;
}

export interface ParsedFilter {
  /** What is left to match argv and comm against ('' for nothing). */
  text: string;
  terms: FilterTerm[];
  /** The word `failed`: failed execs and exits only. */
  failed: boolean;
}

const TERM = /^([a-z]+):(.+)$/;

/** Splits the filter's words into field terms and text; a /regex/ is text whole. */
export function parseFilterText(input: string): ParsedFilter {
  const trimmed = input.trim();
  if (/^\/.*\/[a-z]*$/s.test(trimmed)) return { text: trimmed, terms: [], failed: false };
  const rest: string[] = [];
  const terms: FilterTerm[] = [];
  let failed = false;
  for (const word of trimmed.split(/\s+/)) {
    if (!word) continue;
    const term = TERM.exec(word);
    if (term && Object.hasOwn(FILTER_FIELDS, term[1])) terms.push({ field: term[1], value: term[2] });
    else if (word === 'failed') failed = true;
    else rest.push(word);
  }
  return { text: rest.join(' '), terms, failed };
}

export type Matcher = {
  entry: (e: ExecEntry) => boolean;
  node: (n: ProcessNode) => boolean;
  /** The origin-level terms (origin, unit, container, user, the origin key): the Origins view. */
  origin: (o: Origin) => boolean;
  /** The exec list shows no loss newer than this (a paused list stops where it was). */
  lossesUntil?: number;
};

/** What a term tests: the fields an exec entry and a process both have. */
interface Subject {
  /** The process's key: its host (hosts.ts). */
  pid: number;
  uid: number | null;
  origin: Origin | null;
  tty: string | null;
  exe: string | null;
  cwd: string | null;
}

/** A host glob (`*` any run, `?` one character) as a test of host names. */
function hostGlob(glob: string): (name: string) => boolean {
  const pattern = glob.replace(/[.+^$(){}|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  const re = new RegExp(`^${pattern}$`);
  return (name) => re.test(name);
}

function compileTerm(model: Model, term: FilterTerm, users: ReadonlyMap<number, string>, label: (o: Origin) => string): { subject: (s: Subject) => boolean; origin?: (o: Origin) => boolean } {
  const v = term.value;
  switch (term.field) {
    case 'user': {
      let uid = /^\d+$/.test(v) ? Number(v) : undefined;
      if (uid === undefined) for (const [id, n] of users) if (n === v) { uid = id; break; }
      if (uid === undefined) throw new Error(`no user named ${v}`);
      const want = uid;
      return { subject: (s) => s.uid === want, origin: (o) => o.uids.includes(want) || o.auid === want };
    }
    case 'origin': {
      // A kind by its name (origin:ssh is not ssh.service); anything else, words of the name.
      const kind = (ORIGIN_KINDS as readonly string[]).includes(v)
        ? (o: Origin) => o.kind === v
        : (o: Origin) => label(o).includes(v);
      return { subject: (s) => !!s.origin && kind(s.origin), origin: kind };
    }
    case 'unit': {
      const unit = (o: Origin) => !!o.unit && o.unit.includes(v);
      return { subject: (s) => !!s.origin && unit(s.origin), origin: unit };
    }
    case 'container': {
      const container = (o: Origin) => !!o.container && (o.container.id.startsWith(v) || o.container.runtime === v);
      return { subject: (s) => !!s.origin && container(s.origin), origin: container };
    }
    case 'tty': {
      const tty = v.replace(/^\/dev\//, '');
      return { subject: (s) => s.tty === tty };
    }
    case 'exe':
      return { subject: (s) => !!s.exe && s.exe.includes(v) };
    case 'host': {
      // Decided once per host (a name per key would be a lookup per process per frame).
      const matches = hostGlob(v);
      const decided: boolean[] = [];
      return {
        subject: (s) => {
          const index = hostIndexOf(s.pid);
          return (decided[index] ??= index > 0 && matches(model.hosts.get(index)?.name ?? ''));
        },
      };
    }
    default: { // cwd: it or below
      const dir = v.length > 1 ? v.replace(/\/+$/, '') : v;
      return { subject: (s) => !!s.cwd && (s.cwd === dir || s.cwd.startsWith(dir === '/' ? '/' : `${dir}/`)) };
    }
  }
}

const entrySubject = (e: ExecEntry): Subject => e;
/** One object refilled per process: the tree's filter asks about every process kept, each
 *  frame, and a new object each was garbage for nothing (the tests are synchronous). */
const nodeScratch: Subject = { pid: 0, uid: null, origin: null, tty: null, exe: null, cwd: null };
function nodeSubject(n: ProcessNode): Subject {
  nodeScratch.pid = n.pid;
  nodeScratch.uid = n.uid;
  nodeScratch.origin = n.origin;
  nodeScratch.tty = n.facts.login?.tty ?? null;
  nodeScratch.exe = n.exe;
  nodeScratch.cwd = n.cwd;
  return nodeScratch;
}

/** Compiles a filter once; throws on a bad /regex/ with a message for the user. */
/** `users` names uids (user: terms); `label` names an origin as the screen does (origin: terms). */
export function compileFilter(
  model: Model, filter: Filter, users: ReadonlyMap<number, string> = new Map(),
  label: (o: Origin) => string = (o) => originLabel(o, (uid) => users.get(uid) ?? String(uid)),
): Matcher {
  const parsed = parseFilterText(filter.text ?? '');
  const text = compileText(parsed.text || undefined);
  const failedOnly = filter.failedOnly || parsed.failed;
  const compiled = parsed.terms.map((t) => compileTerm(model, t, users, label));
  const subjectTerms = compiled.map((c) => c.subject);
  const originTerms = compiled.flatMap((c) => (c.origin ? [c.origin] : []));
  const key = filter.originKey;
  const terms = (s: Subject): boolean => {
    if (key !== undefined && s.origin?.key !== key) return false;
    for (const test of subjectTerms) if (!test(s)) return false;
    return true;
  };
  const inSubtree = (nodeId: number): boolean =>
    filter.subtreeOf === undefined || isDescendant(model, nodeId, filter.subtreeOf);
  const nodeState = (n: ProcessNode | undefined): boolean =>
    !filter.state || (filter.state === 'live' ? !!n && !n.exit : !n || !!n.exit);
  const anyTerm = subjectTerms.length > 0 || key !== undefined;
  return {
    entry: (e) => {
      if (filter.uid !== undefined && e.uid !== filter.uid) return false;
      if (failedOnly && e.ret === 0 && !e.exitCode && !e.exitSignal) return false;
      if (text && !text(e.argv, e.comm)) return false;
      if (anyTerm && !terms(entrySubject(e))) return false;
      if (filter.state && !nodeState(model.node(e.nodeId))) return false;
      return inSubtree(e.nodeId);
    },
    node: (n) => {
      if (filter.uid !== undefined && n.uid !== filter.uid) return false;
      if (failedOnly && !(n.exit && (n.exit.code || n.exit.signal))) return false;
      if (text && !text(n.argv, n.comm)) return false;
      if (anyTerm && !terms(nodeSubject(n))) return false;
      if (!nodeState(n)) return false;
      return inSubtree(n.id);
    },
    origin: (o) => {
      if (key !== undefined && o.key !== key) return false;
      if (filter.uid !== undefined && !o.uids.includes(filter.uid) && o.auid !== filter.uid) return false;
      for (const test of originTerms) if (!test(o)) return false;
      return true;
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
