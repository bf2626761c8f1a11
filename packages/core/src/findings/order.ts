import { type Finding, severityRank } from './finding.js';

/**
 * The one order of findings everywhere (the CLI, the reports, the SDK facades): most severe
 * first, then highest risk score, then earliest, then by id so equal findings keep a stable order.
 *
 * @example
 * ```ts
 * import { compareFindings } from '@vigil/core';
 *
 * const ordered = [...findings].sort(compareFindings);
 * ```
 */
export function compareFindings(
  a: Pick<Finding, 'severity' | 'risk' | 'ts' | 'id'>,
  b: Pick<Finding, 'severity' | 'risk' | 'ts' | 'id'>,
): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    b.risk.score - a.risk.score ||
    a.ts - b.ts ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
