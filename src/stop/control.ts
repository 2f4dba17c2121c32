// What the live view's K key drives: a plan to show for confirmation, then the stop loop,
// run beside the screen (its signals go out on the libuv pool, not the render path).
import type { Model } from '../model/model.js';
import { Protection } from './protection.js';
import { planStop, stopLineage, type StopPlan, type StopProgress, type StopRefusal, type StopReport } from './stopper.js';
import { lineageSizeIn } from './lineage-size.js';

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
      return node ? planStop(model, node, protection, descend) : { refused: 'that process is no longer known' };
    },
    run: (plan, onProgress) => stopLineage(model, plan, protection, undefined, onProgress),
  };
}
