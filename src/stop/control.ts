// What the live view's K key drives: a plan to show for confirmation, then the stop loop,
// run beside the screen (its signals go out on the libuv pool, not the render path).
import type { Model } from '../model/model.js';
import { Protection } from './protection.js';
import { planStop, stopLineage, type StopPlan, type StopProgress, type StopRefusal, type StopReport } from './stopper.js';
import { lineageSizeIn } from './lineage-size.js';
import { orphansOf } from './orphans.js';

export interface StopControl {
  /** `descend`: the node is a bomb's root that may itself be protected (the user's shell). */
  plan(nodeId: number, descend: boolean): StopPlan | StopRefusal;
  run(plan: StopPlan, onProgress: (progress: StopProgress) => void): Promise<StopReport>;
}

export function stopControlFor(model: Model): StopControl {
  const protection = new Protection(process.pid, lineageSizeIn(model));
  return {
    plan(nodeId, descend) {
      const node = model.node(nodeId);
      if (!node) return { refused: 'that process is no longer known' };
      const plan = planStop(model, node, protection, descend);
      if ('refused' in plan) return plan;
      // Members reparented before forktop started, found by what they share with the root.
      const orphans = orphansOf(model, node).filter((n) => !plan.rootIds.includes(n.id) && !protection.isProtected(n.pid));
      if (orphans.length === 0) return plan;
      return { ...plan, rootIds: [...plan.rootIds, ...orphans.map((n) => n.id)], live: plan.live + orphans.length };
    },
    run: (plan, onProgress) => stopLineage(model, plan, protection, undefined, onProgress),
  };
}
