import type { Baseline } from '../baseline/baseline.js';
import { captureCoverage } from '../baseline/coverage.js';
import type { CriticalBehaviour } from '../baseline/critical.js';
import { oneRunBaselines } from '../baseline/explain.js';
import type { GeneralisationConfig } from '../baseline/generalise.js';
import { BaselineLearner, type LearnerNotice } from '../baseline/learner.js';
import { admitReviewed } from '../baseline/review.js';
import type { ReviewRecord, StabilityPolicy } from '../baseline/schema.js';
import { BaselineSet } from '../baseline/set.js';

import type { CaptureIntegrity } from '../capture/integrity.js';
import { VigilError } from '../errors/vigil-error.js';
import type { Finding } from '../findings/finding.js';
import { type CaptureReadOptions, captureSource, enrichersFor, runPipeline } from './run.js';

/** Options for {@link learnBaselines}. */
export interface LearnBaselinesOptions extends CaptureReadOptions {
  /** The capture files to learn from, in order. */
  readonly captures: readonly string[];
  /**
   * Behaviour quarantined for review instead of admitted: `criticalBehaviours(builtinPacks())` of
   * `@vigil/rules` is what `vigil learn` uses. Default none.
   */
  readonly critical?: readonly CriticalBehaviour[];
  /** When a baseline becomes stable. Default `DEFAULT_STABILITY`. */
  readonly stability?: StabilityPolicy;
  /** Names this learner in the baselines' per-origin counts. Default: the host name. */
  readonly origin?: string;
  /** Collapse thresholds per path prefix (`readGeneralisationFile`). */
  readonly generalisation?: GeneralisationConfig;
  /** Baselines the result is merged with (an earlier `learn`'s output, `vigil learn --merge`). */
  readonly merge?: BaselineSet;
  /** Quarantined items to admit after review, with who and why (recorded in the baselines). */
  readonly admit?: { readonly ids: readonly string[]; readonly by: string; readonly reason: string };
  /** Mark every baseline stable at the end, at the last time it saw behaviour (after a review). */
  readonly markStable?: boolean;
  /** Sees each notice as the stream runs: a baseline became stable or full, behaviour was quarantined. */
  readonly onNotice?: (notice: LearnerNotice) => void;
}

/** What {@link learnBaselines} learned. */
export interface LearnResult {
  /** The baselines learned (merged with `merge`, admissions and `markStable` applied). */
  readonly set: BaselineSet;
  /** The learner's origin, the key of its counts in each baseline's `learning()`. */
  readonly origin: string;
  /** Events read from the captures. */
  readonly events: number;
  /** Whether every capture was complete. */
  readonly integrity: CaptureIntegrity;
  /** Behaviour quarantined while learning, as findings. */
  readonly quarantined: readonly Finding[];
  /** The items admitted by `admit`. */
  readonly admitted: readonly ReviewRecord[];
  /**
   * Baselines of one run each, when several captures made more than one of them: usually runs of one
   * workload recorded under different workload names, which no single run can make stable.
   */
  readonly oneRun: readonly Baseline[];
  /**
   * What is still held for review: the items quarantined while learning, or, after admissions,
   * what the baselines still hold in quarantine. What `--fail-on` judges.
   */
  readonly held: readonly Pick<Finding, 'severity'>[];
  /**
   * The capture a run was read from, by the run's id (its cgroup path or workload id, as in
   * `LearningState.reopened`): for `explainLearning(baseline, origin, learned.captureOfRun)`.
   */
  readonly captureOfRun: (runId: string) => string | undefined;
}

/**
 * Learns behavioural baselines from captures, per workload and image/model version: replays the
 * captures through a `BaselineLearner` (critical behaviour quarantined for review), merges the
 * result with earlier baselines, admits reviewed items and marks baselines stable when asked. This is
 * what `vigil learn` does; the command only reads its flags, prints the summary and writes the output.
 *
 * @example
 * ```ts
 * import { encodeBaselineSet, learnBaselines } from '@vigil/core';
 * import { builtinPacks, criticalBehaviours } from '@vigil/rules';
 *
 * const learned = await learnBaselines({ captures: ['run.vcap'], critical: criticalBehaviours(builtinPacks()) });
 * for (const b of learned.set.baselines()) console.log(b.subject, b.status);
 * const json = encodeBaselineSet(learned.set, 'json');
 * ```
 */
export async function learnBaselines(options: LearnBaselinesOptions): Promise<LearnResult> {
  if (options.captures.length === 0) throw new VigilError('USAGE', 'learn needs at least one capture file');
  const learner = new BaselineLearner({
    // Every capture handed to learn is learning input: a baseline that becomes stable on quiet runs
    // part-way through still learns the captures after that point (stability is still reported).
    freezeWhenStable: false,
    ...(options.critical ? { critical: options.critical } : {}),
    ...(options.stability ? { stability: options.stability } : {}),
    ...(options.origin !== undefined ? { origin: options.origin } : {}),
    ...(options.generalisation ? { generalisation: options.generalisation } : {}),
  });
  if (options.onNotice) learner.onNotice(options.onNotice);
  const quarantined: Finding[] = [];
  const source = captureSource(options.captures, options);
  const { summary } = await runPipeline({
    source,
    enrichers: enrichersFor(options),
    consumers: [learner],
    onFinding: (f) => quarantined.push(f),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  // Each capture's header says what it could show: its workloads' baselines record it.
  for (const [i, header] of source.headers.entries()) {
    const coverage = captureCoverage(header);
    if (coverage === undefined) continue;
    for (const w of source.workloads[i] ?? []) if (w !== undefined) learner.noteCoverage(w, coverage);
  }
  const captureOfRun = (runId: string): string | undefined => {
    const i = source.workloads.findIndex((ws) =>
      ws?.some((w) => w !== undefined && (w.cgroupPath ?? w.id) === runId),
    );
    return i < 0 ? undefined : options.captures[i];
  };
  const set = options.merge ? BaselineSet.merge(options.merge, learner.set) : learner.set;
  const admitted =
    options.admit && options.admit.ids.length > 0
      ? admitReviewed(set, options.admit.ids, { by: options.admit.by, reason: options.admit.reason })
      : [];
  if (options.markStable === true)
    for (const b of set.baselines())
      if (b.status !== 'stable')
        b.markStable(Math.max(...Object.values(b.learning()).map((s) => s.lastSeen), 0));
  return {
    set,
    origin: learner.origin,
    events: summary.events,
    integrity: source.integrity(),
    quarantined,
    admitted,
    oneRun: options.captures.length > 1 ? oneRunBaselines(learner.set, learner.origin) : [],
    held: admitted.length > 0 ? set.baselines().flatMap((b) => b.quarantined()) : quarantined,
    captureOfRun,
  };
}
