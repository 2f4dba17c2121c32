// Replays a recording (or any --json stream) from a file or stdin into the same model and
// views: `ssh host sudo forktop --json | forktop --replay -` watches another machine.
//
// Its input is not trusted: every line is checked (src/events/validate.ts) before the
// model sees it, no line is held whole past MAX_LINE_BYTES, and nothing here blocks in a
// way stop() or a signal can't end (a FIFO with no writer is read through the event loop,
// not opened in libuv's thread pool, which Node waits for at exit).
import fs from 'node:fs';
import net from 'node:net';
import tty from 'node:tty';
import type { ForktopEvent } from '../events/schema.js';
import { isRecordingHeader, SCHEMA_VERSION } from '../events/header.js';
import { EVENT_TYPES as VALID_TYPES, TsSpan, validateEvent } from '../events/validate.js';
import { wallTime } from './clock.js';
import { SourceUnavailableError, type EventSource, type SourceHandlers } from './source.js';

export const EVENT_TYPES: ReadonlySet<string> = VALID_TYPES;

/** The longest line read. forktop's own longest is about 1.6 MiB: 256 KiB of argv from
 *  /proc, each byte not UTF-8 written as "\udcXX". A longer one is skipped as it streams. */
export const MAX_LINE_BYTES = 2 * 1024 * 1024;

export interface ReplayOptions {
  /** A file, or "-" for stdin. */
  path: string;
  /** 1 = as recorded; 2 = twice as fast; 'max' = as fast as the model takes them. */
  speed: number | 'max';
  /** Lines that could not be used, and a torn last line: reported, never fatal. */
  onWarning: (message: string) => void;
}

const BATCH = 1000;
const MAX_REPORTED = 5;
/** setTimeout takes at most 2^31-1 ms (more fires at once): longer waits go in steps. */
const MAX_TIMER_MS = 2 ** 30;

/** A line of input: its text, or how it was too long (its bytes are never kept). */
export type Line = string | { tooLong: true };

/**
 * Cuts bytes into lines, holding at most `max` bytes of an unfinished one: a line that
 * grows past it comes out at once as { tooLong } and the rest of it, up to its newline, is
 * dropped as it arrives (/dev/zero has no newline at all).
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private held = 0;
  private skipping = false;

  constructor(private readonly max = MAX_LINE_BYTES) {}

  push(chunk: Buffer, out: Line[]): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!this.skipping) {
        if (this.held + (end - start) > this.max) {
          this.parts = [];
          this.held = 0;
          this.skipping = true;
          out.push({ tooLong: true });
        } else if (nl >= 0) {
          out.push(this.take(chunk, start, end));
        } else if (end > start) {
          this.parts.push(chunk.subarray(start, end));
          this.held += end - start;
        }
      }
      if (nl < 0) return;
      this.skipping = false; // a newline ends the long line too
      start = nl + 1;
    }
  }

  /** The last line, when the input did not end with a newline. */
  end(): Line | null {
    if (this.skipping || this.held === 0) return null;
    const text = Buffer.concat(this.parts).toString('utf8');
    this.parts = [];
    this.held = 0;
    return text;
  }

  private take(chunk: Buffer, start: number, end: number): string {
    if (this.held === 0) return chunk.toString('utf8', start, end);
    this.parts.push(chunk.subarray(start, end));
    const text = Buffer.concat(this.parts).toString('utf8');
    this.parts = [];
    this.held = 0;
    return text;
  }
}

/** Lines from a stream, one at a time, through a LineSplitter. */
class LineReader {
  private readonly chunks: AsyncIterator<Buffer | string>;
  private readonly splitter = new LineSplitter();
  private queue: Line[] = [];
  private at = 0;
  private done = false;

  constructor(input: NodeJS.ReadableStream) {
    this.chunks = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  }

  /** Whether next() has a line without reading more. */
  get buffered(): boolean {
    return this.at < this.queue.length;
  }

  async next(): Promise<Line | null> {
    while (this.at >= this.queue.length) {
      if (this.done) return null;
      this.queue = [];
      this.at = 0;
      const chunk = await this.chunks.next();
      if (chunk.done) {
        this.done = true;
        const last = this.splitter.end();
        if (last !== null) this.queue.push(last);
      } else {
        this.splitter.push(typeof chunk.value === 'string' ? Buffer.from(chunk.value) : chunk.value, this.queue);
      }
    }
    return this.queue[this.at++];
  }
}

