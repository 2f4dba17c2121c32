// What the user did to the tree: processes collapsed, folded runs opened. Kernel threads
// start collapsed under kthreadd (a hundred kworkers), as htop hides them.
import { useEffect, useRef, useState } from 'react';
import { PID_SPAN } from '../model/hosts.js';
import type { Model } from '../model/model.js';
import { isKernelThread, KTHREADD_PID } from '../model/process-node.js';
import type { TreeRow } from '../model/queries.js';

export function useTreeState(model: Model) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(new Set());
  /** Parents whose finished children are listed one by one (→ on a folded run). */
  const [unfolded, setUnfolded] = useState<ReadonlySet<number>>(new Set());

  // Each host's kthreadd, once (index 0: a one-host stream's machine).
  const kthreaddFolded = useRef(new Set<number>());
  useEffect(() => {
    for (let index = 0; index <= model.hosts.count; index++) {
      if (kthreaddFolded.current.has(index)) continue;
      const kthreadd = model.byPid.get(index * PID_SPAN + KTHREADD_PID);
      if (!kthreadd || !isKernelThread(kthreadd)) continue;
      kthreaddFolded.current.add(index);
      setCollapsed((set) => with_(set, kthreadd.id, true));
    }
  });

  /** ← and → on a row: a folded run opens (→), one of an opened run folds its siblings
   *  again (←), anything else collapses or expands its children. */
  const toggle = (row: TreeRow, open: boolean): void => {
    const parentId = row.node.parentId;
    if (parentId !== null && (row.run ? open : !open && !row.hasChildren && unfolded.has(parentId))) {
      setUnfolded((set) => with_(set, parentId, open));
    } else {
      setCollapsed((set) => with_(set, row.node.id, !open));
    }
  };

  return { collapsed, unfolded, toggle };
}

function with_(set: ReadonlySet<number>, id: number, present: boolean): ReadonlySet<number> {
  const next = new Set(set);
  if (present) next.add(id);
  else next.delete(id);
  return next;
}
