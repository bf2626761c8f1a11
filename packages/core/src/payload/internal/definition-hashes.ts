import { hashJson } from './canonical-json.js';

/**
 * `hashJson` of definitions that repeat: an agent offers the same tool
 * definitions in every model request, and the canonical JSON and SHA-256 of
 * each cost far more than recognising it again. Keyed on the value's exact
 * JSON text (equal text is an equal value, so a hit gives the hash
 * `hashJson` would); bounded in entries and characters, least recently
 * used evicted first.
 */
export class DefinitionHashes {
  readonly #cache = new Map<string, string>();
  readonly #maxEntries: number;
  readonly #maxChars: number;
  #chars = 0;

  constructor(maxEntries = 512, maxChars = 1024 * 1024) {
    this.#maxEntries = Math.max(1, maxEntries);
    this.#maxChars = Math.max(1, maxChars);
  }

  /** Entries and key characters held now. */
  get size(): { entries: number; chars: number } {
    return { entries: this.#cache.size, chars: this.#chars };
  }

  /** The SHA-256 of the canonical JSON of `value`, as `hashJson(value)`. */
  hash(value: unknown): string {
    let key: string | undefined;
    try {
      key = JSON.stringify(value);
    } catch {
      key = undefined;
    }
    // Not JSON-representable, or too large to keep: hashed every time (and refused the same way).
    if (key === undefined || key.length > this.#maxChars / 16) return hashJson(value);
    const hit = this.#cache.get(key);
    if (hit !== undefined) {
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return hit;
    }
    const digest = hashJson(value);
    while (
      this.#cache.size > 0 &&
      (this.#cache.size >= this.#maxEntries || this.#chars + key.length > this.#maxChars)
    ) {
      const oldest = this.#cache.keys().next().value as string;
      this.#cache.delete(oldest);
      this.#chars -= oldest.length;
    }
    this.#cache.set(key, digest);
    this.#chars += key.length;
    return digest;
  }
}
