// Issue 18 over NATS end to end: a real nats-server with JetStream (temporary store, a free
// port on 127.0.0.1), two agents (`forktop --publish` under two host names, both watching
// this machine's kernel) and viewers (`forktop --nats … --json`). Root for the agents.
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CLI, runCli, startCli, type RunningCli } from './helpers/cli.js';
import { run, uniqueTag } from './helpers/kernel.js';
import { describeWithNats, startNatsServer, type TestNatsServer } from './helpers/nats-server.js';

interface Agent {
  child: ChildProcess;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `forktop --publish` and resolves once it says it publishes. */
function startAgent(url: string, name: string): Promise<Agent> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--publish', url, '--host-name', name], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => {
      clearTimeout(killer);
      done(code);
    }));
    const timer = setTimeout(() => reject(new Error(`agent ${name} did not start: ${stderr}`)), 20_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (stderr.includes('publishing to ')) {
        clearTimeout(timer);
        resolve({ child, stderr: () => stderr, stop: (signal = 'SIGTERM') => (child.kill(signal), exited) });
      }
    });
    child.on('error', reject);
  });
}

type Line = Record<string, unknown> & { type: string; host?: string; argv?: string[]; state?: string; reason?: string | null; count?: number; source?: string };

const parsed = (cli: RunningCli): Line[] =>
  cli.stdout().split('\n').slice(0, -1).map((line) => JSON.parse(line) as Line);

async function until<T>(value: () => T | undefined | false, what: string, ms = 30_000): Promise<T> {
  for (const deadline = Date.now() + ms; ; ) {
    const v = value();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const tagged = (lines: Line[], host: string, tag: string) =>
  lines.filter((l) => l.type === 'exec' && l.host === host && l.argv?.[0] === '/bin/echo' && l.argv[1] === tag).length;
const hostStates = (lines: Line[], host: string) => lines.filter((l) => l.type === 'host' && l.host === host).map((l) => l.state);

describeWithNats('many hosts over NATS JetStream (real nats-server, real agents)', () => {
  let server: TestNatsServer;
  let viewer: RunningCli;
  const agents = new Map<string, Agent>();
  const tag = uniqueTag('NATS');

  beforeAll(async () => {
    server = await startNatsServer();
    viewer = await startCli(['--nats', server.url, '--json']);
    for (const name of ['web-a', 'web-b.example']) agents.set(name, await startAgent(server.url, name));
  });
  afterAll(async () => {
    for (const agent of agents.values()) await agent.stop('SIGKILL');
    await viewer?.stop();
    await server?.remove();
  });

  const storm = (text: string, count: number) => run('sh', ['-c', `for i in $(seq ${count}); do /bin/echo ${text} >/dev/null; done`], 30_000);

  it('both hosts come up and their tagged execs arrive, each with its host', async () => {
    await until(() => hostStates(parsed(viewer), 'web-a').includes('up') && hostStates(parsed(viewer), 'web-b.example').includes('up'), 'both hosts up');
    await storm(tag, 50);
    await until(() => tagged(parsed(viewer), 'web-a', tag) === 50 && tagged(parsed(viewer), 'web-b.example', tag) === 50, '50 execs from each host');
    const up = parsed(viewer).find((l) => l.type === 'host' && l.host === 'web-a');
    expect(up).toMatchObject({ state: 'up', boot_id: expect.stringMatching(/^[0-9a-f-]+$/) });
  });

  it('an agent stopped marks its host down (bye); killed, down after 3 missed heartbeats; started again, up', { timeout: 90_000 }, async () => {
    await agents.get('web-b.example')!.stop('SIGTERM');
    await until(() => parsed(viewer).find((l) => l.type === 'host' && l.host === 'web-b.example' && l.state === 'down'), 'web-b down');
    expect(parsed(viewer).filter((l) => l.type === 'host' && l.host === 'web-b.example').at(-1)).toMatchObject({ reason: 'its agent stopped (forktop --publish ended)' });
    agents.set('web-b.example', await startAgent(server.url, 'web-b.example'));
    await until(() => hostStates(parsed(viewer), 'web-b.example').join() === 'up,down,up', 'web-b up again');
    const again = uniqueTag('AGAIN');
    await storm(again, 5);
    await until(() => tagged(parsed(viewer), 'web-b.example', again) === 5, 'web-b\'s execs after the restart');
    // kill -9: no bye; the heartbeats stop.
    await agents.get('web-b.example')!.stop('SIGKILL');
    const down = await until(() => parsed(viewer).filter((l) => l.type === 'host' && l.host === 'web-b.example')[3], 'web-b down for silence', 20_000);
    expect(down).toMatchObject({ state: 'down', reason: expect.stringMatching(/^no word from its agent/) });
    expect(hostStates(parsed(viewer), 'web-a')).toEqual(['up']);
  });

  it('the server stopped for 3 s while a storm runs: nothing lost, nothing twice', { timeout: 120_000 }, async () => {
    const storming = uniqueTag('OUTAGE');
    await server.stop();
    const stopped = Date.now();
    await storm(storming, 200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 3000 - (Date.now() - stopped)))); // the outage itself
    await server.start();
    await until(() => tagged(parsed(viewer), 'web-a', storming) >= 200, '200 execs from web-a after the outage', 60_000);
    const lines = parsed(viewer);
    expect(tagged(lines, 'web-a', storming)).toBe(200);
    expect(lines.filter((l) => l.type === 'lost' && l.host === 'web-a')).toEqual([]);
    expect(agents.get('web-a')!.stderr()).toMatch(/lost nats:\/\/.*\n.*back on nats:\/\//);
  });

  it('--since: a viewer started after the events sees them from the stream\'s history; --replay nats:// plays it all and ends', { timeout: 60_000 }, async () => {
    const late = await startCli(['--nats', server.url, '--json', '--since', '10m', '--hosts', 'web-*']);
    try {
      await until(() => tagged(parsed(late), 'web-a', tag) === 50 && tagged(parsed(late), 'web-b.example', tag) === 50, 'the history');
    } finally {
      await late.stop();
    }
    const replay = await runCli(['--replay', server.url, '--json', '--hosts', 'web-a'], { timeoutMs: 30_000 });
    expect(replay.code).toBe(0);
    const lines = replay.stdout.split('\n').slice(0, -1).map((l) => JSON.parse(l) as Line);
    expect(tagged(lines, 'web-a', tag)).toBe(50);
    expect(lines.some((l) => l.host === 'web-b.example')).toBe(false);
  });
}, { root: true });
