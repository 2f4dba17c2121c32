import { describe, expect, it } from 'vitest';
import type { ExecEvent, ForktopEvent } from '../../src/events/schema.js';
import { ExecMerger } from '../../src/sources/exec-merge.js';
import { eventsOf, type EventBatch } from '../../src/events/packed.js';
import { packedBatch } from '../helpers/packed.js';

const MS = 1e6;

function exec(pid: number, ts: number, argv: string[] | null, ret = 0): ExecEvent {
  return {
    type: 'exec', time: '', ts, pid, ppid: null, argv, argv_source: argv ? 'kernel' : null, comm: null,
    exe: null, cwd: null, uid: null, cgroup: null, start_ts: null, start: null, ret,
  };
}
const fork = (pid: number, ts: number): ForktopEvent => ({ type: 'fork', time: '', ts, pid, ppid: 1 });
const exit = (pid: number, ts: number): ForktopEvent => ({ type: 'exit', time: '', ts, pid, ppid: 1, code: 0, signal: 0, core: false });

function merger() {
  const out: ForktopEvent[] = [];
  const m = new ExecMerger((events) => out.push(...eventsOf(events)), { holdNs: 30 * MS, reorderNs: 50 * MS, waitNs: 500 * MS });
  return { m, out, summary: () => out.map((ev) => `${ev.type}:${'pid' in ev ? ev.pid : ''}${ev.type === 'exec' ? `:${ev.argv?.join(' ') ?? 'null'}` : ''}`) };
}

describe('ExecMerger: one stream from the proc connector and eBPF', () => {
  it('sends each exec once, with the kernel argv, whichever stream reports it first, in time order', () => {
    const { m, summary } = merger();
    // The proc connector's batch first (fork, exec without argv, exit), eBPF's a little later.
    m.fromProcConnector([fork(10, 100 * MS), exec(10, 101 * MS, null), exit(10, 102 * MS)], 103 * MS);
    m.fromKernel([exec(10, 101 * MS - 2000, ['true', 'a'])], 105 * MS);
    // And the other way round for pid 11.
    m.fromKernel([exec(11, 110 * MS, ['true', 'b'])], 111 * MS);
    m.fromProcConnector([fork(11, 109 * MS), exec(11, 110 * MS + 3000, null)], 112 * MS);
    m.flush(200 * MS);
    expect(summary()).toEqual(['fork:10', 'exec:10:true a', 'exit:10', 'fork:11', 'exec:11:true b']);
    expect(m.stats).toEqual({ matched: 2, matchedLate: 0, withoutArgv: 0, kernelOnly: 0, awaitingTwin: 0 });
  });

  it('holds events until the hold time has passed', () => {
    const { m, out } = merger();
    m.fromProcConnector([fork(10, 100 * MS)], 101 * MS);
    expect(out).toEqual([]);
    m.flush(129 * MS);
    expect(out).toEqual([]);
    m.flush(131 * MS);
    expect(out).toHaveLength(1);
  });

  it('sends a proc-connector exec without argv once eBPF has moved past it (eBPF lost it), and counts it', () => {
    const { m, summary } = merger();
    m.fromProcConnector([exec(10, 100 * MS, null)], 101 * MS);
    m.fromKernel([{ type: 'lost', time: '', ts: 120 * MS, count: 1, source: 'ebpf' }, exec(12, 160 * MS, ['x'])], 161 * MS);
    m.flush(300 * MS);
    expect(summary()).toEqual(['exec:10:null', 'lost:', 'exec:12:x']);
    expect(m.stats.withoutArgv).toBe(1);
  });

  it('gives up waiting for the eBPF twin after waitNs even when eBPF is idle', () => {
    const { m, summary } = merger();
    m.fromProcConnector([exec(10, 100 * MS, null)], 101 * MS);
    m.flush(400 * MS);
    expect(summary()).toEqual([]);
    m.flush(602 * MS);
    expect(summary()).toEqual(['exec:10:null']);
  });

  it('passes failed execs (only eBPF sees them) and does not pair them with a success', () => {
    const { m, summary } = merger();
    m.fromKernel([exec(10, 100 * MS, ['bash'], -2), exec(10, 100.5 * MS, ['bash'])], 101 * MS);
    m.fromProcConnector([exec(10, 100.6 * MS, null)], 102 * MS);
    m.flush(200 * MS);
    expect(summary()).toEqual(['exec:10:bash', 'exec:10:bash']);
    expect(m.stats.matched).toBe(1);
  });

  it('pairs two execs of one pid by time, not by order', () => {
    const { m, out } = merger();
    m.fromKernel([exec(10, 100 * MS, ['sh']), exec(10, 300 * MS, ['true'])], 301 * MS);
    m.fromProcConnector([exec(10, 300 * MS + 1000, null), exec(10, 100 * MS + 1000, null)], 302 * MS);
    m.flush(400 * MS);
    expect(out.map((ev) => (ev as ExecEvent).argv)).toEqual([['sh'], ['true']]);
  });

  it('flush(all) sends everything still held', () => {
    const { m, summary } = merger();
    m.fromProcConnector([fork(10, 100 * MS), exec(10, 101 * MS, null)], 101 * MS);
    m.flush(102 * MS, true);
    expect(summary()).toEqual(['fork:10', 'exec:10:null']);
  });
});