/** Opens a replay file so that no read or open can block a thread: a FIFO or a terminal
 *  is read through the event loop (a FIFO's open() waits for a writer, maybe forever). */
function openInput(path: string): NodeJS.ReadableStream {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'cannot be read';
    throw new SourceUnavailableError(`${path}: ${why}`, 'replay', code);
  }
  const stat = fs.fstatSync(fd);
  if (stat.isDirectory()) {
    fs.closeSync(fd);
    throw new SourceUnavailableError(`${path}: is a directory`, 'replay', 'EISDIR');
  }
  // Opened non-blocking, a FIFO with no writer yet reads as waiting, not as its end:
  // Linux reports no hang-up until a writer has come and gone.
  if (stat.isFIFO() || stat.isSocket()) return new net.Socket({ fd, readable: true, writable: false });
  if (tty.isatty(fd)) return new tty.ReadStream(fd);
  return fs.createReadStream(path, { fd, highWaterMark: 64 * 1024 });
}

export class ReplaySource implements EventSource {
  private stopped = false;
  private badLines = 0;
  private events = 0;
  private firstTs: number | null = null;
  /** The first event's wall time (ms): the recording's clock reads as it did then. */
  private firstWallMs = 0;
  /** The last event is in: the recording's clock stops where it ended. */
  private finished = false;
  private wallStart = 0;
  private readonly name: string;
  private readonly span = new TsSpan();
  private input: NodeJS.ReadableStream | null = null;
  private pumping: Promise<void> | null = null;
  /** Ends a paced wait early (stop()). */
  private wake: (() => void) | null = null;

  constructor(private readonly options: ReplayOptions) {
    this.name = options.path === '-' ? 'stdin' : options.path;
  }

  private recordedHost?: string;

  describe() {
    return {
      name: `replay ${this.name}`,
      caveats: ['a recording: what it shows happened when it was recorded'],
      remote: true,
      host: this.recordedHost,
    };
  }

  async start(handlers: SourceHandlers): Promise<void> {
    const input = this.options.path === '-' ? process.stdin : openInput(this.options.path);
    this.input = input;
    const lines = new LineReader(input);
    // The first line decides whether this is a recording at all: fail at once if not.
    let first: { event: ForktopEvent | null; line: number };
    try {
      first = await this.firstEvent(lines);
    } catch (error) {
      this.close();
      throw error;
    }
    // Runs on its own; a read error on the way (a file gone, a pipe broken) is reported, not thrown away.
    this.pumping = this.pump(lines, first, handlers).catch((error: Error) => {
      if (!this.stopped) handlers.onError(error);
    });
  }

