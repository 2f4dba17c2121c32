// Which exited processes stay. A tombstone stays until it is older than the age limit or
// pushed out by the count limit; an ancestor past its limits stays while it still has
// children in the model, so a chain up to pid 1 survives the death of the processes in
// it. Those retained ancestors are capped too, oldest dropped first, so memory is bounded
// under an endless storm: nodes <= live + maxTombstones + maxRetainedAncestors. Tombstones
// are capped by the text they hold as well (argv and paths, up to 16 KiB of argv each):
// 5,000 of a compiler's long command lines would otherwise be 80 MiB.
import type { ModelConfig } from './config.js';
import { entryText } from './exec-ring.js';
import type { Facts } from './process-node.js';

/** What a tombstone's strings weigh against maxTombstoneText. */
export function nodeText(node: { facts: Facts }): number {
  const facts = node.facts;
  return entryText(facts) + (facts.cwd === null ? 0 : facts.cwd.length) + (facts.cgroup === null ? 0 : facts.cgroup.length);
}

/** A queue that drops from the front without moving the rest each time. */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  peek(): T {
    return this.items[this.head];
  }
  /** Keeps only the items that pass (order kept). */
  retain(keep: (item: T) => boolean): void {
    this.items = this.items.slice(this.head).filter(keep);
    this.head = 0;
  }
  shift(): T {
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** What retention reads and marks of a process (the Model's ProcessNode, the AlertModel's). */
export interface Retained {
  exit: { ts: number } | null;
  facts: Facts;
  /** Past its tombstone limits, kept only for its descendants. */
  expired: boolean;
}

export class Retention<N extends Retained> {
  private readonly tombstones = new Fifo<N>();
  /** Each tombstone's nodeText() at its exit, in step with `tombstones`. */
  private readonly weights = new Fifo<number>();
  /** Their sum. */
  private text = 0;
  private readonly expired = new Fifo<N>();
  /** Expired nodes still in the model (the FIFO may also hold ones removed since). */
  expiredCount = 0;
  /** Before this time the oldest tombstone is not too old: prune() runs per event, and
   *  reading the oldest node (cold in the cache) each time was a tenth of a storm's cost. */
  private nextExpiry = -Infinity;

  constructor(
    private readonly config: ModelConfig,
    private readonly isKept: (node: N) => boolean,
    private readonly remove: (node: N) => void,
    /** Its children still kept: a tombstone with some becomes an expired ancestor. */
    private readonly childCount: (node: N) => number,
  ) {}

  get tombstoneCount(): number {
    return this.tombstones.length;
  }

  /** Characters of argv and paths the tombstones hold (as they were at each exit). */
  get tombstoneText(): number {
    return this.text;
  }

  onExit(node: N): void {
    const weight = nodeText(node);
    this.tombstones.push(node);
    this.weights.push(weight);
    this.text += weight;
    if (this.tombstones.length === 1) this.nextExpiry = node.exit!.ts + this.config.tombstoneAgeNs;
  }

  /** A tombstone's exit time changed (its exit event came after a rescan found it gone). */
  exitChanged(): void {
    this.nextExpiry = -Infinity;
  }

  prune(now: number): void {
    const { maxTombstones, maxTombstoneText, tombstoneAgeNs, maxRetainedAncestors } = this.config;
    if (
      now < this.nextExpiry &&
      this.tombstones.length <= maxTombstones &&
      this.text <= maxTombstoneText &&
      this.expiredCount <= maxRetainedAncestors
    ) return;
    while (
      this.tombstones.length > 0 &&
      (this.tombstones.length > maxTombstones ||
        (this.text > maxTombstoneText && this.tombstones.length > 1) ||
        this.tombstones.peek().exit!.ts < now - tombstoneAgeNs)
    ) {
      const node = this.tombstones.shift();
      this.text -= this.weights.shift();
      if (!this.isKept(node)) continue;
      if (this.childCount(node) === 0) {
        this.remove(node);
      } else {
        node.expired = true;
        this.expiredCount++;
        this.expired.push(node);
      }
    }
    this.nextExpiry = this.tombstones.length > 0 ? this.tombstones.peek().exit!.ts + tombstoneAgeNs : Infinity;
    while (this.expiredCount > maxRetainedAncestors && this.expired.length > 0) {
      const node = this.expired.shift();
      if (this.isKept(node)) this.remove(node);
    }
    // Expired nodes leave mostly by cascade, not from the front: drop those stale entries
    // now and then, so the queue stays within a constant factor of what it holds.
    if (this.expired.length > 2 * this.expiredCount + 1024) this.expired.retain(this.isKept);
  }

  /** Called by the model when it removes an expired node (directly or by cascade). */
  forgetExpired(): void {
    this.expiredCount--;
  }
}
