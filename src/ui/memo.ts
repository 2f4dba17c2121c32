/** A map that forgets what two generations did not use: bounded (at most twice its limit),
 *  and what each frame reuses stays. For caches of text that changes without end. */
export class Memo<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();
  constructor(private readonly limit: number) {}

  /** Entries held now: at most twice the limit. */
  get size(): number {
    return this.current.size + this.previous.size;
  }

  get(key: K, make: (key: K) => V): V {
    let value = this.current.get(key);
    if (value !== undefined) return value;
    value = this.previous.get(key) ?? make(key);
    if (this.current.size >= this.limit) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
    return value;
  }
}
