// One event as one line of --json or of a recording. JSON.stringify escapes C0 controls and
// lone surrogates but passes DEL, C1 controls (U+009B is a CSI on many terminals), bidi
// overrides and line separators through raw: a `tail -f` of the stream in a terminal would
// then carry a process's escape sequences. They are escaped too; the value read back is the same.
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeUnicode(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(RAW_IN_JSON, escapeUnicode) + '\n';
}

/** A batch's events as --json lines, written by the native reader (native/event_json.h): all
 *  in `bytes`, line i ending at ends[i]. */
export interface NativeLines {
  readonly bytes: Buffer;
  readonly ends: Uint32Array;
}

// Symbol keys: JSON.stringify, and so every other output, never sees them. An event is not
// changed after the reader made its line (a source that changes one, as host-stream.ts does,
// reads events that never had one); a copy made with a spread carries them too, so a copy that
// changes a field must not be written by ndjsonBytes.
const LINES = Symbol('native lines');
const LINE_INDEX = Symbol('native line index');

interface WithNativeLine {
  [LINES]?: NativeLines;
  [LINE_INDEX]?: number;
}

export function attachNativeLine(event: object, lines: NativeLines, index: number): void {
  const e = event as WithNativeLine;
  e[LINES] = lines;
  e[LINE_INDEX] = index;
}

/**
 * Events as NDJSON: where the native reader wrote an event's line, those bytes (consecutive
 * ones as one slice, no copy); for the rest JSON.stringify and the escaping, as jsonLines().
 * In a storm nearly every line is native, and the batch is one or two slices of its buffers.
 */
export function ndjsonBytes(values: readonly object[]): Buffer | string {
  const parts: (Buffer | string)[] = [];
  let text = '';
  let run: NativeLines | undefined;
  let runStart = 0;
  let runEnd = 0;
  for (const value of values) {
    const lines = (value as WithNativeLine)[LINES];
    if (lines === undefined) {
      if (run) parts.push(run.bytes.subarray(runStart, runEnd));
      run = undefined;
      text += JSON.stringify(value) + '\n';
      continue;
    }
    const i = (value as WithNativeLine)[LINE_INDEX]!;
    const start = i === 0 ? 0 : lines.ends[i - 1];
    if (lines === run && start === runEnd) {
      runEnd = lines.ends[i];
      continue;
    }
    if (run) parts.push(run.bytes.subarray(runStart, runEnd));
    if (text) parts.push(text.replace(RAW_IN_JSON, escapeUnicode));
    text = '';
    run = lines;
    runStart = start;
    runEnd = lines.ends[i];
  }
  if (run) parts.push(run.bytes.subarray(runStart, runEnd));
  if (text) parts.push(text.replace(RAW_IN_JSON, escapeUnicode));
  if (parts.length === 1) return parts[0];
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
}

/** Many events as lines: one pass of the escaping over the whole batch. */
export function jsonLines(values: readonly unknown[], keep: (value: unknown) => boolean = () => true): string {
  let text = '';
  for (const value of values) if (keep(value)) text += JSON.stringify(value) + '\n';
  return text.replace(RAW_IN_JSON, escapeUnicode);
}
