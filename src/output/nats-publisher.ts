// --publish: the agent's sink. The host's event stream (what --json prints) goes to JetStream
// on forktop.<host>.events in batches (BATCH_MS or BATCH_BYTES, whichever first), each
// numbered and counted in its headers (nats-wire.ts) so a viewer sees any gap, exactly.
//
// The server may be away (not up yet, restarting, the network cut): batches wait in a
// bounded local queue (--nats-buffer bytes) and go out in order once it is back, one
// acknowledged publish at a time (a batch not acknowledged goes again under the same
// Nats-Msg-Id, which the server drops as a copy). A batch that does not fit the queue is
// dropped and counted; the count goes out as a `lost` event (source `transport`) at the head
// of the next batch that fits. Nothing is lost without being counted.
import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { RecordingHeader } from '../events/header.js';
import { jsonLine, jsonLines } from '../events/json.js';
import { eventsOf, type EventBatch } from '../events/packed.js';
import type { AlertEvent, ForktopEvent, LostEvent } from '../events/schema.js';
import type { Sink } from '../pipeline.js';
import { monotonicNs, wallTime } from '../sources/clock.js';
import { checkTls, connectOptions, ensureStream, loadNats, natsError, type NatsModules, type Retention } from '../transport/nats-client.js';
import { BATCH_BYTES, BATCH_MS, beatSubject, eventsSubject, HEADER, HEARTBEAT_MS, type NatsUrl } from '../transport/nats-wire.js';

export interface PublisherOptions {
  url: NatsUrl;
  creds?: Uint8Array;
  /** The name the host is published under (its header and every batch say it). */
  host: string;
  /** The local queue while the server is away. */
  bufferBytes: number;
  /** For the stream, when this agent makes it. */
  retention: Retention;
  /** A line for the agent's log (stderr): connected, lost the server, back. */
  onInfo(message: string): void;
  batchMs?: number;
  heartbeatMs?: number;
}

interface Batch {
  seq: number;
  first: number;
  count: number;
  data: Uint8Array;
}

/** How long a publish waits for the server's acknowledgement before it goes again. */
const ACK_TIMEOUT_MS = 5000;
/** A lone line longer than this can't go (the server's max_payload, less the headers). */
const HEADERS_ROOM = 4096;

export class NatsPublisher implements Sink {
  /** This agent process: a viewer tells a restart from a gap by it. */
  readonly run = randomBytes(8).toString('hex');
  private readonly subject: string;
  private headerLine: Uint8Array | null = null;
  // The batch being filled.
  private open: string[] = [];
  private openBytes = 0;
  private openCount = 0;
  private openTimer: NodeJS.Timeout | null = null;
  // Sealed batches not yet acknowledged.
  private queue: Batch[] = [];
  private queueBytes = 0;
  private seq = 0;
  /** Events sealed into batches so far in this run (the next batch's First). */
  private sealed = 0;
  /** Dropped (queue full, or a line too long), not yet said in a `lost` event. */
  private lostPending = 0;
  private maxPayload = 1024 * 1024;
  private nc: NatsConnection | null = null;
  private js: JetStreamClient | null = null;
  private nats: NatsModules | null = null;
  private connected = false;
  private closing = false;
  /** close() has given up waiting: nothing more goes out. */
  private done = false;
  /** Waits (the publisher idle, a pause before trying again) that a change ends early. */
  private waiters: Array<() => void> = [];
  private beat: NodeJS.Timeout | null = null;
  private pumping: Promise<void> | null = null;
  private connecting: Promise<void> | null = null;
  readonly counts = { published: 0, batches: 0, lost: 0, retries: 0 };

  constructor(private readonly options: PublisherOptions) {
    this.subject = eventsSubject(options.host);
  }

  /** Bytes sealed and waiting for the server (the benchmark paces itself by it). */
  get queuedBytes(): number {
    return this.queueBytes;
  }

  /** Starts connecting (on its own, for as long as it takes) and publishing. */
  start(): void {
    this.connecting = this.connect();
    this.pumping = this.pump();
    this.beat = setInterval(() => this.heartbeat(), this.options.heartbeatMs ?? HEARTBEAT_MS);
    this.beat.unref();
  }

  begin(header: RecordingHeader): void {
    const line = jsonLine({ ...header, host: this.options.host });
    this.headerLine = Buffer.from(line);
    this.add(line, 0);
  }

