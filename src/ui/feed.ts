// What the UI reads: the model, fed by a source, and a version that moves on every batch.
// The source calls push() per batch; the UI reads at frame rate and never per event.
import { Model } from '../model/model.js';
import type { AlertEvent, ForktopEvent } from '../events/schema.js';

export class Feed {
  readonly model: Model;
  version = 0;
  /** A finite source (a replay) delivered its last event: the screen no longer moves. */
  ended = false;

  constructor(
    readonly host: string,
    readonly sourceName: string,
    model = new Model(),
    /** What the source can't see, when the screen must say it (the /proc poller). */
    readonly sourceNote?: string,
  ) {
    this.model = model;
  }

  /** Fork-bomb alerts raised so far: the screen rings the terminal's bell for each new one. */
  bombAlarms = 0;

  push(events: readonly ForktopEvent[]): void {
    for (const alert of this.model.apply(events)) {
      if (alert.kind === 'fork-bomb' && alert.state === 'raised') this.bombAlarms++;
    }
    this.version++;
  }

  /** Something the person must see at once that is not an event (a recording that stopped
   *  on a full disk): shown on screen until quit, newest only. Plain text, escaped when shown. */
  problem: string | null = null;

  report(message: string): void {
    this.problem = message;
    this.version++;
  }

  end(): void {
    this.ended = true;
    this.version++;
  }

  advance(ts: number, time: string): void {
    if (this.model.advance(ts, time).length > 0) this.version++;
  }

  /** The alerts up now, newest last, with their current rate. */
  get alerts(): AlertEvent[] {
    return this.model.alerts.current(this.model.now, this.model.nowTime);
  }
}
