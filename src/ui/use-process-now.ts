// The inspected process as the system shows it now, read at most once a second while its
// card is open (never per event), and only while the pid is still that process.
import { useRef } from 'react';
import type { ProcessNode, ProcessNow } from '../model/process-node.js';
import type { ReadNow } from './views/InspectView.js';

const REREAD_MS = 1000;
/** /proc's start time counts clock ticks (10 ms): a pid reused later starts later than that. */
const SAME_START_NS = 20e6;

export function useProcessNow(readNow: ReadNow | undefined, node: ProcessNode | undefined): ProcessNow | null {
  const cache = useRef<{ id: number; atMs: number; value: ProcessNow | null } | null>(null);
  if (!readNow || !node || node.exit) return null;
  const nowMs = Date.now();
  const cached = cache.current;
  if (cached && cached.id === node.id && nowMs - cached.atMs < REREAD_MS) return cached.value;
  let value = readNow(node.pid);
  const sameProcess = value?.startTs == null || node.startTs === null || Math.abs(value.startTs - node.startTs) <= SAME_START_NS;
  if (!sameProcess) value = null;
  cache.current = { id: node.id, atMs: nowMs, value };
  return value;
}
