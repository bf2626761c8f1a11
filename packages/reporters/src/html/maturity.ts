import { MATURITY_LEVELS, type MaturityReport } from '@vigil/core';
import { renderHtml } from './html.js';

/**
 * Renders a maturity report (`vigil posture`) as a self-contained HTML page in
 * the style of {@link renderHtml}: the overall level and the count of
 * workloads per level as cards, each workload's level with what Vigil holds
 * for it, and the steps to its next level with the command that does each.
 * Every value is escaped.
 *
 * @example
 * ```ts
 * import { assessMaturity } from '@vigil/core';
 * import { renderMaturityHtml } from '@vigil/reporters';
 *
 * writeFileSync('posture.html', renderMaturityHtml(assessMaturity({ baselines, gapReports })));
 * ```
 */
export function renderMaturityHtml(report: MaturityReport): string {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return renderHtml({
    title: `Vigil posture: level ${report.overall.level} ${report.overall.stage}`,
    generatedAt: new Date(report.generatedAt),
    highlights: [
      { label: 'overall level', value: `${report.overall.level} ${report.overall.stage}` },
      { label: 'workloads', value: report.workloads.length },
      ...MATURITY_LEVELS.map((l) => ({
        label: `at ${l.level} ${l.stage}`,
        value: report.byLevel[l.level] ?? 0,
      })),
    ],
    tables: [
      {
        title: 'Workloads',
        intro: 'The level each workload has reached and what Vigil holds for it.',
        headers: [
          'workload',
          'level',
          'stage',
          'inventory',
          'configuration',
          'supply chain',
          'compliance',
          'baseline',
          'gap analysis',
          'enforcement',
          'response',
        ],
        rows: report.workloads.map((w) => [
          w.workload,
          w.level,
          w.stage,
          yes(w.facts.discovered),
          yes(w.facts.configurationChecked),
          yes(w.facts.supplyChainScanned),
          yes(w.facts.complianceMapped),
          w.facts.baseline,
          yes(w.facts.gapAnalysed),
          w.facts.enforcement,
          yes(w.facts.automatedResponse),
        ]),
      },
      {
        title: 'Steps to the next level',
        headers: ['workload', 'next level', 'step', 'how'],
        rows: report.workloads.flatMap((w) =>
          w.next.map((s) => [
            w.workload,
            w.level < 4 ? `${w.level + 1} ${MATURITY_LEVELS[w.level + 1]?.stage ?? ''}` : '',
            s.step,
            s.how,
          ]),
        ),
      },
      {
        title: 'The maturity model',
        headers: ['level', 'stage', 'what it means'],
        rows: MATURITY_LEVELS.map((l) => [l.level, l.stage, l.meaning]),
      },
    ],
  });
}