describe('ExecMerger pairs the two reports of an exec however far apart they come', () => {
  const argvs = (out: ForktopEvent[]) => out.filter((ev): ev is ExecEvent => ev.type === 'exec').map((ev) => ev.argv?.join(' ') ?? null);

  it('a tracer holds the process 200 ms between the exec tracepoint and the proc connector: once, with its argv', () => {
    const { m, out } = merger();
    m.fromProcConnector([fork(10, 99 * MS)], 99.5 * MS);
    m.fromKernel([exec(10, 100 * MS, ['true', 'x'])], 101 * MS);
    m.flush(200 * MS);
    expect(argvs(out)).toEqual(['true x']); // it went out long before its twin came
    m.fromProcConnector([exec(10, 300 * MS, null), exit(10, 301 * MS)], 302 * MS);
    m.flush(2000 * MS);
    expect(argvs(out)).toEqual(['true x']);
    expect(out.map((ev) => ev.type)).toEqual(['fork', 'exec', 'exit']);
    expect(m.stats).toEqual({ matched: 1, matchedLate: 1, withoutArgv: 0, kernelOnly: 0, awaitingTwin: 0 });
  });

  it.each(['kernel first', 'proc connector first'])('forktop stopped 20 s: both streams arrive late at once (%s), each exec once, in time order', (order) => {
    const { m, out, summary } = merger();
    // Before the stop: an exec whose eBPF report had not come yet.
    m.fromProcConnector([fork(10, 1000 * MS), exec(10, 1001 * MS, null)], 1002 * MS);
    // 20 s later: the timer that was due long ago fires first, then the streams' backlogs.
    const resumed = 21_002 * MS;
    m.flush(resumed);
    expect(out.map((ev) => ev.type)).toEqual(['fork']); // the exec still waits: forktop did not run
    const kernel = [exec(10, 1001 * MS - 3000, ['a']), exec(11, 1010 * MS, ['b']), exec(12, 1500 * MS, ['c'])];
    const proc = [fork(11, 1009 * MS), exec(11, 1010 * MS + 5000, null), exit(11, 1011 * MS), fork(12, 1499 * MS), exec(12, 1500 * MS + 7000, null)];
    if (order === 'kernel first') {
      m.fromKernel(kernel, resumed + 1 * MS);
      m.fromProcConnector(proc, resumed + 2 * MS);
    } else {
      m.fromProcConnector(proc, resumed + 1 * MS);
      m.fromKernel(kernel, resumed + 2 * MS);
    }
    m.flush(resumed + 1000 * MS);
    expect(summary()).toEqual(['fork:10', 'exec:10:a', 'fork:11', 'exec:11:b', 'exit:11', 'fork:12', 'exec:12:c']);
    expect(m.stats).toEqual({ matched: 3, matchedLate: 0, withoutArgv: 0, kernelOnly: 0, awaitingTwin: 0 });
  });

  it('a stall longer than the wait does not count toward it, but time forktop runs does', () => {
    const { m, summary } = merger();
    m.fromProcConnector([exec(10, 100 * MS, null)], 101 * MS);
    m.flush(400 * MS); // 299 ms waited
    m.flush(30_000 * MS); // stopped for 29.6 s: not waited
    expect(summary()).toEqual([]);
    expect(m.nextDueNs(30_000 * MS)).toBe(30_201 * MS);
    m.flush(30_202 * MS); // 500 ms of running: eBPF lost it
    expect(summary()).toEqual(['exec:10:null']);
    expect(m.stats.withoutArgv).toBe(1);
  });

  it('never pairs across a pid\'s two execs: the first held 250 ms by a tracer, the second 10 ms after it', () => {
    const { m, out } = merger();
    m.fromKernel([exec(10, 100 * MS, ['sh']), exec(10, 360 * MS, ['true'])], 361 * MS);
    m.fromProcConnector([exec(10, 350 * MS, null), exec(10, 360.1 * MS, null)], 362 * MS);
    m.flush(1000 * MS);
    expect(argvs(out)).toEqual(['sh', 'true']);
    expect(m.stats).toMatchObject({ matched: 2, matchedLate: 1, withoutArgv: 0, kernelOnly: 0 });
  });

  it('never pairs a proc exec with a later eBPF exec of its pid, when eBPF lost its own', () => {
    const { m, out } = merger();
    m.fromKernel([{ type: 'lost', time: '', ts: 100 * MS, count: 1, source: 'ebpf' }, exec(10, 360 * MS, ['true'])], 361 * MS);
    m.fromProcConnector([exec(10, 350 * MS, null), exec(10, 360.1 * MS, null)], 362 * MS);
    for (let now = 400; now <= 1000; now += 100) m.flush(now * MS); // as the source's timer does
    expect(argvs(out)).toEqual([null, 'true']);
    expect(m.stats).toMatchObject({ matched: 1, withoutArgv: 1, kernelOnly: 0 });
  });

  it('gives up on an eBPF exec\'s twin when its pid exits (the proc connector reports the exec before)', () => {
    const { m } = merger();
    m.fromKernel([exec(10, 100 * MS, ['a']), exec(11, 100 * MS, ['b']), exec(11, 200 * MS, ['c'])], 201 * MS);
    expect(m.stats).toMatchObject({ awaitingTwin: 3 });
    m.fromProcConnector([exit(10, 150 * MS), exec(11, 200.1 * MS, null), exit(11, 250 * MS)], 202 * MS);
    expect(m.stats).toMatchObject({ matched: 1, kernelOnly: 2, awaitingTwin: 0 });
  });

  it('remembers eBPF execs awaiting their twin within bounds: the oldest go past the cap, all after rememberNs', () => {
    const out: ForktopEvent[] = [];
    const m = new ExecMerger((events) => out.push(...eventsOf(events)), { holdNs: 30 * MS, rememberMax: 3, rememberNs: 10_000 * MS });
    m.fromKernel([1, 2, 3, 4, 5].map((pid) => exec(pid, pid * MS, ['x'])), 10 * MS);
    expect(m.stats).toMatchObject({ kernelOnly: 2, awaitingTwin: 3 });
    m.fromProcConnector([exec(1, 1.1 * MS, null), exec(5, 5.1 * MS, null)], 11 * MS); // 1 was forgotten: out alone
    m.flush(100 * MS, false);
    expect(m.stats).toMatchObject({ matched: 1, kernelOnly: 2, awaitingTwin: 2 });
    m.flush(10_011 * MS);
    expect(m.stats).toMatchObject({ matched: 1, kernelOnly: 4, awaitingTwin: 0 });
  });

  it('one exec a tracer holds for long does not make it keep every exec paired since', () => {
    const out: ForktopEvent[] = [];
    const m = new ExecMerger((events) => out.push(...eventsOf(events)), { holdNs: 1 * MS });
    m.fromKernel([exec(1, 1 * MS, ['held'])], 2 * MS);
    for (let i = 0; i < 20_000; i++) {
      const ts = (10 + i * 0.01) * MS;
      m.fromKernel([exec(1000 + i, ts, ['x'])], ts + 0.001 * MS);
      m.fromProcConnector([exec(1000 + i, ts + 0.0001 * MS, null)], ts + 0.002 * MS);
    }
    expect(m.stats).toMatchObject({ matched: 20_000, awaitingTwin: 1 });
    expect((m as unknown as { rememberedQueue: unknown[] }).rememberedQueue.length).toBeLessThan(2000);
  });
});

