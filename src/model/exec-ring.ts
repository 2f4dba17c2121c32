// The recent execs: a fixed ring, newest overwriting oldest, with a count per identical
// command line so a loop calling `date` can show as one row "×312 in 5 s".
//
// Bounded twice: at most `capacity` entries, and at most `maxText` characters of their
// command lines and program paths (a storm of 16 KiB compiler lines would otherwise keep
// 10,000 × 16 KiB). Past the text budget the oldest entries go first, whatever the count.
import type { ExecEntry } from './process-node.js';

export interface FoldGroup {
  key: string;
  count: number;
  lastTs: number;
  latest: ExecEntry;
  /** ts of each member still in the ring, oldest first (from `head`). */
  times: number[];
  head: number;
}

export function firstTs(group: FoldGroup): number {
  return group.times[group.head];
}

export function foldKey(entry: ExecEntry): string {
  const line = entry.argv ? entry.argv.join('\0') : `\0${entry.comm ?? '?'}`;
  return entry.ret === 0 ? line : `${line}\0E${entry.ret}`; // failures fold apart from successes
}

/** What an entry's strings weigh against the ring's text budget: its argv (one more per
 *  argument, the separator) and its program path. */
export function entryText(entry: Pick<ExecEntry, 'argv' | 'exe'>): number {
  let n = entry.exe === null ? 0 : entry.exe.length;
  const argv = entry.argv;
  if (argv !== null) for (let i = 0; i < argv.length; i++) n += argv[i].length + 1;
  return n;
}

export class ExecRing {
  private readonly entries: (ExecEntry | undefined)[];
  /** Each slot's entryText(), so an eviction need not walk the argv again. */
  private readonly weights: Int32Array;
  private nextSeq = 0;
  /** The oldest entry still held (the text budget can drop entries before the count does). */
  private oldestSeq = 0;
  /** Characters held, against maxText. */
  private text = 0;
  private readonly groups = new Map<string, FoldGroup>();
  /** Entries before this seq are in `groups`. The fold index is brought up to date when
   *  it is asked (at frame rate), not per push: joining every argv into a key was an
   *  eighth of the model's time in a storm, and a storm overwrites most entries before
   *  anyone looks. Entries overwritten before that cost nothing. */
  private indexed = 0;

  constructor(
    readonly capacity: number,
    readonly maxText = Infinity,
  ) {
    this.entries = new Array(capacity);
    this.weights = new Int32Array(capacity);
  }

  get size(): number {
    return this.nextSeq - this.oldestSeq;
  }

  /** Characters of argv and paths held (see entryText). */
  get textHeld(): number {
    return this.text;
  }

  get total(): number {
    return this.nextSeq;
  }

  push(entry: ExecEntry): ExecEntry {
    if (this.size === this.capacity) this.dropOldest();
    const seq = this.nextSeq++;
    const slot = seq % this.capacity;
    const weight = Math.min(entryText(entry), 0x7fffffff);
    entry.seq = seq;
    this.entries[slot] = entry;
    this.weights[slot] = weight;
    this.text += weight;
    // The newest always stays, even alone past the budget.
    while (this.text > this.maxText && this.size > 1) this.dropOldest();
    return entry;
  }

  private dropOldest(): void {
    const slot = this.oldestSeq % this.capacity;
    const evicted = this.entries[slot]!;
    if (evicted.seq < this.indexed) this.forget(evicted);
    this.entries[slot] = undefined;
    this.text -= this.weights[slot];
    this.oldestSeq++;
  }

  /** The fold group (identical command lines still in the ring) of an entry. */
  group(entry: ExecEntry): FoldGroup | undefined {
    this.index();
    return this.groups.get(entry.key);
  }

  get groupCount(): number {
    this.index();
    return this.groups.size;
  }

  /** Newest first. Stops as soon as the callback returns false. */
  forEachNewest(visit: (entry: ExecEntry) => boolean): void {
    for (let seq = this.nextSeq - 1; seq >= this.oldestSeq; seq--) {
      if (!visit(this.entries[seq % this.capacity]!)) return;
    }
  }

  /** Adds the entries pushed since the last call (and still held) to their groups. */
  private index(): void {
    const oldest = this.oldestSeq;
    if (this.indexed < oldest) {
      // Every indexed entry was overwritten (and forgotten) since: start from the oldest held.
      this.indexed = oldest;
    }
    for (let seq = this.indexed; seq < this.nextSeq; seq++) {
      const entry = this.entries[seq % this.capacity]!;
      const key = foldKey(entry);
      entry.key = key;
      const group = this.groups.get(key);
      if (group) {
        group.count++;
        group.lastTs = Math.max(group.lastTs, entry.ts);
        group.latest = entry;
        group.times.push(entry.ts);
      } else {
        this.groups.set(key, { key, count: 1, lastTs: entry.ts, latest: entry, times: [entry.ts], head: 0 });
      }
    }
    this.indexed = this.nextSeq;
  }

  private forget(entry: ExecEntry): void {
    const group = this.groups.get(entry.key)!;
    group.count--;
    if (group.count === 0) {
      this.groups.delete(entry.key);
      return;
    }
    // Members leave in ring order, so the oldest time leaves first.
    group.head++;
    if (group.head > 64 && group.head * 2 > group.times.length) {
      group.times = group.times.slice(group.head);
      group.head = 0;
    }
  }
}
