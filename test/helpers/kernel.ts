// Helpers for tests that run against the real kernel. They need root (CI runs as root);
// elsewhere they are skipped with a message that says why.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe } from 'vitest';
import type { ForktopEvent } from '../../src/events/schema.js';
import { NetlinkSource, type NetlinkOptions } from '../../src/sources/netlink.js';
import type { EventSource } from '../../src/sources/source.js';
import { eventsOf, type EventBatch } from '../../src/events/packed.js';

export const isRoot = process.getuid?.() === 0;

/** describe() for suites that need root; prints why they were skipped. */
export function describeAsRoot(name: string, body: () => void): void {
  if (!isRoot) {
    console.warn(`skipped "${name}": needs root (the kernel sources); CI runs these as root`);
  }
  describe.skipIf(!isRoot)(name, body);
}

/** Since Linux 6.6 any user may listen to the proc connector. */
export function kernelAllowsUnprivilegedProcConnector(): boolean {
  const [major, minor] = os.release().split('.').map(Number);
  return major > 6 || (major === 6 && minor >= 6);
}

/** A unique tag to find our own processes among the machine's. */
export function uniqueTag(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Collects a live source's events until stopped. */
export class Capture {
  readonly events: ForktopEvent[] = [];
  /** Each batch as the source handed it on. */
  readonly batches: EventBatch[] = [];
  private waiters: Array<() => void> = [];
  private constructor(readonly source: EventSource) {}

  /** The proc connector alone. */
  static start(options: NetlinkOptions = {}): Promise<Capture> {
    return Capture.startWith(new NetlinkSource(options));
  }

  static async startWith(source: EventSource): Promise<Capture> {
    const capture = new Capture(source);
    await capture.source.start({
      onBatch: (events) => {
        capture.batches.push(events);
        capture.events.push(...eventsOf(events));
        for (const wake of capture.waiters.splice(0)) wake();
      },
      onError: (error) => {
        throw error;
      },
    });
    return capture;
  }

  /** Resolves with the first event matching, or rejects after timeoutMs. */
  async waitFor<T extends ForktopEvent>(
    match: (ev: ForktopEvent) => ev is T,
    timeoutMs?: number,
  ): Promise<T>;
  async waitFor(match: (ev: ForktopEvent) => boolean, timeoutMs?: number): Promise<ForktopEvent>;
  async waitFor(match: (ev: ForktopEvent) => boolean, timeoutMs = 5000): Promise<ForktopEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('timed out waiting for an event');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  of(pid: number): ForktopEvent[] {
    return this.events.filter((ev) => ev.type !== 'lost' && ev.type !== 'alert' && ev.type !== 'resync' && ev.type !== 'end' && ev.type !== 'host' && ev.pid === pid);
  }

  stop(): Promise<void> {
    return this.source.stop();
  }
}

/** Runs a command to completion (bounded by a timeout) and gives its pid and status. */
export function run(
  command: string,
  args: string[],
  timeoutMs = 10_000,
): Promise<{ pid: number; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(command, args, { stdio: 'ignore', timeout: timeoutMs });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ pid: child.pid!, code, signal }));
  });
}

/** A small C program a test carries, compiled once into bench/out/NAME (again when it changes). */
export function compiledProgram(name: string, source: string): string {
  const binary = path.resolve('bench/out', name);
  const file = `${binary}.c`;
  if (!fs.existsSync(binary) || !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== source) {
    fs.mkdirSync(path.dirname(binary), { recursive: true });
    fs.writeFileSync(file, source);
    execFileSync('cc', ['-O2', '-o', binary, file]);
  }
  return binary;
}

/** bench/storm.c compiled once into bench/out/storm (the bounded storm tool). */
export function stormBinary(): string {
  const binary = path.resolve('bench/out/storm');
  const source = path.resolve('bench/storm.c');
  if (!fs.existsSync(binary) || fs.statSync(binary).mtimeMs < fs.statSync(source).mtimeMs) {
    fs.mkdirSync(path.dirname(binary), { recursive: true });
    execFileSync('cc', ['-O2', '-o', binary, source]);
  }
  return binary;
}
