// What the UI reads: the model, fed by a source, and a version that moves on every batch.
// The source calls push() per batch; the UI hears of it (onChange) and draws at frame rate,
// never per event.
import { Model } from '../model/model.js';
import type { AlertEvent, ForktopEvent } from '../events/schema.js';

/** How long the bar says a bomb is gone. */
const GONE_SHOWN_NS = 15e9;

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

  /** The last bomb that ended (its last member gone): the bar says so for a while, so the
   *  person who saw the alert knows it is over rather than wondering where it went. */
  lastGone: AlertEvent | null = null;

  private readonly listeners = new Set<(clockOnly: boolean) => void>();

  /** Calls listener whenever what the screen shows may have changed; returns the unsubscribe.
   *  clockOnly: the clock's change alone (advance()): the numbers moved, no event came. */
  onChange(listener: (clockOnly: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private changed(clockOnly = false): void {
    this.version++;
    for (const listener of this.listeners) listener(clockOnly);
  }

  push(events: readonly ForktopEvent[]): void {
    this.noteAlerts(this.model.apply(events));
    this.changed();
  }

  private noteAlerts(alerts: readonly AlertEvent[]): void {
    for (const alert of alerts) {
      if (alert.kind !== 'fork-bomb') continue;
      if (alert.state === 'raised') this.bombAlarms++;
      else this.lastGone = alert;
    }
  }

  /** Something the person must see at once that is not an event (a recording that stopped
   *  on a full disk): shown on screen until quit, newest only. Plain text, escaped when shown. */
  problem: string | null = null;

  report(message: string): void {
    this.problem = message;
    this.changed();
  }

  end(): void {
    this.ended = true;
    this.changed();
  }

  /** The clock moved with no event: the rates on screen fall, alerts may clear. The screen
   *  is told once a second of model time (an idle screen draws once a second), or at once
   *  for an alert. */
  advance(ts: number, time: string): void {
    const second = Math.floor(this.model.now / 1e9);
    const alerts = this.model.advance(ts, time);
    this.noteAlerts(alerts);
    if (alerts.length > 0 || Math.floor(this.model.now / 1e9) !== second) this.changed(true);
  }

  /** The alerts up now, worst first: bombs, then storms, each in the order they were raised
   *  (an order that does not shuffle as rates move, so the bar and K stay on one). The bar
   *  shows the first; the others are a key away. */
  get alerts(): AlertEvent[] {
    const now = this.model.alerts.current(this.model.now, this.model.nowTime);
    return now.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'fork-bomb' ? -1 : 1));
  }

  /** A bomb that ended within the last GONE_SHOWN_NS of model time, while nothing else is up. */
  get recentlyGone(): AlertEvent | null {
    const gone = this.lastGone;
    return gone && this.model.now - gone.ts < GONE_SHOWN_NS ? gone : null;
  }
}
