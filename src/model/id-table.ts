// A map from small non-negative integers (node ids, pids) to values, for keys that come
// in runs: ids are serial and a storm's pids count up. Keys are grouped in pages of 256
// slots, so neighbouring keys share memory. A Map hashes each key to a random place:
// with 10,000 processes kept most lookups missed the CPU cache (the model ran 1.6x
// faster with a tenth of the tombstones, the same work per event; 1.4x faster with this).
//
// Pages sit in chunks of 256 (65,536 keys), chunks in a Map. The keys in use span a few
// chunks (12,000 processes kept are 12,000 serial ids; pids stop at 4 M, 64 chunks), so
// a lookup is nearly always the last chunk's array, two indexings, no hashing. Empty
// pages and chunks are dropped: memory follows the keys in use, not the keys ever used.
const PAGE_BITS = 8;
const PAGE_SIZE = 1 << PAGE_BITS;
const SLOT_MASK = PAGE_SIZE - 1;
const CHUNK_BITS = 8; // pages per chunk, as bits
const CHUNK_SIZE = 1 << CHUNK_BITS;
const PAGE_MASK = CHUNK_SIZE - 1;
/** A page or chunk holds up to this many entries as a short sorted list, then becomes an
 *  array of 256: one key alone in its page and chunk cost both arrays, 4 KB (a replay
 *  with pids 65,536 apart took 75 times its size), and a parent's children, ids apart
 *  by its grandchildren, 2 KB each. */
const SPARSE_MAX = 16;
/** A dense one left with this few turns back into a list (not at SPARSE_MAX: no flapping). */
const SPARSE_MIN = 4;

/** Not key >>> 16: serial ids pass 2^32 after a few days of a storm. The bits below
 *  (page and slot) survive the 32-bit truncation of >>> and &. */
const chunkOf = (key: number) => Math.floor(key / (PAGE_SIZE * CHUNK_SIZE));

/** 256 slots: an array of them, or while few are used, their numbers (ascending) and items. */
class Slots<T> {
  dense: (T | undefined)[] | null = null;
  numbers: number[] = [];
  items: T[] = [];
  count = 0;

  get(slot: number): T | undefined {
    const dense = this.dense;
    if (dense !== null) return dense[slot];
    const numbers = this.numbers;
    for (let i = 0; i < numbers.length; i++) if (numbers[i] === slot) return this.items[i];
    return undefined;
  }

  /** Whether the slot was empty. */
  set(slot: number, item: T): boolean {
    const dense = this.dense;
    if (dense !== null) {
      const empty = dense[slot] === undefined;
      dense[slot] = item;
      if (empty) this.count++;
      return empty;
    }
    const numbers = this.numbers;
    let i = numbers.length;
    while (i > 0 && numbers[i - 1] >= slot) i--;
    if (numbers[i] === slot) {
      this.items[i] = item;
      return false;
    }
    this.count++;
    if (this.count > SPARSE_MAX) {
      const array = new Array<T | undefined>(PAGE_SIZE).fill(undefined);
      for (let k = 0; k < numbers.length; k++) array[numbers[k]] = this.items[k];
      array[slot] = item;
      this.dense = array;
      this.numbers = [];
      this.items = [];
    } else {
      // New arrays of the exact size: splice() would grow them to 17 slots at once.
      this.numbers = inserted(numbers, i, slot);
      this.items = inserted(this.items, i, item);
    }
    return true;
  }

  /** Whether the slot held something. */
  delete(slot: number): boolean {
    const dense = this.dense;
    if (dense !== null) {
      if (dense[slot] === undefined) return false;
      dense[slot] = undefined;
      this.count--;
      if (this.count <= SPARSE_MIN) {
        for (let k = 0; k < PAGE_SIZE; k++) {
          const item = dense[k];
          if (item !== undefined) {
            this.numbers.push(k);
            this.items.push(item);
          }
        }
        this.dense = null;
      }
      return true;
    }
    const i = this.numbers.indexOf(slot);
    if (i < 0) return false;
    this.numbers.splice(i, 1);
    this.items.splice(i, 1);
    this.count--;
    return true;
  }

