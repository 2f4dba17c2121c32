// Replays a recording (or any --json stream) from a file or stdin into the same model and
// views: `ssh host sudo forktop --json | forktop --replay -` watches another machine.
import fs from 'node:fs';
import readline from 'node:readline';
import type { ForktopEvent } from '../events/schema.js';
import { isRecordingHeader, SCHEMA_VERSION } from '../events/header.js';
import { wallTime } from './clock.js';
import { SourceUnavailableError, type EventSource, type SourceHandlers } from './source.js';

export const EVENT_TYPES = new Set([
  'fork', 'exec', 'exit', 'comm', 'uid', 'gid', 'sid', 'ptrace', 'coredump', 'lost', 'snapshot', 'alert', 'resync',
]);

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

export class ReplaySource implements EventSource {
  private stopped = false;
  private badLines = 0;
  private events = 0;
  private firstTs: number | null = null;
  private wallStart = 0;
  private readonly name: string;

  constructor(private readonly options: ReplayOptions) {
    this.name = options.path === '-' ? 'stdin' : options.path;
  }

  private recordedHost?: string;

  describe() {
    return {
      name: `replay ${this.name}`,
      caveats: ['a recording: what it shows happened when it was recorded'],
      host: this.recordedHost,
    };
  }

  async start(handlers: SourceHandlers): Promise<void> {
    let input: NodeJS.ReadableStream;
    if (this.options.path === '-') {
      input = process.stdin;
    } else {
      try {
        fs.accessSync(this.options.path, fs.constants.R_OK);
        if (fs.statSync(this.options.path).isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : 'cannot be read';
        throw new SourceUnavailableError(`${this.options.path}: ${why}`, 'replay', code);
      }
      input = fs.createReadStream(this.options.path);
    }
    const lines = readline.createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
    // The first line decides whether this is a recording at all: fail at once if not.
    const first = await this.firstEvent(lines);
    // Runs on its own; a read error on the way (a file gone, a pipe broken) is reported, not thrown away.
    this.pump(lines, first, handlers).catch((error: Error) => handlers.onError(error));
  }

  /** Reads up to the first event; a header is checked, anything else that is not JSON fails. */
  private async firstEvent(lines: AsyncIterator<string>): Promise<{ event: ForktopEvent | null; line: number }> {
    for (let line = 1; ; line++) {
      const next = await lines.next();
      if (next.done) return { event: null, line };
      const text = next.value.trim();
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
        this.recordedHost = value.host;
        continue;
      }
      const event = this.check(value, line, false);
      if (!event) throw new SourceUnavailableError(`${this.name}:${line}: not a forktop event`, 'replay');
      return { event, line };
    }
  }

  private async pump(lines: AsyncIterator<string>, first: { event: ForktopEvent | null; line: number }, handlers: SourceHandlers) {
    let batch: ForktopEvent[] = first.event ? [first.event] : [];
    let lineNo = first.line;
    let pendingTorn: { line: number } | null = null;
    this.wallStart = performance.now();
    for (;;) {
      if (this.stopped) return;
      const next = await lines.next();
      if (next.done) break;
      lineNo++;
      const text = next.value.trim();
      if (!text) continue;
      if (pendingTorn) this.report(pendingTorn.line, 'not JSON');
      pendingTorn = null;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        // Only a last line may be torn (a recording cut by a crash); decide at the end.
        pendingTorn = { line: lineNo };
        continue;
      }
      const event = this.check(value, lineNo, true);
      if (!event) continue;
      batch.push(event);
      if (batch.length >= BATCH || (await this.due(event, batch, handlers))) {
        if (batch.length > 0) handlers.onBatch(batch);
        batch = [];
        if (this.options.speed === 'max') await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (batch.length > 0 && !this.stopped) handlers.onBatch(batch);
    if (pendingTorn) this.options.onWarning(`${this.name}:${pendingTorn.line}: the last line is torn (cut while recording); ignored`);
    if (this.badLines > 0) this.options.onWarning(`${this.name}: ${this.badLines} line(s) could not be used`);
    if (!this.stopped) handlers.onEnd?.();
  }

  /** Real-time pacing: holds events until their recorded time (scaled by speed) comes. */
  private async due(event: ForktopEvent, batch: ForktopEvent[], handlers: SourceHandlers): Promise<boolean> {
    if (this.options.speed === 'max') return false;
    if (this.firstTs === null) this.firstTs = event.ts;
    const dueMs = (event.ts - this.firstTs) / 1e6 / this.options.speed;
    const waitMs = dueMs - (performance.now() - this.wallStart);
    if (waitMs <= 5) return false;
    const earlier = batch.slice(0, -1);
    if (earlier.length > 0) handlers.onBatch(earlier);
    batch.splice(0, batch.length - 1);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    return true;
  }

  private check(value: unknown, line: number, report: boolean): ForktopEvent | null {
    const ev = value as Partial<ForktopEvent> | null;
    let problem = '';
    if (!ev || typeof ev !== 'object' || Array.isArray(ev)) problem = 'not a JSON object';
    else if (typeof ev.type !== 'string') problem = 'no event type';
    else if (!EVENT_TYPES.has(ev.type)) problem = `unknown event type "${ev.type}"`;
    else if (typeof ev.ts !== 'number') problem = 'no ts (kernel time)';
    if (problem) {
      if (report) this.report(line, problem);
      return null;
    }
    this.events++;
    return ev as ForktopEvent;
  }

  private report(line: number, problem: string): void {
    this.badLines++;
    if (this.badLines <= MAX_REPORTED) this.options.onWarning(`${this.name}:${line}: ${problem}`);
  }

  /** The recording's clock while it plays in real time, so alerts clear on time. */
  now(): [number, string] | null {
    if (this.options.speed === 'max' || this.firstTs === null) return null;
    const elapsedNs = (performance.now() - this.wallStart) * 1e6 * this.options.speed;
    const ts = this.firstTs + elapsedNs;
    return [ts, wallTime()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  stats(): Record<string, number> {
    return { events: this.events, badLines: this.badLines };
  }
}
