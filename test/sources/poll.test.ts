// The unprivileged fallback: the /proc poller, run as nobody, sees a child that lives 500 ms.
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { CLI, runCommand } from '../helpers/cli.js';
import { describeAsRoot, uniqueTag } from '../helpers/kernel.js';

describeAsRoot('poll source (/proc, as nobody)', () => {
  it('sees a process that lives 500 ms, marked inferred, with its parent and argv', async () => {
    const tag = uniqueTag('poll');
    const pending = runCommand(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, CLI, '--json', '--source', 'poll'],
      { signalAfterMs: 2500, stopWith: 'SIGINT' },
    );
    await new Promise((resolve) => setTimeout(resolve, 800));
    const child = spawn('bash', ['-c', 'sleep 0.5; true', tag], { stdio: 'ignore' });
    const result = await pending;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const events = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({ type: 'header', source: 'poll', reason: 'poll: chosen with --source poll' });
    expect(events[0].caveats.join(' ')).toMatch(/processes shorter than that are not seen/);
    const mine = events.filter((e) => e.pid === child.pid);
    expect(mine.map((e) => e.type)).toEqual(['fork', 'exec', 'exit']);
    expect(mine[0]).toMatchObject({ ppid: process.pid, inferred: true });
    expect(mine[1]).toMatchObject({ argv: ['bash', '-c', 'sleep 0.5; true', tag], inferred: true });
    expect(mine[2]).toMatchObject({ code: null, inferred: true });
    expect(mine[2].duration_ms).toBeGreaterThan(300);
  });
});
