// The soak: forktop left running as a person runs it, beside forkstat, under a steady
// background load of execs at a fixed rate. The live view and forkstat each draw to a real
// terminal (a 120×40 tmux session); `forktop --json` writes to /dev/null. A second live view
// draws to a 200×60 terminal and goes to the next view (tab) at every sample, as a person
// looks around: each view keeps its own drawing in memory, and a big screen draws more.
// All of them watch the same load at once. CPU and RSS are sampled from /proc every few seconds, and where
// the RSS goes from each forktop's own view (bench/soak-probe.js, loaded with --import:
// V8's heap by space, GC time) and from /proc/PID/smaps (malloc, the eBPF ring, code).
//
// FORKTOP_SOAK_FLAGS (node flags, e.g. "--max-semi-space-size=4") and FORKTOP_SOAK_ENV
// ("MALLOC_ARENA_MAX=2") add a second live view and --json run that way, beside the
// plain ones, under the same load: a setting's effect and its CPU cost in one run.
// FORKTOP_SOAK_CLI runs the variant from another build's cli.js (a change not yet landed).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Tmux } from './lib/tmux.js';
import { smapsByKind } from './soak-probe.js';
import { alive, atInterrupt, cpuSeconds, forksSinceBoot, rssMiB, stopPid, which, cliCommand, shellQuote } from './lib/system.js';

const cli = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../dist/cli.js');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const probe = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'soak-probe.js');
/** How long the RSS is watched once the load stops ("flat once it stops"), sampled every interval. */
const AFTER_SECONDS = Number(process.env.FORKTOP_SOAK_AFTER ?? 30);
/** The CPU once running leaves out this much of the start of each load: a process that was
 *  just started runs its code unoptimized, and at 10 exec/s V8 takes about a minute to
 *  compile what runs (helper threads), a one-time cost beside a tool left running. */
const WARM_SECONDS = 60;
const variantFlags = (process.env.FORKTOP_SOAK_FLAGS ?? '').split(/\s+/).filter(Boolean);
const variantCli = process.env.FORKTOP_SOAK_CLI ? path.resolve(process.env.FORKTOP_SOAK_CLI) : null;
const variantEnv = Object.fromEntries(
  (process.env.FORKTOP_SOAK_ENV ?? '').split(/\s+/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
);
/** The variant's settings, as said once above the tables, or null when there is none. */
export const variantSettings = () =>
  variantFlags.length || Object.keys(variantEnv).length || variantCli
    ? [...(variantCli ? [variantCli] : []), ...Object.entries(variantEnv).map(([k, v]) => `${k}=${v}`), ...variantFlags].join(' ')
    : null;
/** The plain forktop, and the variant when one is asked for. */
const variants = () =>
  [{ suffix: '', flags: [], env: {} }].concat(
    variantSettings() ? [{ suffix: ' (variant)', flags: variantFlags, env: variantEnv, tag: '-variant', cli: variantCli ?? cli }] : [],
  );

async function waitForScreen(tmux, session, pattern, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const screen = tmux.capture(session);
    if (screen !== null && pattern.test(screen)) return true;
    if (screen === null || Date.now() > deadline) return false;
    await sleep(100);
  }
}

/** Resident MiB by kind of mapping, or null when the process is gone. */
function mappings(pid) {
  try {
    return smapsByKind(pid);
  } catch {
    return null;
  }
}

