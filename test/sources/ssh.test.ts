import { describe, expect, it } from 'vitest';
import { parseHostList, SshSource } from '../../src/sources/ssh.js';
import { parseReport } from '../../src/stop/remote.js';

const source = (remoteCommand?: string) => new SshSource({ hosts: ['web-1'], remoteCommand, onWarning: () => {} });

describe('--ssh: hosts, the ssh command, a remote stop', () => {
  it('reads hosts from the flag or a file (# comments), and refuses what is not a host name', () => {
    expect(parseHostList('web-1, web-2,db-1', () => '')).toEqual(['web-1', 'web-2', 'db-1']);
    expect(parseHostList('@hosts', () => '# fleet\nweb-1\n\n  admin@db-1  # primary\n')).toEqual(['web-1', 'admin@db-1']);
    expect(parseHostList('@nope', () => { throw Object.assign(new Error('x'), { code: 'ENOENT' }); })).toBe('--ssh @nope: no such file');
    expect(parseHostList('-oProxyCommand=touch /tmp/x', () => '')).toMatch(/is not a host name/);
    expect(parseHostList('a,a', () => '')).toBe('--ssh: a is named twice');
    expect(parseHostList(' , ', () => '')).toMatch(/wants hosts/);
  });

  it('runs ssh without a pty, stdin or a password prompt, the host after --', () => {
    const args = source().sshArgs('web-1');
    expect(args.slice(0, 2)).toEqual(['-T', '-n']);
    expect(args).toContain('BatchMode=yes');
    expect(args.slice(-3)).toEqual(['--', 'web-1', 'sudo -n forktop --json']);
  });

  it("K's command on a host is the remote command with --json turned into --stop-lineage PID --yes", () => {
    expect(source().stopCommand(42)).toBe('sudo -n forktop --stop-lineage 42 --yes');
    expect(source('sudo -n /opt/forktop --json --source netlink').stopCommand(7)).toBe('sudo -n /opt/forktop --stop-lineage 7 --yes --source netlink');
    expect(source('cat /var/log/forktop.ndjson').stopCommand(7)).toBeNull();
  });

  it("a host's stop report is checked before it is shown", () => {
    const good = { type: 'stop', root: 42, command: 'b', stopped: 10, killed: 10, survivors: [], denied: 0, passes: 3, ms: 700 };
    expect(parseReport(`noise\n${JSON.stringify(good)}\n`)).toMatchObject({ root: 42, stopped: 10 });
    expect(parseReport(JSON.stringify({ ...good, stopped: -1 }))).toBeNull();
    expect(parseReport(JSON.stringify({ ...good, survivors: ['x'] }))).toBeNull();
    expect(parseReport('sudo: a password is required')).toBeNull();
  });
});
