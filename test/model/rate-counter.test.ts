import { describe, expect, it } from 'vitest';
import { RateCounter } from '../../src/model/rate-counter.js';

/** The same counts, kept the slow way: every event's bucket, summed on demand. */
function reference(bucketNs: number, buckets: number, events: number[], now: number, span: number): number {
  const newest = Math.max(...events.map((ts) => Math.floor(ts / bucketNs)));
  const index = Math.floor(now / bucketNs);
  return events.filter((ts) => {
    const b = Math.floor(ts / bucketNs);
    return b > newest - buckets && b > index - span && b <= index;
  }).length;
}

describe('RateCounter', () => {
  it('counts events into the right buckets at and around bucket edges, in and out of order', () => {
    const bucketNs = 1e8;
    const base = 1_000_000 * bucketNs;
    const events = [
      base, base + 1, base + bucketNs - 1, base + bucketNs, base + bucketNs + 5,
      base + 3 * bucketNs, base + 2 * bucketNs - 1, // a late one, into an older bucket
      base + 12 * bucketNs, base + 12 * bucketNs - 1, base + 2 * bucketNs, // one older than the window
    ];
    const counter = new RateCounter(bucketNs, 10);
    for (const ts of events) counter.add(ts);
    const now = base + 12 * bucketNs;
    for (const span of [1, 2, 5, 10]) expect(counter.sum(now, span)).toBe(reference(bucketNs, 10, events, now, span));
    // buckets 3..12: one at 3, one at 11 (the late one), one at 12
    expect(counter.history(now)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
  });

  it('an idle gap longer than the window empties it', () => {
    const counter = new RateCounter(1e9, 60);
    for (let i = 0; i < 100; i++) counter.add(5e12 + i * 1e7);
    expect(counter.sum(5e12 + 1e9)).toBe(100);
    counter.add(5e12 + 120e9);
    expect(counter.sum(5e12 + 120e9)).toBe(1);
    expect(counter.idle(5e12 + 200e9)).toBe(true);
  });
});