  write(batch: EventBatch, _alerts: readonly AlertEvent[]): void {
    if (batch.length === 0 || this.closing) return;
    const events = eventsOf(batch);
    // Alerts are the viewer's model's to make; the agent runs none.
    const text = jsonLines(events);
    const bytes = Buffer.byteLength(text);
    if (this.openBytes + bytes <= BATCH_BYTES) {
      this.add(text, events.length, bytes);
      return;
    }
    let at = 0;
    while (at < text.length) {
      const nl = text.indexOf('\n', at);
      const line = text.slice(at, nl + 1);
      at = nl + 1;
      this.add(line, 1);
    }
  }

  private add(text: string, count: number, bytes = Buffer.byteLength(text)): void {
    const limit = this.maxPayload - HEADERS_ROOM;
    if (bytes > limit) {
      // One line longer than a message may be (argv of megabytes against a 1 MiB server).
      this.drop(count);
      return;
    }
    if (this.openBytes + bytes > limit) this.seal();
    this.open.push(text);
    this.openBytes += bytes;
    this.openCount += count;
    if (this.openBytes >= BATCH_BYTES) this.seal();
    else this.openTimer ??= setTimeout(() => this.due(), this.options.batchMs ?? BATCH_MS);
  }

  /** The open batch's time is up: sealed, unless the server is away (then it fills up to
   *  BATCH_BYTES, and an outage's events go out in a few large batches, not many small). */
  private due(): void {
    this.openTimer = null;
    if (this.connected || this.closing) this.seal();
    else this.openTimer = setTimeout(() => this.due(), this.options.batchMs ?? BATCH_MS);
  }

  /** Closes the open batch: numbered and queued, or dropped and counted when the queue is full. */
  private seal(): void {
    if (this.openTimer) clearTimeout(this.openTimer);
    this.openTimer = null;
    if (this.open.length === 0) return;
    let count = this.openCount;
    let text = this.open.join('');
    this.open = [];
    this.openBytes = 0;
    this.openCount = 0;
    let lost = 0;
    if (this.lostPending > 0) {
      lost = this.lostPending;
      const ev: LostEvent = { type: 'lost', time: wallTime(), ts: monotonicNs(), count: lost, source: 'transport' };
      // After a header line, never before it: the header starts a run's stream.
      const line = jsonLine(ev);
      text = text.startsWith('{"type":"header"') ? text.replace(/\n/, `\n${line}`) : line + text;
      count++;
    }
    const data = Buffer.from(text);
    if (this.queueBytes + data.length > this.options.bufferBytes) {
      this.lostPending = lost + count - (lost > 0 ? 1 : 0);
      this.counts.lost += count - (lost > 0 ? 1 : 0);
      return;
    }
    this.lostPending = 0;
    this.queue.push({ seq: ++this.seq, first: this.sealed, count, data });
    this.sealed += count;
    this.queueBytes += data.length;
    this.wakeAll();
  }

  private drop(count: number): void {
    this.lostPending += count;
    this.counts.lost += count;
  }

  private async connect(): Promise<void> {
    const nats = (this.nats = await loadNats());
    const { url } = this.options;
    for (let attempt = 0; !this.closing; attempt++) {
      try {
        // Waits for a first server for as long as it takes (a service that starts before NATS).
        const nc = await nats.core.connect({
          ...connectOptions(nats, { url, creds: this.options.creds, name: `forktop agent ${this.options.host}` }),
          waitOnFirstConnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          reconnectJitter: 250,
        });
        const tls = checkTls(nc, url);
        if (tls) {
          await nc.close();
          throw new Error(tls);
        }
        this.nc = nc;
        this.maxPayload = Math.max(64 * 1024, nc.info?.max_payload ?? this.maxPayload);
        this.js = nats.js.jetstream(nc);
        const made = await ensureStream(nats, await nats.js.jetstreamManager(nc), this.options.retention);
        this.options.onInfo(`publishing to ${url.shown} on ${this.subject}${made === 'made' ? ' (made the stream FORKTOP)' : ''}`);
        this.connected = true;
        this.wakeAll();
        void this.watch(nc);
        return;
      } catch (error) {
        if (attempt < 3 || attempt % 30 === 0) this.options.onInfo(`${url.shown}: ${natsError(error)}; trying again`);
        await this.sleep(2000);
      }
    }
  }

