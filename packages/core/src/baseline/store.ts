import { Baseline } from './baseline.js';
import { BaselineSet } from './set.js';
import { baselineKeyString } from './subject.js';

/** What a store lists about each baseline without loading it. */
export interface StoredBaselineInfo {
  readonly subject: string;
  readonly versionKey: string;
  /** Content hash of the patterns. */
  readonly version: string;
  readonly status: 'learning' | 'stable';
  readonly entries: number;
  /** Milliseconds since the epoch of the last write. */
  readonly updatedAt: number;
}

/**
 * Options for {@link BaselineStore.mergeAll}.
 *
 * @example
 * ```ts
 * await store.mergeAll(set.baselines(), { beforeCommit: () => writeFile('baseline.json', text) });
 * ```
 */
export interface MergeAllOptions {
  /**
   * Runs once the merges are staged and before they are committed, e.g. to put a file that
   * must exist exactly when the store is updated. When it throws, nothing is committed.
   */
  readonly beforeCommit?: () => Promise<void> | void;
}

/**
 * Where baselines live between runs. Every write is atomic: a reader sees the
 * old baseline or the new one, never a mix. Implementations:
 * {@link SqliteBaselineStore} (embedded, crash-safe) and
 * {@link MemoryBaselineStore}.
 *
 * @example
 * ```ts
 * import { SqliteBaselineStore } from '@vigil/core';
 *
 * await using store = await SqliteBaselineStore.open('baselines.db');
 * for (const b of learner.set.baselines()) await store.merge(b);
 * const agent = await store.get('k8s:ai/agent/agent', 'ghcr.io/acme/agent:1.4');
 * ```
 */
export interface BaselineStore {
  /** The stored baseline, or undefined. */
  get(subject: string, versionKey: string): Promise<Baseline | undefined>;
  /** Stores a baseline, replacing any with the same key. */
  put(baseline: Baseline): Promise<void>;
  /** Stores many baselines in one atomic write. */
  putAll(baselines: Iterable<Baseline>): Promise<void>;
  /** Joins a baseline with the stored one (atomically) and returns the result. */
  merge(baseline: Baseline): Promise<Baseline>;
  /**
   * Joins every baseline with the stored one in one atomic write and returns the results.
   * `options.beforeCommit` runs after the merges and before they are committed: when it
   * throws, or the process dies first, the store is left as it was.
   */
  mergeAll(baselines: Iterable<Baseline>, options?: MergeAllOptions): Promise<Baseline[]>;
  /** Removes a baseline; true when there was one. */
  delete(subject: string, versionKey: string): Promise<boolean>;
  /** What is stored, ordered by subject then version key. */
  list(): Promise<StoredBaselineInfo[]>;
  /** Every stored baseline as a set. */
  loadSet(): Promise<BaselineSet>;
  /** Releases the store. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A {@link BaselineStore} in memory, for tests and notebooks. Baselines are
 * copied in and out, so callers never share state with the store.
 *
 * @example
 * ```ts
 * import { MemoryBaselineStore } from '@vigil/core';
 *
 * const store = new MemoryBaselineStore();
 * await store.put(baseline);
 * ```
 */
export class MemoryBaselineStore implements BaselineStore {
  readonly #docs = new Map<string, { doc: ReturnType<Baseline['toDocument']>; info: StoredBaselineInfo }>();

  async get(subject: string, versionKey: string): Promise<Baseline | undefined> {
    const d = this.#docs.get(baselineKeyString({ subject, versionKey }));
    return d ? Baseline.fromDocument(structuredClone(d.doc)) : undefined;
  }

  async put(baseline: Baseline): Promise<void> {
    this.#docs.set(baselineKeyString(baseline), {
      doc: structuredClone(baseline.toDocument()),
      info: infoOf(baseline, Date.now()),
    });
  }

  async putAll(baselines: Iterable<Baseline>): Promise<void> {
    for (const b of baselines) await this.put(b);
  }

  async merge(baseline: Baseline): Promise<Baseline> {
    const cur = await this.get(baseline.subject, baseline.versionKey);
    const merged = cur ? Baseline.merge(cur, baseline) : Baseline.fromDocument(baseline.toDocument());
    await this.put(merged);
    return merged;
  }

  async mergeAll(baselines: Iterable<Baseline>, options: MergeAllOptions = {}): Promise<Baseline[]> {
    const staged = new Map<string, Baseline>();
    for (const b of baselines) {
      const key = baselineKeyString(b);
      const cur = staged.get(key) ?? (await this.get(b.subject, b.versionKey));
      staged.set(key, cur ? Baseline.merge(cur, b) : Baseline.fromDocument(b.toDocument()));
    }
    await options.beforeCommit?.();
    for (const b of staged.values()) await this.put(b);
    return [...staged.values()];
  }

  async delete(subject: string, versionKey: string): Promise<boolean> {
    return this.#docs.delete(baselineKeyString({ subject, versionKey }));
  }

  async list(): Promise<StoredBaselineInfo[]> {
    return [...this.#docs.keys()].sort().map((k) => this.#docs.get(k)!.info);
  }

  async loadSet(): Promise<BaselineSet> {
    const set = new BaselineSet();
    for (const { doc } of this.#docs.values()) set.add(Baseline.fromDocument(structuredClone(doc)));
    return set;
  }

  async close(): Promise<void> {}

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** The listing row of a baseline. */
export function infoOf(b: Baseline, updatedAt: number): StoredBaselineInfo {
  return {
    subject: b.subject,
    versionKey: b.versionKey,
    version: b.version,
    status: b.status,
    entries: b.size(),
    updatedAt,
  };
}
