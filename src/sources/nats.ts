// --nats URL: the fleet's events from JetStream (what `forktop --publish` agents put there),
// one HostStream per host, merged into one stream for the live view or --json. --replay
// nats://… plays the stream's whole history and ends, as a file does.
//
// An ordered consumer (ephemeral, in order, recreated by the client where it left off after a
// reconnect) reads forktop.*.events from where --since says (new messages by default); core
// subscriptions read the agents' heartbeats. Each batch's headers are checked (nats-wire.ts)
// before any of its lines; the lines are checked by the host's HostStream. Per host, the run
// and sequence say what is new, what is a copy, and how many events the transport lost.
import type { NatsConnection, Msg, Subscription } from '@nats-io/transport-node';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { ForktopEvent, HostEvent } from '../events/schema.js';
import { MAX_LINE_BYTES } from './replay.js';
import { HostStream } from './host-stream.js';
import { monotonicNs, wallTime } from './clock.js';
import { SourceUnavailableError, type EventSource, type SourceHandlers } from './source.js';
import { checkTls, connectOptions, ensureStream, loadNats, natsError, type Retention } from '../transport/nats-client.js';
import {
  BEAT_SUBJECTS, DEFAULTS, EVENTS_SUBJECTS, HEADER, HEARTBEAT_MS, MAX_BEAT_BYTES, MAX_MESSAGE_BYTES, MISSED_BEATS,
  parseBatchMeta, parseBeatMeta, STREAM, type NatsUrl, type Since,
} from '../transport/nats-wire.js';

export interface NatsSourceOptions {
  url: NatsUrl;
  creds?: Uint8Array;
  /** Only hosts this accepts (--hosts); all when absent. */
  hosts?: (host: string) => boolean;
  since: Since;
  /** --replay nats://…: the history up to now, then the end (no heartbeats, no liveness). */
  replay: boolean;
  onWarning(message: string): void;
  retention?: Retention;
  /** The viewer's clocks (tests). */
  heartbeatMs?: number;
}

/** How long the first connection may take before the viewer says it can't. */
const CONNECT_TIMEOUT_MS = 5000;
const MAX_REPORTED = 5;
/** Hosts one viewer keeps (each has its HostStream, and its processes in the model): a
 *  server that carries more names (a misbehaving publisher) costs no more than this. */
export const MAX_HOSTS = 10_000;

interface Host {
  stream: HostStream;
  /** The agent run the host's stream is on, and what of it was seen. */
  run: string | null;
  /** The run's last batch number seen (0: none yet), and the events it had published by then. */
  seq: number;
  nextFirst: number;
  /** The run's header line reached the HostStream (from a beat or its first batch). */
  headerTaken: boolean;
  up: boolean;
  /** Marked down for silence: heard again (the same run), it is up again with no rescan. */
  silent: boolean;
  /** The run said bye: nothing more of it is expected. */
  ended: boolean;
  /** When the viewer last heard of it (ms, this machine's clock; a batch's time when it came
   *  from history). */
  heard: number;
}

export class NatsSource implements EventSource {
  private nc: NatsConnection | null = null;
  private messages: ConsumerMessages | null = null;
  private beats: Subscription | null = null;
  private readonly hosts = new Map<string, Host>();
  private pending: ForktopEvent[] = [];
  private flushing = false;
  private handlers: SourceHandlers | null = null;
  private stopped = false;
  private liveness: NodeJS.Timeout | null = null;
  private consuming: Promise<void> | null = null;
  private reported = 0;
  private lastSeq = 0;
  private finished = false;
  readonly counts = { batches: 0, events: 0, beats: 0, badMessages: 0, duplicates: 0, lost: 0, filtered: 0, tooManyHosts: 0 };
  private readonly heartbeatMs: number;

  constructor(private readonly options: NatsSourceOptions) {
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  }

