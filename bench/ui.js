// The live view under a storm: a 10,000-exec storm replayed into the model at full speed
// while the real App renders to a 120×40 terminal (in memory). Prints frames drawn, the time
// to draw one, forktop's CPU, and how long a key press takes to show on the screen.
import { EventEmitter } from 'node:events';
import { setImmediate as yieldToLoop } from 'node:timers/promises';

class Terminal extends EventEmitter {
  columns = 120;
  rows = 40;
  isTTY = true;
  onWrite = () => {};
  write(text) {
    this.onWrite(text);
    return true;
  }
}

class Keyboard extends EventEmitter {
  isTTY = true;
  data = null;
  press(key) {
    this.data = key;
    this.emit('readable');
    this.emit('data', key);
  }
  read() {
    const data = this.data;
    this.data = null;
    return data;
  }
  setEncoding() {}
  setRawMode() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

function stormEvents(n) {
  const events = [];
  let ts = 2e12;
  const time = new Date().toISOString().replace('Z', '000Z');
  events.push({ type: 'snapshot', time, ts, pid: 1, ppid: 0, argv: ['/sbin/init'], argv_source: 'proc', comm: 'init', exe: '/sbin/init', cwd: '/', uid: 0, cgroup: '/', start_ts: 0, start: null });
  events.push({ type: 'snapshot', time, ts, pid: 50, ppid: 1, argv: ['./storm', 'exec', String(n), '8'], argv_source: 'proc', comm: 'storm', exe: '/tmp/storm', cwd: '/', uid: 0, cgroup: '/', start_ts: 0, start: null });
  for (let i = 0; i < n; i++) {
    ts += 550_000; // 1,800 exec/s, this machine's fastest storm
    const pid = 1000 + i;
    events.push(
      { type: 'fork', time, ts, pid, ppid: 50 },
      { type: 'exec', time, ts: ts + 100_000, pid, ppid: 50, argv: ['true', `fsA-${i}`], argv_source: 'proc', comm: 'true', exe: '/usr/bin/true', cwd: '/', uid: 0, cgroup: '/', start_ts: ts, start: null, ret: 0 },
      { type: 'exit', time, ts: ts + 900_000, pid, ppid: 50, code: 0, signal: 0, core: false },
    );
  }
  return events;
}

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export async function benchUi({ execs = 10_000, batch = 300 } = {}) {
  // As the CLI does before loading the live view: Ink must not think it runs in CI.
  const { forgetCiEnvironment } = await import('../dist/ui/ci-environment.js');
  forgetCiEnvironment();
  const React = (await import('react')).default;
  const { render } = await import('ink');
  const { App } = await import('../dist/ui/App.js');
  const { Feed } = await import('../dist/ui/feed.js');
  const { themeFor } = await import('../dist/ui/theme.js');

  const stdout = new Terminal();
  const stdin = new Keyboard();
  const feed = new Feed('bench', 'replay');
  const renderTimes = [];
  const instance = render(React.createElement(App, { feed, theme: themeFor({}), users: new Map([[0, 'root']]) }), {
    stdout, stdin, stderr: stdout, exitOnCtrlC: false, patchConsole: false, maxFps: 100,
    onRender: ({ renderTime }) => renderTimes.push(renderTime),
  });

  const events = stormEvents(execs);
  const latencies = [];
  let waiting = null;
  stdout.onWrite = (text) => {
    if (waiting && text.includes(waiting.marker)) {
      latencies.push(performance.now() - waiting.since);
      waiting = null;
    }
  };
  const keys = [['2', 'TREE (by spawning'], ['1', 'COMMAND'], ['3', 'LAST 10 S']];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (let i = 0, k = 0; i < events.length; i += batch) {
    feed.push(events.slice(i, i + batch));
    if ((i / batch) % 10 === 5 && !waiting) {
      const [key, marker] = keys[k++ % keys.length];
      waiting = { marker, since: performance.now() };
      stdin.press(key);
    }
    await yieldToLoop();
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  instance.unmount();
  return {
    events: events.length,
    seconds,
    frames: renderTimes.length,
    fps: renderTimes.length / seconds,
    frameMedian: percentile(renderTimes, 50),
    frameP99: percentile(renderTimes, 99),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    keyMedian: percentile(latencies, 50),
    keyMax: Math.max(0, ...latencies),
    keys: latencies.length,
  };
}

export function printUi(r) {
  console.log('\nlive view (src/ui on a 120×40 terminal in memory): a 10,000-exec storm replayed at full speed');
  console.log(`  events replayed       ${r.events.toLocaleString('en-US')} in ${r.seconds.toFixed(2)} s (${Math.round(r.events / r.seconds).toLocaleString('en-US')}/s)`);
  console.log(`  frames drawn          ${r.frames} (${r.fps.toFixed(1)}/s; Ink caps them at 100)`);
  console.log(`  time to draw a frame  median ${r.frameMedian.toFixed(1)} ms, p99 ${r.frameP99.toFixed(1)} ms`);
  console.log(`  CPU used              ${r.cpuSeconds.toFixed(2)} s (model + views + rendering)`);
  console.log(`  key press to screen   median ${r.keyMedian.toFixed(0)} ms, max ${r.keyMax.toFixed(0)} ms over ${r.keys} presses (target: under 100 ms)`);
}
