// The agent's publisher and the viewer's source through a real nats-server, with the server
// killed and started again under them: what fits the agent's queue arrives, in order and
// once; what does not is counted, exactly, as a transport loss. Synthetic events (no kernel,
// no root); the CLI's end-to-end test does the same with real agents.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ExecEvent, ForktopEvent } from '../../src/events/schema.js';
import { makeHeader } from '../../src/events/header.js';
import { NatsPublisher } from '../../src/output/nats-publisher.js';
import { monotonicNs } from '../../src/sources/clock.js';
import { NatsSource } from '../../src/sources/nats.js';
import { DEFAULTS, parseNatsUrl, type NatsUrl } from '../../src/transport/nats-wire.js';
import { describeWithNats, startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { eventsOf } from '../../src/events/packed.js';

// On the machine's monotonic clock, as the publisher stamps its own lines (a `lost` count): a
// fixed start was more than a day before them once the machine had been up a day, and the
// viewer rightly refused the count.
let ts = monotonicNs();
function exec(n: number, tag: string, pad = 0): ExecEvent {
  ts += 1e5;
  return {
    type: 'exec', time: new Date().toISOString().replace('Z', '000Z'), ts, pid: 1000 + (n % 100_000), ppid: 1, ret: 0,
    argv: ['/bin/true', `${tag}-${n}`, ...(pad ? ['x'.repeat(pad)] : [])], argv_source: 'kernel', comm: 'true', exe: '/bin/true', cwd: '/', uid: 0,
    cgroup: null, start_ts: ts - 5e4, start: null,
  } as ExecEvent;
}

const until = async (ok: () => boolean, what: string, ms = 20_000) => {
  for (const deadline = Date.now() + ms; !ok(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describeWithNats('the agent\'s publisher through a real nats-server that goes away', () => {
  let server: TestNatsServer;
  let url: NatsUrl;
  beforeAll(async () => {
    server = await startNatsServer();
    url = parseNatsUrl(server.url) as NatsUrl;
  });
  afterAll(async () => {
    await server?.remove();
  });

  function agent(host: string, bufferBytes = DEFAULTS.bufferBytes) {
    const log: string[] = [];
    const publisher = new NatsPublisher({ url, host, bufferBytes, retention: DEFAULTS, onInfo: (m) => log.push(m), heartbeatMs: 200 });
    publisher.start();
    publisher.begin(makeHeader('0.1.0', 'test', 'a test', []));
    return { publisher, log };
  }

  async function viewer(host: string) {
    const events: ForktopEvent[] = [];
    const warnings: string[] = [];
    const source = new NatsSource({ url, since: { kind: 'all' }, replay: false, hosts: (h) => h === host, onWarning: (m) => warnings.push(m), heartbeatMs: 200 });
    await source.start({ onBatch: (batch) => events.push(...eventsOf(batch)), onError: (e) => warnings.push(`error: ${e.message}`) });
    const tags = () => events.filter((e): e is ExecEvent => e.type === 'exec').map((e) => e.argv?.[1] ?? '');
    const lost = () => events.filter((e) => e.type === 'lost').reduce((sum, e) => sum + (e as { count: number }).count, 0);
    return { source, events, warnings, tags, lost };
  }

  it('the server killed for 3 s while events come: all of them arrive, in order, once; the viewer rides it out too', { timeout: 90_000 }, async () => {
    const a = agent('steady-1');
    const v = await viewer('steady-1');
    try {
      let n = 0;
      const write = (count: number) => {
        const batch: ForktopEvent[] = [];
        for (let i = 0; i < count; i++) batch.push(exec(n++, 'S'));
        a.publisher.write(batch, []);
      };
      write(50);
      await until(() => v.tags().length === 50, 'the first 50');
      await server.stop();
      const writer = setInterval(() => write(20), 10);
      await new Promise((resolve) => setTimeout(resolve, 3000)); // the outage itself
      await server.start();
      clearInterval(writer);
      await until(() => v.tags().length >= n, `${n} events`, 20_000).catch((e) => {
        throw new Error(`${e.message}: got ${v.tags().length}; agent ${JSON.stringify(a.publisher.counts)} ${JSON.stringify(a.log)}; viewer ${JSON.stringify(v.source.stats())} ${JSON.stringify(v.warnings)}`);
      });
      expect(v.tags()).toEqual(Array.from({ length: n }, (_, i) => `S-${i}`));
      expect(v.lost()).toBe(0);
      expect(a.log.some((m) => m.startsWith('lost nats://'))).toBe(true);
      expect(a.log.some((m) => m.startsWith('back on nats://'))).toBe(true);
      expect(v.warnings).toEqual([]);
      // A clean stop says bye: the host is down at once, not after the missed beats.
      expect(await a.publisher.close()).toBe(0);
      const bye = (e: ForktopEvent) => e.type === 'host' && e.reason === 'its agent stopped (forktop --publish ended)';
      await until(() => v.events.some(bye), 'down on its bye');
      // While the server was away the viewer heard nothing (heartbeats every 200 ms here):
      // down, then up again with no rescan, then down for good.
      const states = v.events.filter((e) => e.type === 'host').map((e) => `${(e as { state: string }).state}${e.reason ? `: ${e.reason.replace(/ .*/, '')}` : ''}`);
      expect(states).toEqual(['up', 'down: no', 'up', 'down: its']);
      expect(v.events.some((e) => e.type === 'resync')).toBe(false);
    } finally {
      await a.publisher.close();
      await v.source.stop();
    }
  });

  it('what does not fit the agent\'s queue while the server is away is counted, exactly, and said as a transport loss when it is back', async () => {
    const a = agent('small-1', 1024 * 1024);
    const v = await viewer('small-1');
    try {
      let n = 0;
      a.publisher.write([exec(n++, 'T')], []);
      await until(() => v.tags().length === 1, 'the first');
      await server.stop();
      await until(() => a.log.some((m) => m.startsWith('lost nats://')), 'the agent to notice');
      // ~4 MiB of events, 1 KiB each, into a 1 MiB queue.
      for (let round = 0; round < 40; round++) {
        const batch: ForktopEvent[] = [];
        for (let i = 0; i < 100; i++) batch.push(exec(n++, 'T', 1000));
        a.publisher.write(batch, []);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await server.start();
      a.publisher.write([exec(n++, 'T')], []);
      await until(() => v.tags().length + v.lost() >= n, `${n} events, arrived or counted`, 60_000);
      expect(v.lost()).toBeGreaterThan(1000);
      expect(v.tags().length + v.lost()).toBe(n);
      expect(a.publisher.counts.lost).toBe(v.lost());
      const lostRow = v.events.find((e) => e.type === 'lost');
      expect(lostRow).toMatchObject({ host: 'small-1', source: 'transport' });
      // What arrived is in order, with the hole where the queue was full.
      const numbers = v.tags().map((t) => Number(t.slice(2)));
      expect(numbers).toEqual([...numbers].sort((x, y) => x - y));
    } finally {
      await a.publisher.close();
      await v.source.stop();
    }
  });
});
