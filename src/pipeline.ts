// One way from a source to what shows it, for --json and the live view alike: the source's
// batches go through the model, which adds its fork-bomb and fork-storm alerts, to each sink
// (the NDJSON writer, a recording, the live view's feed). Batches that come before the sinks
// are ready (the header must go first; the live view may still be loading) wait for them, and
// a clock tick lets alerts clear on an idle machine.
import type { RecordingHeader } from './events/header.js';
import type { EventBatch } from './events/packed.js';
import type { AlertEvent } from './events/schema.js';
import type { Chosen } from './sources/select.js';
import type { SourceHandlers } from './sources/source.js';

/** Starts the chosen source with these handlers; says which and why. */
export type Starter = (handlers: SourceHandlers) => Promise<Chosen>;

/** What turns events into alerts: the Model, or the live view's feed (which applies them to
 *  its model and keeps the alerts for the screen). */
export interface ModelStage {
  apply(events: EventBatch): readonly AlertEvent[];
  advance(ts: number, time: string): readonly AlertEvent[];
}

export interface Sink {
  /** The source runs: its header line. Once, before any batch. */
  begin?(header: RecordingHeader): void;
  /** A batch as the source gave it, and the alerts the model raised with it (a clock tick
   *  brings alerts alone). */
  write(events: EventBatch, alerts: readonly AlertEvent[]): void;
  /** A finite source (a replay) delivered its last batch. */
  end?(): void;
}

export interface PipelineOptions {
  /** A replayed --json stream carries the alerts of its time: the model makes them anew. */
  replaying: boolean;
  /** The source failed while running; it has stopped. */
  onError(error: Error): void;
}

/** How often the model hears the time when no event comes. */
const TICK_MS = 500;

export class Pipeline {
  chosen: Chosen | undefined;
  private model: ModelStage | undefined;
  private sinks: readonly Sink[] = [];
  /** Batches (and the end) that came before open(). */
  private waiting: EventBatch[] = [];
  private ended = false;

  constructor(private readonly options: PipelineOptions) {}

  /** Starts the source; what it delivers waits for open(). Rejects as the starter does. */
  async start(starter: Starter): Promise<Chosen> {
    this.chosen = await starter({
      onBatch: (batch) => {
        if (this.model) this.deliver(batch);
        else this.waiting.push(batch);
      },
      onError: (error) => this.options.onError(error),
      onEnd: () => {
        this.ended = true;
        if (this.model) this.endSinks();
      },
    });
    return this.chosen;
  }

  /** From here the model and the sinks get every batch, those that waited first, and the
   *  clock ticks. After start(). */
  open(header: RecordingHeader, model: ModelStage, sinks: readonly Sink[]): void {
    this.sinks = sinks;
    for (const sink of sinks) sink.begin?.(header);
    this.model = model;
    for (const batch of this.waiting.splice(0)) this.deliver(batch);
    if (this.ended) this.endSinks();
    setInterval(() => {
      const now = this.now();
      if (!now) return;
      const alerts = model.advance(...now);
      if (alerts.length > 0) for (const sink of sinks) sink.write([], alerts);
    }, TICK_MS).unref();
  }

  /** The source's clock now, when it has one. */
  now(): [number, string] | null {
    return this.chosen?.source.now() ?? null;
  }

  /** Detaches the source; resolves after its last batch went through. */
  async stop(): Promise<void> {
    await this.chosen?.source.stop();
  }

  private deliver(batch: EventBatch): void {
    // (A replay's batches are objects: only the eBPF source packs them.)
    const events = this.options.replaying && Array.isArray(batch) ? batch.filter((ev) => ev.type !== 'alert') : batch;
    const alerts = this.model!.apply(events);
    for (const sink of this.sinks) sink.write(events, alerts);
  }

  private endSinks(): void {
    for (const sink of this.sinks) sink.end?.();
  }
}
