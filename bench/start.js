// Start time, as a person sees it: the first frame of the live view in a real terminal
// (a 120×40 tmux session; it says "starting…" while the source starts) and the first frame
// that says LIVE (events flowing, the processes found at start listed), beside htop's first
// frame measured the same way; the same LIVE from the compiled modules rather than the bundle
// (FORKTOP_NO_BUNDLE=1); the first `--json` event; `--version`. Each is the median of several
// runs, after one untimed run of each (a warm page cache, as when a person starts it a second
// time). Where `npm run dist` has made the single executable (release/), it is timed the same
// way beside node dist/cli.js.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Tmux } from './lib/tmux.js';
import { atInterrupt, cliCommand, shellQuote, stopPid, which } from './lib/system.js';
import { median } from './lib/stats.js';

const cli = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../dist/cli.js');
const executable = path.resolve(path.dirname(new URL(import.meta.url).pathname), `../release/forktop-linux-${process.arch}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const POLL_MS = 10;

/** Seconds from asking tmux for a new session running `command` to the first capture-pane
 *  that matches each of `patterns` (polled every POLL_MS through `control`, not a tmux process
 *  per look, which would start beside the program timed; null for one not seen in 30 s). */
async function firstFrames(tmux, control, session, command, patterns) {
  const started = performance.now();
  tmux.open(session, command);
  const seconds = patterns.map(() => null);
  for (let poll = started; performance.now() - started < 30_000 && seconds.includes(null); ) {
    const screen = await control.capture(session);
    if (screen === null) break; // it exited
    patterns.forEach((pattern, i) => {
      if (seconds[i] === null && pattern.test(screen)) seconds[i] = (performance.now() - started) / 1000;
    });
    poll += POLL_MS;
    await sleep(Math.max(0, poll - performance.now()));
  }
  let pid = null;
  try {
    pid = tmux.panePid(session);
  } catch {
    // the session is gone
  }
  tmux.close(session);
  await stopPid(pid, 'SIGKILL', 3000); // normally gone already (SIGHUP from kill-session)
  return seconds;
}

/** Seconds from spawning `forktop --json` to the first complete line after the header. */
async function firstJsonEvent(argv = cliCommand(cli)) {
  const started = performance.now();
  const child = spawn(argv[0], [...argv.slice(1), '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const seconds = await new Promise((resolve) => {
    let lines = 0;
    const timer = setTimeout(() => resolve(null), 30_000);
    child.stdout.on('data', (chunk) => {
      for (let i = chunk.indexOf(10); i !== -1 && lines < 2; i = chunk.indexOf(10, i + 1)) lines++;
      if (lines >= 2) {
        clearTimeout(timer);
        resolve((performance.now() - started) / 1000);
      }
    });
    child.on('exit', () => resolve(null));
  });
  child.stdout.resume(); // keep draining until it has gone
  child.kill('SIGINT');
  const timeout = sleep(5000).then(() => child.kill('SIGKILL'));
  await Promise.race([exited, timeout]);
  return seconds;
}

function timeCommand(command, args, env = process.env) {
  const started = performance.now();
  execFileSync(command, args, { stdio: 'ignore', env });
  return (performance.now() - started) / 1000;
}

function summary(values) {
  const ok = values.filter((v) => v !== null);
  if (ok.length === 0) return { median: null, min: null, max: null, n: 0, of: values.length };
  return { median: median(ok), min: Math.min(...ok), max: Math.max(...ok), n: ok.length, of: values.length };
}

export async function benchStart({ runs = 5 } = {}) {
  const result = { runs };
  const tmux = new Tmux(`forktop-bench-start-${process.pid}`);
  let control = null;
  const cleanup = () => {
    control?.close();
    tmux.kill();
  };
  atInterrupt.add(cleanup);
  const first = [];
  const live = [];
  const modules = [];
  const htop = [];
  const htopPath = which('htop');
  const exe = fs.existsSync(executable) ? { first: [], live: [], json: [], version: [] } : null;
  try {
    tmux.open('idle', 'exec sleep 900'); // the server stays up between runs; bounded in any case
    control = tmux.control();
    const liveCommand = `exec ${cliCommand(cli).map(shellQuote).join(' ')}`;
    const htopCommand = htopPath && `exec ${shellQuote(htopPath)}`;
    const htopHeader = /Tasks:|Load average/;
    // forktop's first frame: its header line, "starting…" or already LIVE.
    const forktopHeader = /^forktop /m;
    for (let i = -1; i < runs; i++) {
      const [f, l] = await firstFrames(tmux, control, `live${i + 1}`, liveCommand, [forktopHeader, /LIVE/]);
      const [m] = await firstFrames(tmux, control, `modules${i + 1}`, `FORKTOP_NO_BUNDLE=1 ${liveCommand}`, [/LIVE/]);
      if (i >= 0) {
        first.push(f);
        live.push(l);
        modules.push(m);
      }
      if (htopCommand) {
        const [h] = await firstFrames(tmux, control, `htop${i + 1}`, htopCommand, [htopHeader]);
        if (i >= 0) htop.push(h);
      }
      if (exe) {
        const [f, l] = await firstFrames(tmux, control, `exe${i + 1}`, `exec ${shellQuote(executable)}`, [forktopHeader, /LIVE/]);
        if (i >= 0) {
          exe.first.push(f);
          exe.live.push(l);
        }
      }
      await sleep(300);
    }
  } finally {
    cleanup();
    atInterrupt.delete(cleanup);
  }
  result.first = summary(first);
  result.live = summary(live);
  result.modules = summary(modules);
  result.htop = htopPath ? summary(htop) : null;

  const json = [];
  for (let i = -1; i < runs; i++) {
    const t = await firstJsonEvent();
    if (i >= 0) json.push(t);
    if (exe) {
      const e = await firstJsonEvent([executable]);
      if (i >= 0) exe.json.push(e);
    }
    await sleep(300);
  }
  result.json = summary(json);

  const version = [];
  const node = [];
  // Node reads the certificates NODE_EXTRA_CA_CERTS names at every start (forktop's first
  // line keeps it from that): where it is set, Node alone is timed without it too.
  const nodeBare = [];
  const extraCas = process.env.NODE_EXTRA_CA_CERTS;
  const { NODE_EXTRA_CA_CERTS: _, ...envWithout } = process.env;
  for (let i = -1; i < runs; i++) {
    const [command, ...args] = cliCommand(cli);
    const v = timeCommand(command, [...args, '--version']);
    const n = timeCommand(process.execPath, ['-e', '0']);
    const b = extraCas ? timeCommand(process.execPath, ['-e', '0'], envWithout) : null;
    const e = exe && timeCommand(executable, ['--version']);
    if (i >= 0) {
      exe?.version.push(e);
      version.push(v);
      node.push(n);
      if (b !== null) nodeBare.push(b);
    }
  }
  result.version = summary(version);
  result.node = summary(node);
  result.nodeBare = extraCas ? summary(nodeBare) : null;
  result.extraCas = extraCas ?? null;
  result.executable = exe && Object.fromEntries(Object.entries(exe).map(([key, values]) => [key, summary(values)]));
  return result;
}

const sec = (v) => (v === null ? '-' : `${v.toFixed(3)} s`);
const range = (s) => (s.n === 0 ? '-' : `${s.min.toFixed(3)}–${s.max.toFixed(3)}`);
const verdict = (ok) => (ok === null ? 'not measured' : ok ? 'held' : 'MISSED');

export function printStart(r, printTable) {
  const rows = [];
  const htopMedian = r.htop?.median ?? null;
  const failed = (s) => (s.n < s.of ? ` (${s.of - s.n} of ${s.of} never came)` : '');
  rows.push([
    'first frame, live view (tmux 120×40, its header)',
    sec(r.first.median) + failed(r.first),
    range(r.first),
    htopMedian === null ? "<= 2× htop's (htop not installed: apt-get install -y htop)" : `<= 2× htop's = ${(2 * htopMedian).toFixed(3)} s`,
    verdict(r.first.median === null || htopMedian === null ? null : r.first.median <= 2 * htopMedian),
  ]);
  rows.push(['  then LIVE (source running, processes listed)', sec(r.live.median) + failed(r.live), range(r.live), '', '']);
  rows.push(['  LIVE from the modules (FORKTOP_NO_BUNDLE=1)', sec(r.modules.median) + failed(r.modules), range(r.modules), '', '']);
  if (r.htop) rows.push(['first frame, htop (same way, "Tasks:")', sec(r.htop.median) + failed(r.htop), range(r.htop), '', '']);
  rows.push(['first --json event (the line after the header)', sec(r.json.median) + failed(r.json), range(r.json), '< 0.2 s', verdict(r.json.median === null ? null : r.json.median < 0.2)]);
  rows.push(['--version', sec(r.version.median), range(r.version), '< 0.1 s', verdict(r.version.median < 0.1)]);
  rows.push(['node -e 0 (for reference: Node alone)', sec(r.node.median), range(r.node), '', '']);
  if (r.nodeBare) rows.push([`  without NODE_EXTRA_CA_CERTS (here ${r.extraCas.slice(0, 40)})`, sec(r.nodeBare.median), range(r.nodeBare), '', '']);
  const e = r.executable;
  if (e) {
    // The same targets: it has no first line to keep Node from reading NODE_EXTRA_CA_CERTS.
    rows.push(['the executable (npm run dist): first frame', sec(e.first.median) + failed(e.first), range(e.first), htopMedian === null ? '<= 2× htop\'s' : `<= ${(2 * htopMedian).toFixed(3)} s`, verdict(e.first.median === null || htopMedian === null ? null : e.first.median <= 2 * htopMedian)]);
    rows.push(['  then LIVE', sec(e.live.median) + failed(e.live), range(e.live), '', '']);
    rows.push(['  first --json event', sec(e.json.median) + failed(e.json), range(e.json), '< 0.2 s', verdict(e.json.median === null ? null : e.json.median < 0.2)]);
    rows.push(['  --version', sec(e.version.median), range(e.version), '< 0.1 s', verdict(e.version.median < 0.1)]);
  }
  printTable(
    `start: median of ${r.runs} runs after one untimed run of each (screens polled every ${POLL_MS} ms with capture-pane)`,
    ['what', 'median', 'min–max s', 'target (issue 15)', ''],
    rows,
  );
}