/** The probe's newest line (V8's heap by space, GC so far), or null. */
function lastProbe(file) {
  if (!file) return null;
  try {
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    return JSON.parse(lines.at(-1));
  } catch {
    return null;
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
    const lives = [];
    for (const v of variants()) {
      const tag = v.tag ?? '';
      const probeEnv = (key) => ({ FORKTOP_PROBE: path.join(outDir, `soak-${rate}.${key}${tag}.probe.ndjson`), FORKTOP_PROBE_MS: String(interval * 1000) });
      for (const key of ['live', 'json']) fs.rmSync(probeEnv(key).FORKTOP_PROBE, { force: true });
      const node = cliCommand(v.cli ?? cli, [...v.flags, '--import', probe]);
      const live = { name: `forktop live view (tmux)${v.suffix}`, key: 'live' + tag, session: 'live' + tag, probe: probeEnv('live').FORKTOP_PROBE };
      const liveEnv = Object.entries({ ...v.env, ...probeEnv('live') }).map(([k, val]) => `${k}=${shellQuote(val)}`);
      live.pid = tmux.open(live.session, `exec env ${liveEnv.join(' ')} ${node.map(shellQuote).join(' ')}`);
      observers.push(live);
      lives.push(live);
      if (!v.tag) {
        const views = { name: 'forktop live view, 200×60, views cycled', key: 'views', session: 'views', probe: probeEnv('views').FORKTOP_PROBE, cycles: true };
        fs.rmSync(views.probe, { force: true });
        const viewsEnv = Object.entries({ ...v.env, ...probeEnv('views') }).map(([k, val]) => `${k}=${shellQuote(val)}`);
        views.pid = tmux.open(views.session, `exec env ${viewsEnv.join(' ')} ${node.map(shellQuote).join(' ')}`, { columns: 200, rows: 60 });
        observers.push(views);
        lives.push(views);
      }

      const json = { name: `forktop --json > /dev/null${v.suffix}`, key: 'json' + tag, probe: probeEnv('json').FORKTOP_PROBE };
      const devNull = fs.openSync('/dev/null', 'w');
      const stderr = fs.openSync(path.join(outDir, `soak-${rate}.json${tag}.err`), 'w');
      const jsonChild = spawn(node[0], [...node.slice(1), '--json'], { stdio: ['ignore', devNull, stderr], env: { ...process.env, ...v.env, ...probeEnv('json') } });
      fs.closeSync(devNull);
      fs.closeSync(stderr);
      json.pid = jsonChild.pid;
      observers.push(json);
    }

    let forkstat = { name: 'forkstat (tmux)', key: 'forkstat', missing: 'not installed: apt-get install -y forkstat' };
    if (which('forkstat')) {
      forkstat = { name: 'forkstat (tmux)', key: 'forkstat', session: 'forkstat' };
      forkstat.pid = tmux.open('forkstat', `exec ${shellQuote(which('forkstat'))} -e fork,exec,exit`);
      observers.push(forkstat);
    }

    for (const live of lives) if (!(await waitForScreen(tmux, live.session, /LIVE/, 30_000))) live.missing = 'the live view never showed LIVE';
    if (forkstat.session && !(await waitForScreen(tmux, 'forkstat', /Time\s+Event/, 10_000))) forkstat.missing = 'forkstat did not start';
    await sleep(3000); // start-up is the start section's business: let each settle first

    const running = observers.filter((o) => !o.missing && alive(o.pid));
    for (const o of running) o.samples = [];
    const sample = (t, phase) => {
      for (const o of running) o.samples.push({ t, phase, cpu: cpuSeconds(o.pid), rss: rssMiB(o.pid), smaps: mappings(o.pid) });
      if (phase !== 'load') return;
      for (const o of running) {
        if (!o.cycles || !alive(o.pid)) continue;
        try {
          tmux.run('send-keys', '-t', o.session, 'Tab');
        } catch {
          // Its session closed with it: the samples say it exited.
        }
      }
    };
    const forks0 = forksSinceBoot();
    const t0 = performance.now();
    const elapsed = () => (performance.now() - t0) / 1000;
    for (const o of running) o.probeStart = lastProbe(o.probe);
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
    for (const o of running) o.probeEnd = lastProbe(o.probe);
    const forksPerSecond = (forksSinceBoot() - forks0) / loadSeconds;
    for (const live of lives) {
      const screen = tmux.capture(live.session);
      if (screen) fs.writeFileSync(path.join(outDir, `soak-${rate}.${live.session}-screen.txt`), screen);
    }
    const afterStart = elapsed();
    for (let next = afterStart + interval; next <= afterStart + AFTER_SECONDS + 0.01; next += interval) {
      await sleep(Math.max(0, (next - elapsed()) * 1000));
      sample(elapsed(), 'after');
    }
    const afterSeconds = elapsed() - afterStart;

    for (const o of running) {
      const during = o.samples.filter((s) => s.phase === 'load' && s.cpu !== null && s.rss !== null);
      const afterAll = o.samples.filter((s) => s.phase === 'after' && s.rss !== null);
      const after = afterAll.at(-1);
      if (during.length < 2) {
        o.missing = 'exited during the load';
        continue;
      }
      const first = during[0];
      const last = during[during.length - 1];
      const perInterval = during.slice(1).map((s, i) => (100 * (s.cpu - during[i].cpu)) / (s.t - during[i].t));
      o.cpuMean = (100 * (last.cpu - first.cpu)) / (last.t - first.t);
      // Left running, once V8 has compiled what runs: from the first sample WARM_SECONDS into
      // the load (half the load when it is shorter than twice that).
      const warmFrom = Math.min(WARM_SECONDS, (last.t - first.t) / 2);
      const warm = during.find((s) => s.t - first.t >= warmFrom) ?? first;
      o.warmSeconds = warm.t - first.t;
      o.cpuWarm = warm === last ? null : (100 * (last.cpu - warm.cpu)) / (last.t - warm.t);
      o.cpuMax = Math.max(...perInterval);
      o.rssFirst = first.rss;
      o.rssMax = Math.max(...during.map((s) => s.rss));
      o.rssLast = last.rss;
      o.rssAfter = after?.rss ?? null;
      o.rssAfterMax = afterAll.length ? Math.max(...afterAll.map((s) => s.rss)) : null;
      o.breakdown = last.smaps;
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

export async function benchSoak({ storm, seconds = 120, interval = 5, loads = [500, 10], outDir }) {
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
  if (variantSettings()) console.log(`  (variant): the same forktop run with ${variantSettings()}`);
  const rows = [];
  for (const r of results) {
    const forkstat = r.observers.find((o) => o.key === 'forkstat' && o.cpuMean !== undefined);
    console.log(`  load ${r.rate}/s: storm says "${r.load}"; the machine made ${r.forksPerSecond.toFixed(0)} processes/s meanwhile (anyone's)`);
    for (const o of r.observers) {
      if (o.cpuMean === undefined) {
        rows.push([o.name, `${r.rate}/s`, `(${o.missing ?? 'no samples'})`, '', '', '', '', '', '', '', '']);
        continue;
      }
      const times = (a, b) => (b > 0 ? `${(a / b).toFixed(a / b < 10 ? 1 : 0)}×` : '-');
      const cpuRatio = o.cpuWarm != null && forkstat?.cpuWarm != null ? times(o.cpuWarm, forkstat.cpuWarm) : '-';
      const ratio = forkstat && o.key !== 'forkstat' ? `${cpuRatio} / ${times(o.rssMax, forkstat.rssMax)}` : '';
      rows.push([
        o.name + (o.exitedEarly ? ' (exited)' : ''),
        `${r.rate}/s`,
        fmt(o.cpuMean),
        o.cpuWarm === null ? '-' : `${fmt(o.cpuWarm)} (from ${fmt(o.warmSeconds, 0)} s)`,
        fmt(o.cpuMax),
        fmt(o.cpuAfter),
        fmt(o.rssFirst, 0),
        fmt(o.rssMax, 0),
        fmt(o.rssLast, 0),
        `${fmt(o.rssAfterMax, 0)} / ${fmt(o.rssAfter, 0)}`,
        ratio,
      ]);
    }
  }
  printTable(
    `soak figures (CPU in % of one core; "once running" = without the load's first ${WARM_SECONDS} s, or its first half when shorter; RSS in MiB; "after" = the ${AFTER_SECONDS} s once the load stopped: max / last)`,
    ['observer', 'load', 'CPU mean', 'CPU once running', `max per ${interval} s`, 'CPU after', 'RSS first', 'RSS max', 'RSS last', 'RSS after', 'vs forkstat: CPU once running / RSS max'],
    rows,
  );
  console.log(`\nRSS samples, MiB (${interval} s apart, at most 20 shown evenly spaced; those marked ' come after the load stopped, the last ${AFTER_SECONDS} s after):`);
  for (const r of results) {
    for (const o of r.observers) {
      if (!o.samples) continue;
      const shown = thin(o.samples.filter((s) => s.rss !== null), 20);
      console.log(`  ${r.rate}/s ${o.name.padEnd(40)} ${shown.map((s) => `${s.t.toFixed(0)}s${s.phase === 'after' ? "'" : ''}:${s.rss.toFixed(0)}`).join(' ')}`);
    }
  }
  printBreakdown(results, printTable);
  const verdict = (ok) => (ok === null ? 'not measured' : ok ? 'held' : 'MISSED');
  const targets = [];
  for (const tag of variantSettings() ? ['', '-variant'] : ['']) targets.push(...targetRows(results, tag, verdict));
  printTable(`soak targets (issue 15; ${seconds} s per load, the issue's run is 30 minutes: --soak-seconds 1800)`, ['target', 'measured', ''], targets);
}

/** Issue 15's targets for the plain forktop (tag '') or the variant ('-variant'). */
function targetRows(results, tag, verdict) {
  const find = (rate, key) => results.find((r) => r.rate === rate)?.observers.find((o) => o.key === key && o.cpuMean !== undefined);
  const targets = [];
  const who = tag ? ' (variant)' : '';
  const live500 = find(500, 'live' + tag);
  const forkstat500 = find(500, 'forkstat');
  // Judged once running (see WARM_SECONDS), every observer alike; the whole load beside it.
  const running = (o) => o.cpuWarm ?? NaN; // none when the load was too short to leave its start out
  const whole = (...os) => ` (whole load: ${os.map((o) => `${fmt(o.cpuMean)}%`).join(' vs ')})`;
  targets.push([
    `live view${who} CPU at 500 exec/s <= 2× forkstat's, once running`,
    live500 && forkstat500 ? `${fmt(running(live500))}% vs 2 × ${fmt(running(forkstat500))}% = ${fmt(2 * running(forkstat500))}%${whole(live500, forkstat500)}` : '-',
    verdict(live500 && forkstat500 && !Number.isNaN(running(live500) + running(forkstat500)) ? running(live500) <= 2 * running(forkstat500) : null),
  ]);
  const live10 = find(10, 'live' + tag);
  targets.push([`live view${who} CPU at 10 exec/s < 2% of a core, once running`, live10 ? `${fmt(running(live10))}%${whole(live10)}` : '-', verdict(live10 && !Number.isNaN(running(live10)) ? running(live10) < 2 : null)]);
  const maxOf = (key) => {
    const all = results.flatMap((r) => r.observers.filter((o) => o.key === key && o.samples).flatMap((o) => o.samples.map((s) => s.rss)));
    const known = all.filter((v) => v !== null);
    return known.length ? Math.max(...known) : null;
  };
  const liveMax = Math.max(maxOf('live' + tag) ?? -Infinity, tag ? -Infinity : maxOf('views') ?? -Infinity);
  const jsonMax = maxOf('json' + tag);
  // Flat once the load stops: no sample after it above the highest under it (+2%, a page or two of noise).
  const flat = (key) => {
    const os = results.flatMap((r) => r.observers.filter((o) => o.key === key && o.rssAfterMax !== undefined && o.rssAfterMax !== null));
    if (!os.length) return null;
    return { ok: os.every((o) => o.rssAfterMax <= o.rssMax * 1.02), text: os.map((o) => `${fmt(o.rssAfterMax, 0)} vs ${fmt(o.rssMax, 0)}`).join(', ') };
  };
  const liveKnown = Number.isFinite(liveMax);
  targets.push([`live view${who} RSS < 150 MB at every sample${tag ? '' : ' (120×40, and 200×60 with views cycled)'}`, liveKnown ? `max ${fmt(liveMax, 0)} MiB` : '-', verdict(liveKnown ? liveMax * 1.048576 < 150 : null)]);
  targets.push([`--json${who} RSS < 100 MB at every sample`, jsonMax === null ? '-' : `max ${fmt(jsonMax, 0)} MiB`, verdict(jsonMax === null ? null : jsonMax * 1.048576 < 100)]);
  for (const [key, name] of [['live', 'live view'], ...(tag ? [] : [['views', 'live view 200×60, views cycled']]), ['json', '--json']]) {
    const f = flat(key + tag);
    targets.push([`${name}${who} RSS flat once the load stops (after max vs load max)`, f ? f.text : '-', verdict(f ? f.ok : null)]);
  }
  return targets;
}

/**
 * Where each forktop's RSS went at the load's last sample: from /proc/PID/smaps (files,
 * malloc, the eBPF ring) and from V8 itself through the probe (its heap's spaces, as
 * committed, and the share of the load's time spent in GC).
 */
function printBreakdown(results, printTable) {
  const rows = [];
  for (const r of results) {
    for (const o of r.observers) {
      if (!o.samples || !o.breakdown || !/^(live|views|json)/.test(o.key)) continue;
      const m = o.breakdown;
      const get = (k) => m[k] ?? 0;
      const spaces = o.probeEnd?.spaces ?? {};
      const committed = (name) => spaces[name]?.[0] ?? 0;
      const v8Total = Object.values(spaces).reduce((sum, [size]) => sum + size, 0);
      const anon = get('other anonymous (V8 heap, code, large mallocs)');
      const gcMs = o.probeEnd && o.probeStart ? o.probeEnd.gc.ms - o.probeStart.gc.ms : null;
      const gcSpan = o.probeEnd && o.probeStart ? (o.probeEnd.t - o.probeStart.t) * 1000 : null;
      rows.push([
        o.name,
        `${r.rate}/s`,
        fmt(o.rssLast, 0),
        fmt(get('node binary and files') + get('shared libraries') + get('other mappings'), 0),
        fmt(get('eBPF ring buffer (kernel pages mapped in)'), 0),
        fmt(get('malloc main arena ([heap])') + get('malloc thread arenas'), 0),
        fmt(get('wasm memory (yoga)'), 0),
        o.probeEnd ? `${fmt(v8Total, 0)}: ${fmt(committed('new'), 0)} / ${fmt(committed('old'), 0)} (${fmt(spaces.old?.[1], 0)} used) / ${fmt(committed('code') + committed('code_large_object'), 0)} / ${fmt(committed('large_object'), 0)}` : '-',
        o.probeEnd ? fmt(anon - v8Total, 0) : fmt(anon, 0),
        gcMs !== null && gcSpan > 0 ? `${fmt((100 * gcMs) / gcSpan)}%` : '-',
      ]);
    }
  }
  printTable(
    "where the RSS went at the load's last sample (MiB; /proc/PID/smaps, and V8's own figures from bench/soak-probe.js)",
    ['observer', 'load', 'RSS', 'node binary, libraries', 'eBPF ring', 'malloc (main + thread arenas)', 'WASM (yoga)', 'V8 heap committed: new / old (used) / code / large', 'other anonymous', 'GC, % of the time'],
    rows,
  );
}
