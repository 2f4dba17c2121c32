// Issue 18, over ssh: one forktop watching two hosts through a real sshd (test/helpers/sshd.ts:
// Debian's OpenSSH on 127.0.0.1, a user made for the test, sudo allowed for exactly forktop
// --json). Two aliases of it are two hosts; a third alias logs in as root, which this sshd
// refuses. Both hosts' execs arrive tagged with their host, the refused one is down with
// ssh's reason, and a host whose ssh drops comes back by itself, after a rescan.
import { execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecEvent, ForktopEvent, HostEvent } from '../src/events/schema.js';
import { Model } from '../src/model/model.js';
import { SshSource } from '../src/sources/ssh.js';
import { remoteStopControl } from '../src/stop/remote.js';
import { CLI, startCli, type RunningCli } from './helpers/cli.js';
import { uniqueTag } from './helpers/kernel.js';
import { sshdUnavailable, startSshd, type TestSshd } from './helpers/sshd.js';

const why = sshdUnavailable() ?? (hasSudo() ? null : 'sudo is not installed (.ci/run installs it)');
if (why) console.warn(`skipped "forktop --ssh": ${why}`);

function hasSudo(): boolean {
  try {
    execFileSync('/usr/bin/sudo', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const REMOTE = `${process.execPath} ${CLI} --json`;
/** What K runs on a host: sudo allows exactly these two. */
const REMOTE_STOP = `${process.execPath} ${CLI} --stop-lineage * --yes`;

describe.skipIf(why !== null)('forktop --ssh: two hosts over a real sshd, and one that refuses', () => {
  let sshd: TestSshd | undefined;
  let cli: RunningCli | undefined;
  let config = '';
  beforeAll(async () => {
    sshd = await startSshd({ sudoCommand: `${REMOTE}, ${REMOTE_STOP}` });
    config = sshd.clientConfig({ 'web-1': undefined, 'web-2': undefined, refuses: 'root' });
    cli = await startCli(['--ssh', 'web-1,web-2,refuses', '--ssh-config', config, '--remote-cmd', `sudo -n ${REMOTE}`, '--json']);
  }, 60_000);
  afterAll(async () => {
    await cli?.stop();
    await sshd?.stop();
  }, 60_000);

  const events = (): ForktopEvent[] =>
    cli!.stdout().split('\n').slice(1, -1).map((line) => JSON.parse(line) as ForktopEvent);
  const hostEvent = (host: string, state: HostEvent['state'], after = 0) =>
    cli!.line((l) => l.includes('"type":"host"') && l.includes(`"host":"${host}"`) && l.includes(`"state":"${state}"`) && events().filter((e) => e.type === 'host' && e.host === host && e.state === state).length > after, 30_000);

  it('both hosts come up and their execs carry their host; the refused host is down with why, retried', async () => {
    const header = JSON.parse(cli!.stdout().split('\n')[0]);
    expect(header).toMatchObject({ type: 'header', source: 'ssh', host: '3 hosts' });
    await hostEvent('web-1', 'up');
    await hostEvent('web-2', 'up');
    const refused = JSON.parse(await hostEvent('refuses', 'down')) as HostEvent;
    expect(refused.reason).toMatch(/Permission denied/);
    expect(refused.reason).toMatch(/retrying in \d+ s/);

    // The same machine twice: one exec, seen once by each host's forktop.
    const tag = uniqueTag('hosts');
    for (let tries = 0; ; tries++) {
      execFileSync('/bin/true', [tag]);
      const seen = events().filter((e): e is ExecEvent => e.type === 'exec' && e.argv?.[1] === tag);
      const hosts = new Set(seen.map((e) => e.host));
      if (hosts.has('web-1') && hosts.has('web-2')) break;
      if (tries > 100) throw new Error(`the tagged exec came from ${[...hosts].join(', ') || 'no host'}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Every event of a host carries it, and pids are the host's own.
    const tagged = events().filter((e): e is ExecEvent => e.type === 'exec' && e.argv?.[1] === tag);
    const pidsOn = (host: string) => new Set(tagged.filter((e) => e.host === host).map((e) => e.pid));
    expect([...pidsOn('web-1')].some((pid) => pidsOn('web-2').has(pid))).toBe(true);
    expect(events().every((e) => e.type === 'alert' || typeof e.host === 'string')).toBe(true);
    // Tried again, later each time.
    await hostEvent('refuses', 'down', 1);
  }, 120_000);

  it('a host whose connection drops is down with the reason, then back by itself after a rescan', async () => {
    const downsBefore = events().filter((e) => e.type === 'host' && e.host === 'web-2' && e.state === 'down').length;
    const upsBefore = events().filter((e) => e.type === 'host' && e.host === 'web-2' && e.state === 'up').length;
    // The viewer's ssh to web-2 (its own child), killed as a dropped link would end it.
    const ssh = execFileSync('/usr/bin/pgrep', ['-P', String(cli!.pid), '-f', ' web-2 sudo '], { encoding: 'utf8' }).trim().split('\n')[0];
    expect(ssh).toMatch(/^\d+$/);
    process.kill(Number(ssh), 'SIGKILL');
    await hostEvent('web-2', 'down', downsBefore);
    const down = events().filter((e): e is HostEvent => e.type === 'host' && e.host === 'web-2' && e.state === 'down').pop()!;
    expect(down.reason).toMatch(/ssh (ended by SIGKILL|exited)/);
    await hostEvent('web-2', 'up', upsBefore);
    // The new connection's snapshot is a rescan of web-2 only, ended by its resync event.
    const resync = await cli!.line((l) => l.includes('"type":"resync"') && l.includes('"host":"web-2"'), 30_000);
    expect(JSON.parse(resync)).toMatchObject({ type: 'resync', host: 'web-2', count: expect.any(Number) });
    expect(JSON.parse(resync).count).toBeGreaterThan(10);
    // web-1 went on meanwhile: never down.
    expect(events().some((e) => e.type === 'host' && e.host === 'web-1' && e.state === 'down')).toBe(false);
  }, 120_000);

  it("K on a host's process: its forktop --stop-lineage runs there over ssh, and its report comes back", async () => {
    const tag = uniqueTag('remote-stop');
    // Not detached: a session leader is never a lineage's root (stop protection).
    const victim = spawn('/bin/sh', ['-c', `/bin/sleep 120; : ${tag}`], { stdio: 'ignore' });
    const gone = new Promise<void>((resolve) => victim.on('exit', () => resolve()));
    try {
      // Its own sleep (its pid the parent's): another run's victim may be asleep too.
      await cli!.line((l) => l.includes('"host":"web-1"') && l.includes('"type":"exec"') && l.includes(`"ppid":${victim.pid},`) && l.includes('"/bin/sleep","120"'), 30_000);
      const model = new Model();
      model.apply(events().filter((e) => e.host === 'web-1'));
      const key = model.hosts.keyOf('web-1', victim.pid!)!;
      const node = model.byPid.get(key)!;
      expect(node.argv).toEqual(['/bin/sh', '-c', `/bin/sleep 120; : ${tag}`]);
      const ssh = new SshSource({ hosts: ['web-1'], sshConfig: config, remoteCommand: `sudo -n ${REMOTE}`, onWarning: () => {} });
      const control = remoteStopControl(model, (host, command) => ssh.run(host, command), (pid) => ssh.stopCommand(pid)!);
      const plan = control.plan(node.id, false);
      expect(plan).toMatchObject({ host: 'web-1', root: { pid: victim.pid }, runs: [`sudo -n ${process.execPath} ${CLI} --stop-lineage ${victim.pid} --yes`] });
      if ('refused' in plan) throw new Error(plan.refused);
      const report = await control.run(plan, () => {});
      expect(report).toMatchObject({ host: 'web-1', root: victim.pid, survivors: [], denied: 0 });
      expect(report.killed).toBeGreaterThanOrEqual(2); // sh and its sleep
      await gone;
    } finally {
      victim.kill('SIGKILL');
    }
  }, 120_000);
});
