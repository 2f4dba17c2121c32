// decodeEvents over batches packed by hand the way native/event_js.cc packs them: every event
// type, every optional exec field present and absent, and the lines attached. The kernel tests
// (ebpf.test.ts, netlink.test.ts, ebpf-lines.test.ts) decode real batches; these pin each
// field, its null and its order (JSON.stringify writes fields in the object's order). Then a
// PackedBatch: the same batch read in place, built event by event, and its lines as one span.
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { decodeEvents, EVENT_SLOTS, eventsOf, ExecStrings, EXIT_CODE, FORK_CODE, PackedBatch, type PackedEvents } from '../../src/events/packed.js';
import type { ExecEvent } from '../../src/events/schema.js';
import { ndjsonBytes } from '../../src/events/json.js';

const T = '2026-12-02T08:00:00.000000Z';

/** An event as its number slots (unset ones 0, NaN where given) and its strings. */
interface Packed {
  slots: Record<number, number>;
  strings: string[];
}

/** One batch of events, each in EVENT_SLOTS numbers. */
function pack(events: Packed[]): [Float64Array, string] {
  const numbers = new Float64Array(events.length * EVENT_SLOTS);
  const strings: string[] = [];
  events.forEach((ev, i) => {
    for (const [k, v] of Object.entries(ev.slots)) numbers[i * EVENT_SLOTS + Number(k)] = v;
    strings.push(...ev.strings);
  });
  return [numbers, strings.join('\0')];
}

// Each number and string distinct, so a field read from the wrong slot or string shows.
const S = '2026-12-02T07:59:58.500000Z';
const fork: Packed = { slots: { 0: 0, 1: 1000, 2: 11, 3: 10 }, strings: [T] };
// Every string present: comm 1, exe 2, cwd 4, cgroup 8, tty field 16 with its string 32,
// env 64, origin_late 128, filename 256.
const execFull: Packed = {
  slots: { 0: 1, 1: 2000, 2: 21, 3: 20, 4: 0, 5: 1, 6: 1000, 7: 1500, 8: 2, 9: 1, 10: 1 | 2 | 4 | 8 | 16 | 32 | 64 | 128 | 256, 11: 1001, 12: 7, 13: 5, 14: 24, 15: 2 },
  strings: [T, 'sh', '/bin/sh', '/root', '/user.slice', 'pts/1', '/tmp/s.sh', S, 'sh', '/tmp/s.sh', 'SUDO_USER', 'alice', 'SSH_TTY', '/dev/pts/1'],
};
// Nothing present: no strings but its time, argv unread, ppid and the origin fields not read.
const execBare: Packed = {
  slots: { 0: 1, 1: 3000, 2: 12, 3: NaN, 4: -2, 5: 0, 6: NaN, 7: NaN, 8: -1, 9: 0, 10: 0, 11: NaN, 12: NaN, 13: NaN, 14: NaN, 15: 0 },
  strings: [T],
};
// argv from the name alone (argv_source "comm"), and empty.
const execComm: Packed = {
  slots: { 0: 1, 1: 3500, 2: 14, 3: 13, 4: 0, 5: 0, 6: 1006, 7: NaN, 8: 0, 9: 3, 10: 1, 11: NaN, 12: NaN, 13: NaN, 14: NaN, 15: 0 },
  strings: [T, 'kworker'],
};
const snapshot: Packed = {
  slots: { 0: 10, 1: 500, 2: 31, 3: 30, 6: 33, 7: 100, 8: 2, 9: 2, 10: 1 | 16, 11: NaN, 12: NaN, 13: 34, 14: 35, 15: 0 },
  strings: [T, 'init', S, '/sbin/init', 'splash'],
};
const exit: Packed = { slots: { 0: 2, 1: 4000, 2: 11, 3: 10, 4: 3, 5: 9, 6: 1, 7: 2.5 }, strings: [T] };
const exitUnknown: Packed = { slots: { 0: 2, 1: 4100, 2: 13, 3: 10, 4: 0, 5: 0, 6: 0, 7: NaN }, strings: [T] };
const others: Packed[] = [
  { slots: { 0: 3, 1: 5000, 2: 11 }, strings: [T, 'renamed'] },
  { slots: { 0: 4, 1: 5001, 2: 11, 4: 1002, 5: 1003 }, strings: [T] },
  { slots: { 0: 5, 1: 5002, 2: 11, 4: 1004, 5: 1005 }, strings: [T] },
  { slots: { 0: 6, 1: 5003, 2: 11 }, strings: [T] },
  { slots: { 0: 7, 1: 5004, 2: 11, 4: 99 }, strings: [T] },
  { slots: { 0: 8, 1: 5005, 2: 11, 3: 10 }, strings: [T] },
  { slots: { 0: 9, 1: 5006, 4: 3, 5: 0 }, strings: [T] },
  { slots: { 0: 9, 1: 5007, 4: 4, 5: 1 }, strings: [T] },
  { slots: { 0: 9, 1: 5008, 4: 5, 5: 2 }, strings: [T] },
];

