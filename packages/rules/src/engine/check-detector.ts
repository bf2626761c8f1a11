import {
  type BaselineSet,
  type Consumer,
  type ConsumerContext,
  DriftDetector,
  type DriftDetectorOptions,
  type Finding,
  type VigilEvent,
} from '@vigil/core';
import { coreBaselineView } from '../api/core-baseline.js';
import type { RulePack } from '../api/pack.js';
import { RuleEngine, type RuleEngineOptions } from './engine.js';

/** Options of {@link rulesCheckDetector}. */
export interface RulesCheckDetectorOptions {
  /** The packs to run: usually `builtinPacks()` plus `loadRulePacks(--rules …)`. */
  readonly packs: readonly RulePack[];
  /** The baselines of `--baseline`; when absent or empty, drift and the baseline-aware rules are skipped. */
  readonly baselines?: BaselineSet | undefined;
  /** Further engine options (exceptions, disabled rules, overrides, limits, logger). */
  readonly engine?: Omit<RuleEngineOptions, 'packs' | 'baseline'>;
  /** Drift detector options besides the baselines and the assessor (learning mode, evidence). */
  readonly drift?: Omit<DriftDetectorOptions, 'baselines' | 'assessor'>;
}

/** The rule engine packaged for `vigil check`: a pipeline consumer and its final findings. */
export interface RulesCheckDetector {
  readonly name: 'rules';
  /** Runs drift (with baselines) and the rules over every batch. */
  readonly consumer: Consumer;
  readonly engine: RuleEngine;
  /** The drift detector, when there are baselines. */
  readonly drift: DriftDetector | undefined;
  /** Every finding once the stream has ended (drift, then detections), with final repeat counts. */
  findings(): readonly Finding[];
}

/**
 * Builds what `vigil check` runs as one detector: the rule engine over every
 * pack and, with baselines, a core `DriftDetector` whose uncovered behaviour
 * the engine's drift and critical rules assess (the `vigil.drift` rules of
 * `builtinPacks()`, or your own); without baselines, the rules that need none.
 *
 * @example
 * ```ts
 * import { builtinPacks, loadRulePacks, rulesCheckDetector } from '@vigil/rules';
 *
 * const packs = [...builtinPacks(), ...(await loadRulePacks(rulesOptions))];
 * const detector = rulesCheckDetector({ packs, baselines });
 * const vigil = new Vigil({ source, consumers: [detector.consumer] });
 * await vigil.run();
 * detector.findings();
 * ```
 */
export function rulesCheckDetector(options: RulesCheckDetectorOptions): RulesCheckDetector {
  const has = options.baselines !== undefined && options.baselines.size > 0;
  // Drift reports what the baselines never saw; the rules leave that to it (one finding per behaviour).
  const baseline = has ? coreBaselineView(options.baselines!, { driftReports: true }) : undefined;
  const engine = new RuleEngine({ ...options.engine, packs: options.packs, baseline });
  const drift = has
    ? new DriftDetector({
        report: 'finish',
        ...options.drift,
        baselines: options.baselines!,
        assessor: engine,
      })
    : undefined;
  const consumer: Consumer = {
    name: 'rules',
    start: (ctx: ConsumerContext) => engine.start(ctx),
    onBatch(batch: readonly VigilEvent[], ctx: ConsumerContext) {
      drift?.onBatch(batch, ctx);
      engine.onBatch(batch, ctx);
    },
    finish(ctx: ConsumerContext) {
      drift?.finish(ctx);
    },
  };
  return {
    name: 'rules',
    consumer,
    engine,
    drift,
    findings: () => [...(drift?.findings() ?? []), ...engine.findings()],
  };
}
