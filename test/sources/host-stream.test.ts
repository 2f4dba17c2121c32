import { describe, expect, it } from 'vitest';
import type { ForktopEvent } from '../../src/events/schema.js';
import { HostStream } from '../../src/sources/host-stream.js';

/** A host whose clock reads 1,000 s since boot when the viewer's reads 5,000 s; both walls agree. */
function stream(warnings: string[] = []) {
  let viewerMono = 5_000e9;
  const wall = Date.parse('2026-12-01T10:00:10.000Z');
  const s = new HostStream('web-1', { onWarning: (m) => warnings.push(m), monotonic: () => viewerMono, wallMs: () => wall });
  return { s, advance: (ms: number) => (viewerMono += ms * 1e6) };
}

const header = (boot = 'aa-bb') => JSON.stringify({ type: 'header', forktop: '0.1.0', schema: 3, host: 'w1', kernel: '6', source: 'ebpf', reason: '', caveats: [], start: '', boot_id: boot });
const exec = (pid: number, ts: number, time = '2026-12-01T10:00:09.000000Z') =>
  JSON.stringify({ type: 'exec', time, ts, pid, ppid: 1, ret: 0, argv: ['/bin/true'], argv_source: 'kernel', comm: 'true', exe: '/bin/true', cwd: '/', uid: 0, cgroup: null, start_ts: ts - 1e6, start: null });
const snapshot = (pid: number, ts: number) =>
  JSON.stringify({ type: 'snapshot', time: '2026-12-01T10:00:09.000000Z', ts, pid, ppid: 1, argv: ['sleep'], argv_source: 'proc', comm: 'sleep', exe: null, cwd: null, uid: 0, cgroup: null, start_ts: 5, start: null });

function lines(s: HostStream, ...texts: string[]): ForktopEvent[] {
  const out: ForktopEvent[] = [];
  for (const t of texts) s.takeLine(t, out);
  return out;
}

describe('one remote host stream', () => {
  it('a header brings the host up; events get the host and the viewer clock (through wall time), time stays the host\'s', () => {
    const { s } = stream();
    const out = lines(s, header(), exec(42, 1_000e9));
    expect(out[0]).toMatchObject({ type: 'host', host: 'web-1', state: 'up', boot_id: 'aa-bb', ts: 5_000e9 });
    // The exec happened a second before the viewer's now (by the walls): 4,999 s on its clock.
    expect(out[1]).toMatchObject({ type: 'exec', host: 'web-1', pid: 42, ts: 4_999e9, start_ts: 4_999e9 - 1e6, time: '2026-12-01T10:00:09.000000Z' });
  });

  it('whatever host a line names, the viewer\'s name for the host is what it carries', () => {
    const { s } = stream();
    const ev = JSON.parse(exec(9, 1_000e9));
    ev.host = 'evil';
    const out: ForktopEvent[] = [];
    s.take(ev, out);
    expect(out.map((e) => e.host)).toEqual(['web-1', 'web-1']);
  });

  it('checks every line: bad ones are reported (bounded) and skipped; alerts and ends are the viewer\'s to make', () => {
    const warnings: string[] = [];
    const { s } = stream(warnings);
    const out = lines(s, header(), 'nope', JSON.stringify({ type: 'exec', ts: 1 }), JSON.stringify({ type: 'alert' }), exec(5, 1e12), JSON.stringify({ type: 'end', time: '2026-12-01T10:00:09Z', ts: 1e12 }));
    expect(out.map((e) => e.type)).toEqual(['host', 'exec']);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/^web-1: a line that is not JSON/);
    expect(s.badLines).toBe(3);
    for (let i = 0; i < 20; i++) lines(s, 'x');
    expect(warnings.length).toBeLessThanOrEqual(5);
    expect(s.badLines).toBe(23);
  });

  it('a connection after the first starts with a rescan: its snapshots carry a resync id; it ends, as of the scan\'s start, once they stop coming', () => {
    const { s, advance } = stream();
    lines(s, header(), snapshot(7, 1_000e9), exec(8, 1_000e9));
    const down = s.disconnected('ssh: Connection closed by 10.0.0.2');
    expect(down).toEqual([expect.objectContaining({ type: 'host', state: 'down', reason: 'ssh: Connection closed by 10.0.0.2' })]);
    advance(3000);
    // Live events come among the snapshots (another kernel stream, merged by time): the
    // rescan goes on until an event 2 s after its last snapshot.
    const out = lines(s, header('cc-dd'), exec(11, 1_002.9e9), snapshot(7, 1_003e9), exec(12, 1_003.1e9), snapshot(9, 1_003.2e9), exec(10, 1_005.3e9));
    expect(out.map((e) => e.type)).toEqual(['host', 'exec', 'snapshot', 'exec', 'snapshot', 'resync', 'exec']);
    const [, , a, , b, resync] = out;
    expect(a).toMatchObject({ resync: 1, host: 'web-1' });
    expect(b).toMatchObject({ resync: 1 });
    expect(resync).toMatchObject({ type: 'resync', id: 1, count: 2, host: 'web-1', ts: a.ts });
    expect(out[0]).toMatchObject({ boot_id: 'cc-dd' });
  });

  it('a transport loss is a lost event of the host', () => {
    const { s } = stream();
    expect(s.lost(12)).toEqual([expect.objectContaining({ type: 'lost', count: 12, source: 'transport', host: 'web-1' })]);
  });

  it('a stream joined mid-way (no header) brings the host up at its first event', () => {
    const { s } = stream();
    expect(lines(s, exec(3, 1_000e9)).map((e) => e.type)).toEqual(['host', 'exec']);
  });
});