  /** Reads up to the first event; a header is checked, anything else that is not JSON fails. */
  private async firstEvent(lines: LineReader): Promise<{ event: ForktopEvent | null; line: number }> {
    for (let line = 1; ; line++) {
      const next = await lines.next();
      if (next === null) return { event: null, line };
      if (typeof next !== 'string') {
        throw new SourceUnavailableError(`${this.name}:${line}: not NDJSON (a line longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB)`, 'replay');
      }
      const text = next.trim();
      if (!text) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new SourceUnavailableError(`${this.name}:${line}: not NDJSON (a forktop recording or --json stream)`, 'replay');
      }
      if (isRecordingHeader(value)) {
        if (value.schema > SCHEMA_VERSION) {
          throw new SourceUnavailableError(
            `${this.name}:${line}: recorded by a newer forktop (schema ${value.schema}; this one reads ${SCHEMA_VERSION})`,
            'replay',
          );
        }
        // Shown in the header: a host name (printable ASCII, as the kernel's), or nothing.
        if (typeof value.host === 'string' && /^[\x21-\x7e]{1,255}$/.test(value.host)) this.recordedHost = value.host;
        continue;
      }
      const checked = validateEvent(value);
      if (checked.problem !== undefined) {
        // Not an event at all (no known type) is not a recording; a bad field in one is.
        if (!value || typeof value !== 'object' || !EVENT_TYPES.has((value as { type?: unknown }).type as string)) {
          throw new SourceUnavailableError(`${this.name}:${line}: not a forktop event`, 'replay');
        }
        this.report(line, checked.problem);
        continue;
      }
      this.span.take(checked.event.ts);
      this.events++;
      return { event: checked.event, line };
    }
  }

  private async pump(lines: LineReader, first: { event: ForktopEvent | null; line: number }, handlers: SourceHandlers) {
    let batch: ForktopEvent[] = first.event ? [first.event] : [];
    let lineNo = first.line;
    let pendingTorn: { line: number } | null = null;
    this.wallStart = performance.now();
    for (;;) {
      if (this.stopped) return;
      // What has come goes on before waiting for more: a live stream (ssh … --json) may
      // pause for long, and its last events would sit here till a batch filled.
      if (batch.length > 0 && !lines.buffered) {
        handlers.onBatch(batch);
        batch = [];
      }
      const next = await lines.next();
      if (next === null) break;
      lineNo++;
      if (pendingTorn) this.report(pendingTorn.line, 'not JSON');
      pendingTorn = null;
      if (typeof next !== 'string') {
        this.report(lineNo, `longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB; skipped`);
        continue;
      }
      const text = next.trim();
      if (!text) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        // Only a last line may be torn (a recording cut by a crash); decide at the end.
        pendingTorn = { line: lineNo };
        continue;
      }
      const event = this.check(value, lineNo);
      if (!event) continue;
      batch.push(event);
      if (batch.length >= BATCH || (await this.due(event, batch, handlers))) {
        if (this.stopped) return;
        if (batch.length > 0) handlers.onBatch(batch);
        batch = [];
        if (this.options.speed === 'max') await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (this.stopped) return;
    if (batch.length > 0) handlers.onBatch(batch);
    if (pendingTorn) this.options.onWarning(`${this.name}:${pendingTorn.line}: the last line is torn (cut while recording); ignored`);
    if (this.badLines > 0) this.options.onWarning(`${this.name}: ${this.badLines} line(s) could not be used`);
    this.finished = true;
    handlers.onEnd?.();
  }

  /** Real-time pacing: holds events until their recorded time (scaled by speed) comes. */
  private async due(event: ForktopEvent, batch: ForktopEvent[], handlers: SourceHandlers): Promise<boolean> {
    if (this.options.speed === 'max') return false;
    if (this.firstTs === null) {
      this.firstTs = event.ts;
      this.firstWallMs = Date.parse(event.time) || Date.now();
    }
    const dueMs = (event.ts - this.firstTs) / 1e6 / this.options.speed;
    let waitMs = dueMs - (performance.now() - this.wallStart);
    if (waitMs <= 5) return false;
    const earlier = batch.slice(0, -1);
    if (earlier.length > 0) handlers.onBatch(earlier);
    batch.splice(0, batch.length - 1);
    while (waitMs > 5 && !this.stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.wake = null;
          resolve();
        }, Math.min(waitMs, MAX_TIMER_MS));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      waitMs = dueMs - (performance.now() - this.wallStart);
    }
    return true;
  }

  /** The event, or null after reporting what is wrong with it. */
  private check(value: unknown, line: number): ForktopEvent | null {
    const checked = validateEvent(value);
    const problem = checked.problem ?? this.span.take(checked.event!.ts);
    if (problem) {
      this.report(line, problem);
      return null;
    }
    this.events++;
    return checked.event!;
  }

  private report(line: number, problem: string): void {
    this.badLines++;
    if (this.badLines <= MAX_REPORTED) this.options.onWarning(`${this.name}:${line}: ${problem}`);
  }

  /** The recording's clock while it plays in real time, so alerts clear on time. */
  now(): [number, string] | null {
    // Ended, the recording's time stands where it stopped: a process still running at its
    // end does not go on running in the replay.
    if (this.options.speed === 'max' || this.firstTs === null || this.finished) return null;
    const elapsedNs = (performance.now() - this.wallStart) * 1e6 * this.options.speed;
    const ts = this.firstTs + elapsedNs;
    // The recording's wall clock, not this machine's: times shown are when it happened.
    return [ts, wallTime(new Date(this.firstWallMs + elapsedNs / 1e6))];
  }

  /** Ends the replay wherever it is: a read waiting (a FIFO, stdin), a paced wait. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.wake?.();
    this.close();
    await this.pumping;
  }

  private close(): void {
    const input = this.input as (NodeJS.ReadableStream & { destroy?: () => void }) | null;
    this.input = null;
    input?.destroy?.();
  }

  stats(): Record<string, number> {
    return { events: this.events, badLines: this.badLines };
  }
}
