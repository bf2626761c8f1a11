import type { LearningState, StabilityPolicy } from './schema.js';

/**
 * The default stability policy (use `{ ...DEFAULT_STABILITY, minDurationSec: 3600 }` to change one field): at least 2,000 observations and 15 minutes of
 * event time, then stable once no more than 0.5 % of the last 1,000
 * observations were new; stable regardless after 24 hours.
 */
export const DEFAULT_STABILITY: StabilityPolicy = Object.freeze({
  minObservations: 2000,
  minDurationSec: 900,
  maxDurationSec: 86_400,
  windowObservations: 1000,
  maxNoveltyRate: 0.005,
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

  constructor(policy: StabilityPolicy, resume?: LearningState) {
    this.policy = policy;
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

  /** Records one observation; returns true when this call made the baseline stable. */
  record(ts: number, novel: boolean): boolean {
    const s = this.state;
    if (s.observations === 0) s.firstSeen = ts;
    s.observations++;
    if (ts > s.lastSeen) s.lastSeen = ts;
    if (ts < s.firstSeen) s.firstSeen = ts;
    if (novel) {
      s.novel++;
      s.lastNovel = Math.max(s.lastNovel, ts);
    }
    const ring = this.#ring;
    if (this.#filled === ring.length) this.#windowNovel -= ring[this.#pos]!;
    else this.#filled++;
    ring[this.#pos] = novel ? 1 : 0;
    this.#windowNovel += novel ? 1 : 0;
    this.#pos = this.#pos + 1 === ring.length ? 0 : this.#pos + 1;
    s.windowNovel = this.#windowNovel;
    s.noveltyRate = this.#windowNovel / this.#filled;
    if (s.status === 'stable') return false;
    return this.check(ts);
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
      s.status = 'stable';
      s.stableSince = ts;
      s.stableReason = 'converged';
      return true;
    }
    if (elapsedSec >= p.maxDurationSec) {
      s.status = 'stable';
      s.stableSince = ts;
      s.stableReason = 'max-duration';
      return true;
    }
    return false;
  }

  /** Marks the baseline stable by hand. */
  markStable(ts: number): void {
    if (this.state.status === 'stable') return;
    this.state.status = 'stable';
    this.state.stableSince = ts;
    this.state.stableReason = 'manual';
  }
}

/**
 * Why a baseline still learning is not stable yet, and what makes it stable,
 * in one sentence, from its best origin's progress against the policy.
 *
 * @example
 * ```ts
 * if (baseline.status === 'learning') console.log(learningProgress(baseline.learning(), baseline.stabilityPolicy));
 * ```
 */
export function learningProgress(
  learning: Readonly<Record<string, LearningState>>,
  policy: StabilityPolicy,
): string {
  let best: LearningState | undefined;
  for (const s of Object.values(learning)) if (!best || s.observations > best.observations) best = s;
  if (best?.status === 'stable') return 'stable';
  const obs = best?.observations ?? 0;
  const secs = best ? Math.round((best.lastSeen - best.firstSeen) / 1e9) : 0;
  const rate = best?.noveltyRate ?? 1;
  const missing: string[] = [];
  if (obs < policy.minObservations) missing.push(`${obs} of ${policy.minObservations} observations`);
  if (secs < policy.minDurationSec) missing.push(`${secs} s of ${policy.minDurationSec} s of event time`);
  if (rate > policy.maxNoveltyRate)
    missing.push(
      `novelty ${(rate * 100).toFixed(1)} % (needs ≤ ${(policy.maxNoveltyRate * 100).toFixed(1)} %)`,
    );
  return `still learning (${missing.join(', ') || 'waiting for the next observation'}); it becomes stable with more captures of normal work (learn again with them), after ${policy.maxDurationSec} s of event time, or by review with \`vigil learn --mark-stable\``;
}
