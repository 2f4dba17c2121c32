// --record FILE: the --json stream with a header line first, written as events arrive and
// flushed at least every second, so a crash, kill -9 or a full disk loses at most the last
// second and the file stays valid NDJSON (a torn last line is skipped on replay).
import fs from 'node:fs';
import os from 'node:os';
import type { ForktopEvent } from '../model/events.js';

export const SCHEMA_VERSION = 1;

export interface RecordingHeader {
  type: 'header';
  forktop: string;
  schema: number;
  host: string;
  kernel: string;
  source: string;
  /** Why this source: what was picked, and why not a better one. */
  reason: string;
  /** What the source cannot see. */
  caveats: string[];
  start: string;
}

export function makeHeader(version: string, source: string, reason: string, caveats: string[], host = os.hostname()): RecordingHeader {
  return {
    type: 'header', forktop: version, schema: SCHEMA_VERSION, host, kernel: os.release(), source, reason, caveats,
    start: new Date().toISOString(),
  };
}

export function isRecordingHeader(value: unknown): value is RecordingHeader {
  return !!value && typeof value === 'object' && (value as { type?: unknown }).type === 'header' &&
    typeof (value as { schema?: unknown }).schema === 'number';
}

const FLUSH_MS = 1000;
const FLUSH_BYTES = 1 << 20;

export class Recorder {
  private readonly fd: number;
  private buffer = '';
  private lastFlush = Date.now();
  private failed = false;
  private readonly timer: NodeJS.Timeout;

  private begun = false;

  /** Opens (truncates) the file; throws with a message for the user when it can't. */
  constructor(
    readonly path: string,
    private readonly onFailure: (message: string) => void,
  ) {
    try {
      this.fd = fs.openSync(path, 'w');
    } catch (error) {
      throw new Error(`cannot record to ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    this.timer = setInterval(() => this.flush(), FLUSH_MS).unref();
  }

  /** The header goes first, once the source is known; events written before wait for it. */
  begin(header: RecordingHeader): void {
    this.buffer = JSON.stringify(header) + '\n' + this.buffer;
    this.begun = true;
    this.flush();
  }

  write(events: readonly ForktopEvent[]): void {
    if (this.failed) return;
    for (const ev of events) if (ev.type !== 'alert') this.buffer += JSON.stringify(ev) + '\n';
    if (this.buffer.length >= FLUSH_BYTES || Date.now() - this.lastFlush >= FLUSH_MS) this.flush();
  }

  flush(): void {
    this.lastFlush = Date.now();
    if (this.failed || !this.buffer || !this.begun) return;
    try {
      fs.writeSync(this.fd, this.buffer);
      this.buffer = '';
    } catch (error) {
      this.failed = true;
      this.buffer = '';
      this.onFailure(`recording to ${this.path} stopped: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}
