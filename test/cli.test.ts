import { describe, expect, it } from 'vitest';
import { NOT_PRIVILEGED } from '../src/sources/netlink.js';
import { CLI, expectRefused, runCli, runCommand, startCli } from './helpers/cli.js';
import { describeAsRoot, kernelAllowsUnprivilegedProcConnector, uniqueTag } from './helpers/kernel.js';

/** Linux 6.6 lets any user listen to the proc connector; before, it needs CAP_NET_ADMIN. */
describe('forktop flags', () => {
  it.each([
    [['--bogus'], /unknown flag --bogus/],
    [['--source', 'nope'], /--source must be one of/],
    [['--receive-buffer', 'lots', '--json'], /--receive-buffer wants a size/],
    [['extra'], /unexpected argument "extra"/],
    [['--force', '--json'], /--force goes with --record FILE/],
    [['--speed', '1', '--speed', '2'], /^forktop: the flag --speed can only be set once; see forktop --help$/m],
    [['--record', '--json'], /--record wants a file to create/],
    [['--ssh', 'web-1,-oProxyCommand=x', '--json'], /"-oProxyCommand=x" is not a host name/],
    [['--ssh', '@/nonexistent/hosts', '--json'], /--ssh @\/nonexistent\/hosts: no such file/],
    [['--ssh', 'web-1', '--replay', 'x'], /--ssh and --replay do not go together/],
    [['--remote-cmd', 'forktop --json'], /--remote-cmd goes with --ssh HOSTS/],
  ])('%j is refused with one line and exit 2', (args, message) => expectRefused(args as string[], message));

  it('--version and --help answer and exit 0', async () => {
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--json');
    expect(help.stdout).toContain('--force');
  });
});

describeAsRoot('forktop --json (real kernel)', () => {
  it('prints valid NDJSON and, on SIGTERM, stops and flushes with exit 0', async () => {
    const tag = uniqueTag('cli');
    const cli = await startCli(['--json']);
    await runCommand('bash', ['-c', `sleep 0.3; true ${tag}`]);
    await cli.line((line) => line.includes(tag) && line.includes('"exec"'));
    const result = await cli.stop('SIGTERM');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const events = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    // First the header: which source, and why.
    // As root, auto picks eBPF: argv copied by the kernel.
    expect(events[0]).toMatchObject({ type: 'header', schema: 3, source: 'ebpf', reason: expect.stringMatching(/^ebpf: /) });
    // Then what was running, scanned from /proc (on a busy machine an exec or two from the
    // moment of the scan may come first: events go out in kernel-time order).
    const firstSnapshot = events.findIndex((ev) => ev.type === 'snapshot');
    expect(firstSnapshot).toBeGreaterThan(0);
    const execs = events.filter((ev) => ev.type === 'exec' && ev.argv?.[2]?.includes(tag) && ev.ret === 0);
    expect(events.indexOf(execs[0])).toBeGreaterThan(firstSnapshot);
    expect(execs).toHaveLength(1); // reported by both kernel streams, printed once
    expect(execs[0]).toMatchObject({ argv: ['bash', '-c', `sleep 0.3; true ${tag}`], argv_source: 'kernel', exe: '/usr/bin/bash' });
    expect(execs[0].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('--debug-bpf prints the verifier log of each program', async () => {
    const result = await runCli(['--json', '--debug-bpf'], { signalAfterMs: 1200, stopWith: 'SIGINT' });
    expect(result.code).toBe(0);
    for (const program of ['forktop_enter', 'forktop_exit', 'forktop_exec']) expect(result.stderr).toContain(`; ${program}\n`);
    expect(result.stderr).toMatch(/processed \d+ insns/);
  });

  it('--source netlink reads argv from /proc', async () => {
    const tag = uniqueTag('cli-netlink');
    const cli = await startCli(['--json', '--source', 'netlink']);
    await runCommand('bash', ['-c', `sleep 0.3; true ${tag}`]);
    await cli.line((line) => line.includes(tag) && line.includes('"exec"'));
    const result = await cli.stop();
    expect(result.code).toBe(0);
    const events = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ type: 'header', source: 'netlink', reason: 'netlink: the kernel proc connector; chosen with --source netlink' });
    const exec = events.find((ev) => ev.type === 'exec' && ev.argv?.[2]?.includes(tag));
    expect(exec).toMatchObject({ argv: ['bash', '-c', `sleep 0.3; true ${tag}`], argv_source: 'proc' });
  });

  it.each(['SIGINT', 'SIGHUP'] as const)('exits 0 on %s', async (signal) => {
    const cli = await startCli(['--json']);
    const result = await cli.stop(signal);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.endsWith('\n')).toBe(true);
  });

  it('--json | head -1 exits 0 with one valid line, even on an idle machine', async () => {
    const result = await runCommand('bash', [
      '-c',
      `"${process.execPath}" "${CLI}" --json | head -1; echo "status=\${PIPESTATUS[0]}" >&2`,
    ]);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]).type).toBe('header');
    expect(result.stderr.trim()).toBe('status=0');
  });

  it('as nobody: listens where the kernel allows it, else one line and exit 2', async () => {
    const result = await runCommand(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, CLI, '--json'],
      { signalAfterMs: 1500, stopWith: 'SIGINT' },
    );
    if (kernelAllowsUnprivilegedProcConnector()) {
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout.split('\n')[0])).toMatchObject({
        type: 'header',
        source: 'netlink',
        reason: expect.stringContaining('eBPF is not available (eBPF needs root'),
      });
      expect(JSON.parse(result.stdout.split('\n')[1]).type).toBe('snapshot');
    } else {
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`forktop: ${NOT_PRIVILEGED}\n`);
    }
  });

  it('in a user namespace, where the kernel ignores the subscription: --source netlink says so in one line, exit 2', async () => {
    const result = await runCommand('unshare', ['--user', '--map-root-user', process.execPath, CLI, '--json', '--source', 'netlink']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/did not answer the proc connector subscription/);
    expect(result.stdout).toBe('');
  });

  it('there, auto falls back to the /proc poller and the first line says why', async () => {
    const result = await runCommand('unshare', ['--user', '--map-root-user', process.execPath, CLI, '--json'], {
      signalAfterMs: 3500,
      stopWith: 'SIGINT',
    });
    expect(result.code).toBe(0);
    const header = JSON.parse(result.stdout.split('\n')[0]);
    expect(header).toMatchObject({ type: 'header', source: 'poll' });
    expect(header.reason).toMatch(/^poll: the proc connector is not available \(.*did not answer/);
    expect(header.caveats[0]).toMatch(/polls \/proc every 100 ms/);
    expect(JSON.parse(result.stdout.split('\n')[1]).type).toBe('snapshot');
  });
});
