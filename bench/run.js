#!/usr/bin/env node
// npm run bench: forktop beside its peers, observing the same storms in the same run.
//
//   node bench/run.js [--execs N] [--par P] [--depth D] [--modes literal,stack] [--busy N]
//                     [--only capture,cpu,latency,model,ui,start,screen,soak,nats] [--cpu-rounds R]
//                     [--soak-seconds S]
//                     [--nats-agents 1,4,8] [--nats-events N]
//
// Without --only every section runs but soak (minutes long) and nats (needs nats-server):
// ask for them by name.
//
// Needs root (the observers listen to the kernel). Peers that are not installed are
// skipped with a note: apt-get install forkstat libbpf-tools bpftrace.
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { observers } from './lib/observers.js';
import { benchModel, printModel } from './model.js';
import { benchUi, printUi } from './ui.js';
import { benchSoak, printSoak } from './soak.js';
import { benchStart, printStart } from './start.js';
import { benchScreen, printScreen } from './screen.js';
import { benchNats, printNats } from './nats.js';
import { Tmux } from './lib/tmux.js';
import { atInterrupt, buildStorm, cpuSeconds, ensureTracefs, otherObservers, threadCpuSeconds } from './lib/system.js';
import { median } from './lib/stats.js';

const benchDir = path.dirname(new URL(import.meta.url).pathname);
// forktop runs by dist/cli.js's first line (`#!/usr/bin/env -S … node …`), which finds node on
// PATH: this one, as the `node -e 0` reference rows use, whatever PATH sudo left.
process.env.PATH = `${path.dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`;
const outDir = path.join(benchDir, 'out');
const { values: opts } = parseArgs({
  options: {
    execs: { type: 'string', default: '10000' },
    par: { type: 'string', default: '8' },
    depth: { type: 'string', default: '10' },
    modes: { type: 'string', default: 'literal,stack' },
    busy: { type: 'string', default: '0' },
    only: { type: 'string' },
    'latency-samples': { type: 'string', default: '30' },
    'start-runs': { type: 'string', default: '5' },
    'cpu-rounds': { type: 'string', default: '5' },
    'soak-seconds': { type: 'string', default: '120' },
    'soak-interval': { type: 'string', default: '5' },
    'soak-loads': { type: 'string', default: '500,10' },
    'nats-agents': { type: 'string', default: '1,4,8' },
    'nats-events': { type: 'string', default: '200000' },
  },
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startObserver(observer, label) {
  const [command, args] = observer.command();
  const stdoutPath = path.join(outDir, `${label}.${observer.name.replace(/[^a-z0-9.]+/gi, '-').replace(/-+$/, '')}.out`);
  const stderrPath = stdoutPath.replace(/\.out$/, '.err');
  const child = spawn(command, args, {
    stdio: ['ignore', fs.openSync(stdoutPath, 'w'), fs.openSync(stderrPath, 'w')],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 20_000;
  while (!observer.ready.test(fs.readFileSync(stdoutPath, 'utf8').slice(0, 65536))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      const why = fs.readFileSync(stderrPath, 'utf8').trim().split('\n').pop();
      return { observer, failed: why || 'did not start' };
    }
    await sleep(100);
  }
  return { observer, child, exited, stdoutPath, stderrPath };
}

async function stopObserver(handle) {
  handle.child.kill('SIGINT');
  const timeout = sleep(5000).then(() => handle.child.kill('SIGKILL'));
  await Promise.race([handle.exited, timeout]);
  await handle.exited;
}

function runStorm(storm, args) {
  return new Promise((resolve, reject) => {
    execFile(storm, args, { maxBuffer: 64 << 20 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

/** Starts the observers (all of them unless `which` names some), runs one storm, stops them,
 *  and returns what each saw of it. `againArgs`: a second storm after the first, timed apart
 *  (h.cpuAgain) and not checked: what each saw is its output up to then, as pids may wrap
 *  (pid_max may be 32768). */
async function observe(label, storm, stormArgs, againArgs = null, which = observers, cpuOf = cpuSeconds) {
  const handles = [];
  for (const observer of which) {
    if (observer.available && !observer.available()) {
      handles.push({ observer, failed: 'not installed' });
      continue;
    }
    handles.push(await startObserver(observer, label));
  }
  const live = handles.filter((h) => !h.failed);
  const cpuBefore = live.map((h) => cpuOf(h.child.pid));
  const started = performance.now();
  const truth = await runStorm(storm, stormArgs);
  const stormSeconds = (performance.now() - started) / 1000;
  await sleep(2000); // let every observer drain
  const cpuSince = (h, before) => {
    const now = cpuOf(h.child.pid);
    return now === null || before === null ? null : now - before;
  };
  live.forEach((h, i) => (h.cpu = cpuSince(h, cpuBefore[i])));
  const seenBytes = live.map((h) => fs.statSync(h.stdoutPath).size);
  if (againArgs) {
    const before = live.map((h) => cpuOf(h.child.pid));
    await runStorm(storm, againArgs);
    await sleep(2000);
    live.forEach((h, i) => (h.cpuAgain = cpuSince(h, before[i])));
  }
  await Promise.all(live.map(stopObserver));
  live.forEach((h, i) => {
    const all = fs.readFileSync(h.stdoutPath);
    const end = seenBytes[i] > 0 ? all.lastIndexOf(10, seenBytes[i] - 1) + 1 : 0; // whole lines
    const first = all.subarray(0, end).toString('utf8');
    const stderr = fs.readFileSync(h.stderrPath, 'utf8');
    // What it saw of the first storm; what it lost, of both.
    h.result = { ...h.observer.parse(first, stderr), lost: h.observer.parse(all.toString('utf8'), stderr).lost };
  });
  return { handles, truth, stormSeconds };
}

/** `--busy N`: N processes that spin (no syscalls, no forks) while the capture storms run, as
 *  a loaded machine's other work would; bounded by a time limit should the bench die. */
function startBusyLoops(n) {
  const loops = [];
  for (let i = 0; i < n; i++) {
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 600e3; while (Date.now() < end);'], { stdio: 'ignore' });
    const stop = () => child.kill('SIGKILL');
    loops.push(stop);
    atInterrupt.add(stop);
  }
  return loops;
}

function stopBusyLoops(loops) {
  for (const stop of loops) {
    stop();
    atInterrupt.delete(stop);
  }
}

function pct(part, whole) {
  return whole === 0 ? '-' : `${(Math.floor((1000 * part) / whole) / 10).toFixed(1)}%`; // floor: 99.96% is not 100%
}

function printTable(title, header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  console.log(`\n${title}`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

async function execStorm(storm, mode) {
  const n = Number(opts.execs);
  const par = Number(opts.par);
  const prefix = `fb${process.pid}${mode[0]}`;
  // The same storm again, the observers still running: its CPU is what a tool left running
  // pays, past its start and V8's compiling of its hot code.
  const stormArgs = (tag) => ['exec', String(n), String(par), tag, mode];
  const { handles, truth, stormSeconds } = await observe(`exec-${mode}`, storm, stormArgs(prefix), stormArgs(`${prefix}2`));
  const expected = new Map();
  for (const line of truth.trim().split('\n')) {
    const [pid, index] = line.split(' ');
    expected.set(Number(pid), `true ${prefix}-${index}`);
  }
  const rows = handles.map((h) => {
    if (h.failed) return [h.observer.name, `(${h.failed})`, '', '', '', '', ''];
    let seen = 0;
    let exact = 0;
    let tagOnly = 0;
    for (const [pid, want] of expected) {
      if (!h.result.execs.has(pid)) continue;
      seen++;
      const got = h.result.execs.get(pid);
      if (got === want) exact++;
      else if (got?.includes(want.split(' ')[1])) tagOnly++;
    }
    const cpu = (s) => (s === null || s === undefined ? '-' : s.toFixed(2));
    return [h.observer.name, `${seen} (${pct(seen, n)})`, `${exact} (${pct(exact, n)})`, tagOnly, h.result.lost, cpu(h.cpu), cpu(h.cpuAgain)];
  });
  printTable(
    `${n} execs of /bin/true, ${par} in parallel, argv ${mode === 'stack' ? 'built on the stack after fork' : 'string literals'} (${(n / stormSeconds).toFixed(0)} exec/s with all observers running); then the same storm again, for its CPU alone (lost: over both)`,
    ['observer', 'exec events seen', 'exact argv', 'tag only', 'lost reported', 'CPU s', 'CPU s, again'],
    rows,
  );
  // With every observer at once the machine is loaded by the others (the proc-connector-only
  // forktop reads /proc at each exec): the CPU target is judged in cpuRounds(), this is shown.
  const forktop = handles.find((h) => h.observer.name === FORKTOP_JSON && !h.failed);
  const execsnoop = handles.find((h) => h.observer.name === EXECSNOOP && !h.failed);
  if (forktop && execsnoop) {
    console.log(`--json CPU beside all the observers (the target is judged in "cpu" below): ${ratio(forktop.cpu, execsnoop.cpu)} execsnoop's; the storm again: ${ratio(forktop.cpuAgain, execsnoop.cpuAgain)}`);
  }
}

const FORKTOP_JSON = 'forktop (ebpf+netlink)';
const EXECSNOOP = 'execsnoop (libbpf-tools)';

function ratio(ours, theirs) {
  return ours === null || theirs === null || theirs === 0 ? '-' : `${(ours / theirs).toFixed(2)}×`;
}

/** Issue 15's CPU target: forktop --json and execsnoop, started afresh each round and alone
 *  (no other observer loading the machine), watch the same storm, then the same storm again;
 *  quiet, then with two busy loops. A storm's CPU varies by a tenth from round to round, so
 *  each ratio is judged by its median over the rounds. */
async function cpuRounds(storm) {
  const pair = observers.filter((o) => o.name === FORKTOP_JSON || o.name === EXECSNOOP);
  if (pair.some((o) => o.available && !o.available())) {
    console.log("\ncpu: not measured (execsnoop not installed: apt-get install libbpf-tools)");
    return;
  }
  const n = Number(opts.execs);
  const par = Number(opts.par);
  const rounds = Number(opts['cpu-rounds']);
  const rows = [];
  const verdicts = [];
  for (const busy of [0, 2]) {
    const loops = startBusyLoops(busy);
    const first = [];
    const again = [];
    try {
      for (let round = 1; round <= rounds; round++) {
        const prefix = `cp${process.pid}b${busy}r${round}`;
        const stormArgs = (tag) => ['exec', String(n), String(par), tag, 'literal'];
        const { handles } = await observe(`cpu-${busy}-${round}`, storm, stormArgs(prefix), stormArgs(`${prefix}2`), pair, threadCpuSeconds);
        const forktop = handles.find((h) => h.observer.name === FORKTOP_JSON);
        const execsnoop = handles.find((h) => h.observer.name === EXECSNOOP);
        if (forktop.failed || execsnoop.failed) {
          rows.push([busy ? `${busy} busy loops` : 'quiet', round, `(${forktop.failed || execsnoop.failed})`, '', '', '', '', '']);
          continue;
        }
        const cpu = (s) => (s === null ? '-' : s.toFixed(3));
        first.push(forktop.cpu === null || execsnoop.cpu === null ? null : forktop.cpu / execsnoop.cpu);
        again.push(forktop.cpuAgain === null || execsnoop.cpuAgain === null ? null : forktop.cpuAgain / execsnoop.cpuAgain);
        rows.push([
          busy ? `${busy} busy loops` : 'quiet', round,
          cpu(forktop.cpu), cpu(execsnoop.cpu), ratio(forktop.cpu, execsnoop.cpu),
          cpu(forktop.cpuAgain), cpu(execsnoop.cpuAgain), ratio(forktop.cpuAgain, execsnoop.cpuAgain),
        ]);
      }
    } finally {
      stopBusyLoops(loops);
    }
    const judge = (values) => {
      const m = median(values);
      return m === null ? 'not measured' : `${m.toFixed(2)}× ${m <= 1 ? 'held' : 'MISSED'}`;
    };
    verdicts.push(`${busy ? `${busy} busy loops` : 'quiet'}: first storm ${judge(first)}, again ${judge(again)}`);
  }
  printTable(
    `cpu: forktop --json and execsnoop alone, started afresh each round, watch ${n} execs (${par} in parallel), then the same storm again; CPU s of all their threads (schedstat, to the ns)`,
    ['load', 'round', 'forktop', 'execsnoop', 'ratio', 'forktop again', 'execsnoop again', 'ratio again'],
    rows,
  );
  console.log(`issue 15, --json CPU per storm <= execsnoop's (median ratio of ${rounds} rounds): ${verdicts.join('; ')}`);
}

async function forkBurst(storm) {
  const depth = Number(opts.depth);
  const { handles, truth } = await observe('tree', storm, ['tree', String(depth)]);
  const parents = new Map(truth.trim().split('\n').map((l) => l.split(' ').map(Number)));
  const n = parents.size;
  const rows = handles
    .filter((h) => h.failed || h.result.forks)
    .map((h) => {
      if (h.failed) return [h.observer.name, `(${h.failed})`, '', '', ''];
      let seen = 0;
      let rightParent = 0;
      for (const [pid, parent] of parents) {
        if (!h.result.forks.has(pid)) continue;
        seen++;
        if (h.result.forks.get(pid) === parent) rightParent++;
      }
      return [h.observer.name, `${seen} (${pct(seen, n)})`, `${rightParent} (${pct(rightParent, n)})`, h.result.lost, h.cpu === null ? '-' : h.cpu.toFixed(2)];
    });
  printTable(
    `fork burst: ${n} processes, each forks two and exits at once (${depth} generations)`,
    ['observer', 'forks seen', 'parent at fork right', 'lost reported', 'CPU s'],
    rows,
  );
}

/** Milliseconds from spawning a tagged /bin/true to its line in each observer's output:
 *  what a person watching waits. Execs come one at a time, at a person's pace. */
async function latency() {
  const handles = [];
  for (const observer of observers) {
    if (observer.available && !observer.available()) handles.push({ observer, failed: 'not installed' });
    else handles.push(await startObserver(observer, 'latency'));
  }
  const live = handles.filter((h) => !h.failed);
  for (const h of live) h.samples = [];
  const samples = Number(opts['latency-samples']);
  for (let i = 0; i < samples; i++) {
    const tag = `lat${process.pid}x${i}y`;
    const sizes = live.map((h) => fs.statSync(h.stdoutPath).size);
    const started = performance.now();
    spawn('/bin/true', [tag], { stdio: 'ignore' });
    const waiting = new Set(live.keys());
    while (waiting.size > 0 && performance.now() - started < 2000) {
      for (const k of [...waiting]) {
        const h = live[k];
        const fd = fs.openSync(h.stdoutPath, 'r');
        const size = fs.fstatSync(fd).size;
        const fresh = Buffer.alloc(Math.max(0, size - sizes[k]));
        fs.readSync(fd, fresh, 0, fresh.length, sizes[k]);
        fs.closeSync(fd);
        if (fresh.includes(tag)) {
          h.samples.push(performance.now() - started);
          waiting.delete(k);
        }
      }
      await sleep(1);
    }
    await sleep(150 + Math.random() * 100);
  }
  await Promise.all(live.map(stopObserver));
  const rows = handles.map((h) => {
    if (h.failed) return [h.observer.name, `(${h.failed})`, '', ''];
    const sorted = [...h.samples].sort((a, b) => a - b);
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(0);
    return [h.observer.name, `${sorted.length}/${samples}`, sorted.length ? at(0.5) : '-', sorted.length ? at(1) : '-'];
  });
  printTable(
    `latency: one exec at a time (${samples}, ~5 a second), from spawning it to its line in the observer's output, ms (read every 1 ms)`,
    ['observer', 'seen', 'median', 'max'],
    rows,
  );
}

async function main() {
  if (!fs.existsSync(path.join(benchDir, '..', 'dist', 'cli.js'))) {
    console.error('bench: dist/ is missing; run npm install first');
    process.exit(2);
  }
  const sections = opts.only ? opts.only.split(',') : ['capture', 'cpu', 'latency', 'model', 'ui', 'start', 'screen'];
  console.log(`forktop benchmark, ${new Date().toISOString()}`);
  const others = otherObservers();
  if (others.length > 0) {
    console.log(`WARNING: other process watchers are running (${others.join(', ')}): they handle every event of the storms and take CPU from everything measured here; stop them for figures worth comparing`);
  }
  if (sections.includes('model')) printModel(benchModel());
  if (sections.includes('ui')) printUi(await benchUi());
  if (!['capture', 'cpu', 'latency', 'start', 'screen', 'soak', 'nats'].some((s) => sections.includes(s))) return;
  if (process.getuid() !== 0) {
    console.error('bench: needs root (the observers listen to the kernel); try sudo npm run bench');
    process.exit(2);
  }
  fs.mkdirSync(outDir, { recursive: true });
  const storm = buildStorm(benchDir);
  const unmountTracefs = ensureTracefs();
  // tmux servers and the soak's load are not in this process group: a Ctrl-C must end them too.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, async () => {
      await Promise.all([...atInterrupt].map((undo) => undo()));
      unmountTracefs();
      process.exit(130);
    });
  }
  try {
    if (sections.includes('capture')) {
      const busy = Number(opts.busy);
      console.log(`\ncapture: all observers run at once and watch the same storm${busy > 0 ? `, with ${busy} busy loop${busy > 1 ? 's' : ''} running (a loaded machine)` : ''}`);
      const loops = startBusyLoops(busy);
      try {
        for (const mode of opts.modes.split(',')) await execStorm(storm, mode);
        await forkBurst(storm);
      } finally {
        stopBusyLoops(loops);
      }
    }
    if (sections.includes('cpu')) await cpuRounds(storm);
    if (sections.includes('latency')) await latency();
    if (sections.includes('nats')) {
      printNats(await benchNats({ storm, agents: opts['nats-agents'].split(',').map(Number), perAgent: Number(opts['nats-events']) }), printTable);
    }
    const needTmux = ['start', 'screen', 'soak'].filter((s) => sections.includes(s));
    if (needTmux.length > 0 && !Tmux.available()) {
      console.log(`\n${needTmux.join(' and ')}: skipped, tmux is not installed (apt-get install -y tmux)`);
      needTmux.length = 0;
    }
    if (needTmux.includes('start')) printStart(await benchStart({ runs: Number(opts['start-runs']) }), printTable);
    if (needTmux.includes('screen')) printScreen(await benchScreen({ storm }));
    if (needTmux.includes('soak')) {
      const soak = await benchSoak({
        storm,
        seconds: Number(opts['soak-seconds']),
        interval: Number(opts['soak-interval']),
        loads: opts['soak-loads'].split(',').map(Number),
        outDir,
      });
      printSoak(soak, printTable);
    }
  } finally {
    unmountTracefs();
  }
}

await main();
