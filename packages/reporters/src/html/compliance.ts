import type { ComplianceEvidenceReport } from '@vigil/core';
import { renderHtml } from './html.js';

/**
 * Renders a compliance evidence report (`vigil posture --framework`) as a
 * self-contained HTML page in the style of {@link renderHtml}: the counts of
 * controls by status as cards, the evidence of the period, every control
 * with its status and supporting evidence, and the findings against each.
 * Every value is escaped.
 *
 * @example
 * ```ts
 * import { buildComplianceEvidence } from '@vigil/core';
 * import { renderComplianceHtml } from '@vigil/reporters';
 *
 * writeFileSync('soc2.html', renderComplianceHtml(buildComplianceEvidence({ framework: 'soc2', findings })));
 * ```
 */
export function renderComplianceHtml(report: ComplianceEvidenceReport): string {
  const iso = (ns: number) => new Date(Math.floor(ns / 1e6)).toISOString();
  return renderHtml({
    title: `Vigil compliance evidence: ${report.frameworkTitle}`,
    generatedAt: new Date(report.generatedAt),
    highlights: [
      { label: 'controls', value: report.summary.controls },
      { label: 'with findings', value: report.summary.findings },
      { label: 'supported by observed behaviour', value: report.summary.supported },
      { label: 'partly supported', value: report.summary.partial },
      { label: 'without evidence', value: report.summary.noEvidence },
      {
        label: 'period',
        value: report.period ? `${iso(report.period.start)} – ${iso(report.period.end)}` : 'none',
      },
    ],
    tables: [
      {
        title: 'Evidence',
        intro: `What was observed or done during the period (mappings ${report.mappingsVersion}).`,
        headers: ['id', 'kind', 'shows', 'what'],
        rows: report.evidence.map((e) => [e.id, e.kind, e.facets.join(', '), e.summary]),
      },
      {
        title: 'Controls',
        headers: ['control', 'title', 'status', 'findings', 'evidence', 'missing', 'supported by'],
        rows: report.controls.map((c) => [
          c.control,
          c.title ?? '',
          c.status,
          c.findings.length,
          c.evidence.join(', '),
          c.missing.join(', '),
          c.supports.join(' '),
        ]),
      },
      {
        title: 'Findings by control',
        headers: ['control', 'severity', 'finding', 'workload', 'summary'],
        rows: report.controls.flatMap((c) =>
          c.findings.map((f) => [c.control, f.severity, f.title, f.workload, f.summary]),
        ),
      },
    ],
  });
}