describe('ExecMerger and /proc scans', () => {
  it('releases a scan whole, even when it took longer than the hold time', () => {
    const out: ForktopEvent[] = [];
    const m = new ExecMerger((events) => out.push(...eventsOf(events)), { holdNs: 30 * MS });
    const snap = (pid: number, ts: number): ForktopEvent => ({
      type: 'snapshot', time: '', ts, pid, ppid: 1, argv: null, argv_source: null, comm: null, exe: null, cwd: null,
      uid: null, cgroup: null, start_ts: null, start: null,
    });
    m.fromProcConnector([snap(1, 100 * MS), snap(2, 150 * MS), snap(3, 200 * MS), fork(9, 210 * MS)], 101 * MS);
    m.flush(129 * MS);
    expect(out).toEqual([]);
    m.flush(131 * MS); // the first snapshot is ready: the whole scan goes, not the fork after it
    expect(out.map((ev) => (ev as { pid: number }).pid)).toEqual([1, 2, 3]);
  });
});

describe('ExecMerger keeps a process\'s events in order', () => {
  it('holds what came after an exec that waits for its argv (a fork by the new program stays after it)', () => {
    const { m, summary } = merger();
    // The proc connector's batch: node's child 10 execs storm, then storm forks 11.
    m.fromProcConnector([fork(10, 100 * MS), exec(10, 101 * MS, null), fork(11, 102 * MS)], 103 * MS);
    m.flush(140 * MS); // past the hold time, but the exec still waits for eBPF
    expect(summary()).toEqual(['fork:10']);
    m.fromKernel([exec(10, 101 * MS - 1000, ['storm'])], 150 * MS);
    m.flush(200 * MS);
    expect(summary()).toEqual(['fork:10', 'exec:10:storm', 'fork:11']);
  });
});

