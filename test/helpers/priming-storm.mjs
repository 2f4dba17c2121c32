// A storm through a fresh AlertModel, run by test/model/alert-model-priming.test.ts under
// --trace-deopt: a slow loop first (the common lines), then the AlertModel's entry points
// optimized, then what a storm reaches late: tombstones pushed out, a fork-storm alert, a
// bomb, a pid reused, the alerts clearing. Prints PHASE-B before the storm and DONE after, so
// the test counts only what V8 threw away in between. argv: the built dist/, "primed" to run
// primeAlertModel() first, and "gc" for a full collection after each batch of the storm (as
// when V8's old space fills mid-storm: no batch is alive then).
const dist = process.argv[2];
const { AlertModel } = await import(`${dist}/model/alert-model.js`);
const { HEADLESS_CONFIG } = await import(`${dist}/model/config.js`);
const { packedBatch } = await import(`${dist}/events/pack.js`);
const { primeAlertModel } = await import(`${dist}/model/alert-model-priming.js`);
if (process.argv[3] === 'primed') primeAlertModel();
const model = new AlertModel(HEADLESS_CONFIG);
let ts = 6e13;
const time = '2026-01-01T00:00:00.000000Z';
let batch = [];
let collect = false;
const flush = () => {
  if (batch.length) model.apply(packedBatch(batch, false));
  batch = [];
  if (collect) globalThis.gc();
};
const push = (ev) => { batch.push({ time, ts, ...ev }); if (batch.length >= 300) flush(); };
const fork = (pid, ppid) => push({ type: 'fork', pid, ppid });
const exec = (pid, ppid, argv) => push({ type: 'exec', pid, ppid, argv, argv_source: 'kernel', comm: argv[0].split('/').pop(), exe: argv[0], cwd: '/srv', uid: 1000, cgroup: '/user.slice', start_ts: ts - 1e6, start: time, ret: 0, auid: 4294967295, session: 4294967295, tty: null, sid: 900, pgid: pid, env: null });
const exit = (pid) => push({ type: 'exit', pid, ppid: 1, code: 0, signal: 0, core: false, duration_ms: 1.5 });
const shell = 4000;
fork(shell, 1); exec(shell, 1, ['/bin/sh']);
const children = (from, n, gapMs) => { for (let i = 0; i < n; i++) { ts += gapMs * 1e6; fork(from + i, shell); exec(from + i, shell, ['/bin/true']); exit(from + i); } };
// Common lines: a slow loop, no alert, no tombstone pushed out.
children(10000, 900, 40);
flush();
const fns = [AlertModel.prototype.applyPacked, AlertModel.prototype.advance];
const prep = new Function('f', '%PrepareFunctionForOptimization(f)');
const opt = new Function('f', '%OptimizeFunctionOnNextCall(f)');
for (const f of fns) { prep(f); opt(f); }
children(11000, 2, 40);
flush();
model.advance(ts + 1, time);
// The control for "gc": optimized code reading a class none of whose objects outlives this
// line. The storm's collections drop that class, and V8 throws the code away ("weak objects").
class Probe { constructor(n) { this.n = n; this.m = n + 1; } }
function readProbe(probe) { return probe.n + probe.m; }
prep(readProbe);
for (let i = 0; i < 100; i++) readProbe(new Probe(i));
opt(readProbe);
readProbe(new Probe(0));
console.log('PHASE-B');
collect = process.argv[4] === 'gc';
// A storm: tombstones pushed out, a fork-storm alert; a bomb; a pid reused; quiet till clear.
children(12000, 300, 1);
let pid = 20000;
fork(pid, shell);
for (let g = 1; g <= 30; g++) { ts += 2e6; fork(pid + g, pid + g - 1); }
ts += 1e6; fork(pid + 5, shell);
for (let g = 0; g <= 30; g++) { ts += 1e6; exit(pid + g); }
flush();
for (let k = 1; k <= 8; k++) model.advance(ts + k * 1e9, time);
console.log('DONE');
