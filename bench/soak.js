// The soak: forktop left running as a person runs it, beside forkstat, under a steady
// background load of execs at a fixed rate. The live view and forkstat each draw to a real
// terminal (a 120×40 tmux session); `forktop --json` writes to /dev/null. All of them watch
// the same load at once. CPU and RSS are sampled from /proc every few seconds.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Tmux } from './lib/tmux.js';
import { alive, atInterrupt, cpuSeconds, forksSinceBoot, rssMiB, stopPid, which } from './lib/system.js';

const cli = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../dist/cli.js');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const AFTER_SECONDS = 10; // how long the RSS is watched once the load stops ("flat once it stops")

function shellQuote(s) {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

async function waitForScreen(tmux, session, pattern, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const screen = tmux.capture(session);
    if (screen !== null && pattern.test(screen)) return true;
    if (screen === null || Date.now() > deadline) return false;
    await sleep(100);
  }
}

function runLoad(storm, rate, seconds, tag) {
  const child = spawn(storm, ['steady', String(rate), String(seconds), tag], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const done = new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
  return { child, done };
}

/** One load: fresh observers, `seconds` of load at `rate`, then AFTER_SECONDS without it. */
async function soakOne({ storm, rate, seconds, interval, outDir }) {
  const tmux = new Tmux(`forktop-bench-soak-${process.pid}`);
  const observers = [];
  const cleanup = async () => {
    tmux.kill();
    await Promise.all(observers.map((o) => stopPid(o.pid, 'SIGKILL', 1000)));
  };
  atInterrupt.add(cleanup);
  try {
    const live = { name: 'forktop live view (tmux)', key: 'live', session: 'live' };
    live.pid = tmux.open('live', `exec ${shellQuote(process.execPath)} ${shellQuote(cli)}`);
    observers.push(live);

    const json = { name: 'forktop --json > /dev/null', key: 'json' };
    const devNull = fs.openSync('/dev/null', 'w');
    const stderr = fs.openSync(path.join(outDir, `soak-${rate}.json.err`), 'w');
    const jsonChild = spawn(process.execPath, [cli, '--json'], { stdio: ['ignore', devNull, stderr] });
    fs.closeSync(devNull);
    fs.closeSync(stderr);
    json.pid = jsonChild.pid;
    observers.push(json);

    let forkstat = { name: 'forkstat (tmux)', key: 'forkstat', missing: 'not installed: apt-get install -y forkstat' };
    if (which('forkstat')) {
      forkstat = { name: 'forkstat (tmux)', key: 'forkstat', session: 'forkstat' };
      forkstat.pid = tmux.open('forkstat', `exec ${shellQuote(which('forkstat'))} -e fork,exec,exit`);
      observers.push(forkstat);
    }

    if (!(await waitForScreen(tmux, 'live', /LIVE/, 30_000))) live.missing = 'the live view never showed LIVE';
    if (forkstat.session && !(await waitForScreen(tmux, 'forkstat', /Time\s+Event/, 10_000))) forkstat.missing = 'forkstat did not start';
    await sleep(3000); // start-up is the start section's business: let each settle first

    const running = observers.filter((o) => !o.missing && alive(o.pid));
    for (const o of running) o.samples = [];
    const sample = (t, phase) => {
      for (const o of running) o.samples.push({ t, phase, cpu: cpuSeconds(o.pid), rss: rssMiB(o.pid) });
    };
    const forks0 = forksSinceBoot();
    const t0 = performance.now();
    const elapsed = () => (performance.now() - t0) / 1000;
    const load = runLoad(storm, rate, seconds, `soak${process.pid}r${rate}`);
    atInterrupt.add(() => stopPid(load.child.pid, 'SIGKILL', 1000));
    sample(0, 'load');
    let finished = null;
    load.done.then((r) => (finished = r));
    for (let next = interval; finished === null; next += interval) {
      while (finished === null && elapsed() < next) await sleep(Math.min(200, (next - elapsed()) * 1000));
      if (finished === null) sample(elapsed(), 'load');
    }
    // The last sample is the load's end; one just before it would make a sliver of an interval.
    if (running.length && elapsed() - running[0].samples.at(-1).t < interval / 2 && running[0].samples.length > 1) {
      for (const o of running) o.samples.pop();
    }
    sample(elapsed(), 'load');
    const loadSeconds = elapsed();
    const forksPerSecond = (forksSinceBoot() - forks0) / loadSeconds;
    const screen = tmux.capture('live');
    if (screen) fs.writeFileSync(path.join(outDir, `soak-${rate}.live-screen.txt`), screen);
    const afterStart = elapsed();
    await sleep(AFTER_SECONDS * 1000);
    sample(elapsed(), 'after');
    const afterSeconds = elapsed() - afterStart;

    for (const o of running) {
      const during = o.samples.filter((s) => s.phase === 'load' && s.cpu !== null && s.rss !== null);
      const after = o.samples.find((s) => s.phase === 'after');
      if (during.length < 2) {
        o.missing = 'exited during the load';
        continue;
      }
      const first = during[0];
      const last = during[during.length - 1];
      const perInterval = during.slice(1).map((s, i) => (100 * (s.cpu - during[i].cpu)) / (s.t - during[i].t));
      o.cpuMean = (100 * (last.cpu - first.cpu)) / (last.t - first.t);
      o.cpuMax = Math.max(...perInterval);
      o.rssFirst = first.rss;
      o.rssMax = Math.max(...during.map((s) => s.rss));
      o.rssLast = last.rss;
      o.rssAfter = after?.rss ?? null;
      o.cpuAfter = after?.cpu != null ? (100 * (after.cpu - last.cpu)) / (after.t - last.t) : null;
      o.exitedEarly = !alive(o.pid);
    }
    const result = {
      rate,
      seconds,
      loadSeconds,
      afterSeconds,
      forksPerSecond,
      load: (await load.done).out.trim(),
      observers: observers.concat(forkstat.session ? [] : [forkstat]),
    };
    return result;
  } finally {
    tmux.kill();
    await Promise.all(observers.map((o) => stopPid(o.pid, o.key === 'json' ? 'SIGINT' : 'SIGKILL')));
    atInterrupt.delete(cleanup);
  }
}

export async function benchSoak({ storm, seconds = 60, interval = 5, loads = [500, 10], outDir }) {
  const results = [];
  for (const rate of loads) results.push(await soakOne({ storm, rate, seconds, interval, outDir }));
  fs.writeFileSync(path.join(outDir, 'soak.json'), JSON.stringify(results, null, 1));
  return { results, interval };
}

const fmt = (n, digits = 1) => (n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));