describe('decodeEvents', () => {
  it('builds each event type with its fields in schema order', () => {
    const events = decodeEvents(pack([fork, execFull, execBare, execComm, snapshot, exit, exitUnknown, ...others]));
    expect(events.map((ev) => JSON.stringify(ev))).toEqual([
      `{"type":"fork","time":"${T}","ts":1000,"pid":11,"ppid":10}`,
      `{"type":"exec","time":"${T}","ts":2000,"pid":21,"ppid":20,"argv":["sh","/tmp/s.sh"],"argv_source":"kernel","comm":"sh","exe":"/bin/sh","cwd":"/root","uid":1000,"cgroup":"/user.slice","start_ts":1500,"start":"${S}","ret":0,"truncated":true,"filename":"/tmp/s.sh","auid":1001,"session":7,"tty":"pts/1","sid":5,"pgid":24,"env":{"SUDO_USER":"alice","SSH_TTY":"/dev/pts/1"},"origin_late":true}`,
      `{"type":"exec","time":"${T}","ts":3000,"pid":12,"ppid":null,"argv":null,"argv_source":null,"comm":null,"exe":null,"cwd":null,"uid":null,"cgroup":null,"start_ts":null,"start":null,"ret":-2}`,
      `{"type":"exec","time":"${T}","ts":3500,"pid":14,"ppid":13,"argv":[],"argv_source":"comm","comm":"kworker","exe":null,"cwd":null,"uid":1006,"cgroup":null,"start_ts":null,"start":null,"ret":0}`,
      `{"type":"snapshot","time":"${T}","ts":500,"pid":31,"ppid":30,"argv":["/sbin/init","splash"],"argv_source":"proc","comm":"init","exe":null,"cwd":null,"uid":33,"cgroup":null,"start_ts":100,"start":"${S}","tty":null,"sid":34,"pgid":35}`,
      `{"type":"exit","time":"${T}","ts":4000,"pid":11,"ppid":10,"code":3,"signal":9,"core":true,"duration_ms":2.5}`,
      `{"type":"exit","time":"${T}","ts":4100,"pid":13,"ppid":10,"code":0,"signal":0,"core":false,"duration_ms":null}`,
      `{"type":"comm","time":"${T}","ts":5000,"pid":11,"comm":"renamed"}`,
      `{"type":"uid","time":"${T}","ts":5001,"pid":11,"ruid":1002,"euid":1003}`,
      `{"type":"gid","time":"${T}","ts":5002,"pid":11,"rgid":1004,"egid":1005}`,
      `{"type":"sid","time":"${T}","ts":5003,"pid":11}`,
      `{"type":"ptrace","time":"${T}","ts":5004,"pid":11,"tracer":99}`,
      `{"type":"coredump","time":"${T}","ts":5005,"pid":11,"ppid":10}`,
      `{"type":"lost","time":"${T}","ts":5006,"count":3,"source":"kernel"}`,
      `{"type":"lost","time":"${T}","ts":5007,"count":4,"source":"ebpf"}`,
      `{"type":"lost","time":"${T}","ts":5008,"count":5,"source":"queue"}`,
    ]);
    // JSON writes NaN as null too: the objects themselves hold null.
    expect(events[2]).toMatchObject({ ppid: null, uid: null, start_ts: null });
    expect(events[6]).toMatchObject({ duration_ms: null });
  });

  it('keeps an exec that read env but found none allowed as env null', () => {
    const execNoEnv: Packed = { slots: { ...execBare.slots, 10: 64, 15: 0 }, strings: [T] };
    const [ev] = decodeEvents(pack([execNoEnv]));
    expect(ev).toMatchObject({ type: 'exec', env: null });
  });

  it('attaches the native lines, and none where a line is empty', () => {
    const [numbers, text] = pack([fork, exit, fork]);
    const bytes = Buffer.from('fork-line\nexit-line\n');
    const packed: PackedEvents = [numbers, text, bytes, new Uint32Array([10, 20, 20])];
    const events = decodeEvents(packed);
    // The third has no line (its end is the second's): the writer formats it itself.
    expect(ndjsonBytes(events).toString()).toBe(`fork-line\nexit-line\n${JSON.stringify(events[2])}\n`);
  });

  it('makes every exec one shape, and every snapshot one, whatever fields were read', () => {
    // V8's own view of an object's hidden class. A shape per set of fields read let a GC
    // mid-storm drop the startup scan's, and decodeEvents was compiled again (see lastOfType).
    v8.setFlagsFromString('--allow-natives-syntax');
    const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
    const snapshotBare: Packed = { slots: { ...snapshot.slots, 10: 0, 13: NaN, 14: NaN }, strings: [T, S, '/sbin/init', 'splash'] };
    const [full, bare, comm, snap, snapBare] = decodeEvents(pack([execFull, execBare, execComm, snapshot, snapshotBare]));
    expect(sameMap(full, bare)).toBe(true);
    expect(sameMap(full, comm)).toBe(true);
    expect(sameMap(snap, snapBare)).toBe(true);
    // The check itself tells shapes apart.
    expect(sameMap(full, snap)).toBe(false);
  });

  it('refuses a batch whose strings do not add up, or an unknown type', () => {
    const [numbers, text] = pack([fork]);
    expect(() => decodeEvents([numbers, `${text}\0extra`])).toThrow(/2 strings, 1 read/);
    expect(() => decodeEvents(pack([{ slots: { 0: 42 }, strings: [T] }]))).toThrow(/unknown event type code 42/);
  });
});

