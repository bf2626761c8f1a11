import {
  type BaselineSet,
  type CaptureIntegrity,
  countOf,
  coverageLabel,
  describeCaptureIntegrity,
  type Finding,
  type Incident,
  SEVERITIES,
  type Severity,
  severityRank,
} from '@vigil/core';

function iso(ns: number): string {
  return new Date(ns / 1e6).toISOString();
}

/**
 * Renders the results of a check (`checkCaptures`, `vigil check`) for a terminal: the inputs and
 * baselines, each finding at or above `minSeverity` in the order given, the incidents and the counts.
 *
 * @example
 * ```ts
 * import { checkCaptures } from '@vigil/core';
 * import { renderCheckText } from '@vigil/reporters';
 *
 * const r = await checkCaptures({ captures: ['run.vcap'], detectors });
 * process.stdout.write(renderCheckText(r.captures, r.baselines, r.findings, r.events, 'info', r.integrity, r.incidents));
 * ```
 */
export function renderCheckText(
  captures: readonly string[],
  baselines: BaselineSet,
  findings: readonly Finding[],
  events: number,
  minSeverity: Severity,
  integrity?: CaptureIntegrity,
  incidents: readonly Incident[] = [],
): string {
  const out: string[] = [];
  out.push(
    `${captures.join(', ')}: ${countOf(events, 'event')} checked${baselines.size > 0 ? ` against ${countOf(baselines.size, 'baseline')}` : ' (no baseline: rules only)'}`,
  );
  if (integrity !== undefined && !integrity.complete)
    for (const line of describeCaptureIntegrity(integrity)) out.push(`  INCOMPLETE: ${line}`);
  for (const b of baselines.baselines()) {
    const c = b.coverage();
    const learnedFrom = c === undefined ? 'coverage unknown' : `learned from ${coverageLabel(c)}`;
    out.push(`  ${b.subject} @ ${b.versionKey}  version ${b.version}  ${b.status}  ${learnedFrom}`);
  }
  const shown = findings.filter((f) => severityRank(f.severity) >= severityRank(minSeverity));
  for (const f of shown) {
    out.push('');
    out.push(
      `${f.severity.toUpperCase().padEnd(8)} ${f.title}  [${f.ruleId}]${(f.count ?? 1) > 1 ? `  ×${f.count}` : ''}`,
    );
    out.push(`  ${f.summary}`);
    const base = f.evidence.find((e) => e.type === 'baseline');
    if (base) out.push(`  ${base.description}`);
    out.push(
      `  first ${iso(f.ts)}${f.lastSeen !== undefined && f.lastSeen !== f.ts ? `, last ${iso(f.lastSeen)}` : ''}  id ${f.id}`,
    );
  }
  if (incidents.length > 0) {
    out.push('', `${countOf(incidents.length, 'incident')}: findings about one process tree, joined`);
    for (const i of incidents) {
      out.push('');
      out.push(`${i.severity.toUpperCase().padEnd(8)} ${i.title}  [incident]  id ${i.id}`);
      out.push(`  ${i.summary}`);
      for (const [n, step] of i.chain.entries()) out.push(`  ${n + 1}. ${iso(step.ts)}  ${step.description}`);
    }
  }
  const counts = SEVERITIES.slice()
    .reverse()
    .map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  out.push('');
  out.push(
    findings.length === 0
      ? baselines.size > 0
        ? 'no findings: every observation is covered by its baseline and no rule fired'
        : 'no findings: no rule fired'
      : `${countOf(findings.length, 'finding')}: ${counts.join(', ')}${shown.length < findings.length ? ` (${findings.length - shown.length} below ${minSeverity} not shown)` : ''}`,
  );
  out.push('');
  return out.join('\n');
}
