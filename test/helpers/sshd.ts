// A real OpenSSH server for tests (Debian's openssh-server): started on 127.0.0.1 on a free
// port with its own host key and config (UsePAM yes, so pam_loginuid sets the login uid and
// a new audit session as for any ssh login), and a user made for the test who logs in with a
// key. Everything it makes is undone by stop(): sshd killed by its pid, the user (and home)
// removed, the sudoers rule and the temporary files gone. Needs root.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

export const SSHD = '/usr/sbin/sshd';
const SUDO = '/usr/bin/sudo';

/** Why an sshd test can't run here (to say when skipping), or null when it can. */
export function sshdUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (to run sshd and make a user); CI runs these as root';
  if (!fs.existsSync(SSHD)) return 'sshd is not installed (apt-get install openssh-server; .ci/run installs it)';
  for (const tool of ['/usr/bin/ssh', '/usr/bin/ssh-keygen', '/usr/sbin/useradd', '/usr/sbin/userdel']) {
    if (!fs.existsSync(tool)) return `${tool} is not installed`;
  }
  return null;
}

export interface SshResult {
  code: number | null;
  stdout: string;
}

export interface TestSshd {
  port: number;
  user: string;
  uid: number;
  /** Whether `sudo -n COMMAND` is allowed for the user (sudo is installed). */
  sudo: boolean;
  /** The client's private key (for an ssh config of the test's own). */
  clientKey: string;
  /** Writes an ssh config where each alias reaches this sshd as `user` (default the test
   *  user), with the client key and no known_hosts; returns its path. */
  clientConfig(aliases: Record<string, string | undefined>): string;
  /** Runs COMMAND over `ssh -tt` (a pty, as a person's login gets) as the test user. */
  ssh(command: string, timeoutMs?: number): Promise<SshResult>;
  /** Kills sshd, removes the user, the sudoers rule and the files; safe to call twice. */
  stop(): Promise<void>;
}


/** Resolves once `text` shows in what the child wrote to stderr; rejects on its exit or the timeout. */
function waitForStderr(child: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`sshd did not start in ${timeoutMs} ms: ${seen.trim()}`)), timeoutMs);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      seen += d;
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited (${code}): ${seen.trim()}`));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts sshd and makes its user. On any failure what was made so far is undone. */
export async function startSshd(options: { sudoCommand?: string } = {}): Promise<TestSshd> {
  const user = `ftssh${process.pid}${Math.random().toString(36).slice(2, 6)}`.slice(0, 30);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forktop-sshd-'));
  const undo: Array<() => void | Promise<void>> = [() => fs.rmSync(dir, { recursive: true, force: true })];
  let sshd: ChildProcess | undefined;
  const stop = async () => {
    for (const step of undo.splice(0).reverse()) {
      try {
        await step();
      } catch {
        // the other steps still run
      }
    }
  };
  try {
    fs.chmodSync(dir, 0o755); // the user reads authorized_keys here (sshd reads it as them)
    execFileSync('/usr/sbin/useradd', ['--create-home', '--shell', '/bin/sh', '--comment', 'forktop test', user], { stdio: 'ignore' });
    undo.push(() => removeUser(user));
    // No password at all ('*'), not a locked one ('!'): key logins only.
    execFileSync('/usr/sbin/usermod', ['-p', '*', user], { stdio: 'ignore' });
    const uid = Number(execFileSync('/usr/bin/id', ['-u', user], { encoding: 'utf8' }).trim());
    const key = path.join(dir, 'client_key');
    for (const file of [path.join(dir, 'host_key'), key]) {
      execFileSync('/usr/bin/ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], { stdio: 'ignore' });
    }
    fs.copyFileSync(`${key}.pub`, path.join(dir, 'authorized_keys'));
    fs.chmodSync(path.join(dir, 'authorized_keys'), 0o644);
    // sshd's privilege separation directory (the package's unit makes it at boot).
    if (!fs.existsSync('/run/sshd')) {
      fs.mkdirSync('/run/sshd', { mode: 0o755 });
      undo.push(() => fs.rmSync('/run/sshd', { recursive: true, force: true }));
    }
    const sudo = fs.existsSync(SUDO) && fs.existsSync('/etc/sudoers.d');
    if (sudo) {
      const rule = `/etc/sudoers.d/forktop-test-${user}`;
      fs.writeFileSync(rule, `${user} ALL=(root) NOPASSWD: ${options.sudoCommand ?? '/bin/true'}\n`, { mode: 0o440, flag: 'wx' });
      undo.push(() => fs.rmSync(rule, { force: true }));
    }
    const port = await freePort();
    const config = path.join(dir, 'sshd_config');
    fs.writeFileSync(config, [
      `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${dir}/host_key`, `PidFile ${dir}/sshd.pid`,
      `AuthorizedKeysFile ${dir}/authorized_keys`, 'StrictModes no', 'UsePAM yes', 'PubkeyAuthentication yes',
      'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PermitRootLogin no', `AllowUsers ${user}`,
      'PrintMotd no', 'PrintLastLog no', 'MaxStartups 10', 'LoginGraceTime 20', '',
    ].join('\n'));
    sshd = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    const child = sshd;
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    undo.push(async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(5000)]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      }
    });
    await waitForStderr(sshd, 'Server listening on 127.0.0.1', 15_000);
    return {
      port, user, uid, sudo, stop, clientKey: key,
      clientConfig: (aliases) => {
        const file = path.join(dir, `ssh_config_${Object.keys(aliases).join('_')}`);
        fs.writeFileSync(file, Object.entries(aliases).map(([alias, as]) => [
          `Host ${alias}`, '  HostName 127.0.0.1', `  Port ${port}`, `  User ${as ?? user}`, `  IdentityFile ${key}`,
          '  IdentitiesOnly yes', '  StrictHostKeyChecking no', '  UserKnownHostsFile /dev/null', '  LogLevel ERROR', '',
        ].join('\n')).join('\n'));
        return file;
      },
      ssh: (command, timeoutMs = 20_000) => new Promise((resolve, reject) => {
        const client = spawn('/usr/bin/ssh', [
          '-tt', '-i', key, '-p', String(port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no',
          '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', `${user}@127.0.0.1`, command,
        ], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir } });
        let stdout = '';
        client.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        client.stderr!.resume();
        client.on('error', reject);
        client.on('close', (code) => resolve({ code, stdout }));
      }),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Removes the test user and its home. A session's last processes may still be ending (the
 *  connection just closed): userdel refuses while the user runs any, so it is tried a while. */
async function removeUser(user: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; ; ) {
    try {
      execFileSync('/usr/sbin/userdel', ['--remove', user], { stdio: 'ignore' });
      return;
    } catch (error) {
      if (Date.now() > deadline) {
        execFileSync('/usr/sbin/userdel', ['--force', '--remove', user], { stdio: 'ignore' });
        return;
      }
      await sleep(100);
    }
  }
}
