// dist/cli.js runs the bundle (dist/bundle/, made by `npm test`) or, with FORKTOP_NO_BUNDLE=1,
// the compiled modules: both must say the same. `--version` needs neither.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from './helpers/cli.js';

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
