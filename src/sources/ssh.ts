// Several hosts over ssh (--ssh): on each, `ssh -T HOST sudo -n forktop --json` through the
// user's own OpenSSH (their config, agent, jump hosts and known_hosts as they are), its
// lines checked and tagged with the host by a HostStream, all of them one stream. A host that
// can't be reached, refuses sudo or drops is down with the last line ssh or the remote said,
// and is tried again with a growing pause; the others go on.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { ForktopEvent } from '../events/schema.js';
import { HOST_NAME } from '../events/validate.js';
import { monotonicNs, wallTime } from './clock.js';
import { HostStream } from './host-stream.js';
import { LineSplitter, type Line } from './replay.js';
import type { EventSource, SourceHandlers } from './source.js';

export const DEFAULT_REMOTE_COMMAND = 'sudo -n forktop --json';

export interface SshOptions {
  /** As the user names them to ssh: aliases of their config, user@host, addresses. */
  hosts: readonly string[];
  /** What runs on each host; it must print forktop's --json stream. */
  remoteCommand?: string;
  /** An ssh config file (-F) instead of the user's. */
  sshConfig?: string;
  /** Lines from a host that could not be used. */
  onWarning(message: string): void;
  /** The ssh binary (tests). */
  ssh?: string;
}

/** The pause before trying a host again: doubling from the first, up to the last. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;
/** Up this long, a host that drops is tried again at once (the first pause). */
const STEADY_MS = 30_000;
/** What a down host's reason may hold of ssh's stderr. */
const REASON_MAX = 300;

/** One host: its ssh, what it said last, when to try again. */
class HostLink {
  readonly stream: HostStream;
  child: ChildProcess | null = null;
  splitter = new LineSplitter();
  lastStderr = '';
  retryMs = RETRY_FIRST_MS;
  upSinceMs: number | null = null;
  timer: NodeJS.Timeout | null = null;
  exited: Promise<void> = Promise.resolve();

  constructor(readonly host: string, onWarning: (message: string) => void) {
    this.stream = new HostStream(host, { onWarning });
  }
}

export class SshSource implements EventSource {
  private readonly links: HostLink[];
  private handlers: SourceHandlers | null = null;
  private stopped = false;

  constructor(private readonly options: SshOptions) {
    this.links = options.hosts.map((host) => new HostLink(host, options.onWarning));
  }

  describe() {
    return {
      name: 'ssh',
      remote: true,
      caveats: ['each host\'s own forktop reads its kernel; times are put on this machine\'s clock through wall time'],
      host: this.options.hosts.length === 1 ? this.options.hosts[0] : `${this.options.hosts.length} hosts`,
    };
  }

  async start(handlers: SourceHandlers): Promise<void> {
    this.handlers = handlers;
    for (const link of this.links) this.connect(link);
  }

  /** The argv of ssh for a host: no stdin, no pty, never a password prompt. */
  sshArgs(host: string, command = this.options.remoteCommand ?? DEFAULT_REMOTE_COMMAND): string[] {
    const args = ['-T', '-n', '-o', 'BatchMode=yes', '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3'];
    if (this.options.sshConfig) args.push('-F', this.options.sshConfig);
    // `--` ends ssh's options: a host named "-oProxyCommand=…" is a host, not an option.
    args.push('--', host, command);
    return args;
  }

