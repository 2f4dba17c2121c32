// What protection asks of the model: how many live copies of itself a process's lineage has
// (a program forking itself, as a bomb does), so a terminal program that is one is not kept.
import type { Model } from '../model/model.js';
import type { LineageSize } from './protection.js';

export function lineageSizeIn(model: Model): LineageSize {
  return (pid) => {
    const node = model.byPid.get(pid);
    return node && !node.exit && node.clan ? node.clan.live : 1;
  };
}
