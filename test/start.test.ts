// dist/cli.js runs the bundle (dist/bundle/, made by `npm test`) or, with FORKTOP_NO_BUNDLE=1,
// the compiled modules: both must say the same. `--version` needs neither.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, installedCommand, runCli, runCommand } from './helpers/cli.js';

const bundled = fs.existsSync(path.join(path.dirname(CLI), 'bundle', 'main.js'));
const modules = { env: { ...process.env, FORKTOP_NO_BUNDLE: '1' } };

describe('start: the bundle and the modules', () => {
  it('--version is the package\'s, from either', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(CLI), '..', 'package.json'), 'utf8'));
    expect((await runCli(['--version'])).stdout).toBe(`${pkg.version}\n`);
    expect((await runCli(['--version'], modules)).stdout).toBe(`${pkg.version}\n`);
  });

  it.skipIf(!bundled).each([
    [['--help']],
    [['--bogus']],
    [['--source', 'nope']],
    [['--pid', 'x']],
    [['--json', '--filter', 'x']],
  ])('%j: the same output and exit status', async (args) => {
    const fromBundle = await runCli(args as string[]);
    const fromModules = await runCli(args as string[], modules);
    expect(fromBundle).toEqual(fromModules);
    expect(fromBundle.stdout + fromBundle.stderr).not.toBe('');
  });
});

describe("start: the command's first line (#!/usr/bin/env -S …)", () => {
  it('fits in the 127 bytes kernels before 5.1 read of it', () => {
    const first = fs.readFileSync(CLI).subarray(0, 200).toString('latin1').split('\n', 1)[0];
    expect(first.startsWith('#!/usr/bin/env -S ')).toBe(true);
    expect(first.length).toBeLessThanOrEqual(127);
  });

  it('keeps Node from reading NODE_EXTRA_CA_CERTS as it starts (Node warns of a missing file; forktop reads it only for tls://)', async () => {
    const missing = path.join(path.dirname(CLI), 'no-such-ca.pem');
    const [command, ...args] = installedCommand();
    const viaLine = await runCommand(command, [...args, '--version'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: missing } });
    expect(viaLine.code).toBe(0);
    expect(viaLine.stderr).toBe('');
    // The same file, Node started without the line: it reads the file, and says so.
    const plain = await runCli(['--version'], { env: { ...process.env, NODE_EXTRA_CA_CERTS: missing } });
    expect(plain.stderr).toMatch(/no-such-ca\.pem/);
  });
});