  describe() {
    const { since, replay } = this.options;
    const from = since.kind === 'time' ? `since ${since.iso}` : replay || since.kind === 'all' ? 'its whole history' : 'new events';
    return {
      name: 'nats',
      caveats: [`hosts' events from JetStream stream ${STREAM} on ${this.options.url.shown}, ${from}`],
      remote: true,
    };
  }

  async start(handlers: SourceHandlers): Promise<void> {
    this.handlers = handlers;
    let nats;
    try {
      nats = await loadNats();
    } catch (error) {
      throw new SourceUnavailableError(`the NATS client could not be loaded: ${natsError(error)}`, 'nats');
    }
    const { url, creds } = this.options;
    let nc: NatsConnection;
    try {
      nc = await nats.core.connect({
        ...connectOptions(nats, { url, creds, name: 'forktop viewer' }),
        timeout: CONNECT_TIMEOUT_MS,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
      });
    } catch (error) {
      throw new SourceUnavailableError(`${url.shown}: ${natsError(error)}`, 'nats');
    }
    this.nc = nc;
    try {
      const tls = checkTls(nc, url);
      if (tls) throw new Error(tls);
      const jsm = await nats.js.jetstreamManager(nc);
      await ensureStream(nats, jsm, this.options.retention ?? DEFAULTS);
      const { since, replay } = this.options;
      if (replay) {
        this.lastSeq = (await jsm.streams.info(STREAM)).state.last_seq;
      } else {
        this.beats = nc.subscribe(BEAT_SUBJECTS, { callback: (error, msg) => (error ? undefined : this.beat(msg)) });
      }
      const js = nats.js.jetstream(nc);
      const policy = nats.js.DeliverPolicy;
      const consumer = await js.consumers.get(STREAM, {
        filter_subjects: EVENTS_SUBJECTS,
        ...(since.kind === 'time'
          ? { opt_start_time: since.iso }
          : replay || since.kind === 'all'
            ? { deliver_policy: policy.All }
            : { deliver_policy: policy.New }),
      });
      // Nothing to replay (an empty stream, or nothing since --since): the end at once.
      if (replay && (this.lastSeq === 0 || (await consumer.info()).num_pending === 0)) {
        this.finish();
        return;
      }
      // A pull waits at most 5 s (heartbeats every 2.5 s): after a server restart the client
      // checks its consumer again that soon (after 30 s by default), and makes it anew. What
      // the client holds is bounded in bytes (by messages, 100 full batches were 25 MiB), and
      // always room for the largest message the server takes.
      const maxBytes = Math.max(8 * 1024 * 1024, 2 * (nc.info?.max_payload ?? 0));
      this.messages = await consumer.consume({ max_bytes: maxBytes, expires: 5000 });
    } catch (error) {
      await nc.close().catch(() => {});
      throw new SourceUnavailableError(`${url.shown}: ${natsError(error)}`, 'nats');
    }
    this.consuming = this.consume(this.messages).catch((error: Error) => {
      if (!this.stopped) handlers.onError(new Error(`${url.shown}: ${natsError(error)}`));
    });
    if (!this.options.replay) {
      this.liveness = setInterval(() => this.checkLiveness(), Math.max(100, this.heartbeatMs / 2));
      this.liveness.unref();
    }
  }

