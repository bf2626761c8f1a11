import { formatDuration } from '../output/count-text.js';
import type { Baseline } from './baseline.js';
import type { LearningReopened, LearningState, StabilityPolicy } from './schema.js';

/** Why a baseline is (not yet) stable, and what would make it so. */
export interface LearningExplanation {
  readonly status: 'learning' | 'stable';
  /** The origin whose learning state was explained. */
  readonly origin: string;
  /** One line: the state, the evidence so far and (while learning) what is still missing. */
  readonly text: string;
  /** While learning: each way to become stable with what it still lacks. Empty once stable. */
  readonly missing: readonly string[];
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2).replace(/\.?0+$/, '')} %`;
}

const n = (x: number) => x.toLocaleString('en-US');
const plural = (k: number, one: string, many = `${one}s`) => `${n(k)} ${k === 1 ? one : many}`;

/** What each stability criterion of `policy` still lacks for `state` (empty strings are met). */
function lacking(state: LearningState, policy: StabilityPolicy): string[] {
  const elapsed = Math.max(0, (state.lastSeen - state.firstSeen) / 1e9);
  const noisy = state.noveltyRate > policy.maxNoveltyRate;
  const novelty = noisy
    ? `novelty ${pct(state.noveltyRate)} to fall to ≤ ${pct(policy.maxNoveltyRate)}`
    : undefined;

  const time: string[] = [];
  if (elapsed < policy.minDurationSec)
    time.push(
      `≥ ${formatDuration(policy.minDurationSec)} of observation (${formatDuration(policy.minDurationSec - elapsed)} more)`,
    );
  if (state.observations < policy.minObservations)
    time.push(
      `≥ ${n(policy.minObservations)} observations (${n(policy.minObservations - state.observations)} more)`,
    );
  if (novelty) time.push(novelty);
  const out = [time.join(' and ')];

  if (policy.minRuns !== undefined) {
    const runs = state.runs ?? 0;
    const quiet = state.quietRuns ?? 0;
    const need = policy.quietRuns ?? 1;
    const runNeeds: string[] = [];
    if (runs < policy.minRuns) runNeeds.push(`${plural(policy.minRuns - runs, 'more run')}`);
    if (quiet < need)
      runNeeds.push(
        `${plural(need - quiet, 'more quiet run')} in a row (a run adding ≤ ${pct(policy.maxNoveltyRate)} new behaviour; ${quiet} so far)`,
      );
    out.push(
      runNeeds.length === 0
        ? ''
        : `≥ ${plural(policy.minRuns, 'run')} with the last ${need} quiet: ${runNeeds.join(' and ')}`,
    );
  }
  return out;
}

const STABLE_WHY: Record<NonNullable<LearningState['stableReason']>, string> = {
  manual: 'marked stable by hand',
  'quiet-runs': 'the last runs added (almost) nothing new',
  'max-duration': 'the maximum learning time passed',
  converged: 'novelty fell below the threshold',
};

/** Why a baseline that looked stable went back to learning, in one clause. */
function reopenedText(r: LearningReopened, describeRun?: (runId: string) => string | undefined): string {
  const named = r.runId !== undefined ? describeRun?.(r.runId) : undefined;
  return (
    `it looked stable (${STABLE_WHY[r.after]}), then run ${n(r.run)}${named !== undefined ? ` (${named})` : ''} ` +
    `added ${plural(r.entries, 'new entry', 'new entries')} in ${n(r.novel)} of ${plural(r.observations, 'observation')} ` +
    `(${pct(r.novel / Math.max(1, r.observations))}), so it went back to learning`
  );
}

/**
 * Explains a baseline's learning state in one line a user can act on: for a
 * stable baseline, why and since when; for one still learning, the runs,
 * time, observations and novelty so far and what each way to stability still
 * needs (the time criterion, the quiet-runs criterion, or `--mark-stable`
 * after review); for one that looked stable and went back to learning, which
 * run added what after that point. Explains the origin that is furthest along
 * unless one is named. `describeRun` names a run by its id (a cgroup path),
 * e.g. by the capture it was recorded in.
 *
 * @example
 * ```ts
 * import { explainLearning } from '@vigil/core';
 *
 * for (const b of set.baselines()) console.log(`${b.subject}: ${explainLearning(b).text}`);
 * // 'still learning: 4 runs over 38 s, 1,234 observations, novelty 0 %; stable needs ≥ 15 min of observation (14 min 22 s more) and …'
 * ```
 */
export function explainLearning(
  baseline: Baseline,
  origin?: string,
  describeRun?: (runId: string) => string | undefined,
): LearningExplanation {
  const states = Object.entries(baseline.learning());
  const picked =
    (origin !== undefined ? states.find(([o]) => o === origin) : undefined) ??
    states.find(([, s]) => s.status === 'stable') ??
    states.sort(([, a], [, b]) => b.observations - a.observations)[0];
  const [who, state] = picked ?? [origin ?? 'none', undefined];
  if (state === undefined) {
    return {
      status: baseline.status,
      origin: who,
      text: `${baseline.status}: nothing observed yet`,
      missing: [],
    };
  }
  const elapsed = Math.max(0, (state.lastSeen - state.firstSeen) / 1e9);
  const runs = state.runs !== undefined ? `${plural(state.runs, 'run')} over ` : '';
  const seen = `${runs}${formatDuration(elapsed)}, ${plural(state.observations, 'observation')}, novelty ${pct(state.noveltyRate)}`;
  if (state.status === 'stable' || baseline.status === 'stable') {
    const why =
      state.stableReason !== undefined ? STABLE_WHY[state.stableReason] : 'another origin became stable';
    return { status: 'stable', origin: who, text: `stable (${why}): ${seen}`, missing: [] };
  }
  const missing = lacking(state, baseline.stability)
    .filter((m) => m.length > 0)
    .concat(['--mark-stable after review']);
  const reopened = state.reopened !== undefined ? `; ${reopenedText(state.reopened, describeRun)}` : '';
  return {
    status: 'learning',
    origin: who,
    text: `still learning: ${seen}${reopened}; stable needs ${missing.join(', or ')}`,
    missing,
  };
}

/**
 * Baselines that learned from exactly one run, with more than one such
 * baseline in the set: the sign that runs of one workload were recorded
 * under different workload ids (so each got its own one-run baseline).
 * Empty when that is not the case.
 *
 * @example
 * ```ts
 * import { oneRunBaselines } from '@vigil/core';
 *
 * const lone = oneRunBaselines(learner.set, learner.origin);
 * if (lone.length > 1) console.warn(`${lone.length} workloads of one run each: record them under one --name`);
 * ```
 */
export function oneRunBaselines(set: { baselines(): Baseline[] }, origin: string): Baseline[] {
  const lone = set.baselines().filter((b) => b.learning()[origin]?.runs === 1);
  return lone.length > 1 ? lone : [];
}
