// A real NATS server with JetStream for tests (Debian's nats-server; .ci/run installs it):
// started on 127.0.0.1 on a free port with its own temporary store, so a restart (stop, then
// start) keeps the stream as a real server's restart does. stop() kills it by its pid;
// remove() deletes the store. Needs no root.
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe } from 'vitest';
import { freePort } from './ports.js';

/** The nats-server binary, or null. */
export function natsServerBinary(): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin:/usr/sbin').split(':')) {
    const file = path.join(dir || '.', 'nats-server');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return null;
}

/** describe() for suites that need nats-server (and, with `root`, root for the kernel). */
export function describeWithNats(name: string, body: () => void, { root = false } = {}): void {
  const why = !natsServerBinary()
    ? 'nats-server is not installed (apt-get install nats-server; .ci/run installs it)'
    : root && process.getuid?.() !== 0
      ? 'needs root (agents read the kernel); CI runs these as root'
      : null;
  if (why) console.warn(`skipped "${name}": ${why}`);
  describe.skipIf(why !== null)(name, body);
}


export interface TestNatsServer {
  port: number;
  url: string;
  store: string;
  /** Starts it (again, on the same port and store). */
  start(): Promise<void>;
  /** Kills it (SIGKILL: a crash, not a goodbye) and waits for it to be gone. */
  stop(): Promise<void>;
  /** stop(), then the store removed. Safe to call twice. */
  remove(): Promise<void>;
}

/** `serverArgs`: more of nats-server's options (TLS: --tls --tlscert … --tlskey …). */
export async function startNatsServer(serverArgs: string[] = []): Promise<TestNatsServer> {
  const binary = natsServerBinary();
  if (!binary) throw new Error('no nats-server');
  const port = await freePort();
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'forktop-nats-'));
  let child: ChildProcess | null = null;
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store, ...serverArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
      child = proc;
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`nats-server did not start in 10 s: ${seen.slice(-500)}`)), 10_000);
      proc.stderr!.setEncoding('utf8').on('data', (d: string) => {
        if (seen.length < 100_000) seen += d;
        if (seen.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.on('exit', () => {
        clearTimeout(timer);
        if (!seen.includes('Server is ready')) reject(new Error(`nats-server exited: ${seen.slice(-500)}`));
      });
    });
  const stop = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await gone;
  };
  await start();
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    store,
    start,
    stop,
    remove: async () => {
      await stop();
      fs.rmSync(store, { recursive: true, force: true });
    },
  };
}

/** nats-server's version, for a skip message. */
export function natsServerVersion(): string {
  try {
    return execFileSync(natsServerBinary()!, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