/** At most `n` samples, evenly spaced, always the first and the last. */
function thin(samples, n) {
  if (samples.length <= n) return samples;
  return Array.from({ length: n }, (_, i) => samples[Math.round((i * (samples.length - 1)) / (n - 1))]);
}

export function printSoak({ results, interval }, printTable) {
  const seconds = results[0]?.seconds;
  console.log(
    `\nsoak: forktop left running beside forkstat, all watching the same steady load of /bin/true execs, ${seconds} s per load` +
      ` (CPU from /proc/PID/stat while the load runs, start-up excluded; RSS = VmRSS, sampled every ${interval} s; the tmux server's own CPU is not counted)`,
  );
  const rows = [];
  for (const r of results) {
    const forkstat = r.observers.find((o) => o.key === 'forkstat' && o.cpuMean !== undefined);
    console.log(`  load ${r.rate}/s: storm says "${r.load}"; the machine made ${r.forksPerSecond.toFixed(0)} processes/s meanwhile (anyone's)`);
    for (const o of r.observers) {
      if (o.cpuMean === undefined) {
        rows.push([o.name, `${r.rate}/s`, `(${o.missing ?? 'no samples'})`, '', '', '', '', '', '', '']);
        continue;
      }
      const times = (a, b) => (b > 0 ? `${(a / b).toFixed(a / b < 10 ? 1 : 0)}×` : '-');
      const ratio = forkstat && o.key !== 'forkstat' ? `${times(o.cpuMean, forkstat.cpuMean)} / ${times(o.rssMax, forkstat.rssMax)}` : '';
      rows.push([
        o.name + (o.exitedEarly ? ' (exited)' : ''),
        `${r.rate}/s`,
        fmt(o.cpuMean),
        fmt(o.cpuMax),
        fmt(o.cpuAfter),
        fmt(o.rssFirst, 0),
        fmt(o.rssMax, 0),
        fmt(o.rssLast, 0),
        fmt(o.rssAfter, 0),
        ratio,
      ]);
    }
  }
  printTable(
    'soak figures (CPU in % of one core; RSS in MiB; "after" = the 10 s once the load stopped)',
    ['observer', 'load', 'CPU mean', `max per ${interval} s`, 'CPU after', 'RSS first', 'RSS max', 'RSS last', 'RSS after', 'vs forkstat: CPU / RSS max'],
    rows,
  );
  console.log(`\nRSS samples, MiB (${interval} s apart, at most 16 shown evenly spaced; the last is ${AFTER_SECONDS} s after the load stopped):`);
  for (const r of results) {
    for (const o of r.observers) {
      if (!o.samples) continue;
      const shown = thin(o.samples.filter((s) => s.rss !== null), 16);
      console.log(`  ${r.rate}/s ${o.name.padEnd(28)} ${shown.map((s) => `${s.t.toFixed(0)}s:${s.rss.toFixed(0)}`).join(' ')}`);
    }
  }
  const find = (rate, key) => results.find((r) => r.rate === rate)?.observers.find((o) => o.key === key && o.cpuMean !== undefined);
  const verdict = (ok) => (ok === null ? 'not measured' : ok ? 'held' : 'MISSED');
  const targets = [];
  const live500 = find(500, 'live');
  const forkstat500 = find(500, 'forkstat');
  targets.push([
    'live view CPU at 500 exec/s <= 2× forkstat\'s',
    live500 && forkstat500 ? `${fmt(live500.cpuMean)}% vs 2 × ${fmt(forkstat500.cpuMean)}% = ${fmt(2 * forkstat500.cpuMean)}%` : '-',
    verdict(live500 && forkstat500 ? live500.cpuMean <= 2 * forkstat500.cpuMean : null),
  ]);
  const live10 = find(10, 'live');
  targets.push(['live view CPU at 10 exec/s < 2% of a core', live10 ? `${fmt(live10.cpuMean)}%` : '-', verdict(live10 ? live10.cpuMean < 2 : null)]);
  const maxOf = (key) => {
    const all = results.flatMap((r) => r.observers.filter((o) => o.key === key && o.samples).flatMap((o) => o.samples.map((s) => s.rss)));
    const known = all.filter((v) => v !== null);
    return known.length ? Math.max(...known) : null;
  };
  const liveMax = maxOf('live');
  const jsonMax = maxOf('json');
  targets.push(['live view RSS < 150 MB at every sample', liveMax === null ? '-' : `max ${fmt(liveMax, 0)} MiB`, verdict(liveMax === null ? null : liveMax * 1.048576 < 150)]);
  targets.push(['--json RSS < 100 MB at every sample', jsonMax === null ? '-' : `max ${fmt(jsonMax, 0)} MiB`, verdict(jsonMax === null ? null : jsonMax * 1.048576 < 100)]);
  printTable(`soak targets (issue 15; ${seconds} s per load, the issue's run is 30 minutes: --soak-seconds 1800)`, ['target', 'measured', ''], targets);
}
