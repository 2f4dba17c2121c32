// The header line: the first line of --json and of a recording, saying what made the stream.
import os from 'node:os';

/** Bumped when a field changes meaning or is added; a reader refuses a stream from a newer
 *  schema and reads older ones (2: exec and snapshot origin fields, exec filename). */
export const SCHEMA_VERSION = 2;

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