describe('ExecMerger holds events as long as the streams are late, no longer', () => {
  it('a quiet machine: a few ms; a storm (batches 100 ms apart): a little more than that; quiet again after 2 s', () => {
    const out: ForktopEvent[] = [];
    const m = new ExecMerger((events) => out.push(...eventsOf(events)));
    // Batches that arrive 3 ms after their events: held that and a 3 ms margin.
    m.fromProcConnector([fork(10, 100 * MS)], 103 * MS);
    m.fromKernel([], 103 * MS);
    expect(m.holdNow(103 * MS)).toBe(6 * MS);
    expect(m.nextDueNs(103 * MS)).toBe(106 * MS);
    m.flush(105 * MS);
    expect(out).toEqual([]);
    m.flush(106 * MS);
    expect(out).toHaveLength(1);
    // A storm: the oldest event of a batch is 100 ms old when it arrives.
    m.fromKernel([exec(20, 200 * MS, ['x'], -2)], 300 * MS);
    expect(m.holdNow(300 * MS)).toBe(103 * MS);
    m.flush(302 * MS); // 102 ms after it: the other stream's events of that time may still come
    expect(out).toHaveLength(1);
    m.flush(303 * MS);
    expect(out).toHaveLength(2);
    // Never past the cap, and back to the least once the window has passed.
    m.fromProcConnector([fork(30, 400 * MS)], 900 * MS);
    expect(m.holdNow(900 * MS)).toBe(150 * MS);
    expect(out).toHaveLength(3); // 500 ms late: out at once
    expect(m.nextDueNs(900 * MS)).toBeNull();
    expect(m.holdNow(3000 * MS)).toBe(4 * MS); // the least
  });
});

