import { countOf, type ReviewItem, type ReviewRecord } from '@vigil/core';

/**
 * Renders the review queue of a baseline file (`vigil baseline review`): each quarantined item with
 * its stable id, what flagged it and the behaviour it holds, then how to admit them.
 *
 * @example
 * ```ts
 * import { readBaselineFile, reviewQueue } from '@vigil/core';
 * import { renderReviewText } from '@vigil/reporters';
 *
 * const path = 'agent.baseline.json';
 * process.stdout.write(renderReviewText(path, reviewQueue(await readBaselineFile(path))));
 * ```
 */
export function renderReviewText(baseline: string, queue: readonly ReviewItem[]): string {
  const lines = [`${baseline}: ${countOf(queue.length, 'quarantined item')}`];
  for (const q of queue) {
    lines.push('', `${q.id}  [${q.severity}] ${q.title}  (${q.subject} @ ${q.versionKey}, seen ${q.count}×)`);
    lines.push(`  ${q.reason}`);
    for (const b of q.behaviour) lines.push(`  holds ${b}`);
  }
  if (queue.length > 0)
    lines.push('', `admit with: vigil baseline admit ${baseline} ID… --by WHO --reason WHY`);
  return `${lines.join('\n')}\n`;
}

/**
 * Renders what `vigil baseline admit` admitted: one line per item, with who admitted it and why.
 *
 * @example
 * ```ts
 * import { admitReviewed, readBaselineFile } from '@vigil/core';
 * import { renderAdmissionText } from '@vigil/reporters';
 *
 * const set = await readBaselineFile('agent.baseline.json');
 * process.stdout.write(renderAdmissionText(admitReviewed(set, ['q-0123456789abcdef'], { by: 'ana', reason: 'expected' })));
 * ```
 */
export function renderAdmissionText(records: readonly ReviewRecord[]): string {
  return `${records.map((r) => `admitted ${r.item} (${r.behaviour}) by ${r.by}: ${r.reason}`).join('\n')}\n`;
}
