// Many hosts over NATS JetStream (issue 18), on this one machine: a nats-server with
// JetStream (a temporary store, a free port), one viewer (`forktop --nats URL --json`, its
// lines counted as they come) and N publishers.
//
// transport: N publisher processes (forktop's NatsPublisher, the agent's sink, fed synthetic
//   exec events of a real one's size as fast as its queue drains), E events each: events per
//   second from the first publish to the viewer's last line, and the CPU per event of a
//   publisher, the viewer and the server. What the transport carries, whatever the kernel.
// agents: N real agents (`forktop --publish`, as root) watching this machine's kernel while
//   bench/storm runs a 10,000-exec storm: how long until every agent's last tagged exec is
//   on the viewer, and the agent's CPU per event it published (capture and publishing).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { atInterrupt, cliCommand, cpuSeconds, rssMiB, stopPid, which } from './lib/system.js';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(root, 'dist', 'cli.js');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startServer() {
  const port = await freePort();
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'forktop-bench-nats-'));
  const child = spawn(which('nats-server'), ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], { stdio: ['ignore', 'ignore', 'pipe'] });
  let seen = '';
  child.stderr.setEncoding('utf8').on('data', (d) => (seen += d));
  for (const deadline = Date.now() + 10_000; !seen.includes('Server is ready'); await sleep(20)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nats-server did not start: ${seen.slice(-300)}`);
  }
  const stop = async () => {
    await stopPid(child.pid, 'SIGKILL');
    fs.rmSync(store, { recursive: true, force: true });
  };
  atInterrupt.add(stop);
  return { url: `nats://127.0.0.1:${port}`, pid: child.pid, stop };
}

/** The viewer, its lines counted per host and by a test of their own. */
function startViewer(url, count) {
  const [command, ...args] = cliCommand(cli);
  const child = spawn(command, [...args, '--nats', url, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { lines: 0, counted: 0, child, stderr: '' };
  let rest = '';
  child.stdout.setEncoding('utf8').on('data', (d) => {
    const text = rest + d;
    const lines = text.split('\n');
    rest = lines.pop();
    state.lines += lines.length;
    if (count) for (const line of lines) if (count(line)) state.counted++;
  });
  child.stderr.setEncoding('utf8').on('data', (d) => (state.stderr += d));
  const stop = () => stopPid(child.pid, 'SIGINT');
  atInterrupt.add(stop);
  return { state, stop };
}

const PUBLISHER = `
import { NatsPublisher } from ${JSON.stringify(path.join(root, 'dist/output/nats-publisher.js'))};
import { makeHeader } from ${JSON.stringify(path.join(root, 'dist/events/header.js'))};
const [url, host, total] = process.argv.slice(1);
const publisher = new NatsPublisher({ url: { servers: [url.replace('nats://', '')], tls: false, shown: url }, host, bufferBytes: 256 << 20,
  retention: { maxAgeMs: 3600e3, maxBytes: 8 << 30 }, onInfo: (m) => process.env.FORKTOP_BENCH_DEBUG && process.stderr.write(host + ': ' + m + '\\n') });
publisher.start();
publisher.begin(makeHeader('bench', 'bench', 'bench', []));
// A real exec line's size (~450 bytes of JSON: argv, paths, origin fields).
let ts = 1e12;
const cpu0 = process.cpuUsage();
for (let n = 0; n < Number(total); ) {
  while (publisher.queuedBytes > (8 << 20)) await new Promise((r) => setTimeout(r, 2));
  const batch = [];
  for (let i = 0; i < 1000 && n < Number(total); i++, n++) {
    ts += 1e5;
    batch.push({ type: 'exec', time: new Date().toISOString().replace('Z', '000Z'), ts, pid: 1000 + (n % 100000), ppid: 999, argv: ['/usr/bin/true', 'bench-' + n],
      argv_source: 'kernel', comm: 'true', exe: '/usr/bin/true', cwd: '/srv/app/releases/20261201', uid: 0, cgroup: '/system.slice/app.service', start_ts: ts - 5e4,
      start: null, ret: 0, auid: 4294967295, session: 4294967295, tty: null, sid: 812, pgid: 999, env: null });
    // Every other event the exit of an earlier exec: the viewer's model holds what a real
    // storm leaves (~300 live), not 100,000 processes that never end.
    if (n >= 300 && n % 2 === 0) {
      batch.push({ type: 'exit', time: new Date().toISOString().replace('Z', '000Z'), ts: ts + 1, pid: 1000 + ((n - 300) % 100000), ppid: 999, code: 0, signal: null, core: false, duration_ms: 1 });
      i++, n++;
    }
  }
  publisher.write(batch, []);
  await new Promise((r) => setImmediate(r));
}
const unsent = await publisher.close(60000);
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ cpu: (cpu.user + cpu.system) / 1e6, unsent, counts: publisher.counts }) + '\\n');
process.exit(0);
`;

async function transport(agents, perAgent) {
  const server = await startServer();
  const viewer = startViewer(server.url, (line) => line.startsWith('{"type":"exec"') || line.startsWith('{"type":"exit"'));
  try {
    await sleep(1500); // the viewer connects and makes its consumer
    const cpu0 = { viewer: cpuSeconds(viewer.state.child.pid), server: cpuSeconds(server.pid) };
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: agents }, (_, i) => new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', PUBLISHER, server.url, `bench-${i}`, String(perAgent)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
      child.on('exit', () => (out ? resolve(JSON.parse(out)) : reject(new Error('a publisher failed'))));
    })));
    const total = agents * perAgent;
    for (const deadline = Date.now() + 300_000; viewer.state.counted < total && Date.now() < deadline; ) await sleep(10);
    const seconds = (performance.now() - started) / 1000;
    const viewerCpu = cpuSeconds(viewer.state.child.pid) - cpu0.viewer;
    const serverCpu = cpuSeconds(server.pid) - cpu0.server;
    return {
      agents, perAgent, arrived: viewer.state.counted, seconds, perSecond: viewer.state.counted / seconds,
      publisherUs: (results.reduce((s, r) => s + r.cpu, 0) / total) * 1e6,
      viewerUs: (viewerCpu / total) * 1e6, serverUs: (serverCpu / total) * 1e6,
      viewerRss: rssMiB(viewer.state.child.pid), unsent: results.reduce((s, r) => s + r.unsent + r.counts.lost, 0),
    };
  } finally {
    await viewer.stop();
    await server.stop();
  }
}

