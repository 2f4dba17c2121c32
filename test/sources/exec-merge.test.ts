import { describe, expect, it } from 'vitest';
import type { ExecEvent, ForktopEvent } from '../../src/events/schema.js';
import { ExecMerger } from '../../src/sources/exec-merge.js';

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
  const m = new ExecMerger((events) => out.push(...events), { holdNs: 30 * MS, matchNs: 50 * MS, waitNs: 500 * MS });
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
    expect(m.stats).toEqual({ matched: 2, withoutArgv: 0, kernelOnly: 0 });
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

describe('ExecMerger and /proc scans', () => {
  it('releases a scan whole, even when it took longer than the hold time', () => {
    const out: ForktopEvent[] = [];
    const m = new ExecMerger((events) => out.push(...events), { holdNs: 30 * MS });
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
    const m = new ExecMerger((events) => out.push(...events));
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
