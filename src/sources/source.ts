import type { EventBatch } from '../events/packed.js';

export interface SourceDescription {
  /** e.g. "netlink" */
  name: string;
  /** What this source cannot see, in words a user reads in the header. */
  caveats: string[];
  /** The machine the events come from, when it is not this one (a replay). */
  host?: string;
  /** The events are not this machine's (a replay, other hosts): nothing of them may be
   *  looked up in this machine's /proc or signalled here. */
  remote?: boolean;
}

export interface SourceHandlers {
  /** One call per batch from the kernel side, never one per event. Only the eBPF source, with
   *  --json lines and its programs reporting forks and exits, hands on a PackedBatch
   *  (see packed.ts). */
  onBatch(events: EventBatch): void;
  /** The source failed while running; it has stopped. */
  onError(error: Error): void;
  /** A finite source (a replay) delivered its last batch. */
  onEnd?(): void;
}

/** Every event source (kernel, /proc poller, replay) behind one interface. */
export interface EventSource {
  describe(): SourceDescription;
  /** Resolves once events flow; rejects with SourceUnavailableError when it can't run here. */
  start(handlers: SourceHandlers): Promise<void>;
  /** Detaches from the kernel; resolves after the last batch was delivered. */
  stop(): Promise<void>;
  /** Counters for the header and the benchmark (threads seen, overruns...). */
  stats(): Record<string, number>;
  /** The event clock now (CLOCK_MONOTONIC ns as `ts`, and wall time), or null when the
   *  source has none (a replay at full speed): lets alerts clear on an idle machine. */
  now(): [number, string] | null;
  /** A kernel source: in a storm, the least ms between two batches from now on. Fewer,
   *  larger batches cost less; a screen that waits for rows asks for shorter ones. */
  setStormBatchMs?(ms: number): void;
}

/** A source that cannot run here: `message` is the one line the user sees. */
export class SourceUnavailableError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SourceUnavailableError';
  }
}
