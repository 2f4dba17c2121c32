// As an attacker on a shared server would try it: an unprivileged user's process names itself
// with an OSC title sequence, carries an OSC 52 clipboard write in its argv and runs in a
// directory named with them, and forks fast enough to raise a fork-storm alert on root's
// screen. Nothing of it may act on the terminal: the pane's title and tmux's paste buffers
// stay as they were, in the exec list, the alert bar and the inspect card.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { CLI } from './helpers/cli.js';
import { describeAsRoot, uniqueTag } from './helpers/kernel.js';
import { hasTmux, tmux, TmuxSession } from './helpers/tmux.js';

const TITLE = '\x1b]0;PWN\x07';
const CLIPBOARD = '\x1b]52;c;UFdO\x07'; // "PWN"
const C1_TITLE = '\u009d0;PWN2\u009c'; // an OSC as one C1 code, for terminals that take them

const session = `forktop-hostile-${process.pid}`;
const terminal = new TmuxSession(session);
const dir = `/tmp/${session}-${TITLE}`;

describeAsRoot('text a process controls, in a real terminal', () => {
  afterAll(() => {
    terminal.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasTmux)('changes neither the pane title nor the clipboard, and shows escaped', async () => {
    const tag = uniqueTag('hostile');
    fs.mkdirSync(dir, { mode: 0o777 });
    fs.chmodSync(dir, 0o777);
    // Filtered to the tag: other tests' storms beside this one must not scroll its rows away.
    terminal.start(`${process.execPath} ${CLI} --filter ${tag}; sleep 30`, 120, 40);
    // Accept applications' clipboard writes, as a terminal that allows them would.
    tmux(session, 'set-option', '-g', 'set-clipboard', 'on');
    await terminal.waitFor(/LIVE/);
    const titleBefore = tmux(session, 'display', '-p', '-t', session, '#{pane_title}');
    const buffersBefore = tmux(session, 'list-buffers');

    // nobody's shell: names itself, then spawns 1,500 short children as fast as it can
    // (a fork storm), each with the sequences in its argv. Bounded by the count and by an alarm.
    const script = [
      `printf '${TITLE.replace('\x1b', '\\033').replace('\x07', '\\007')}' > /proc/self/comm`,
      `arg=$(printf '${CLIPBOARD.replace('\x1b', '\\033').replace('\x07', '\\007')}${C1_TITLE}')`,
      `for i in $(seq 1500); do /bin/true "$arg" ${tag}; done`,
    ].join('; ');
    const storm = spawn('timeout', ['20', 'setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', 'bash', '-c', script], {
      cwd: dir, stdio: 'ignore',
    });
    try {
      // The bar shows the worst alert up: the storm's, its comm escaped, unless another
      // test's bomb or storm runs beside this one and comes first (the bar says "+1 more").
      const rowsShown = (text: string) => text.split('\n').some((line) => line.includes('/bin/true') && line.includes(tag));
      const screen = await terminal.waitFor((text) => rowsShown(text) && (
        (text.includes('FORK STORM') && text.includes('\\x1b]0;PWN\\x07')) || /! FORK .*\+\d+ more/.test(text)), 15_000);
      if (!/! FORK .*\+\d+ more/.test(screen)) expect(screen).toContain('\\x1b]0;PWN\\x07');
      // The storm's root, from one of its rows: Enter on the row (k: a move, so Enter means
      // the row, not the alert), then p for its spawner. Its card has its cwd and its comm.
      terminal.keys('k');
      terminal.keys('Enter');
      await terminal.waitFor(/lineage/);
      terminal.keys('p');
      const card = await terminal.waitFor((text) => text.includes(`cwd /tmp/${session}-`) && /comm +\\x1b\]0;PWN\\x07/.test(text));
      expect(card).toContain(`cwd /tmp/${session}-\\x1b]0;PWN\\x07`);
      terminal.keys('Escape');
      terminal.keys('Escape');
      await terminal.waitFor(/TIME/);
    } finally {
      storm.kill('SIGKILL');
    }
    await new Promise((resolve) => storm.once('close', resolve));
    expect(tmux(session, 'display', '-p', '-t', session, '#{pane_title}')).toBe(titleBefore);
    expect(tmux(session, 'list-buffers')).toBe(buffersBefore);
    const screen = terminal.screen();
    expect(screen).toContain('\\x1b]52;c;UFdO\\x07\\x9d0;PWN2\\x9c');
  });
});
