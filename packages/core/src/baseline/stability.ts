import type { LearningState, StabilityPolicy } from './schema.js';

/**
 * The default stability policy (use `{ ...DEFAULT_STABILITY, minDurationSec: 3600 }` to change one field): at least 2,000 observations and 15 minutes of
 * event time, then stable once no more than 0.5 % of the last 1,000
 * observations were new; or, for short runs, after 4 runs of which the last
 * 3 each added at most 0.5 % new behaviour; stable regardless after 24 hours.
 */
export const DEFAULT_STABILITY: StabilityPolicy = Object.freeze({
  minObservations: 2000,
  minDurationSec: 900,
  maxDurationSec: 86_400,
  windowObservations: 1000,
  maxNoveltyRate: 0.005,
  minRuns: 4,
  quietRuns: 3,
});

/**
 * Measures how fast new behaviour still appears for one origin and decides
 * when learning is done: when the novelty rate over the recent window falls
 * to the threshold after the minimum observations and time, or when the
 * maximum time has passed.
 *
 * @example
 * ```ts
 * import { DEFAULT_STABILITY, StabilityTracker } from '@vigil/core';
 *
 * const t = new StabilityTracker(DEFAULT_STABILITY);
 * t.record(Date.now() * 1e6, true);
 * t.state.status; // 'learning'
 * ```
 */
export class StabilityTracker {
  readonly policy: StabilityPolicy;
  readonly state: LearningState;
  readonly #ring: Uint8Array;
  #pos = 0;
  #filled = 0;
  #windowNovel = 0;
  #run: string | undefined;
  readonly #onStatus: (() => void) | undefined;