  /** Runs one command on a host (K's stop there) and gives what it printed (bounded). */
  run(host: string, command: string, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(this.options.ssh ?? 'ssh', this.sshArgs(host, command), { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
      let stdout = '';
      let stderr = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-65536)));
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4096)));
      child.on('error', (error) => resolve({ code: null, stdout, stderr: `ssh could not run: ${error.message}` }));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  /** The command that stops a lineage on a host: the remote command with --json turned into
   *  --stop-lineage PID --yes; null when the remote command is not forktop --json. */
  stopCommand(pid: number): string | null {
    const command = this.options.remoteCommand ?? DEFAULT_REMOTE_COMMAND;
    return /(^|\s)--json(\s|$)/.test(command) ? command.replace(/(^|\s)--json(?=\s|$)/, `$1--stop-lineage ${pid} --yes`) : null;
  }

  private connect(link: HostLink): void {
    if (this.stopped) return;
    link.timer = null;
    link.splitter = new LineSplitter();
    link.lastStderr = '';
    const child = spawn(this.options.ssh ?? 'ssh', this.sshArgs(link.host), { stdio: ['ignore', 'pipe', 'pipe'] });
    link.child = child;
    const lines: Line[] = [];
    child.stdout!.on('data', (chunk: Buffer) => {
      link.splitter.push(chunk, lines);
      this.deliver(link, lines.splice(0));
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8').split(/\r?\n/).filter((l) => l.trim()).pop();
      if (text) link.lastStderr = text.trim().slice(0, REASON_MAX);
    });
    link.exited = new Promise((resolve) => {
      child.on('error', (error) => {
        link.lastStderr = `ssh could not run: ${error.message}`;
      });
      child.on('close', (code, signal) => {
        link.child = null;
        resolve();
        this.closed(link, code, signal);
      });
    });
  }

  private deliver(link: HostLink, lines: Line[]): void {
    const out: ForktopEvent[] = [];
    for (const line of lines) {
      if (typeof line !== 'string') continue; // too long: a forktop never writes one
      link.stream.takeLine(line, out);
    }
    if (out.length === 0) return;
    if (link.upSinceMs === null && out.some((ev) => ev.type === 'host' && ev.state === 'up')) link.upSinceMs = Date.now();
    this.handlers?.onBatch(out);
  }

  private closed(link: HostLink, code: number | null, signal: NodeJS.Signals | null): void {
    const last = link.splitter.end();
    if (typeof last === 'string') this.deliver(link, [last]);
    if (this.stopped) return;
    const why = link.lastStderr || (signal ? `ssh ended by ${signal}` : `ssh exited with status ${code}`);
    const wasUp = link.upSinceMs;
    link.upSinceMs = null;
    // Up for a while, it dropped: try again soon. Never up: wait longer each time.
    link.retryMs = wasUp !== null && Date.now() - wasUp >= STEADY_MS ? RETRY_FIRST_MS : link.retryMs;
    const retryIn = link.retryMs;
    link.retryMs = Math.min(RETRY_MAX_MS, link.retryMs * 2);
    this.handlers?.onBatch(link.stream.disconnected(`${why} (retrying in ${Math.round(retryIn / 1000)} s)`));
    link.timer = setTimeout(() => this.connect(link), retryIn);
    link.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const link of this.links) {
      if (link.timer) clearTimeout(link.timer);
      link.child?.kill('SIGTERM');
    }
    const killLater = setTimeout(() => {
      for (const link of this.links) link.child?.kill('SIGKILL');
    }, 2000);
    await Promise.all(this.links.map((link) => link.exited));
    clearTimeout(killLater);
  }

  stats(): Record<string, number> {
    let events = 0;
    let badLines = 0;
    for (const link of this.links) {
      events += link.stream.events;
      badLines += link.stream.badLines;
    }
    return { hosts: this.links.length, events, badLines };
  }

  now(): [number, string] {
    return [monotonicNs(), wallTime()];
  }
}

export interface SshPlan {
  hosts: string[];
  remoteCommand?: string;
  sshConfig?: string;
}

/** --ssh's hosts and how to reach them (undefined without --ssh), or what is wrong. */
export function sshPlan(
  flags: { ssh?: string; remoteCmd?: string; sshConfig?: string },
  given: (flag: string) => boolean,
): SshPlan | string | undefined {
  const { ssh, remoteCmd: remoteCommand, sshConfig } = flags;
  if (ssh === undefined) {
    if (remoteCommand !== undefined || sshConfig !== undefined) return `--${remoteCommand !== undefined ? 'remote-cmd' : 'ssh-config'} goes with --ssh HOSTS`;
    return undefined;
  }
  for (const flag of ['replay', 'source', 'env', 'stop-lineage']) {
    if (given(flag)) return `--ssh and --${flag} do not go together${flag === 'env' ? ': add --env to --remote-cmd' : ''}`;
  }
  const hosts = parseHostList(ssh, (file) => fs.readFileSync(file, 'utf8'));
  if (typeof hosts === 'string') return hosts;
  if (remoteCommand !== undefined && !remoteCommand.trim()) return '--remote-cmd wants the command that prints forktop --json on each host';
  if (sshConfig !== undefined && !fs.existsSync(sshConfig)) return `--ssh-config ${sshConfig}: no such file`;
  return { hosts, remoteCommand, sshConfig };
}

/** `--ssh web-1,web-2` or `--ssh @FILE` (one host a line, # comments): the hosts, or what is wrong. */
export function parseHostList(text: string, readFile: (path: string) => string): string[] | string {
  let names: string[];
  if (text.startsWith('@')) {
    let content: string;
    try {
      content = readFile(text.slice(1));
    } catch (error) {
      return `--ssh ${text}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`;
    }
    names = content.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean);
  } else {
    names = text.split(',').map((name) => name.trim()).filter(Boolean);
  }
  if (names.length === 0) return '--ssh wants hosts: --ssh web-1,web-2 or --ssh @FILE (one a line)';
  if (names.length > 256) return `--ssh takes at most 256 hosts (for more, use --publish and --nats)`;
  const seen = new Set<string>();
  for (const name of names) {
    if (!HOST_NAME.test(name)) return `--ssh: "${name}" is not a host name (letters, digits, . _ - : @)`;
    if (seen.has(name)) return `--ssh: ${name} is named twice`;
    seen.add(name);
  }
  return names;
}
