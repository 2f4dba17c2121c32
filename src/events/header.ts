// The header line: the first line of --json and of a recording, saying what made the stream.
import fs from 'node:fs';
import os from 'node:os';

/** Bumped when a field changes meaning or is added; a reader refuses a stream from a newer
 *  schema and reads older ones (2: exec and snapshot origin fields, exec filename; 3: host
 *  on events and host events, for streams that merge hosts; boot_id in the header). */
export const SCHEMA_VERSION = 3;

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
  /** This boot of the host (/proc/sys/kernel/random/boot_id); absent before schema 3. */
  boot_id?: string;
}

export function makeHeader(version: string, source: string, reason: string, caveats: string[], host = os.hostname()): RecordingHeader {
  return {
    type: 'header', forktop: version, schema: SCHEMA_VERSION, host, kernel: os.release(), source, reason, caveats,
    start: new Date().toISOString(), ...bootId(),
  };
}

function bootId(): { boot_id?: string } {
  try {
    return { boot_id: fs.readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim() };
  } catch {
    return {};
  }
}

export function isRecordingHeader(value: unknown): value is RecordingHeader {
  return !!value && typeof value === 'object' && (value as { type?: unknown }).type === 'header' &&
    typeof (value as { schema?: unknown }).schema === 'number';
}
