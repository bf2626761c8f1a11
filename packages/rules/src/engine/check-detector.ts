import type { BaselineSet, Finding } from '@vigil/core';
import { coreBaselineView } from '../api/core-baseline.js';
import type { RulePack } from '../api/pack.js';
import { RuleEngine, type RuleEngineOptions } from './engine.js';

/** Options of {@link rulesCheckDetector}. */
export interface RulesCheckDetectorOptions {
  /** The packs to run: usually `builtinPacks()` plus `loadRulePacks(--rules …)`. */
  readonly packs: readonly RulePack[];
  /** The baselines of `--baseline`; when absent or empty, baseline-aware rules are skipped. */
  readonly baselines?: BaselineSet | undefined;
  /** Further engine options (exceptions, disabled rules, limits, logger). */
  readonly engine?: Omit<RuleEngineOptions, 'packs' | 'baseline'>;
}

/** The rule engine packaged for `vigil check`: a pipeline consumer and its final findings. */
export interface RulesCheckDetector {
  readonly name: 'rules';
  readonly consumer: RuleEngine;
  /** Every finding once the stream has ended, with final repeat counts. */
  findings(): readonly Finding[];
}

/**
 * Builds the rule engine as a `vigil check` detector (the shape of the CLI's
 * `CheckDetector`): with baselines, the baseline-aware rules run too; without,
 * the rest.
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
  const baseline =
    options.baselines !== undefined && options.baselines.size > 0
      ? coreBaselineView(options.baselines)
      : undefined;
  const engine = new RuleEngine({ ...options.engine, packs: options.packs, baseline });
  return { name: 'rules', consumer: engine, findings: () => engine.findings() };
}
