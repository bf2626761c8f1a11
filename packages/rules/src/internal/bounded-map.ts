interface Entry<V> {
  value: V;
  ts: number;
}

/**
 * A map with a hard cap on entries, in two generations: writes go to the
 * young generation; when it holds half the cap it becomes the old generation
 * and the previous old one is dropped (its entries are counted as evicted).
 * A read that hits the old generation moves the entry back to the young one,
 * so live keys survive and cold keys fall out.
 *
 * Two plain Maps and no iteration: insertion-ordered eviction by iterating a
 * Map from its front is O(deleted slots) in V8 under heavy churn, which turns
 * hostile input into a CPU problem. Entries also carry the stream time they
 * were written at so callers can expire them by age without a timer.
 */
export class BoundedMap<K, V> {
  #young = new Map<K, Entry<V>>();
  #old = new Map<K, Entry<V>>();
  readonly #max: number;
  readonly #half: number;
  evictions = 0;
  expirations = 0;
  peak = 0;

  constructor(max: number) {
    this.#max = Math.max(2, Math.floor(max));
    this.#half = Math.max(1, Math.floor(this.#max / 2));
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  get max(): number {
    return this.#max;
  }

  #entry(key: K): Entry<V> | undefined {
    const e = this.#young.get(key);
    if (e !== undefined) return e;
    const o = this.#old.get(key);
    if (o === undefined) return undefined;
    this.#old.delete(key);
    this.#insertYoung(key, o);
    return o;
  }

  /** The value of `key`, or undefined when absent or written more than `ttl` before `now`. */
  get(key: K, now?: number, ttl?: number): V | undefined {
    const e = this.#entry(key);
    if (e === undefined) return undefined;
    if (ttl !== undefined && now !== undefined && now - e.ts > ttl) {
      this.#young.delete(key);
      this.expirations++;
      return undefined;
    }
    return e.value;
  }

  /** When `key` was last written, if present. */
  writtenAt(key: K): number | undefined {
    return (this.#young.get(key) ?? this.#old.get(key))?.ts;
  }

  set(key: K, value: V, ts: number): void {
    const e = this.#young.get(key);
    if (e !== undefined) {
      e.value = value;
      e.ts = ts;
      return;
    }
    this.#old.delete(key);
    this.#insertYoung(key, { value, ts });
  }

  #insertYoung(key: K, e: Entry<V>): void {
    if (this.#young.size >= this.#half) {
      this.evictions += this.#old.size;
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, e);
    const size = this.#young.size + this.#old.size;
    if (size > this.peak) this.peak = size;
  }

  delete(key: K): boolean {
    return this.#young.delete(key) || this.#old.delete(key);
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }
}