describe('PackedBatch', () => {
  // Each event its own time, so a time read from the wrong string shows.
  const all = [fork, execFull, exit, execBare, fork, exitUnknown, ...others].map((ev, i) => ({
    slots: ev.slots, strings: [`2026-12-02T08:00:${String(i).padStart(2, '0')}.000000Z`, ...ev.strings.slice(1)],
  }));
  const withLines = (events: Packed[], ends?: number[]): [Float64Array, string, Buffer, Uint32Array] => {
    const [numbers, text] = pack(events);
    const lines = events.map((_, i) => `line ${i}\n`);
    let end = 0;
    return [numbers, text, Buffer.from(lines.join('')), new Uint32Array(ends ?? lines.map((line) => (end += line.length)))];
  };

  it("reads a fork's and an exit's time in place and builds the others, as decodeEvents does", () => {
    const packed = withLines(all);
    const expected = decodeEvents(packed);
    const batch = new PackedBatch(packed);
    expect(batch.length).toBe(all.length);
    const reader = batch.reader();
    for (let i = 0; i < batch.length; i++) {
      const code = batch.numbers[i * EVENT_SLOTS];
      expect(batch.ts(i)).toBe(expected[i].ts);
      if (code === FORK_CODE || code === EXIT_CODE) expect(reader.time()).toBe(expected[i].time);
      else expect(JSON.stringify(reader.event(i))).toBe(JSON.stringify(expected[i]));
    }
    expect(() => reader.finish()).not.toThrow();
    // What the reader builds carries no line (the batch's are written as one span); what
    // decodeEvents builds does.
    expect(ndjsonBytes([new PackedBatch(packed).reader().event(0)])).toBe(`${JSON.stringify(expected[0])}\n`);
    expect(ndjsonBytes([expected[0]]).toString()).toBe('line 0\n');
    expect(batch.isDecoded).toBe(false);
    expect(JSON.stringify(batch.events())).toBe(JSON.stringify(expected));
    expect(batch.isDecoded).toBe(true);
  });

  it("reads an exec's strings in place, those decodeEvents gives it, and passes over the rest", () => {
    // Every optional string present, then none, then argv from the name; a fork after each,
    // whose time is read right only if the exec's strings were passed over exactly.
    const events = [execFull, fork, execBare, fork, execComm, fork, snapshot].map((ev, i) => ({
      slots: ev.slots, strings: [`2026-12-02T08:00:${String(i).padStart(2, '0')}.000000Z`, ...ev.strings.slice(1)],
    }));
    const packed = withLines(events);
    const expected = decodeEvents(packed) as ExecEvent[];
    const reader = new PackedBatch(packed).reader();
    const into = new ExecStrings();
    for (const i of [0, 2, 4]) {
      expect(reader.execStrings(i, into)).toBe(into);
      const { time, comm, exe, cwd, cgroup, argv } = expected[i];
      expect({ ...into }).toEqual({ time, comm, exe, cwd, cgroup, argv });
      expect(reader.time()).toBe(expected[i + 1].time);
    }
    expect(into.argv).toEqual([]); // argv from the name: empty, not unread (null)
    expect(JSON.stringify(reader.event(6))).toBe(JSON.stringify(expected[6]));
    expect(() => reader.finish()).not.toThrow();
  });

  it('a reader that read a string too few or too many says so', () => {
    const short = new PackedBatch(withLines([fork, exit])).reader();
    short.time();
    expect(() => short.finish()).toThrow(/2 strings, 1 read/);
    const long = new PackedBatch(withLines([fork, exit])).reader();
    long.time();
    long.time();
    long.time();
    expect(() => long.finish()).toThrow(/2 strings, 3 read/);
  });

  it('gives its lines as one span, or none when the reader ran out of room for some', () => {
    expect(new PackedBatch(withLines([fork, exit, fork])).lines()!.toString()).toBe('line 0\nline 1\nline 2\n');
    // Past 4 GiB of lines the reader writes no more: the last ones are empty.
    expect(new PackedBatch(withLines([fork, exit, fork], [7, 14, 14])).lines()).toBeNull();
    expect(new PackedBatch(withLines([fork], [0])).lines()).toBeNull();
  });

  it('says whether it holds a count of lost events', () => {
    expect(new PackedBatch(withLines([fork, exit])).hasLost).toBe(false);
    expect(new PackedBatch(withLines([fork, others[6]])).hasLost).toBe(true);
  });

  it('hands objects on where an array is wanted', () => {
    const batch = new PackedBatch(withLines([fork, exit]));
    expect(eventsOf(batch).map((ev) => ev.type)).toEqual(['fork', 'exit']);
    const events = decodeEvents(pack([fork]));
    expect(eventsOf(events)).toBe(events);
  });
});
