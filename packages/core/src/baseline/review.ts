import { VigilError } from '../errors/vigil-error.js';
import { quarantineId } from './baseline.js';
import type { ReviewRecord } from './schema.js';
import type { BaselineSet } from './set.js';

/**
 * One quarantined item as a reviewer sees it: its stable id, the baseline it
 * belongs to, what flagged it and the behaviour it holds.
 *
 * @example
 * ```ts
 * for (const r of reviewQueue(set)) console.log(r.id, r.severity, r.title, r.behaviour.join(', '));
 * ```
 */
export interface ReviewItem {
  readonly id: string;
  readonly subject: string;
  readonly versionKey: string;
  readonly flaggedBy: string;
  readonly title: string;
  readonly severity: string;
  readonly reason: string;
  /** The held-out observations, as people read them (`domain: pattern`). */
  readonly behaviour: readonly string[];
  readonly count: number;
}

/**
 * Every quarantined item of a set of baselines, with stable ids, in a stable order.
 *
 * @example
 * ```ts
 * const queue = reviewQueue(await readBaselineFile('agent.baseline.json'));
 * ```
 */
export function reviewQueue(set: BaselineSet): ReviewItem[] {
  const out: ReviewItem[] = [];
  for (const b of set.baselines())
    for (const q of b.quarantined())
      out.push({
        id: quarantineId(q),
        subject: b.subject,
        versionKey: b.versionKey,
        flaggedBy: q.behaviour,
        title: q.title,
        severity: q.severity,
        reason: q.reason,
        behaviour: q.observations.map((o) => `${o.domain}: ${o.pattern.join(' ')}`),
        count: Object.values(q.counts).reduce((a, n) => a + n, 0),
      });
  return out;
}

/**
 * Admits quarantined items by id after review, recording who and why in each
 * baseline. Every id must name a quarantined item of the set; otherwise
 * nothing is admitted and a `USAGE` error names the unknown ids.
 *
 * @example
 * ```ts
 * admitReviewed(set, ['q-1a2b3c4d5e6f7a8b'], { by: 'alice', reason: 'the shell tool runs git status' });
 * await writeBaselineFile('agent.baseline.json', set);
 * ```
 */
export function admitReviewed(
  set: BaselineSet,
  ids: readonly string[],
  review: { by: string; reason: string; at?: number },
): ReviewRecord[] {
  if (review.by.trim() === '' || review.reason.trim() === '')
    throw new VigilError('USAGE', 'admitting quarantined behaviour needs who (--by) and why (--reason)');
  const known = new Set(reviewQueue(set).map((r) => r.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw new VigilError(
      'USAGE',
      `no quarantined item has the id ${unknown.join(', ')} (list them with vigil baseline review)`,
    );
  const at = review.at ?? Date.now() * 1e6;
  const out: ReviewRecord[] = [];
  for (const id of new Set(ids))
    for (const b of set.baselines()) {
      const r = b.admitById(id, { by: review.by, reason: review.reason, at });
      if (r) out.push(r);
    }
  return out;
}
