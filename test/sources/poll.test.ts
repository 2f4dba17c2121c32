// The unprivileged fallback: the /proc poller, run as nobody, sees a child that lives 500 ms.
// It waits for what it expects (the header, the exit line), however loaded the machine.
import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { describeAsRoot, uniqueTag } from '../helpers/kernel.js';

describeAsRoot('poll source (/proc, as nobody)', () => {
  it('sees a process that lives 500 ms, marked inferred, with its parent and argv', async () => {
    const tag = uniqueTag('poll');
    const cli = await startCli(['--json', '--source', 'poll'], 15_000, ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']);
    const child = spawn('bash', ['-c', 'sleep 0.5; true', tag], { stdio: 'ignore' });
    await new Promise((resolve) => child.on('exit', resolve));
    // Seen gone: the exit line (the poller notices within its interval, later on a loaded machine).
    await cli.line((line) => line.includes('"exit"') && line.includes(`"pid":${child.pid},`));
    const result = await cli.stop();
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

  it('sees a child that forked (running its parent\'s program) exec later, as an exec of that pid', async () => {
    const tag = uniqueTag('poll-later');
    const cli = await startCli(['--json', '--source', 'poll'], 15_000, ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups']);
    // The subshell runs bash (its parent's program) for 0.4 s, then execs sh (named by the tag).
    const child = spawn('bash', ['-c', `( sleep 0.4; exec /bin/sh -c 'sleep 0.5' ${tag} ); true`], { stdio: 'ignore' });
    const execLine = await cli.line((line) => line.includes('"exec"') && line.includes('"argv":["/bin/sh"'));
    await new Promise((resolve) => child.on('exit', resolve));
    const result = await cli.stop();
    expect(result.code).toBe(0);
    const exec = JSON.parse(execLine);
    expect(exec).toMatchObject({ argv: ['/bin/sh', '-c', 'sleep 0.5', tag], ppid: child.pid, inferred: true });
    const forks = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'fork' && e.pid === exec.pid);
    expect(forks).toHaveLength(1); // the same process: forked once, exec'd later
  });
});
