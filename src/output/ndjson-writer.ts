// --json: one JSON object per line, one write per batch. A reader that goes away
// (`forktop --json | head`) is not an error: the writer reports it once and stops writing.
import type { ForktopEvent } from '../model/events.js';

export class NdjsonWriter {
  private closed = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly onReaderGone: () => void,
  ) {
    out.on('error', (error: NodeJS.ErrnoException) => this.failed(error));
  }

  write(events: readonly ForktopEvent[]): void {
    if (this.closed || events.length === 0) return;
    let text = '';
    for (const ev of events) text += JSON.stringify(ev) + '\n';
    try {
      this.out.write(text);
    } catch (error) {
      this.failed(error as NodeJS.ErrnoException);
    }
  }

  private failed(error: NodeJS.ErrnoException): void {
    if (this.closed) return;
    this.closed = true;
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') this.onReaderGone();
    else throw error;
  }
}
