import {
  ARGS_MARK,
  type Baseline,
  type BaselineKeyFn,
  type BaselineSet,
  eventFamily,
  type VigilEvent,
  type WorkloadRef,
} from '@vigil/core';
import type { BaselineView } from './baseline-view.js';

/**
 * Options of {@link coreBaselineView}.
 *
 * @example
 * ```ts
 * const view = coreBaselineView(set, { maxCachedWorkloads: 1000 });
 * ```
 */
export interface CoreBaselineViewOptions {
  /** How workloads map to baselines; the set's default key when omitted. */
  readonly key?: BaselineKeyFn;
  /** Most workload → baseline resolutions cached. Default 10,000. */
  readonly maxCachedWorkloads?: number;
  /** A drift detector checks the same baselines in the same run: sets {@link BaselineView.driftReports}. */
  readonly driftReports?: boolean;
}

/**
 * Adapts the baselines of `@vigil/core` (a `BaselineSet`, as `vigil learn`
 * writes and `readBaselineFile` reads them) to the {@link BaselineView} rules
 * consult. Coverage questions go to `Baseline.isCovered`, so the rules see the
 * core baseline's generalisation (argument patterns, path and DNS
 * wildcards, access modes). Core baselines keep the tools a workload invoked,
 * not the definitions it was shown, so `approvedTools` is always undefined and
 * the rug-pull step compares against the first tool list in the stream.
 *
 * @example
 * ```ts
 * import { readBaselineFile } from '@vigil/core';
 * import { builtinPacks, coreBaselineView, RuleEngine } from '@vigil/rules';
 *
 * const baseline = coreBaselineView(await readBaselineFile('agent.baseline.json'));
 * const engine = new RuleEngine({ packs: builtinPacks(), baseline });
 * ```
 */
export function coreBaselineView(set: BaselineSet, options: CoreBaselineViewOptions = {}): BaselineView {
  const max = options.maxCachedWorkloads ?? 10_000;
  const cache = new Map<string, Baseline | null>();
  // Events of one workload usually share its WorkloadRef object: a run of them skips the map.
  let lastRef: WorkloadRef | undefined;
  let lastBaseline: Baseline | undefined;
  const lookup = (w: WorkloadRef): Baseline | undefined => {
    if (w === lastRef) return lastBaseline;
    let b: Baseline | undefined;
    const hit = cache.get(w.id);
    if (hit !== undefined) b = hit ?? undefined;
    else {
      b = options.key ? set.forWorkload(w, options.key) : set.forWorkload(w);
      if (cache.size >= max) cache.clear();
      cache.set(w.id, b ?? null);
    }
    lastRef = w;
    lastBaseline = b;
    return b;
  };
  return {
    covers: (w) => lookup(w) !== undefined,
    // An event of a family the baseline's recordings never carried (a model call against a baseline
    // learned without payloads) cannot be called new: it counts as seen, as drift reports it once as
    // a gap in coverage.
    seen: (ev: VigilEvent) => {
      const b = lookup(ev.workload);
      if (b === undefined) return false;
      return !b.learnedFamily(eventFamily(ev.kind)) || b.isCovered(ev);
    },
    // The executable is known when the baseline's match went past its path into the arguments.
    programSeen: (ev) => {
      const c = lookup(ev.workload)?.covers(ev);
      if (c === undefined) return false;
      if (c.covered) return true;
      const argsAt = c.observation?.segments.indexOf(ARGS_MARK) ?? -1;
      return argsAt >= 0 && (c.depth ?? 0) > argsAt;
    },
    approvedTools: () => undefined,
    ...(options.driftReports === true ? { driftReports: true } : {}),
  };
}
