// Events packed as the eBPF reader packs a batch: src/events/pack.ts, and which events it
// could have packed.
import { PACKED_CODES } from '../../src/events/pack.js';
import type { ForktopEvent } from '../../src/events/schema.js';

export { packEvents, packedBatch } from '../../src/events/pack.js';

/** Whether the eBPF reader could have packed it: not a host's event, a rescan's, nor a
 *  thread's fork (the programs leave threads out in the kernel; a packed fork has no tid). */
export function packable(ev: ForktopEvent): boolean {
  if (ev.type === 'fork' && ev.tid !== undefined && ev.tid !== ev.pid) return false;
  if (ev.type === 'snapshot' && ev.resync !== undefined) return false;
  return PACKED_CODES[ev.type] !== undefined && ev.host === undefined;
}

