// --json: one JSON object per line, one write per batch. A reader that goes away
// (`forktop --json | head`) is not an error: the writer reports it once and stops writing.
import fs from 'node:fs';
import { jsonLine, ndjsonBytes } from '../events/json.js';
import { PackedBatch, type EventBatch } from '../events/packed.js';
import { loadAddon, type NativeHangupWatch } from '../sources/addon.js';
import { SourceUnavailableError } from '../sources/source.js';

export class NdjsonWriter {
  private closed = false;
  private hangupWatch?: NativeHangupWatch;

  constructor(
    private readonly out: NodeJS.WritableStream & { fd?: number },
    private readonly onReaderGone: () => void,
  ) {
    out.on('error', (error: NodeJS.ErrnoException) => this.failed(error));
    if (typeof out.fd === 'number') {
      const stat = fs.fstatSync(out.fd);
      if (stat.isFIFO() || stat.isSocket()) {
        try {
          this.hangupWatch = new (loadAddon().HangupWatch)(out.fd, () => this.readerGone());
        } catch (error) {
          // No addon here: the source, which needs it too, says why in one line. A replay
          // still notices the reader gone, at its next write (EPIPE).
          if (!(error instanceof SourceUnavailableError)) throw error;
        }
      }
    }
  }

  close(): void {
    this.hangupWatch?.stop();
    this.hangupWatch = undefined;
  }

  /** Resolves once what was written has left the process (a pipe may hold it back). */
  drained(): Promise<void> {
    const out = this.out as NodeJS.WritableStream & { writableLength?: number };
    if (this.closed || !out.writableLength) return Promise.resolve();
    return new Promise((resolve) => {
      out.once('drain', () => resolve());
      out.once('error', () => resolve());
    });
  }

  /** One object as one line (the header). */
  writeLine(value: unknown): void {
    if (this.closed) return;
    try {
      this.out.write(jsonLine(value));
    } catch (error) {
      this.failed(error as NodeJS.ErrnoException);
    }
  }

  write(events: EventBatch): void {
    if (this.closed || events.length === 0) return;
    const bytes = events instanceof PackedBatch ? (events.lines() ?? ndjsonBytes(events.events())) : ndjsonBytes(events);
    try {
      this.out.write(bytes);
    } catch (error) {
      this.failed(error as NodeJS.ErrnoException);
    }
  }

  private readerGone(): void {
    if (this.closed) return;
    this.closed = true;
    this.onReaderGone();
  }

  private failed(error: NodeJS.ErrnoException): void {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') this.readerGone();
    else if (!this.closed) throw error;
  }
}
