// What the lists are filtered by: argv/comm text (or /regex/) and field terms, user, failed
// only, a subtree, an origin; and which of the two text fields is being typed into.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Model } from '../model/model.js';
import type { Origin } from '../model/origins.js';
import { compileFilter, type Matcher } from '../model/queries.js';

/** Filters the view starts with (--filter, --user, --pid). */
export interface InitialFilter {
  text?: string;
  user?: string;
  pid?: number;
}

type Field = 'filter' | 'user';

export function useFilters(model: Model, users: Map<number, string>, initial: InitialFilter, label?: (o: Origin) => string) {
  const [filterText, setFilterText] = useState(initial.text ?? '');
  const [userText, setUserText] = useState(initial.user ?? '');
  const [editingField, setEditingField] = useState<Field | null>(null);
  // Keys can arrive faster than React re-renders ("/" then the text, over ssh): the input
  // handler reads the mode from a ref, which changes at once.
  const editing = useRef<Field | null>(null);
  const setEditing = (field: Field | null) => {
    editing.current = field;
    setEditingField(field);
  };
  const setField = (update: (text: string) => string) =>
    editing.current === 'user' ? setUserText(update) : setFilterText(update);
  const [failedOnly, setFailedOnly] = useState(false);
  const [subtreeOf, setSubtreeOf] = useState<number | undefined>();
  /** Only one origin's processes (the Origins view's Enter): its key. */
  const [originKey, setOriginKey] = useState<string | undefined>();
  /** Only processes still running, or only those that exited; undefined: all. */
  const [state, setState] = useState<'live' | 'exited' | undefined>();
  const cycleState = () => setState((s) => (s === undefined ? 'live' : s === 'live' ? 'exited' : undefined));

  // --pid: follow that process's subtree as soon as the process is known.
  const [pidPending, setPidPending] = useState(initial.pid);
  useEffect(() => {
    if (pidPending === undefined) return;
    const node = model.byPid.get(pidPending);
    if (node) {
      setSubtreeOf(node.id);
      setPidPending(undefined);
    }
  });

  // A user name or a number; a name nobody has matches nothing (uid -1).
  const uid = useMemo(() => {
    const text = userText.trim();
    if (!text) return undefined;
    if (/^\d+$/.test(text)) return Number(text);
    for (const [id, name] of users) if (name === text) return id;
    return -1;
  }, [userText, users]);
  const { matcher, filterError } = useMemo(() => {
    try {
      const m = compileFilter(model, { text: filterText || undefined, failedOnly, subtreeOf, uid, state, originKey }, users, label);
      return { matcher: m as Matcher, filterError: '' };
    } catch (error) {
      return { matcher: compileFilter(model, { failedOnly, subtreeOf, uid, state, originKey }, users, label), filterError: (error as Error).message };
    }
  }, [model, filterText, failedOnly, subtreeOf, uid, state, originKey, users, label]);

  /** Any filter set: the tree then shows only the matches and the way to them. */
  const filtering = !!filterText || uid !== undefined || failedOnly || subtreeOf !== undefined || state !== undefined || originKey !== undefined;

  return {
    filtering, filterText, setFilterText, userText, setUserText, editingField, editing, setEditing, setField,
    failedOnly, setFailedOnly, subtreeOf, setSubtreeOf, state, setState, cycleState, uid, matcher, filterError,
    originKey, setOriginKey,
  };
}