  /** The client reconnects on its own; this follows it, for the log and the publisher. */
  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        this.connected = false;
        if (!this.closing) this.options.onInfo(`lost ${this.options.url.shown}; keeping events (up to ${this.options.bufferBytes} bytes) until it is back`);
      } else if (status.type === 'reconnect') {
        this.connected = true;
        this.options.onInfo(`back on ${this.options.url.shown}; ${this.queue.length} batch(es) to send`);
        this.wakeAll();
      }
    }
  }

  /** Sends the queue in order, one acknowledged batch at a time. */
  private async pump(): Promise<void> {
    while (!this.done) {
      const batch = this.queue[0];
      if (!batch || !this.connected || !this.js) {
        if (!batch && this.closing) return;
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      try {
        await this.js.publish(this.subject, batch.data, {
          msgID: `${this.run}-${batch.seq}`,
          headers: this.headers(batch.seq, batch.first, batch.count, 'events'),
          timeout: ACK_TIMEOUT_MS,
        });
        this.queue.shift();
        this.queueBytes -= batch.data.length;
        this.counts.published += batch.count;
        this.counts.batches++;
      } catch (error) {
        if (this.done) return;
        this.counts.retries++;
        const message = natsError(error);
        if (/max_?payload|maximum payload/i.test(message)) {
          // Sealed before this server said its limit (it takes less than 1 MiB): it can
          // never go. Its number and count are taken, so the viewer counts the gap exactly.
          this.queue.shift();
          this.queueBytes -= batch.data.length;
          this.counts.lost += batch.count;
          this.options.onInfo(`a batch of ${batch.data.length} bytes is over the server's max_payload: its ${batch.count} event(s) are lost`);
          continue;
        }
        // The stream gone (a server started afresh, or someone deleted it): make it again.
        if (/stream not found|no responders/i.test(message) && this.nats && this.nc) {
          try {
            await ensureStream(this.nats, await this.nats.js.jetstreamManager(this.nc), this.options.retention);
          } catch {
            // the next try says
          }
        }
        if (this.counts.retries <= 3 || this.counts.retries % 100 === 0) this.options.onInfo(`publishing: ${message}; trying again`);
        await this.sleep(250);
      }
    }
  }

  private headers(seq: number, first: number, count: number, kind: 'events' | 'bye') {
    const h = this.nats!.core.headers();
    h.set(HEADER.host, this.options.host);
    h.set(HEADER.run, this.run);
    h.set(HEADER.seq, String(seq));
    h.set(HEADER.first, String(first));
    h.set(HEADER.count, String(count));
    h.set(HEADER.kind, kind);
    return h;
  }

  private heartbeat(): void {
    if (!this.connected || !this.nc || !this.headerLine || this.closing) return;
    const h = this.nats!.core.headers();
    h.set(HEADER.host, this.options.host);
    h.set(HEADER.run, this.run);
    try {
      this.nc.publish(beatSubject(this.options.host), this.headerLine, { headers: h });
    } catch {
      // closed meanwhile
    }
  }

  /** Waits ms, or less when something changes (connected, a batch queued, closing). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wakeAll(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /**
   * Stops: what is open is sealed, the queue goes out (waiting up to waitMs for it, and for
   * the server if it is away), then a `bye` says the agent stopped on purpose. Resolves with the events that
   * could not be sent (counted, said by the caller).
   */
  async close(waitMs = 3000): Promise<number> {
    this.seal();
    this.closing = true;
    if (this.beat) clearInterval(this.beat);
    this.wakeAll();
    const deadline = Date.now() + waitMs;
    // Connected or not (a reconnect may be under way, a first connection still coming).
    while (this.queue.length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    this.done = true;
    const unsent = this.queue.reduce((sum, batch) => sum + batch.count, 0) + this.lostPending;
    if (this.connected && this.js && this.queue.length === 0) {
      try {
        await this.js.publish(this.subject, new Uint8Array(0), {
          msgID: `${this.run}-${this.seq + 1}`,
          headers: this.headers(this.seq + 1, this.sealed, 0, 'bye'),
          timeout: Math.max(200, deadline - Date.now()),
        });
      } catch {
        // The viewer will see the heartbeats stop instead.
      }
    }
    this.queue = [];
    this.wakeAll();
    const nc = this.nc;
    this.nc = null;
    this.connected = false;
    if (nc) await Promise.race([nc.close(), new Promise((resolve) => setTimeout(resolve, 1000))]);
    await Promise.race([this.pumping, new Promise((resolve) => setTimeout(resolve, 100))]);
    void this.connecting;
    return unsent;
  }
}