/** The stream's messages and bytes (what the retention must hold). */
async function streamState(url) {
  const { loadNats } = await import(path.join(root, 'dist/transport/nats-client.js'));
  const nats = await loadNats();
  const nc = await nats.core.connect({ servers: url.replace('nats://', '') });
  try {
    return (await (await nats.js.jetstreamManager(nc)).streams.info('FORKTOP')).state;
  } finally {
    await nc.close();
  }
}

async function realAgents(agents, storm, execs) {
  const server = await startServer();
  const tag = `natsbench${process.pid}`;
  const viewer = startViewer(server.url, (line) => line.startsWith('{"type":"exec"') && line.includes(`"${tag}-`));
  const children = [];
  try {
    for (let i = 0; i < agents; i++) {
      const [command, ...args] = cliCommand(cli);
      const child = spawn(command, [...args, '--publish', server.url, '--host-name', `agent-${i}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
      children.push(child);
      atInterrupt.add(() => stopPid(child.pid, 'SIGKILL'));
      for (const deadline = Date.now() + 30_000; !err.includes('publishing to'); await sleep(20)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`an agent did not start: ${err}`);
      }
    }
    await sleep(2000); // their snapshots out of the way
    const before = viewer.state.lines;
    const cpu0 = children.map((c) => cpuSeconds(c.pid));
    const started = performance.now();
    await new Promise((resolve) => spawn(storm, ['exec', String(execs), '8', tag], { stdio: 'ignore' }).on('exit', resolve));
    const stormSeconds = (performance.now() - started) / 1000;
    const total = agents * execs;
    for (const deadline = Date.now() + 120_000; viewer.state.counted < total && Date.now() < deadline; ) await sleep(10);
    const seconds = (performance.now() - started) / 1000;
    await sleep(500); // each agent's exits after the last exec
    const events = (viewer.state.lines - before) / agents;
    const cpu = children.map((c, i) => cpuSeconds(c.pid) - cpu0[i]);
    const stored = await streamState(server.url);
    return {
      agents, execs, arrived: viewer.state.counted, stormSeconds, seconds, eventsPerAgent: events,
      agentUs: (cpu.reduce((a, b) => a + b, 0) / agents / events) * 1e6,
      agentRss: Math.max(...children.map((c) => rssMiB(c.pid) ?? 0)),
      bytesPerEvent: stored.bytes / (viewer.state.lines - 1),
    };
  } finally {
    for (const child of children) await stopPid(child.pid, 'SIGTERM');
    await viewer.stop();
    await server.stop();
  }
}

export async function benchNats({ storm, agents = [1, 4, 8], perAgent = 100_000, execs = 10_000 }) {
  if (!which('nats-server')) return { skipped: 'nats-server is not installed (apt-get install nats-server)' };
  const out = { transport: [], agents: [] };
  for (const n of agents) out.transport.push(await transport(n, Math.round(perAgent / n)));
  if (process.getuid() === 0) for (const n of agents.filter((a) => a <= 4)) out.agents.push(await realAgents(n, storm, execs));
  return out;
}

export function printNats(result, printTable) {
  if (result.skipped) {
    console.log(`\nnats: skipped: ${result.skipped}`);
    return;
  }
  const f = (n, d = 1) => n.toFixed(d);
  printTable(
    'nats: N publishers → one nats-server (JetStream, file store) → one viewer (--nats --json), all on this machine',
    ['publishers', 'events', 'arrived', 'seconds', 'events/s at viewer', 'µs CPU/event: publisher', 'viewer', 'server', 'viewer RSS MiB', 'lost'],
    result.transport.map((r) => [r.agents, r.agents * r.perAgent, r.arrived, f(r.seconds, 2), f(r.perSecond, 0), f(r.publisherUs), f(r.viewerUs), f(r.serverUs), f(r.viewerRss ?? 0, 0), r.unsent]),
  );
  if (result.agents.length === 0) return;
  printTable(
    'nats: real agents (forktop --publish, each watching this machine) under a storm of execs; the viewer counts the tagged execs of each',
    ['agents', 'execs', 'tagged arrived', 'storm s', 'last on viewer s', 'events/agent', 'agent µs CPU/event', 'agent RSS MiB', 'stored bytes/event'],
    result.agents.map((r) => [r.agents, r.execs, r.arrived, f(r.stormSeconds, 2), f(r.seconds, 2), f(r.eventsPerAgent, 0), f(r.agentUs), f(r.agentRss, 0), f(r.bytesPerEvent, 0)]),
  );
}