  /**
   * @param resume - a learning state to continue from.
   * @param onStatus - called whenever the status changes (became stable, or went back to learning).
   */
  constructor(policy: StabilityPolicy, resume?: LearningState, onStatus?: () => void) {
    this.policy = policy;
    this.#onStatus = onStatus;
    this.#ring = new Uint8Array(policy.windowObservations);
    this.state = resume
      ? { ...resume }
      : {
          observations: 0,
          novel: 0,
          firstSeen: 0,
          lastSeen: 0,
          lastNovel: 0,
          noveltyRate: 1,
          status: 'learning',
        };
    if (resume) {
      // Resume the window approximately: the recorded novel count spread over its oldest slots.
      this.#filled = Math.min(resume.observations, this.#ring.length);
      this.#windowNovel = Math.min(
        resume.windowNovel ?? Math.round(resume.noveltyRate * this.#filled),
        this.#filled,
      );
      for (let i = 0; i < this.#windowNovel; i++) this.#ring[i] = 1;
      this.#pos = this.#filled % this.#ring.length;
    }
  }

  /**
   * Records one observation (`entries`: the baseline entries it added, by default one when novel);
   * returns true when this call made the baseline stable.
   */
  record(ts: number, novel: boolean, entries = novel ? 1 : 0): boolean {
    const s = this.state;
    // Criteria met when a run begins (the runs before it were quiet): stable before this run, which
    // is then judged whole (see endRun).
    const atRunStart =
      s.status !== 'stable' && s.observations > 0 && (s.runObservations ?? 0) === 0 && this.check(ts);
    if (s.observations === 0) s.firstSeen = ts;
    s.observations++;
    if (ts > s.lastSeen) s.lastSeen = ts;
    if (ts < s.firstSeen) s.firstSeen = ts;
    if (novel) {
      s.novel++;
      s.lastNovel = Math.max(s.lastNovel, ts);
    }
    s.runObservations = (s.runObservations ?? 0) + 1;
    if (novel) s.runNovel = (s.runNovel ?? 0) + 1;
    if (entries > 0) s.runEntries = (s.runEntries ?? 0) + entries;
    const ring = this.#ring;
    if (this.#filled === ring.length) this.#windowNovel -= ring[this.#pos]!;
    else this.#filled++;
    ring[this.#pos] = novel ? 1 : 0;
    this.#windowNovel += novel ? 1 : 0;
    this.#pos = this.#pos + 1 === ring.length ? 0 : this.#pos + 1;
    s.windowNovel = this.#windowNovel;
    s.noveltyRate = this.#windowNovel / this.#filled;
    if (atRunStart) return true;
    if (s.status === 'stable') return false;
    return this.check(ts);
  }

  /**
   * Starts a new run (a `vigil record` run, a container, a replica): the run
   * in progress ends (see {@link endRun}) and the run count goes up. `run`
   * names it (a cgroup path) for {@link LearningState.reopened}.
   */
  beginRun(run?: string, keepsLearning = false): void {
    this.endRun(keepsLearning);
    this.state.runs = (this.state.runs ?? 0) + 1;
    this.#run = run;
  }

  /**
   * Ends the run in progress, if it observed anything: a run whose own
   * novelty rate was at most the threshold extends the streak of quiet runs,
   * any other run breaks it.
   *
   * `keepsLearning`: the learner goes on admitting behaviour after the baseline
   * is stable (`vigil learn` over several captures). Then a baseline judged
   * stable by `quiet-runs` or `converged` whose run after that point was not
   * quiet goes back to learning (recorded in {@link LearningState.reopened}):
   * it only looked stable. A baseline marked stable by hand, or by the maximum
   * time, stays stable; a learner that freezes stable baselines never reopens one.
   */
  endRun(keepsLearning = false): void {
    const s = this.state;
    const n = s.runObservations ?? 0;
    if (n === 0) return;
    const novel = s.runNovel ?? 0;
    const quiet = novel / n <= this.policy.maxNoveltyRate;
    if (
      !quiet &&
      keepsLearning &&
      s.status === 'stable' &&
      (s.stableReason === 'quiet-runs' || s.stableReason === 'converged')
    )
      this.#reopen(n, novel);
    s.quietRuns = quiet ? (s.quietRuns ?? 0) + 1 : 0;
    s.runObservations = 0;
    s.runNovel = 0;
    s.runEntries = 0;
  }

  #reopen(observations: number, novel: number): void {
    const s = this.state;
    s.reopened = {
      ts: s.lastSeen,
      after: s.stableReason as 'quiet-runs' | 'converged',
      stableSince: s.stableSince ?? s.lastSeen,
      run: s.runs ?? 0,
      ...(this.#run !== undefined ? { runId: this.#run } : {}),
      observations,
      novel,
      entries: s.runEntries ?? novel,
    };
    s.status = 'learning';
    delete s.stableSince;
    delete s.stableReason;
    // Novelty is measured afresh: the window before the run that was not quiet does not count.
    this.#ring.fill(0);
    this.#pos = 0;
    this.#filled = 0;
    this.#windowNovel = 0;
    s.windowNovel = 0;
    s.noveltyRate = novel / observations;
    this.#onStatus?.();
  }

  /**
   * Runs overlap (events of an earlier run arrive again, as with replicas
   * running side by side): their novelty cannot be told apart, so the streak
   * of quiet runs starts again and only the time criterion can apply meanwhile.
   */
  noteOverlap(): void {
    this.state.quietRuns = 0;
  }

  /** Re-evaluates stability at event time `ts` (also called when time passes without observations). */
  check(ts: number): boolean {
    const s = this.state;
    if (s.status === 'stable' || s.observations === 0) return false;
    const elapsedSec = (ts - s.firstSeen) / 1e9;
    const p = this.policy;
    if (
      s.observations >= p.minObservations &&
      elapsedSec >= p.minDurationSec &&
      this.#filled >= Math.min(p.windowObservations, p.minObservations) &&
      s.noveltyRate <= p.maxNoveltyRate
    ) {
      this.#becomeStable(ts, 'converged');
      return true;
    }
    if (p.minRuns !== undefined && (s.runs ?? 0) >= p.minRuns && (s.quietRuns ?? 0) >= (p.quietRuns ?? 1)) {
      this.#becomeStable(ts, 'quiet-runs');
      return true;
    }
    if (elapsedSec >= p.maxDurationSec) {
      this.#becomeStable(ts, 'max-duration');
      return true;
    }
    return false;
  }

  /** Marks the baseline stable by hand. */
  markStable(ts: number): void {
    if (this.state.status === 'stable') return;
    this.#becomeStable(ts, 'manual');
  }

  #becomeStable(ts: number, reason: NonNullable<LearningState['stableReason']>): void {
    const s = this.state;
    s.status = 'stable';
    s.stableSince = ts;
    s.stableReason = reason;
    // What the run in progress does from here on is judged on its own (see endRun).
    s.runObservations = 0;
    s.runNovel = 0;
    s.runEntries = 0;
    this.#onStatus?.();
  }
}
