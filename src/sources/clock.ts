// The two clocks sources speak: the kernel's CLOCK_MONOTONIC (event `ts`; libuv's hrtime
// reads the same clock) and wall time in the events' ISO-8601 µs form.

export function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}

/** Now, as "2026-11-23T15:22:57.101000Z" (ms precision, in the µs form events use). */
export function wallTime(date = new Date()): string {
  return date.toISOString().replace('Z', '000Z');
}
