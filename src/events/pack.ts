// Events packed as the native readers pack a batch (native/event_js.cc), with their --json
// lines: what the eBPF source hands on as a PackedBatch. For what feeds made-up events to a
// model, a merger or the writer (tests, and the AlertModel's priming); an exit's unknown
// duration, or a start time without its wall time, decode as the reader gives them: null,
// and an empty string. test/events/packed.test.ts holds decodeEvents to the layout slot by
// slot.
import { jsonLine } from './json.js';
import { ARGV_SOURCES, EVENT_SLOTS, LOST_SOURCES, PackedBatch } from './packed.js';
import type { ForktopEvent } from './schema.js';

export const PACKED_CODES: Partial<Record<ForktopEvent['type'], number>> = {
  fork: 0, exec: 1, exit: 2, comm: 3, uid: 4, gid: 5, sid: 6, ptrace: 7, coredump: 8, lost: 9, snapshot: 10,
};

const num = (n: number | null | undefined): number => (n === null || n === undefined ? NaN : n);

/** withLines false: every line empty, as the reader leaves them past 4 GiB (for a reader of
 *  the numbers only). */
export function packEvents(events: readonly ForktopEvent[], withLines = true): [Float64Array, string, Buffer, Uint32Array] {
  const numbers = new Float64Array(events.length * EVENT_SLOTS);
  const strings: string[] = [];
  const lines: Buffer[] = [];
  const ends = new Uint32Array(events.length);
  let end = 0;
  events.forEach((ev, i) => {
    const code = PACKED_CODES[ev.type];
    if (code === undefined || ev.host !== undefined) throw new Error(`not packable: ${ev.type}`);
    const slot = (k: number, value: number) => (numbers[i * EVENT_SLOTS + k] = value);
    slot(0, code);
    slot(1, ev.ts);
    strings.push(ev.time);
    if ('pid' in ev) slot(2, ev.pid);
    if ('ppid' in ev) slot(3, num(ev.ppid));
    switch (ev.type) {
      case 'exec':
      case 'snapshot': {
        let present = 0;
        const bit = (flag: number, value: string | null | undefined) => {
          if (value === null || value === undefined) return;
          present |= flag;
          strings.push(value);
        };
        bit(1, ev.comm);
        bit(2, ev.exe);
        bit(4, ev.cwd);
        bit(8, ev.cgroup);
        if (ev.tty !== undefined) present |= 16;
        bit(32, ev.tty);
        if (ev.type === 'exec') bit(256, ev.filename);
        if (ev.start_ts !== null) strings.push(ev.start ?? '');
        if (ev.argv) strings.push(...ev.argv);
        if (ev.env !== undefined) {
          present |= 64;
          const env = Object.entries(ev.env ?? {});
          slot(15, env.length);
          for (const [name, value] of env) strings.push(name, value);
        }
        if (ev.origin_late) present |= 128;
        if (ev.type === 'exec') {
          slot(4, ev.ret);
          slot(5, ev.truncated ? 1 : 0);
        }
        slot(6, num(ev.uid));
        slot(7, num(ev.start_ts));
        slot(8, ev.argv ? ev.argv.length : -1);
        slot(9, ARGV_SOURCES.indexOf(ev.argv_source));
        slot(10, present);
        slot(11, num(ev.auid));
        slot(12, num(ev.session));
        slot(13, num(ev.sid));
        slot(14, num(ev.pgid));
        break;
      }
      case 'exit':
        slot(4, num(ev.code));
        slot(5, num(ev.signal));
        slot(6, ev.core ? 1 : 0);
        slot(7, num(ev.duration_ms));
        break;
      case 'comm':
        strings.push(ev.comm);
        break;
      case 'uid':
        slot(4, ev.ruid);
        slot(5, ev.euid);
        break;
      case 'gid':
        slot(4, ev.rgid);
        slot(5, ev.egid);
        break;
      case 'ptrace':
        slot(4, ev.tracer);
        break;
      case 'lost':
        slot(4, ev.count);
        slot(5, LOST_SOURCES.indexOf(ev.source));
        break;
      default:
        break;
    }
    if (withLines) {
      const line = Buffer.from(jsonLine(ev));
      lines.push(line);
      end += line.length;
    }
    ends[i] = end;
  });
  return [numbers, strings.join('\0'), Buffer.concat(lines), ends];
}

export function packedBatch(events: readonly ForktopEvent[], withLines = true): PackedBatch {
  return new PackedBatch(packEvents(events, withLines));
}
