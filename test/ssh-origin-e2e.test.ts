// Issue 16, end to end: a real ssh login (test/helpers/sshd.ts: Debian's sshd with PAM, a
// user made for the test) runs a tagged command; forktop --json shows its exec with that
// user's login uid, a fresh audit session, the login's pty and the client's address, and the
// same command via sudo inside that session keeps the login uid and session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_UNSET, type ExecEvent } from '../src/events/schema.js';
import { startCli, type RunningCli } from './helpers/cli.js';
import { uniqueTag } from './helpers/kernel.js';
import { sshdUnavailable, startSshd, type TestSshd } from './helpers/sshd.js';

const why = sshdUnavailable();
if (why) console.warn(`skipped "a real ssh login in forktop --json": ${why}`);

describe.skipIf(why !== null)('a real ssh login in forktop --json', () => {
  let sshd: TestSshd | undefined;
  let cli: RunningCli | undefined;
  beforeAll(async () => {
    sshd = await startSshd();
    cli = await startCli(['--json']);
  }, 60_000);
  afterAll(async () => {
    await cli?.stop();
    await sshd?.stop();
  }, 60_000);

  const execLine = async (argv: string[]): Promise<ExecEvent> => {
    const want = JSON.stringify(argv);
    const line = await cli!.line((l) => l.includes('"type":"exec"') && l.includes(`"argv":${want}`), 20_000);
    return JSON.parse(line) as ExecEvent;
  };

  it('a command over ssh -tt carries the login user, its session, the pty and the client address; sudo keeps the login', async () => {
    const tag = uniqueTag('ssh');
    const command = `/bin/true ${tag}-direct; ${sshd!.sudo ? `sudo -n /bin/true ${tag}-sudo; ` : ''}tty; exit 0`;
    const result = await sshd!.ssh(command);
    expect(result.code).toBe(0);
    const pts = /\/dev\/(pts\/\d+)/.exec(result.stdout)?.[1];
    expect(pts, `tty printed ${JSON.stringify(result.stdout)}`).toBeDefined();

    const direct = await execLine(['/bin/true', `${tag}-direct`]);
    expect(direct).toMatchObject({ auid: sshd!.uid, uid: sshd!.uid, tty: pts });
    expect(direct.session).toEqual(expect.any(Number));
    expect(direct.session).not.toBe(AUDIT_UNSET);
    expect(direct.env?.SSH_CONNECTION).toMatch(/^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+$/);
    expect(direct.env?.SSH_TTY).toBe(`/dev/${pts}`);

    if (!sshd!.sudo) {
      console.warn('skipped the sudo half: sudo is not installed (.ci/run installs it)');
      return;
    }
    // As root now, and the login is still the ssh user's: the audit ids survive sudo.
    const viaSudo = await execLine(['/bin/true', `${tag}-sudo`]);
    expect(viaSudo).toMatchObject({ uid: 0, auid: sshd!.uid, session: direct.session, env: { SUDO_USER: sshd!.user, SUDO_UID: String(sshd!.uid) } });
  }, 60_000);
});