  /** Calls `each` for every used slot, ascending. */
  forEach(each: (slot: number, item: T) => void): void {
    const dense = this.dense;
    if (dense !== null) {
      for (let slot = 0; slot < PAGE_SIZE; slot++) {
        const item = dense[slot];
        if (item !== undefined) each(slot, item);
      }
    } else {
      // a copy: `each` may not change it, but a generator's consumer may (IdSet.delete while iterating)
      const numbers = this.numbers.slice();
      const items = this.items.slice();
      for (let i = 0; i < numbers.length; i++) each(numbers[i], items[i]);
    }
  }
}

function inserted<T>(list: readonly T[], at: number, item: T): T[] {
  const out = new Array<T>(list.length + 1);
  for (let k = 0; k < at; k++) out[k] = list[k];
  out[at] = item;
  for (let k = at; k < list.length; k++) out[k + 1] = list[k];
  return out;
}

type Page<V> = Slots<V>;
type Chunk<V> = Slots<Page<V>>;

export class IdTable<V> {
  private readonly chunks = new Map<number, Chunk<V>>();
  /** The chunk of the last lookup: most lookups hit the same one as the one before. */
  private lastIndex = -1;
  private lastChunk: Chunk<V> | undefined = undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(key: number): V | undefined {
    return this.chunk(chunkOf(key))?.get((key >>> PAGE_BITS) & PAGE_MASK)?.get(key & SLOT_MASK);
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  set(key: number, value: V): this {
    const chunkIndex = chunkOf(key);
    let chunk = this.chunk(chunkIndex);
    if (!chunk) {
      chunk = new Slots<Page<V>>();
      this.chunks.set(chunkIndex, chunk);
      this.lastIndex = chunkIndex;
      this.lastChunk = chunk;
    }
    const pageIndex = (key >>> PAGE_BITS) & PAGE_MASK;
    let page = chunk.get(pageIndex);
    if (!page) {
      page = new Slots<V>();
      chunk.set(pageIndex, page);
    }
    if (page.set(key & SLOT_MASK, value)) this.count++;
    return this;
  }

  delete(key: number): boolean {
    const chunkIndex = chunkOf(key);
    const chunk = this.chunk(chunkIndex);
    const pageIndex = (key >>> PAGE_BITS) & PAGE_MASK;
    const page = chunk?.get(pageIndex);
    if (!chunk || !page || !page.delete(key & SLOT_MASK)) return false;
    this.count--;
    if (page.count === 0) {
      chunk.delete(pageIndex);
      if (chunk.count === 0) {
        this.chunks.delete(chunkIndex);
        if (this.lastIndex === chunkIndex) {
          this.lastIndex = -1;
          this.lastChunk = undefined;
        }
      }
    }
    return true;
  }

  /** Keys in ascending order (for serial ids: the order they were made). */
  *keys(): IterableIterator<number> {
    for (const [base, page] of this.pagesInOrder()) {
      const keys: number[] = [];
      page.forEach((slot) => keys.push(base + slot));
      yield* keys;
    }
  }

  /** Values in the order of their keys. */
  *values(): IterableIterator<V> {
    for (const [, page] of this.pagesInOrder()) {
      const values: V[] = [];
      page.forEach((_slot, value) => values.push(value));
      yield* values;
    }
  }

  /** [first key, page] of each page in use, ascending. */
  private *pagesInOrder(): IterableIterator<[number, Page<V>]> {
    for (const chunkIndex of [...this.chunks.keys()].sort((a, b) => a - b)) {
      const pages: [number, Page<V>][] = [];
      this.chunks.get(chunkIndex)?.forEach((i, page) => pages.push([(chunkIndex * CHUNK_SIZE + i) * PAGE_SIZE, page]));
      yield* pages;
    }
  }

  private chunk(index: number): Chunk<V> | undefined {
    if (index === this.lastIndex) return this.lastChunk;
    const chunk = this.chunks.get(index);
    if (chunk) {
      this.lastIndex = index;
      this.lastChunk = chunk;
    }
    return chunk;
  }
}

/** A set of such integers, iterated in ascending order. */
export class IdSet implements Iterable<number> {
  private readonly table = new IdTable<true>();

  get size(): number {
    return this.table.size;
  }

  has(id: number): boolean {
    return this.table.has(id);
  }

  add(id: number): this {
    this.table.set(id, true);
    return this;
  }

  delete(id: number): boolean {
    return this.table.delete(id);
  }

  [Symbol.iterator](): IterableIterator<number> {
    return this.table.keys();
  }
}
