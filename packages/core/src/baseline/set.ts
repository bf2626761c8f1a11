import { fromZodError } from '../errors/from-zod.js';
import { safeParseDocument } from '../readers/document-value.js';
import type { WorkloadRef } from '../workload/workload-ref.js';
import { Baseline, baselineFromValidatedDocument } from './baseline.js';
import { BASELINE_SCHEMA_VERSION, type BaselineSetDocument, BaselineSetDocumentSchema } from './schema.js';
import { type BaselineKeyFn, baselineKeyString, defaultBaselineKey } from './subject.js';

/**
 * Baselines of many workloads, keyed by subject and version key: what
 * `vigil learn` writes and `vigil check` reads.
 *
 * @example
 * ```ts
 * import { BaselineSet } from '@vigil/core';
 *
 * const fleet = BaselineSet.merge(BaselineSet.fromDocument(nodeA), BaselineSet.fromDocument(nodeB));
 * const b = fleet.forWorkload(event.workload);
 * ```
 */
export class BaselineSet {
  readonly #map = new Map<string, Baseline>();
  #fallback: Baseline | undefined;

  constructor(baselines: Iterable<Baseline> = []) {
    for (const b of baselines) this.add(b);
  }

  /** Adds a baseline; one with the same key is joined with it. */
  add(b: Baseline): void {
    const k = baselineKeyString(b);
    const cur = this.#map.get(k);
    if (cur) cur.joinFrom(b);
    else this.#map.set(k, b);
  }

  /** The baseline for a subject and version key (or the fallback, see {@link withFallback}). */
  get(subject: string, versionKey: string): Baseline | undefined {
    return this.#map.get(baselineKeyString({ subject, versionKey })) ?? this.#fallback;
  }

  /** The baselines of one subject, every version key. */
  bySubject(subject: string): Baseline[] {
    return this.baselines().filter((b) => b.subject === subject);
  }

  /**
   * A set with the same baselines in which a workload that has no baseline of
   * its own is checked against `fallback` (what `vigil check --use-baseline`
   * does). For checking only: a learner given this set would learn into the
   * fallback.
   *
   * @example
   * ```ts
   * const [agent] = set.bySubject('cgroup:/vigil-lab-openai-agents');
   * const checkSet = set.withFallback(agent!);
   * ```
   */
  withFallback(fallback: Baseline): BaselineSet {
    const out = new BaselineSet(this.baselines());
    out.#fallback = fallback;
    return out;
  }

  /** The baseline a workload maps to. */
  forWorkload(workload: WorkloadRef, key: BaselineKeyFn = defaultBaselineKey): Baseline | undefined {
    const k = key(workload);
    return this.get(k.subject, k.versionKey);
  }

  /** Every baseline, ordered by subject then version key. */
  baselines(): Baseline[] {
    return [...this.#map.keys()].sort().map((k) => this.#map.get(k)!);
  }

  get size(): number {
    return this.#map.size;
  }

  /** The set as a document (canonical). */
  toDocument(): BaselineSetDocument {
    return {
      schemaVersion: BASELINE_SCHEMA_VERSION,
      kind: 'vigil.baseline-set',
      baselines: this.baselines().map((b) => b.toDocument()),
    };
  }

  /** Reads a set document; errors list each problem with its path. */
  static fromDocument(input: unknown, where: { file?: string } = {}): BaselineSet {
    const r = safeParseDocument(BaselineSetDocumentSchema, input);
    if (!r.success)
      throw fromZodError(r.error, 'baseline set', where.file ? { file: where.file } : undefined);
    return new BaselineSet(r.data.baselines.map((d) => baselineFromValidatedDocument(d)));
  }

  /** Joins sets: baselines with the same key merge (see {@link Baseline.merge}); inputs are not changed. */
  static merge(...sets: BaselineSet[]): BaselineSet {
    const out = new BaselineSet();
    for (const s of sets) for (const b of s.baselines()) out.add(Baseline.fromDocument(b.toDocument()));
    return out;
  }
}
