// The model alone: events applied per second, and the heap after an endless storm.
import v8 from 'node:v8';
import vm from 'node:vm';
import { Model } from '../dist/model/model.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

/** An endless storm in batches: a loop spawning short-lived execs, daemonizing forks, bombs. */
function* stormBatches(total, batchSize) {
  let ts = 1e12;
  let pid = 1000;
  const time = '2026-11-23T12:00:00.000000Z';
  let made = 0;
  yield [
    { type: 'snapshot', time, ts, pid: 1, ppid: 0, argv: ['/sbin/init'], argv_source: 'proc', comm: 'init', exe: '/sbin/init', cwd: '/', uid: 0, cgroup: '/', start_ts: 0, start: null },
    { type: 'snapshot', time, ts, pid: 2, ppid: 1, argv: ['/bin/bash'], argv_source: 'proc', comm: 'bash', exe: '/bin/bash', cwd: '/', uid: 0, cgroup: '/', start_ts: 0, start: null },
  ];
  const argvs = Array.from({ length: 64 }, (_, i) => ['/bin/true', `tag-${i}`]);
  while (made < total) {
    const batch = [];
    while (batch.length < batchSize) {
      ts += 50_000; // 20,000 processes a second of event time
      const a = pid++;
      const b = pid++;
      if (pid > 4_000_000) pid = 1000;
      const argv = argvs[a % 64];
      batch.push(
        { type: 'fork', time, ts, pid: a, ppid: 2 },
        { type: 'exec', time, ts: ts + 1000, pid: a, ppid: 2, argv, argv_source: 'proc', comm: 'true', exe: '/usr/bin/true', cwd: '/', uid: 0, cgroup: '/', start_ts: ts, start: null, ret: 0 },
        { type: 'fork', time, ts: ts + 2000, pid: b, ppid: a },
        { type: 'exit', time, ts: ts + 3000, pid: a, ppid: 2, code: 0, signal: 0, core: false },
        { type: 'exit', time, ts: ts + 4000, pid: b, ppid: 1, code: 1, signal: 0, core: false },
      );
    }
    made += batch.length;
    yield batch;
  }
}

export function benchModel({ events = 1_000_000 } = {}) {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  // Each batch is made just before it is applied, as batches come from a source: a
  // million prebuilt events would keep hundreds of MiB alive, and every GC would pay for
  // them. Only apply() is timed.
  const model = new Model(globalThis.CFG ?? {});
  let count = 0;
  let seconds = 0;
  for (const batch of stormBatches(events, 1000)) {
    const started = performance.now();
    model.apply(batch);
    seconds += (performance.now() - started) / 1000;
    count += batch.length;
  }
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  return {
    events: count,
    perSecond: count / seconds,
    heapMiB: (heapAfter - heapBefore) / 2 ** 20,
    nodes: model.nodes.size,
    live: model.live,
    tombstones: model.tombstones,
    ring: model.execs.size,
  };
}

export function printModel(result) {
  console.log('\nmodel (src/model, no kernel): an endless storm of fork/exec/exit, applied in batches of 1,000');
  console.log(`  events applied          ${result.events.toLocaleString('en-US')}`);
  console.log(`  events per second       ${Math.round(result.perSecond).toLocaleString('en-US')}   (target: at least 2,000,000)`);
  console.log(`  heap held by the model  ${result.heapMiB.toFixed(1)} MiB after them (bounded: ${result.nodes} nodes = ${result.live} live + ${result.tombstones} tombstones + retained ancestors; exec ring ${result.ring})`);
}
