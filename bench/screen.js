// What a person sees, and how soon: the live view in a real terminal (a 120×40 tmux
// session) while a steady storm of execs runs, filtered to a tag so the execs timed stay on
// screen. Times from spawning a tagged exec to the first capture-pane that shows it, and from
// a key sent (switching views) to the first capture-pane that shows the new view.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Tmux } from './lib/tmux.js';
import { atInterrupt, cliCommand, shellQuote, stopPid } from './lib/system.js';

const bin = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../dist/cli.js');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const POLL_MS = 2;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
}

/** Milliseconds from `since` to the first screen `seen` accepts (polled every POLL_MS), or null. */
async function until(control, session, seen, since, timeoutMs = 5000) {
  while (performance.now() - since < timeoutMs) {
    const screen = await control.capture(session);
    if (screen !== null && seen(screen)) return performance.now() - since;
    await sleep(POLL_MS);
  }
  return null;
}

export async function benchScreen({ storm, rate = 500, samples = 20 }) {
  const tag = `screenlat${process.pid}`;
  const tmux = new Tmux(`forktop-bench-screen-${process.pid}`);
  const session = 'screen';
  const load = spawn(storm, ['steady', String(rate), '600', `${tag}load`], { stdio: 'ignore' });
  const stopLoad = () => load.kill('SIGKILL');
  let control = null;
  const undo = () => {
    stopLoad();
    control?.close();
    tmux.kill();
  };
  atInterrupt.add(undo);
  try {
    tmux.open(session, `exec ${cliCommand(bin).map(shellQuote).join(' ')} --no-bell --filter ${tag}x`);
    control = tmux.control();
    if ((await until(control, session, (s) => /LIVE/.test(s), performance.now(), 30_000)) === null) throw new Error('the live view never showed LIVE');
    await sleep(2000); // the storm under way
    const execs = [];
    for (let i = 0; i < samples; i++) {
      const marker = `${tag}x${i}`;
      const since = performance.now();
      const child = spawn('/bin/true', [marker], { stdio: 'ignore' });
      const ms = await until(control, session, (s) => s.includes(marker), since);
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on('exit', resolve)));
      if (ms !== null) execs.push(ms);
      await sleep(150 + Math.random() * 100); // off the frame clock's beat
    }
    const keys = [];
    for (let i = 0; i < samples / 2; i++) {
      for (const [key, shows] of [['2', /TREE \(by spawning/], ['1', /COMMAND/]]) {
        const since = performance.now();
        await control.sendKeys(session, key);
        const ms = await until(control, session, (s) => shows.test(s), since);
        if (ms !== null) keys.push(ms);
        await sleep(100 + Math.random() * 100);
      }
    }
    let pid = null;
    try {
      pid = tmux.panePid(session);
    } catch {
      // gone
    }
    tmux.close(session);
    await stopPid(pid, 'SIGKILL', 3000);
    return { rate, execs, keys, samples };
  } finally {
    undo();
    atInterrupt.delete(undo);
  }
}

export function printScreen(r) {
  const line = (values) =>
    values.length ? `median ${median(values).toFixed(0)} ms, max ${Math.max(...values).toFixed(0)} ms (${values.length} seen)` : 'never seen';
  console.log(`\nscreen: the live view in a 120×40 tmux session while ${r.rate} execs/s of /bin/true run (read every ${POLL_MS} ms)`);
  console.log(`  exec to screen        ${line(r.execs)}  (target: under 50 ms)`);
  console.log(`  key to screen         ${line(r.keys)}  (target: under 100 ms)`);
}
