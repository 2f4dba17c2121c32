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
    if (!Number.isFinite(index)) return; // a NaN would land in no bucket and poison the sums
    this.advance(index);
    const age = this.head - index;
    if (age >= this.buckets) return; // older than the window: already out of every rate
    this.counts[this.slot(index)] += n;
  }

  /** Events in the last `span` buckets ending with the bucket of `now`. */
  sum(now: number, span = this.buckets): number {
    const index = Math.floor(now / this.bucketNs);
    const lo = Math.max(index - Math.min(span, this.buckets) + 1, this.head - this.buckets + 1);
    const n = Math.min(index, this.head) - lo + 1;
    let total = 0;
    // Counted by k, not by i++: past 2^53 (a ts of 1e25) i++ stays where it is.
    for (let k = 0; k < n && k < this.buckets; k++) total += this.counts[this.slot(lo + k)];
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
    for (let k = this.buckets - 1; k >= 0; k--) {
      const i = index - k;
      out.push(i > this.head || i <= this.head - this.buckets ? 0 : this.counts[this.slot(i)]);
    }
    return out;
  }

  /** Nothing counted within the window ending at `now`. */
  idle(now: number): boolean {
    return this.head < 0 || Math.floor(now / this.bucketNs) - this.head >= this.buckets;
  }

  private advance(index: number): void {
    if (!(index > this.head)) return;
    // A jump past the window clears every bucket once: O(buckets) however far it goes.
    if (index - this.head >= this.buckets) this.counts.fill(0);
    else for (let k = 0; k < index - this.head; k++) this.counts[this.slot(this.head + 1 + k)] = 0;
    this.head = index;
    this.headStart = index * this.bucketNs;
    this.headSlot = this.slot(index);
  }

  private slot(i: number): number {
    return ((i % this.buckets) + this.buckets) % this.buckets;
  }
}
