import { countOf, describeCaptureIntegrity, SEVERITIES, type Severity } from '@vigil/core';
import type { FindingsReport } from './findings-report.js';

function esc(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

const ORDER = [...SEVERITIES].reverse() as Severity[];

/**
 * Renders a findings report as Markdown: a summary table by severity and
 * category, then each finding with its evidence, tags and compliance refs.
 *
 * @example
 * ```ts
 * import { buildFindingsReport, renderMarkdown } from '@vigil/reporters';
 *
 * writeFileSync('report.md', renderMarkdown(buildFindingsReport(findings)));
 * ```
 */
export function renderMarkdown(
  report: FindingsReport,
  options: { readonly maxEvidence?: number } = {},
): string {
  const maxEvidence = options.maxEvidence ?? 5;
  const out: string[] = [];
  out.push('# Vigil findings', '');
  out.push(`Generated ${report.generatedAt} by ${report.tool.name} ${report.tool.version}.`);
  if (report.inputs.length > 0) out.push(`Inputs: ${report.inputs.map((i) => `\`${esc(i)}\``).join(', ')}.`);
  if (report.integrity && !report.integrity.complete) {
    out.push('', '> **Incomplete input**: findings may be missing for what the captures do not cover.');
    for (const line of describeCaptureIntegrity(report.integrity)) out.push(`> - ${esc(line)}`);
  }
  out.push(
    '',
    `**${countOf(report.summary.total, 'finding')}** across ${countOf(report.summary.workloads, 'workload')}.`,
    '',
  );
  out.push('| severity | findings |', '| --- | ---: |');
  for (const s of ORDER) out.push(`| ${s} | ${report.summary.bySeverity[s] ?? 0} |`);
  const cats = Object.entries(report.summary.byCategory);
  if (cats.length > 0) {
    out.push('', '| category | findings |', '| --- | ---: |');
    for (const [c, n] of cats.sort((a, b) => b[1] - a[1])) out.push(`| ${c} | ${n} |`);
  }
  if (report.findings.length > 0) {
    out.push('', '## Findings', '');
    out.push('| risk | severity | rule | workload | title |', '| ---: | --- | --- | --- | --- |');
    for (const f of report.findings) {
      out.push(
        `| ${f.risk.score} | ${f.severity} | \`${esc(f.ruleId)}\` | ${esc(f.workload.name ?? f.workload.id)} | ${esc(f.title)} |`,
      );
    }
    for (const f of report.findings) {
      out.push('', `### ${esc(f.title)}`, '');
      out.push(
        `- **severity** ${f.severity} · **risk** ${f.risk.score}/100 · **category** ${f.category} · **rule** \`${esc(f.ruleId)}\``,
      );
      out.push(
        `- **workload** \`${esc(f.workload.id)}\`${f.count && f.count > 1 ? ` · seen ${f.count} times` : ''}`,
      );
      out.push(`- ${esc(f.summary)}`);
      const tags = [...f.tags.owaspLlm, ...f.tags.owaspAgentic, ...f.tags.atlas, ...f.tags.attack];
      if (tags.length > 0) out.push(`- **tags** ${tags.map((t) => `\`${t}\``).join(' ')}`);
      if (f.compliance.length > 0)
        out.push(
          `- **compliance** ${f.compliance.map((c) => `${c.framework} ${esc(c.control)}`).join('; ')}`,
        );
      if (f.risk.reasons.length > 0) out.push(`- **why this score** ${f.risk.reasons.map(esc).join('; ')}`);
      if (f.evidence.length > 0) {
        out.push('- **evidence**');
        for (const e of f.evidence.slice(0, maxEvidence))
          out.push(`  - ${esc(e.description)}${e.uri ? ` (\`${esc(e.uri)}\`)` : ''}`);
        if (f.evidence.length > maxEvidence) out.push(`  - … and ${f.evidence.length - maxEvidence} more`);
      }
    }
  }
  out.push('');
  return out.join('\n');
}
