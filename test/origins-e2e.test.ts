// Issue 16 in the live view, end to end: a real ssh login (test/helpers/sshd.ts) runs tagged
// commands; the Origins view lists `ssh USER@127.0.0.1 pts/N` with them, `origin:ssh` in the
// filter narrows the exec list to them, and the card says where one came from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTag } from './helpers/kernel.js';
import { sshdUnavailable, startSshd, type TestSshd } from './helpers/sshd.js';
import { hasTmux, TmuxSession } from './helpers/tmux.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const why = !hasTmux ? 'tmux is not installed' : sshdUnavailable();
if (why) console.warn(`skipped "a real ssh login in the live view": ${why}`);

describe.skipIf(why !== null)('a real ssh login in the live view', () => {
  let sshd: TestSshd | undefined;
  const terminal = new TmuxSession(`forktop-origins-${process.pid}`);
  beforeAll(async () => {
    sshd = await startSshd();
  }, 60_000);
  afterAll(async () => {
    terminal.kill();
    await sshd?.stop();
  }, 60_000);

  it('the Origins view lists the login with its execs; origin:ssh filters to them; the card says where one came from', async () => {
    const tag = uniqueTag('origins');
    terminal.start(`${process.execPath} ${CLI} --no-bell; sleep 30`, 160, 40);
    await terminal.waitFor(/LIVE/, 20_000);
    // Ten tagged execs in the login, then it stays a while so the login has live processes.
    const run = sshd!.ssh(`for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true ${tag}-$i; done; sleep 3; exit 0`, 30_000);
    const login = new RegExp(`ssh ${sshd!.user}@127\\.0\\.0\\.1 pts/\\d+`);

    terminal.keys('4');
    // The login's row is listed as soon as its shell's profile runs (sh, uname, env): wait for
    // the row once its loop has run, when /bin/true is what it runs most.
    const loginRow = (text: string) => text.split('\n').find((line) => login.test(line) && /true ×\d+/.test(line));
    const origins = await terminal.waitFor((text) => text.includes('EXEC/S') && loginRow(text) !== undefined, 20_000);
    const row = loginRow(origins)!;
    expect(row).toMatch(/^\s+\d+\s+[\d.]+\s+\d+\s/); // execs/s, 10 s average, live

    terminal.keys('1');
    terminal.keys('/');
    terminal.keys('-l', `origin:ssh ${tag}`);
    terminal.keys('Enter');
    const filtered = await terminal.waitFor((text) => text.includes(`${tag}-10`) && text.includes(`filter /origin:ssh ${tag}`), 20_000);
    // The ten execs of /bin/true (the login's shell, whose command line holds the loop, too).
    const rows = filtered.split('\n').filter((line) => new RegExp(`/bin/true ${tag}-\\d+\\s*$`).test(line));
    expect(rows).toHaveLength(10);
    // The ORIGIN column (from 140 columns; at 160, 30 wide: the pts may be cut off).
    for (const line of rows) expect(line).toContain(`ssh ${sshd!.user}@127.0.0`);

    // The newest: its card. Up first (a move, on the top row): Enter goes to an alert raised
    // since the last move, and another test's storm may have raised one.
    terminal.keys('k');
    terminal.keys('Enter');
    const card = await terminal.waitFor(/lineage/, 10_000);
    expect(card).toMatch(new RegExp(`origin ssh ${sshd!.user}@127\\.0\\.0\\.1 pts/\\d+  login ${sshd!.user} \\(${sshd!.uid}\\)  session \\d+  tty pts/\\d+`));
    expect(card).toMatch(/env .*SSH_CONNECTION=127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+/);
    expect((await run).code).toBe(0);
    terminal.keys('q');
  }, 90_000);
});
