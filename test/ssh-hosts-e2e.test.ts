// Issue 18, over ssh: one forktop watching two hosts through a real sshd (test/helpers/sshd.ts:
// Debian's OpenSSH on 127.0.0.1, a user made for the test, sudo allowed for exactly forktop
// --json). Two aliases of it are two hosts; a third alias logs in as root, which this sshd
// refuses. Both hosts' execs arrive tagged with their host, the refused one is down with
// ssh's reason, and a host whose ssh drops comes back by itself, after a rescan.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecEvent, ForktopEvent, HostEvent } from '../src/events/schema.js';
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

describe.skipIf(why !== null)('forktop --ssh: two hosts over a real sshd, and one that refuses', () => {
  let sshd: TestSshd | undefined;
  let cli: RunningCli | undefined;
  beforeAll(async () => {
    sshd = await startSshd({ sudoCommand: REMOTE });
    const config = sshd.clientConfig({ 'web-1': undefined, 'web-2': undefined, refuses: 'root' });
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
    expect(tagged.every((e) => e.pid === tagged[0].pid)).toBe(true);
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
});
