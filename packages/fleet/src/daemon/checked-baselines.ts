import { type Baseline, BaselineSet, baselineKeyString } from '@vigil/core';

/**
 * Where the baseline a workload was checked against came from: the fleet's
 * stable baseline (published by the hub) or the node's own.
 *
 * @example
 * ```ts
 * const { fleet, local } = daemon.stats().checkedAgainst;
 * ```
 */
export type CheckedBaselineSource = 'fleet' | 'local';

/**
 * The baselines a daemon checks against: the fleet's stable baseline of a
 * workload and version when the hub has published one, otherwise the
 * node's own (learned locally). The fleet's set is read on every lookup, so
 * a baseline the hub publishes later is used from then on.
 */
export class CheckedBaselines extends BaselineSet {
  readonly #local: BaselineSet;
  readonly #fleet: () => BaselineSet | undefined;

  constructor(local: BaselineSet, fleet: () => BaselineSet | undefined) {
    super();
    this.#local = local;
    this.#fleet = fleet;
  }

  override get(subject: string, versionKey: string): Baseline | undefined {
    const f = this.#fleet()?.get(subject, versionKey);
    return f?.status === 'stable' ? f : this.#local.get(subject, versionKey);
  }

  override bySubject(subject: string): Baseline[] {
    return this.baselines().filter((b) => b.subject === subject);
  }

  override baselines(): Baseline[] {
    const out = new Map<string, Baseline>();
    for (const b of this.#local.baselines()) out.set(baselineKeyString(b), b);
    for (const b of this.#fleet()?.baselines() ?? [])
      if (b.status === 'stable') out.set(baselineKeyString(b), b);
    return [...out.keys()].sort().map((k) => out.get(k)!);
  }

  override get size(): number {
    return this.baselines().length;
  }

  override add(): void {
    throw new Error('CheckedBaselines is a view: add to the local set or publish to the fleet');
  }

  /** Which source holds the baseline of this version (by content hash), if either does. */
  sourceOf(subject: string, versionKey: string, version: string): CheckedBaselineSource | undefined {
    if (this.#fleet()?.get(subject, versionKey)?.version === version) return 'fleet';
    if (this.#local.get(subject, versionKey)?.version === version) return 'local';
    return undefined;
  }
}
