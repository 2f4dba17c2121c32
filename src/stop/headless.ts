// `forktop --stop-lineage PID --yes`: stop a live process and everything it spawns, with
// no screen: the same model and stop loop as the K key, then a JSON summary on stdout.
import { eventsOf } from '../events/packed.js';
import { exitCleanlyOn } from '../lifecycle.js';
import { Model } from '../model/model.js';
import type { Chosen } from '../sources/select.js';
import { SourceUnavailableError, type SourceHandlers } from '../sources/source.js';
import { orphansOf } from './orphans.js';
import { Protection } from './protection.js';
import { planStop, stopLineage } from './stopper.js';
import { jsonLine } from '../events/json.js';
import { errorLine } from '../ui/text.js';
import { lineageSizeIn } from './lineage-size.js';

export async function runStopLineage(
  pid: number,
  start: (handlers: SourceHandlers) => Promise<Chosen>,
  fail: (message: string) => never,
): Promise<void> {
  let chosen: Chosen | undefined;
  const exit = exitCleanlyOn(async () => {
    await chosen?.source.stop();
  });
  const model = new Model();
  try {
    // The model learns the tree from the source's first snapshot of /proc, and new members
    // from the event stream while the stop runs.
    chosen = await start({
      onBatch: (events) => void model.apply(eventsOf(events)),
      onError: (error) => {
        process.stderr.write(errorLine(error.message));
        void exit(1);
      },
    });
  } catch (error) {
    if (error instanceof SourceUnavailableError) fail(error.message);
    throw error;
  }
  const deadline = Date.now() + 3000;
  while (!model.byPid.get(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  const node = model.byPid.get(pid);
  if (!node || node.exit) {
    await chosen.source.stop();
    fail(`--stop-lineage: no live process ${pid}`);
  }
  const protection = new Protection(process.pid, lineageSizeIn(model));
  const plan = planStop(model, node, protection, false);
  if ('refused' in plan) {
    await chosen.source.stop();
    fail(`--stop-lineage: ${plan.refused}`);
  }
  // Members reparented before forktop started are found by what they share with the root.
  plan.rootIds.push(...orphansOf(model, node).map((n) => n.id));
  const report = await stopLineage(model, plan, protection);
  process.stdout.write(jsonLine(report));
  await exit(report.survivors.length === 0 ? 0 : 1);
}
