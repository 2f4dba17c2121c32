// The model's alerts from the real kernel: a bounded fork bomb raises fork-bomb naming its
// root; a make -j8 build raises nothing; one process spawning fast is a storm, not a bomb.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import type { AlertEvent } from '../src/events/schema.js';
import { startCli } from './helpers/cli.js';
import { describeAsRoot, run, stormBinary } from './helpers/kernel.js';
import { withBombLock } from './helpers/bomb-lock.js';

let storm = '';

function alertsIn(stdout: string): AlertEvent[] {
  return stdout.split('\n').filter((l) => l.includes('"type":"alert"')).map((l) => JSON.parse(l));
}

describeAsRoot('forktop --json alerts (real kernel, bounded storms)', () => {
  beforeAll(() => {
    storm = stormBinary();
  });

  it('a bounded fork bomb (2,047 processes, parents exit at once) raises fork-bomb naming its root', () => withBombLock(async () => {
    const cli = await startCli(['--json']);
    // Every member forks two and exits; each has alarm(30) as a safety net; the root reaps all.
    const bomb = spawn(storm, ['tree', '10'], { stdio: 'ignore' });
    await new Promise((resolve) => bomb.on('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const result = await cli.stop();
    // Only the bomb's: other work on a loaded machine may raise alerts of its own.
    const alerts = alertsIn(result.stdout).filter((a) => a.root === bomb.pid);
    const raised = alerts.filter((a) => a.state === 'raised');
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatchObject({ kind: 'fork-bomb', root: bomb.pid, comm: 'storm' });
    expect(raised[0].generations).toBeGreaterThanOrEqual(5);
    // Cleared once no member is left (the root reaped them all), saying so.
    expect(alerts.filter((a) => a.state === 'cleared')).toEqual([expect.objectContaining({ kind: 'fork-bomb', live: 0 })]);
  }), 180_000); // with time to wait for the bomb lock

  it('a make -j8 build raises no alert', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forktop-make-'));
    const targets = Array.from({ length: 48 }, (_, i) => `t${i}`);
    fs.writeFileSync(
      path.join(dir, 'Makefile'),
      `all: ${targets.join(' ')}\n` + targets.map((t) => `${t}:\n\t@sh -c 'sleep 0.05; echo ${t} > /dev/null'\n`).join(''),
    );
    try {
      const cli = await startCli(['--json']);
      const make = await run('make', ['-j8', '-C', dir], 60_000);
      expect(make.code).toBe(0);
      const result = await cli.stop();
      expect(result.stdout).toContain('"make"');
      // Only alerts about the build: a loaded machine (CI) may run storms of its own.
      const events = result.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      const build = new Set<number>(events.filter((ev) => ev.type === 'exec' && ev.argv?.[0] === 'make' && ev.argv.includes(dir)).map((ev) => ev.pid));
      for (const ev of events) if (ev.type === 'fork' && build.has(ev.ppid)) build.add(ev.pid);
      expect(build.size).toBeGreaterThan(1);
      expect(alertsIn(result.stdout).filter((a) => build.has(a.root))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('one process spawning 2,000 execs as fast as it can is a fork storm, not a bomb', async () => {
    const cli = await startCli(['--json']);
    const loop = spawn(storm, ['exec', '2000', '4', 'stormtest'], { stdio: 'ignore' });
    await new Promise((resolve) => loop.on('exit', resolve));
    const result = await cli.stop();
    const alerts = alertsIn(result.stdout);
    // Only ours: other work on a loaded machine (a build, another test) may raise its own.
    const ours = alerts.filter((a) => a.root === loop.pid);
    expect(ours.filter((a) => a.state === 'raised').map((a) => [a.kind, a.root]), JSON.stringify(alerts)).toEqual([['fork-storm', loop.pid]]);
  });
});
