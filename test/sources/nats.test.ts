// The NATS viewer source against a real nats-server with JetStream: batches published with
// the real client, as an agent's would be (or as a broken or hostile one's), read back by
// NatsSource. No kernel, no root.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { ForktopEvent } from '../../src/events/schema.js';
import { NatsSource, type NatsSourceOptions } from '../../src/sources/nats.js';
import { ensureStream, loadNats } from '../../src/transport/nats-client.js';
import { DEFAULTS, HEADER, parseNatsUrl, type NatsUrl } from '../../src/transport/nats-wire.js';
import { describeWithNats, startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { eventsOf } from '../../src/events/packed.js';

const header = (host: string, boot = '1111-2222') =>
  JSON.stringify({ type: 'header', forktop: '0.1.0', schema: 3, host, kernel: '6', source: 'ebpf', reason: '', caveats: [], start: '', boot_id: boot });
let clock = 1_000e9;
const exec = (pid: number, tag: string) =>
  JSON.stringify({
    type: 'exec', time: new Date().toISOString().replace('Z', '000Z'), ts: (clock += 1e6), pid, ppid: 1, ret: 0, argv: ['/bin/true', tag], argv_source: 'kernel',
    comm: 'true', exe: '/bin/true', cwd: '/', uid: 0, cgroup: null, start_ts: clock - 5e5, start: null,
  });

interface Batch {
  host: string;
  run?: string;
  seq: number;
  first: number;
  lines: string[];
  count?: number;
  kind?: string;
  subject?: string;
  extra?: Record<string, string>;
}

describeWithNats('the NATS viewer source (real nats-server)', () => {
  let server: TestNatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let url: NatsUrl;
  const RUN = 'aaaaaaaaaaaaaaaa';

  beforeAll(async () => {
    server = await startNatsServer();
    url = parseNatsUrl(server.url) as NatsUrl;
    nc = await connect({ servers: url.servers });
    js = jetstream(nc);
    const nats = await loadNats();
    await ensureStream(nats, await nats.js.jetstreamManager(nc), DEFAULTS);
  });
  afterAll(async () => {
    await nc?.close();
    await server?.remove();
  });

  async function publish(b: Batch): Promise<void> {
    const h = headers();
    h.set(HEADER.host, b.host);
    h.set(HEADER.run, b.run ?? RUN);
    h.set(HEADER.seq, String(b.seq));
    h.set(HEADER.first, String(b.first));
    h.set(HEADER.count, String(b.count ?? b.lines.filter((l) => !l.includes('"header"')).length));
    h.set(HEADER.kind, b.kind ?? 'events');
    for (const [k, v] of Object.entries(b.extra ?? {})) h.set(k, v);
    const data = b.lines.map((l) => l + '\n').join('');
    await js.publish(b.subject ?? `forktop.${b.host.replace(/\./g, '_')}.events`, data, { headers: h });
  }

  function beat(host: string, run = RUN, boot = '1111-2222'): void {
    const h = headers();
    h.set(HEADER.host, host);
    h.set(HEADER.run, run);
    nc.publish(`forktop.${host.replace(/\./g, '_')}.beat`, header(host, boot), { headers: h });
  }

  async function viewer(options: Partial<NatsSourceOptions> = {}) {
    const events: ForktopEvent[] = [];
    const warnings: string[] = [];
    let ended = false;
    const source = new NatsSource({ url, since: { kind: 'new' }, replay: false, onWarning: (m) => warnings.push(m), ...options });
    await source.start({ onBatch: (batch) => events.push(...eventsOf(batch)), onError: (e) => warnings.push(`error: ${e.message}`), onEnd: () => (ended = true) });
    const waitFor = async (match: (evs: ForktopEvent[]) => boolean, what: string, ms = 10_000) => {
      for (const deadline = Date.now() + ms; !match(events); ) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(events)} ${JSON.stringify(warnings)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    return { source, events, warnings, waitFor, ended: () => ended };
  }

  const execsOf = (events: ForktopEvent[], host: string) => events.filter((e) => e.type === 'exec' && e.host === host).map((e) => (e as { argv: string[] }).argv[1]);

  it('a run\'s header brings its host up; events carry the host; a gap in the counts is a lost row with the exact number; a copy is dropped', async () => {
    const v = await viewer();
    try {
      await publish({ host: 'web-1.example', seq: 1, first: 0, lines: [header('web-1.example'), exec(10, 'a'), exec(11, 'b')] });
      await publish({ host: 'web-1.example', seq: 2, first: 2, lines: [exec(12, 'c')] });
      await publish({ host: 'web-1.example', seq: 2, first: 2, lines: [exec(12, 'c')] }); // sent again
      // Batches 3 and 4 (7 events) never arrive.
      await publish({ host: 'web-1.example', seq: 5, first: 10, lines: [exec(13, 'd')] });
      await v.waitFor((evs) => execsOf(evs, 'web-1.example').includes('d'), 'the last exec');
      expect(v.events[0]).toMatchObject({ type: 'host', host: 'web-1.example', state: 'up', boot_id: '1111-2222' });
      expect(execsOf(v.events, 'web-1.example')).toEqual(['a', 'b', 'c', 'd']);
      expect(v.events.filter((e) => e.type === 'lost')).toEqual([expect.objectContaining({ type: 'lost', host: 'web-1.example', count: 7, source: 'transport' })]);
      expect(v.source.stats()).toMatchObject({ duplicates: 1, lost: 7 });
      expect(v.warnings).toEqual([]);
    } finally {
      await v.source.stop();
    }
  });

  it('batches that are not an agent\'s are refused, said (a few times) and skipped: no host, another host\'s subject, counts that are not counts', async () => {
    const v = await viewer();
    try {
      await publish({ host: 'bad host', seq: 1, first: 0, lines: [exec(1, 'x')], subject: 'forktop.bad.events' });
      await publish({ host: 'web-2', seq: 1, first: 0, lines: [exec(1, 'x')], subject: 'forktop.web-3.events' });
      await publish({ host: 'web-2', seq: 1, first: 0, lines: [exec(1, 'x')], extra: { [HEADER.seq]: '-1' } });
      await publish({ host: 'web-2', seq: 1, first: 0, lines: [exec(1, 'x')], count: 99_999_999 });
      await publish({ host: 'web-2', seq: 1, first: 0, lines: [exec(1, 'x')], kind: 'evil' });
      await publish({ host: 'web-2', run: 'nothex', seq: 1, first: 0, lines: [exec(1, 'x')] });
      // A good batch whose lines are partly bad: the HostStream's checks.
      await publish({ host: 'web-2', seq: 1, first: 0, lines: [header('web-2'), 'not json', JSON.stringify({ type: 'exec', ts: 1 }), exec(2, 'ok')] , count: 3 });
      await v.waitFor((evs) => execsOf(evs, 'web-2').includes('ok'), 'the good exec');
      expect(execsOf(v.events, 'web-2')).toEqual(['ok']);
      expect(v.events.some((e) => e.host === 'bad host' || e.host === 'web-3')).toBe(false);
      expect(v.source.stats().badMessages).toBe(6);
      expect(v.warnings.length).toBeLessThanOrEqual(5 + 2);
      expect(v.warnings[0]).toMatch(/^nats: a batch without a host name/);
      expect(v.warnings).toContain('nats: web-2: a batch on forktop.web-3.events, not forktop.web-2.events');
      expect(v.warnings.some((w) => w.startsWith('web-2: a line that is not JSON'))).toBe(true);
    } finally {
      await v.source.stop();
    }
  });

  it('--hosts: only the hosts it names (globs)', async () => {
    const v = await viewer({ hosts: (h) => /^db-/.test(h) });
    try {
      await publish({ host: 'web-9', seq: 1, first: 0, lines: [header('web-9'), exec(21, 'web')] });
      await publish({ host: 'db-9', seq: 1, first: 0, lines: [header('db-9'), exec(22, 'db')] });
      await v.waitFor((evs) => execsOf(evs, 'db-9').length === 1, 'db-9\'s exec');
      expect(v.events.some((e) => e.host === 'web-9')).toBe(false);
    } finally {
      await v.source.stop();
    }
  });

  it('a heartbeat brings a quiet host up with its header; silence marks it down; heard again (the same run) it is up with no rescan; bye is down for good', async () => {
    const v = await viewer({ heartbeatMs: 200 });
    try {
      beat('quiet-1', RUN, '3333');
      await v.waitFor((evs) => evs.some((e) => e.type === 'host' && e.host === 'quiet-1'), 'quiet-1 up');
      expect(v.events[0]).toMatchObject({ type: 'host', host: 'quiet-1', state: 'up', boot_id: '3333' });
      // Its first batch (with the header again) does not connect it a second time.
      await publish({ host: 'quiet-1', seq: 1, first: 0, lines: [header('quiet-1', '3333'), exec(5, 'one')] });
      await v.waitFor((evs) => execsOf(evs, 'quiet-1').length === 1, 'its exec');
      await v.waitFor((evs) => evs.some((e) => e.type === 'host' && e.state === 'down'), 'down after 3 missed beats');
      expect(v.events.filter((e) => e.type === 'host').at(-1)).toMatchObject({ state: 'down', reason: expect.stringMatching(/^no word from its agent/) });
      beat('quiet-1');
      await v.waitFor((evs) => evs.filter((e) => e.type === 'host').length === 3, 'up again');
      expect(v.events.filter((e) => e.type === 'host').map((e) => (e as { state: string }).state)).toEqual(['up', 'down', 'up']);
      expect(v.events.some((e) => e.type === 'resync' || e.type === 'snapshot')).toBe(false);
      await publish({ host: 'quiet-1', seq: 2, first: 1, count: 0, lines: [], kind: 'bye' });
      await v.waitFor((evs) => evs.filter((e) => e.type === 'host').length === 4, 'down on bye');
      expect(v.events.filter((e) => e.type === 'host').at(-1)).toMatchObject({ state: 'down', reason: 'its agent stopped (forktop --publish ended)' });
      beat('quiet-1'); // a beat that overtook the bye
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(v.events.filter((e) => e.type === 'host')).toHaveLength(4);
    } finally {
      await v.source.stop();
    }
  });

  it('a new run of a host\'s agent (a restart) is a new connection: its snapshots rescan the host', async () => {
    const v = await viewer();
    const run2 = 'bbbbbbbbbbbbbbbb';
    try {
      await publish({ host: 'web-r', seq: 1, first: 0, lines: [header('web-r'), exec(7, 'first')] });
      await v.waitFor((evs) => execsOf(evs, 'web-r').length === 1, 'the first run');
      const snap = JSON.stringify({ type: 'snapshot', time: new Date().toISOString(), ts: (clock += 1e6), pid: 8, ppid: 1, argv: ['sleep'], argv_source: 'proc', comm: 'sleep', exe: null, cwd: null, uid: 0, cgroup: null, start_ts: 5, start: null });
      await publish({ host: 'web-r', run: run2, seq: 1, first: 0, lines: [header('web-r', '4444'), snap, exec(9, 'second')] });
      await v.waitFor((evs) => execsOf(evs, 'web-r').length === 2, 'the second run');
      expect(v.events.map((e) => e.type)).toEqual(['host', 'exec', 'host', 'snapshot', 'exec']);
      expect(v.events[3]).toMatchObject({ resync: expect.any(Number) });
      // The rescan ends once events come well after its last snapshot (HostStream's rule).
      clock += 3e9;
      await publish({ host: 'web-r', run: run2, seq: 2, first: 2, lines: [exec(10, 'third')] });
      await v.waitFor((evs) => execsOf(evs, 'web-r').length === 3, 'the third exec');
      expect(v.events.map((e) => e.type).slice(5)).toEqual(['resync', 'exec']);
    } finally {
      await v.source.stop();
    }
  });

  it('--since all replays what was there before the viewer; --replay nats:// plays the history and ends', async () => {
    await publish({ host: 'hist-1', seq: 1, first: 0, lines: [header('hist-1'), exec(23, 'before')] });
    const v = await viewer({ since: { kind: 'all' }, hosts: (h) => h === 'hist-1' });
    try {
      await v.waitFor((evs) => execsOf(evs, 'hist-1').includes('before'), 'the history');
    } finally {
      await v.source.stop();
    }
    const r = await viewer({ replay: true, hosts: (h) => h === 'hist-1' });
    await v.waitFor(() => r.ended(), 'the replay\'s end');
    expect(execsOf(r.events, 'hist-1')).toEqual(['before']);
    await r.source.stop();
    // Nothing since the time asked: the end at once, not a wait for ever.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const empty = await viewer({ replay: true, since: { kind: 'time', iso: new Date().toISOString() } });
    await empty.waitFor(() => empty.ended(), 'an empty replay\'s end');
    expect(empty.events).toEqual([]);
    await empty.source.stop();
  });
});