describe('ExecMerger without pairing: every fork, exec and exit from eBPF, id changes from the proc connector', () => {
  const uid = (pid: number, ts: number): ForktopEvent => ({ type: 'uid', time: '', ts, pid, ruid: 0, euid: 65534 });
  const snap = (pid: number, ts: number): ForktopEvent => ({
    type: 'snapshot', time: '', ts, pid, ppid: 1, argv: null, argv_source: null, comm: null, exe: null, cwd: null,
    uid: null, cgroup: null, start_ts: null, start: null,
  });
  const make = () => {
    const out: ForktopEvent[][] = [];
    const m = new ExecMerger((events) => out.push([...eventsOf(events)]), { holdNs: 30 * MS, pairExecs: false });
    const order = () => out.flat().map((ev) => `${ev.type}@${ev.ts / MS}`);
    return { m, out, order };
  };

  it('sends each exec once as eBPF gave it, with the proc connector\'s events in their time order', () => {
    const { m, order } = make();
    m.fromKernel([fork(10, 100 * MS), exec(10, 101 * MS, ['sudo', 'x']), fork(11, 104 * MS)], 105 * MS);
    m.fromProcConnector([uid(10, 102 * MS)], 106 * MS);
    m.fromKernel([exec(11, 103.5 * MS, ['late']), exit(11, 107 * MS)], 108 * MS); // reaches back
    m.flush(200 * MS);
    expect(order()).toEqual(['fork@100', 'exec@101', 'uid@102', 'exec@103.5', 'fork@104', 'exit@107']);
    expect(m.stats).toMatchObject({ matched: 0, withoutArgv: 0, kernelOnly: 0, awaitingTwin: 0 });
  });

  it("holds eBPF's events as long as the proc connector is late, not as long as eBPF's own batches are (a storm's execs go out as they come)", () => {
    const out: ForktopEvent[][] = [];
    const m = new ExecMerger((events) => out.push([...eventsOf(events)]), { pairExecs: false });
    m.fromProcConnector([uid(5, 100 * MS)], 102 * MS); // 2 ms late
    m.flush(106 * MS);
    // A storm's batch, its oldest event 100 ms old: all but its last 5 ms go out at once.
    m.fromKernel([fork(10, 150 * MS), exec(10, 200 * MS, ['a']), exit(10, 247 * MS)], 250 * MS);
    expect(m.holdNow(250 * MS)).toBe(5 * MS);
    expect(out.flat().map((ev) => ev.type)).toEqual(['uid', 'fork', 'exec']);
    m.flush(252 * MS);
    expect(out.flat()).toHaveLength(4);
    // Paired streams (no forks from eBPF) still wait for eBPF's lateness.
    const paired = new ExecMerger(() => {}, {});
    paired.fromProcConnector([uid(5, 100 * MS)], 102 * MS);
    paired.fromKernel([exec(10, 150 * MS, ['a'])], 250 * MS);
    expect(paired.holdNow(250 * MS)).toBe(103 * MS);
  });

  it('a batch taken without releasing waits for the flush, so an id change delivered next (older) goes before it', () => {
    const { m, order } = make();
    m.fromKernel([fork(11, 110 * MS), exec(11, 111 * MS, ['x'])], 200 * MS, false);
    expect(order()).toEqual([]);
    m.fromProcConnector([uid(10, 105 * MS)], 200 * MS);
    m.flush(200 * MS);
    expect(order()).toEqual(['uid@105', 'fork@110', 'exec@111']);
  });

  it('holds for the hold time, then sends what is due as one batch, and the rest later', () => {
    const { m, out } = make();
    const batch = [fork(10, 100 * MS), exec(10, 101 * MS, ['a']), exit(10, 120 * MS)];
    m.fromKernel(batch, 121 * MS);
    expect(out).toEqual([]);
    expect(m.nextDueNs(121 * MS)).toBe(130 * MS);
    m.flush(131.5 * MS);
    expect(out.map((b) => b.length)).toEqual([2]);
    m.flush(150 * MS);
    expect(out.map((b) => b.length)).toEqual([2, 1]);
    expect(m.nextDueNs(150 * MS)).toBeNull();
  });

  describe('batches as the eBPF source packs them (--json)', () => {
    const makePacked = () => {
      const out: EventBatch[] = [];
      const m = new ExecMerger((batch) => out.push(batch), { holdNs: 30 * MS, pairExecs: false });
      const order = () => out.flatMap((batch) => eventsOf(batch)).map((ev) => `${ev.type}@${ev.ts / MS}`);
      return { m, out, order };
    };

    it('go out whole and as they came, once their last event is due', () => {
      const { m, out } = makePacked();
      const first = packedBatch([fork(10, 100 * MS), exec(10, 101 * MS, ['a']), exit(10, 120 * MS)]);
      const second = packedBatch([fork(11, 125 * MS)]);
      m.fromKernel(first, 121 * MS);
      m.fromKernel(second, 126 * MS);
      expect(m.nextDueNs(126 * MS)).toBe(150 * MS);
      m.flush(149 * MS);
      expect(out).toEqual([]);
      m.flush(150 * MS);
      expect(out).toHaveLength(1);
      expect(out[0]).toBe(first);
      expect(first.isDecoded).toBe(false); // no object was built to pass it on
      m.flush(200 * MS, false);
      expect(out).toEqual([first, second]);
      expect(m.nextDueNs(200 * MS)).toBeNull();
    });

    it("become events when the proc connector's go between them, in time order", () => {
      const { m, order } = makePacked();
      m.fromKernel(packedBatch([fork(10, 100 * MS), exec(10, 101 * MS, ['sudo', 'x']), fork(11, 104 * MS)]), 105 * MS);
      m.fromProcConnector([uid(10, 102 * MS)], 106 * MS);
      m.fromKernel(packedBatch([exec(11, 103.5 * MS, ['late']), exit(11, 107 * MS)]), 108 * MS); // reaches back
      m.fromKernel(packedBatch([fork(12, 300 * MS)]), 301 * MS);
      m.flush(400 * MS);
      expect(order()).toEqual(['fork@100', 'exec@101', 'uid@102', 'exec@103.5', 'fork@104', 'exit@107', 'fork@300']);
    });

    it('go out only as far as they are due, all of them on a last flush, none while a backlog is awaited', () => {
      const { m, out } = makePacked();
      const batches = [100, 200, 300].map((t, i) => packedBatch([fork(10 + i, t * MS), exit(10 + i, (t + 10) * MS)]));
      for (const batch of batches) m.fromKernel(batch, batch.ts(1) + 1 * MS);
      expect(out).toEqual(batches.slice(0, 2)); // each due 30 ms after its last event
      m.flush(312 * MS, true);
      expect(out).toEqual(batches);
      // A batch a stall late: the proc connector's backlog is right behind it, so it waits.
      m.fromKernel(packedBatch([fork(20, 1000 * MS)]), 3000 * MS);
      m.flush(3020 * MS);
      expect(out).toHaveLength(3);
      m.flush(3031 * MS);
      expect(out).toHaveLength(4);
    });

    it('are held as they came again once the events between them have gone out', () => {
      const { m, out } = makePacked();
      m.fromProcConnector([uid(10, 100 * MS)], 101 * MS);
      m.fromKernel(packedBatch([fork(11, 102 * MS)]), 103 * MS); // behind the uid change: made events
      m.flush(200 * MS);
      expect(out.every((batch) => Array.isArray(batch))).toBe(true);
      const later = packedBatch([fork(12, 300 * MS)]);
      m.fromKernel(later, 301 * MS);
      m.flush(400 * MS);
      expect(out[out.length - 1]).toBe(later);
    });

    it('one that reaches back past the batch held goes between its events', () => {
      const { m, out, order } = makePacked();
      m.fromKernel(packedBatch([fork(10, 100 * MS), fork(11, 110 * MS)]), 111 * MS);
      m.fromKernel(packedBatch([exit(10, 105 * MS)]), 112 * MS);
      m.flush(200 * MS);
      expect(order()).toEqual(['fork@100', 'exit@105', 'fork@110']);
      expect(out.every((batch) => Array.isArray(batch))).toBe(true);
    });
  });

  it('a name set after an exec waits for the eBPF stream to reach its time (the exec must not come after it), a while at most', () => {
    const { m, order } = make();
    const comm = (pid: number, ts: number): ForktopEvent => ({ type: 'comm', time: '', ts, pid, comm: 'renamed' });
    // The proc connector's reader was on time, eBPF's was not (a loaded machine).
    m.fromProcConnector([comm(10, 101 * MS)], 102 * MS);
    m.flush(140 * MS); // past the hold: still waiting for eBPF
    expect(order()).toEqual([]);
    expect(m.nextDueNs(140 * MS)).toBeGreaterThan(140 * MS);
    m.fromKernel([exec(10, 100 * MS, ['bash']), fork(11, 102 * MS)], 141 * MS);
    m.flush(200 * MS);
    expect(order()).toEqual(['exec@100', 'comm@101', 'fork@102']);
    // eBPF idle: the change goes out once it has waited long enough.
    m.fromProcConnector([comm(10, 300 * MS)], 301 * MS);
    m.flush(340 * MS);
    expect(order()).toHaveLength(3);
    m.flush(402 * MS);
    expect(order()).toEqual(['exec@100', 'comm@101', 'fork@102', 'comm@300']);
  });

  it('releases a /proc scan whole, in its place among the stream', () => {
    const { m, order } = make();
    m.fromProcConnector([snap(1, 100 * MS), snap(2, 150 * MS), { type: 'resync', time: '', ts: 200 * MS, id: 1, count: 2 }], 101 * MS);
    m.fromKernel([fork(9, 120 * MS), fork(8, 210 * MS)], 211 * MS);
    m.flush(131 * MS + 1);
    expect(order()).toEqual(['snapshot@100', 'fork@120', 'snapshot@150', 'resync@200']);
  });
});
