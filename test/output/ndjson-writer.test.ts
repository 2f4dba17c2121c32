// The --json writer: a batch as the eBPF source packs it goes out as its lines, one span; one
// whose lines ran out (past 4 GiB, see packed.ts) as JSON.stringify's, the same bytes.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonLine } from '../../src/events/json.js';
import { PackedBatch } from '../../src/events/packed.js';
import type { ForktopEvent } from '../../src/events/schema.js';
import { NdjsonWriter } from '../../src/output/ndjson-writer.js';
import { packEvents } from '../helpers/packed.js';

const events: ForktopEvent[] = [
  { type: 'fork', time: 't1', ts: 1, pid: 11, ppid: 10 },
  {
    type: 'exec', time: 't2', ts: 2, pid: 11, ppid: 10, argv: ['/bin/x', '\u009b31m'], argv_source: 'kernel', comm: 'x',
    exe: '/bin/x', cwd: '/', uid: 0, cgroup: '/', start_ts: null, start: null, ret: 0,
  },
  { type: 'exit', time: 't3', ts: 3, pid: 11, ppid: 10, code: 0, signal: 0, core: false, duration_ms: 2e-6 },
];

function written(write: (writer: NdjsonWriter) => void): string {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(Buffer.from(chunk)));
  write(new NdjsonWriter(out, () => {}));
  return Buffer.concat(chunks).toString('utf8');
}

describe('NdjsonWriter', () => {
  it("writes a packed batch's lines as they are", () => {
    const [numbers, text, bytes, ends] = packEvents(events);
    const marked = Buffer.from(bytes.toString('utf8').replaceAll('"ts"', '"TS"')); // not what JSON.stringify would write
    expect(written((w) => w.write(new PackedBatch([numbers, text, marked, ends])))).toBe(marked.toString('utf8'));
  });

  it('writes what JSON.stringify and the escaping make where its lines ran out', () => {
    const [numbers, text, bytes, ends] = packEvents(events);
    // Only the first line was written natively (marked, to tell it from one made here).
    const first = Buffer.from(bytes.subarray(0, ends[0]).toString('utf8').replace('"ts"', '"TS"'));
    const short = new Uint32Array([first.length, first.length, first.length]);
    const out = written((w) => w.write(new PackedBatch([numbers, text, first, short])));
    expect(out).toBe(first.toString('utf8') + events.slice(1).map(jsonLine).join(''));
    expect(out).toContain('\\u009b31m');
  });
});
