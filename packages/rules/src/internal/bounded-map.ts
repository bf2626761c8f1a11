/**
 * A map with a hard cap on entries: inserting past the cap evicts the least
 * recently written entry. Entries also carry the stream time they were
 * written at so callers can expire them by age without a timer.
 */
export class BoundedMap<K, V> {
  readonly #map = new Map<K, { value: V; ts: number }>();
  readonly #max: number;
  evictions = 0;
  expirations = 0;
  peak = 0;

  constructor(max: number) {
    this.#max = Math.max(1, Math.floor(max));
  }

  get size(): number {
    return this.#map.size;
  }

  get max(): number {
    return this.#max;
  }

  /** The value of `key`, or undefined when absent or older than `ttl` relative to `now`. */
  get(key: K, now?: number, ttl?: number): V | undefined {
    const e = this.#map.get(key);
    if (e === undefined) return undefined;
    if (ttl !== undefined && now !== undefined && now - e.ts > ttl) {
      this.#map.delete(key);
      this.expirations++;
      return undefined;
    }
    return e.value;
  }

  /** When `key` was last written, if present. */
  writtenAt(key: K): number | undefined {
    return this.#map.get(key)?.ts;
  }

  set(key: K, value: V, ts: number): void {
    this.#map.delete(key);
    this.#map.set(key, { value, ts });
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value as K;
      this.#map.delete(oldest);
      this.evictions++;
    }
    if (this.#map.size > this.peak) this.peak = this.#map.size;
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  /**
   * Drops entries written more than `ttl` before `now`, oldest first, at most
   * `budget` of them (amortises expiry over many calls).
   */
  sweep(now: number, ttl: number, budget = 16): void {
    let n = 0;
    for (const [k, e] of this.#map) {
      if (n++ >= budget || now - e.ts <= ttl) return;
      this.#map.delete(k);
      this.expirations++;
    }
  }

  clear(): void {
    this.#map.clear();
  }

  values(): IterableIterator<{ value: V; ts: number }> {
    return this.#map.values();
  }
}
