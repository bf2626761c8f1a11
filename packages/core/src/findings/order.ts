import { type Evidence, type Finding, severityRank } from './finding.js';

/** What {@link compareFindings} reads of a finding. */
export type OrderedFinding = Pick<
  Finding,
  'severity' | 'risk' | 'ruleId' | 'summary' | 'title' | 'ts' | 'id'
> & {
  readonly workload?: { readonly id: string } | undefined;
  readonly evidence?: readonly Evidence[] | undefined;
};

/** Code-unit order: the same in every locale and on every machine. */
function text(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The place a finding points at (file, line, offset, JSON pointer, entry), from its first evidence that has one. */
function place(f: OrderedFinding): Evidence | undefined {
  return f.evidence?.find((e) => e.path !== undefined || e.uri !== undefined);
}

function comparePlaces(a: Evidence | undefined, b: Evidence | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  return (
    text(a.path ?? a.uri ?? '', b.path ?? b.uri ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.offset ?? 0) - (b.offset ?? 0) ||
    text(a.jsonPointer ?? '', b.jsonPointer ?? '') ||
    text(a.entry ?? '', b.entry ?? '')
  );
}

/**
 * The one order of findings everywhere (the CLI, `scanPaths`, the risk ranking and every report):
 * most severe first, then highest risk score; findings equal in both by rule id, then workload,
 * then the place they point at (file, line, offset, JSON pointer), then their message (summary,
 * title), then time and id. The order is total and depends on nothing but the findings, so the
 * same findings in any input order give the same report, byte for byte.
 *
 * @example
 * ```ts
 * import { compareFindings } from '@vigil/core';
 *
 * const ordered = [...findings].sort(compareFindings);
 * ```
 */
export function compareFindings(a: OrderedFinding, b: OrderedFinding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    b.risk.score - a.risk.score ||
    text(a.ruleId, b.ruleId) ||
    text(a.workload?.id ?? '', b.workload?.id ?? '') ||
    comparePlaces(place(a), place(b)) ||
    text(a.summary, b.summary) ||
    text(a.title, b.title) ||
    a.ts - b.ts ||
    text(a.id, b.id)
  );
}
