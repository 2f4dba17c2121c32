// --record FILE: the --json stream with a header line first, written as events arrive and
// flushed at least every second, so a crash, kill -9 or a full disk loses at most the last
// second and the file stays valid NDJSON (a torn last line is skipped on replay).
import fs from 'node:fs';
import type { RecordingHeader } from '../events/header.js';
import { jsonLine, jsonLines } from '../events/json.js';
import type { ForktopEvent } from '../events/schema.js';

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
    this.buffer = jsonLine(header) + this.buffer;
    this.begun = true;
    this.flush();
  }

  write(events: readonly ForktopEvent[]): void {
    if (this.failed) return;
    this.buffer += jsonLines(events, (ev) => (ev as ForktopEvent).type !== 'alert');
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