  private async consume(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      if (this.stopped) return;
      this.batch(msg);
      // The history read to where it stood at the start (or nothing is left of it to read).
      if (this.options.replay && (msg.info.streamSequence >= this.lastSeq || msg.info.pending === 0)) {
        this.finish();
        return;
      }
    }
  }

  /** One message of the stream: a host's batch (or its bye). */
  private batch(msg: JsMsg): void {
    this.counts.batches++;
    if (msg.data.length > MAX_MESSAGE_BYTES) return this.bad(`a batch of ${msg.data.length} bytes on ${msg.subject.slice(0, 300)}; skipped`);
    const get = (name: string) => (msg.headers?.get(name) ?? '').slice(0, 256);
    const meta = parseBatchMeta(msg.subject, get);
    if (typeof meta === 'string') return this.bad(meta);
    if (this.options.hosts && !this.options.hosts(meta.host)) {
      this.counts.filtered++;
      return;
    }
    const sentMs = msg.info.timestampNanos / 1e6;
    const host = this.host(meta.host);
    if (!host) return;
    host.heard = Math.max(host.heard, Math.min(Date.now(), Number.isFinite(sentMs) ? sentMs : Date.now()));
    const out = this.pending;
    if (host.run !== meta.run) {
      // Another run of the agent (it restarted), or the first seen of this host.
      const before = host.run;
      host.run = meta.run;
      host.seq = 0;
      host.nextFirst = meta.first;
      host.ended = false;
      host.silent = false;
      host.headerTaken = false;
      // A run met mid-way (its start is before --since, or aged out of the stream) after
      // another: its own events from here, on its clock.
      if (before !== null && !(meta.seq === 1 && msg.data.length > 0)) {
        out.push(...host.stream.connected(null));
        host.up = true;
        host.headerTaken = true;
      }
    } else if (meta.seq <= host.seq) {
      this.counts.duplicates++; // sent again after a lost acknowledgement
      return;
    }
    if (host.ended) return;
    if (host.seq > 0 && meta.first > host.nextFirst) {
      const missing = meta.first - host.nextFirst;
      this.counts.lost += missing;
      out.push(...host.stream.lost(missing));
    }
    host.seq = meta.seq;
    host.nextFirst = meta.first + meta.count;
    if (meta.kind === 'bye') {
      host.ended = true;
      if (host.up) out.push(...this.down(host, 'its agent stopped (forktop --publish ended)'));
      this.schedule();
      return;
    }
    this.resume(host, out);
    const text = Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength).toString('utf8');
    const before = out.length;
    let at = 0;
    while (at < text.length) {
      let nl = text.indexOf('\n', at);
      if (nl < 0) nl = text.length;
      const line = text.slice(at, nl);
      at = nl + 1;
      if (line.length > MAX_LINE_BYTES) {
        host.stream.badLines++;
        continue;
      }
      if (line.startsWith('{"type":"header"')) {
        // A header already taken from a heartbeat is this run's: not a second connection.
        if (host.headerTaken) continue;
        host.headerTaken = true;
        host.up = true;
      }
      host.stream.takeLine(line, out);
    }
    if (out.length > before && !host.up) host.up = true; // the first event connected it
    this.counts.events += meta.count;
    this.schedule();
  }

  /** A heartbeat: the host is there (and, for a host not seen yet, its header). */
  private beat(msg: Msg): void {
    if (this.stopped) return;
    this.counts.beats++;
    if (msg.data.length > MAX_BEAT_BYTES) return this.bad(`a heartbeat of ${msg.data.length} bytes on ${msg.subject.slice(0, 300)}; skipped`);
    const meta = parseBeatMeta(msg.subject, (name) => (msg.headers?.get(name) ?? '').slice(0, 256));
    if (typeof meta === 'string') return this.bad(meta);
    if (this.options.hosts && !this.options.hosts(meta.host)) return;
    const host = this.host(meta.host);
    if (!host) return;
    if (host.run === meta.run && host.ended) return; // a beat that overtook its bye
    host.heard = Date.now();
    const out = this.pending;
    if (host.run !== meta.run && host.run === null) {
      // A host first known by its heartbeat (the viewer started after its run did): up now,
      // with its header; its run's batches follow from here.
      host.run = meta.run;
      host.headerTaken = true;
      host.up = true;
      host.stream.takeLine(Buffer.from(msg.data).toString('utf8'), out);
      this.schedule();
      return;
    }
    if (host.run === meta.run) {
      this.resume(host, out);
      this.schedule();
    }
    // A beat of a new run before that run's first batch: the batch brings it up.
  }

  /** A host heard again after it was marked down for silence (the same run): up, with no
   *  rescan (its processes are as they were; the batches it held back come now). */
  private resume(host: Host, out: ForktopEvent[]): void {
    if (!host.silent) return;
    host.silent = false;
    host.up = true;
    const ev: HostEvent = { type: 'host', time: wallTime(), ts: monotonicNs(), host: host.stream.host, state: 'up', reason: null, boot_id: host.stream.bootId };
    out.push(ev);
  }

  private down(host: Host, reason: string): ForktopEvent[] {
    host.up = false;
    return host.stream.disconnected(reason);
  }

  private checkLiveness(): void {
    const limit = this.heartbeatMs * MISSED_BEATS;
    const now = Date.now();
    for (const host of this.hosts.values()) {
      if (!host.up || host.ended || now - host.heard <= limit) continue;
      const since = now - host.heard > 2 * limit ? `since ${new Date(host.heard).toISOString().slice(0, 19)}Z` : `for ${Math.round((now - host.heard) / 1000)} s`;
      this.pending.push(...this.down(host, `no word from its agent ${since}`));
      host.silent = true;
      this.schedule();
    }
  }

  private host(name: string): Host | null {
    let host = this.hosts.get(name);
    if (!host) {
      if (this.hosts.size >= MAX_HOSTS) {
        this.counts.tooManyHosts++;
        this.bad(`more than ${MAX_HOSTS} hosts: ${name} and others after it are not shown (narrow with --hosts)`);
        return null;
      }
      host = {
        stream: new HostStream(name, { onWarning: (message) => this.options.onWarning(message) }),
        run: null, seq: 0, nextFirst: 0, headerTaken: false, up: false, silent: false, ended: false, heard: 0,
      };
      this.hosts.set(name, host);
    }
    return host;
  }

  /** What came in this turn goes on as one batch. */
  private schedule(): void {
    if (this.flushing) return;
    this.flushing = true;
    setImmediate(() => {
      this.flushing = false;
      if (this.pending.length === 0 || this.stopped) return;
      const batch = this.pending;
      this.pending = [];
      this.handlers?.onBatch(batch);
    });
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    setImmediate(() => {
      if (this.pending.length > 0) this.handlers?.onBatch(this.pending.splice(0));
      this.handlers?.onEnd?.();
    });
  }

  private bad(problem: string): void {
    this.counts.badMessages++;
    if (this.reported++ < MAX_REPORTED) this.options.onWarning(`nats: ${problem}`);
  }

  now(): [number, string] | null {
    if (this.options.replay) return null;
    return [monotonicNs(), wallTime()];
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.pending.length > 0) this.handlers?.onBatch(this.pending.splice(0));
    this.stopped = true;
    if (this.liveness) clearInterval(this.liveness);
    this.beats?.unsubscribe();
    this.messages?.stop();
    const nc = this.nc;
    this.nc = null;
    if (nc) await Promise.race([nc.close(), new Promise((resolve) => setTimeout(resolve, 1000))]);
    await Promise.race([this.consuming, new Promise((resolve) => setTimeout(resolve, 200))]);
  }

  stats(): Record<string, number> {
    return { ...this.counts, hosts: this.hosts.size };
  }
}

/** Starts a viewer's source as main.ts's starters do: the source and why it was chosen. */
export async function startNats(options: NatsSourceOptions, handlers: SourceHandlers): Promise<{ source: NatsSource; reason: string }> {
  const source = new NatsSource(options);
  await source.start(handlers);
  const { since, replay } = options;
  const from = `${since.kind === 'time' ? `since ${since.iso}` : replay || since.kind === 'all' ? 'the stream\'s whole history' : 'new events'}${replay ? ', then the end' : ''}`;
  return { source, reason: `nats: ${options.url.shown}, stream ${STREAM}, ${from}` };
}
