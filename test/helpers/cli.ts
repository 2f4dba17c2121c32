// Runs the built CLI (dist/cli.js, which `npm test` builds first) as a child process.
import { spawn, type SpawnOptions } from 'node:child_process';
import { expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts a command; `stop(signal)` after `ms`, and a hard timeout so no test hangs. */
export function runCommand(
  command: string,
  args: string[],
  { signalAfterMs, stopWith = 'SIGINT', timeoutMs = 15_000, ...options }: SpawnOptions & {
    signalAfterMs?: number;
    stopWith?: NodeJS.Signals;
    timeoutMs?: number;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timers = [setTimeout(() => child.kill('SIGKILL'), timeoutMs)];
    if (signalAfterMs !== undefined) timers.push(setTimeout(() => child.kill(stopWith), signalAfterMs));
    child.on('error', reject);
    child.on('close', (code, sig) => {
      timers.forEach(clearTimeout);
      resolve({ code, signal: sig, stdout, stderr });
    });
  });
}

/** The CLI as its installed `forktop` command runs it: by its first line (`#!/usr/bin/env -S
 *  … node FLAGS`), as the kernel does, which `node dist/cli.js` skips. */
export function installedCommand(): string[] {
  const first = fs.readFileSync(CLI, 'utf8').split('\n', 1)[0];
  const match = /^#!(\S+) (.*)$/.exec(first);
  if (!match) throw new Error(`${CLI} has no #! line`);
  return [match[1], match[2], CLI];
}

export function runCli(args: string[], options: Parameters<typeof runCommand>[2] = {}): Promise<CliResult> {
  return runCommand(process.execPath, [CLI, ...args], options);
}

export interface RunningCli {
  pid: number;
  stdout(): string;
  /** Resolves once stdout has a line `has` accepts (it waits for what it expects, however
   *  loaded the machine); rejects after timeoutMs. */
  line(has: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** SIGINT (or the signal given), then the whole result. */
  stop(signal?: NodeJS.Signals): Promise<CliResult>;
}

/** Starts the CLI (through `through`, if given) and resolves once it printed its first line
 *  (it is listening). */
export function startCli(args: string[], timeoutMs = 15_000, through: string[] = []): Promise<RunningCli> {
  // `through`: a command that runs it (setpriv to run it as another user).
  return startCommand([...through, process.execPath, CLI, ...args], timeoutMs);
}

/** Starts a forktop however it is run (an installed one, the executable, through a wrapper)
 *  and resolves once it printed its first line. */
export function startCommand(argv: string[], timeoutMs = 15_000, options: SpawnOptions = {}): Promise<RunningCli> {
  return new Promise((resolve, reject) => {
    const [command, ...rest] = argv;
    const child = spawn(command, rest, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = false;
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 30_000);
    const closed = new Promise<CliResult>((done) =>
      child.on('close', (code, signal) => {
        clearTimeout(killer);
        done({ code, signal, stdout, stderr });
      }),
    );
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (!started && stdout.includes('\n')) {
        started = true;
        resolve({
          pid: child.pid!,
          stdout: () => stdout,
          line: async (has, waitMs = 15_000) => {
            for (const deadline = Date.now() + waitMs; ; ) {
              const line = stdout.split('\n').slice(0, -1).find(has);
              if (line !== undefined) return line;
              if (Date.now() > deadline) throw new Error(`no such line in forktop's output after ${waitMs} ms`);
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          },
          stop: (signal = 'SIGINT') => {
            child.kill(signal);
            return closed;
          },
        });
      }
    });
    child.on('error', reject);
    setTimeout(() => {
      if (!started) reject(new Error(`forktop did not start: ${stderr}`));
    }, timeoutMs);
  });
}

/** A command line forktop refuses: one line on stderr, exit 2, nothing on stdout. */
export async function expectRefused(args: string[], message: RegExp): Promise<void> {
  const result = await runCli(args);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  expect(result.stdout).toBe('');
}
