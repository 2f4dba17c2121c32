// Counts events in fixed-width time buckets, so "how many in the last second" or a
// 60-second sparkline costs O(buckets), not O(events). Time comes from the events.
export class RateCounter {
  // A plain array: typed arrays are slow to allocate, and storms make many small counters.
  private readonly counts: number[];
  /** Index (ts / bucketNs) of the newest bucket. */
  private head = -1;
  /** Where the newest bucket starts (ns) and its slot: most events land in it, and the
   *  model counts each event in five or six counters. */
  private headStart = -Infinity;
  private headSlot = 0;

  constructor(
    readonly bucketNs: number,
    readonly buckets: number,
  ) {
    this.counts = new Array<number>(buckets).fill(0);
  }

  add(ts: number, n = 1): void {
    if (ts >= this.headStart && ts - this.headStart < this.bucketNs) {
      this.counts[this.headSlot] += n;
      return;
    }
    const index = Math.floor(ts / this.bucketNs);
    this.advance(index);
    const age = this.head - index;
    if (age >= this.buckets) return; // older than the window: already out of every rate
    this.counts[((index % this.buckets) + this.buckets) % this.buckets] += n;
  }

  /** Events in the last `span` buckets ending with the bucket of `now`. */
  sum(now: number, span = this.buckets): number {
    const index = Math.floor(now / this.bucketNs);
    let total = 0;
    for (let i = Math.max(index - span + 1, this.head - this.buckets + 1); i <= Math.min(index, this.head); i++) {
      total += this.counts[((i % this.buckets) + this.buckets) % this.buckets];
    }
    return total;
  }

  /** Per-second rate over the last `seconds` (whole buckets). */
  rate(now: number, seconds: number): number {
    const span = Math.max(1, Math.round((seconds * 1e9) / this.bucketNs));
    return this.sum(now, span) / ((span * this.bucketNs) / 1e9);
  }

  /** Oldest first, one value per bucket, ending with the bucket of `now`. */
  history(now: number): number[] {
    const index = Math.floor(now / this.bucketNs);
    const out: number[] = [];
    for (let i = index - this.buckets + 1; i <= index; i++) {
      out.push(i > this.head || i <= this.head - this.buckets ? 0 : this.counts[((i % this.buckets) + this.buckets) % this.buckets]);
    }
    return out;
  }

  /** Nothing counted within the window ending at `now`. */
  idle(now: number): boolean {
    return this.head < 0 || Math.floor(now / this.bucketNs) - this.head >= this.buckets;
  }

  private advance(index: number): void {
    if (index <= this.head) return;
    const steps = Math.min(index - this.head, this.buckets);
    for (let k = 1; k <= steps; k++) {
      const i = index - steps + k;
      this.counts[((i % this.buckets) + this.buckets) % this.buckets] = 0;
    }
    this.head = index;
    this.headStart = index * this.bucketNs;
    this.headSlot = ((index % this.buckets) + this.buckets) % this.buckets;
  }
}
