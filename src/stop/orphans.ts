// A lineage that was already running when forktop started has lost its parent links: a
// member whose parent exited was reparented to init (or a subreaper), and /proc keeps no
// record of who spawned it. Such an orphan is taken back into the lineage only when
// everything else says it belongs: the same command line as the root, the root's process
// group and session (a fork keeps both), and parented by a reaper. Not only those started
// after the root: a forktop started in the middle of a bomb sees its members as many
// lineages (each orphan roots its own), and the alert names one of them.
import type { Model } from '../model/model.js';
import type { ProcessNode } from '../model/process-node.js';
import { loadAddon } from '../sources/addon.js';

export function orphansOf(model: Model, root: ProcessNode): ProcessNode[] {
  const { readStat } = loadAddon();
  const rootStat = readStat(root.pid);
  if (!rootStat || root.argv === null) return [];
  const command = root.argv.join('\0');
  const out: ProcessNode[] = [];
  for (const node of model.byPid.values()) {
    if (node === root || node.exit || node.argv?.join('\0') !== command) continue;
    const stat = readStat(node.pid);
    if (!stat || stat.pgrp !== rootStat.pgrp || stat.session !== rootStat.session) continue;
    const parent = model.byPid.get(stat.ppid);
    const reaped = stat.ppid === 1 || (parent !== undefined && parent.argv?.join('\0') !== command);
    if (reaped && !isDescendant(model, node, root)) out.push(node);
  }
  return out;
}

function isDescendant(model: Model, node: ProcessNode, root: ProcessNode): boolean {
  for (let n: ProcessNode | undefined = node, hops = 0; n && hops < 4096; hops++) {
    if (n === root) return true;
    n = n.parentId === null ? undefined : model.node(n.parentId);
  }
  return false;
}
