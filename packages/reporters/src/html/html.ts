import { createHash } from 'node:crypto';
import {
  type AiBom,
  type CaptureIntegrity,
  describeCaptureIntegrity,
  SEVERITIES,
  type Severity,
} from '@vigil/core';
import type { FindingsReport } from '../formats/findings-report.js';
import { esc } from './escape.js';
import { flowGraphSvg } from './flow-svg.js';

/** A table of extra data to show in the report (every cell is escaped). */
export interface HtmlTable {
  readonly title: string;
  readonly intro?: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
}

/** What {@link renderHtml} draws. Every part is optional. */
export interface HtmlReportInput {
  readonly title?: string;
  readonly findings?: FindingsReport;
  readonly aibom?: AiBom;
  /** Headline figures shown as cards, e.g. `{ label: 'findings demoted', value: 450 }`. */
  readonly highlights?: readonly { readonly label: string; readonly value: string | number }[];
  readonly tables?: readonly HtmlTable[];
  /** Defaults to now. */
  readonly generatedAt?: Date;
}

const SEV_COLOUR: Record<Severity, string> = {
  critical: '#991b1b',
  high: '#dc2626',
  medium: '#d97706',
  low: '#0891b2',
  info: '#64748b',
};

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:0;color:#0f172a;background:#f8fafc}
header{background:#0f172a;color:#f8fafc;padding:18px 28px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#cbd5e1}
main{padding:20px 28px;max-width:1400px}section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:16px 20px;margin-bottom:18px}
h2{font-size:16px;margin:0 0 12px}.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #e2e8f0;border-radius:8px;padding:10px 14px;min-width:120px;background:#fff}
.card b{display:block;font-size:22px}.card span{color:#475569;font-size:12px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e2e8f0;vertical-align:top}th{font-size:12px;color:#475569;text-transform:uppercase}
.sev{color:#fff;border-radius:4px;padding:1px 6px;font-size:12px;font-weight:600}.tag{display:inline-block;background:#eef2ff;color:#3730a3;border-radius:4px;padding:0 5px;margin:1px;font-size:11px}
.muted{color:#64748b}.filters button{margin-right:6px;border:1px solid #cbd5e1;background:#fff;border-radius:4px;padding:3px 9px;cursor:pointer}
.filters button[aria-pressed="false"]{opacity:.45}details summary{cursor:pointer;color:#334155}
svg.flow{max-width:100%;height:auto;font-size:12px}svg.flow .node text{fill:#fff}svg.flow .edge{fill:none;stroke:#94a3b8;stroke-width:1.5}
svg.flow .col-title{font-weight:600;fill:#334155}svg.flow .more{fill:#64748b}.status-undeclared-used{color:#b91c1c;font-weight:600}
section.incomplete{border-color:#d97706;background:#fffbeb}
`;

// Captures cut short (no trailer, or an interrupted recording): said before anything else.
function integritySection(integrity: CaptureIntegrity | undefined): string {
  if (integrity === undefined || integrity.complete) return '';
  const items = describeCaptureIntegrity(integrity)
    .map((l) => `<li>${esc(l)}</li>`)
    .join('');
  return `<section id="incomplete" class="incomplete"><h2>Incomplete input</h2><p>Findings may be missing for what the captures do not cover.</p><ul>${items}</ul></section>`;
}

// Severity filter: toggles rows by data-severity; updates the visible count.
const SCRIPT = `
(function(){var bs=document.querySelectorAll('.filters button');var rows=document.querySelectorAll('tr.finding');
function apply(){var on={};bs.forEach(function(b){on[b.dataset.severity]=b.getAttribute('aria-pressed')==='true'});var n=0;
rows.forEach(function(r){var v=on[r.dataset.severity];r.hidden=!v;if(v)n++});var c=document.getElementById('visible-count');if(c)c.textContent=String(n)}
bs.forEach(function(b){b.addEventListener('click',function(){b.setAttribute('aria-pressed',b.getAttribute('aria-pressed')==='true'?'false':'true');apply()})});apply()})();
`;

function sevBadge(s: Severity): string {
  return `<span class="sev" style="background:${SEV_COLOUR[s]}">${esc(s)}</span>`;
}

function findingsSection(report: FindingsReport): string {
  const order = [...SEVERITIES].reverse() as Severity[];
  const buttons = order
    .map(
      (s) =>
        `<button type="button" data-severity="${s}" aria-pressed="true">${esc(s)} (${report.summary.bySeverity[s] ?? 0})</button>`,
    )
    .join('');
  const rows = report.findings
    .map((f) => {
      const tags = [...f.tags.owaspLlm, ...f.tags.owaspAgentic, ...f.tags.atlas, ...f.tags.attack]
        .map((t) => `<span class="tag">${esc(t)}</span>`)
        .join('');
      const evidence = f.evidence
        .slice(0, 8)
        .map(
          (e) => `<li>${esc(e.description)}${e.uri ? ` <span class="muted">${esc(e.uri)}</span>` : ''}</li>`,
        )
        .join('');
      const compliance = f.compliance.map((c) => `${esc(c.framework)} ${esc(c.control)}`).join('; ');
      return `<tr class="finding" data-severity="${esc(f.severity)}" data-rule="${esc(f.ruleId)}"><td>${f.risk.score}</td><td>${sevBadge(f.severity)}</td><td><b>${esc(f.title)}</b><br><span class="muted">${esc(f.summary)}</span>${
        evidence || compliance || f.risk.reasons.length > 0
          ? `<details><summary>evidence, mappings, score</summary><ul>${evidence}</ul>${compliance ? `<p>${compliance}</p>` : ''}${
              f.risk.reasons.length > 0 ? `<p class="muted">${f.risk.reasons.map(esc).join('; ')}</p>` : ''
            }</details>`
          : ''
      }</td><td>${esc(f.category)}</td><td><code>${esc(f.ruleId)}</code></td><td>${esc(f.workload.name ?? f.workload.id)}</td><td>${tags}</td></tr>`;
    })
    .join('');
  return `<section id="findings"><h2>Findings (<span id="visible-count">${report.findings.length}</span> shown of ${report.summary.total})</h2>
<div class="filters">${buttons}</div>
<table><thead><tr><th>risk</th><th>severity</th><th>finding</th><th>category</th><th>rule</th><th>workload</th><th>tags</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function aibomSection(bom: AiBom): string {
  const rows = bom.components
    .map(
      (c) =>
        `<tr class="component" data-status="${esc(c.status)}"><td>${esc(c.name)}${c.version ? ` <span class="muted">${esc(c.version)}</span>` : ''}</td><td>${esc(c.type)}</td><td class="status-${esc(c.status)}">${esc(c.status)}</td><td>${esc(
          (c.observed?.workloads ?? []).join(', '),
        )}</td><td>${c.observed?.count ?? 0}</td><td>${esc((c.observed?.methods ?? []).join(', '))}</td></tr>`,
    )
    .join('');
  return `<section id="aibom"><h2>AI-BOM: ${bom.components.length} components</h2>
<table><thead><tr><th>component</th><th>type</th><th>status</th><th>workloads</th><th>events</th><th>found by</th></tr></thead><tbody>${rows}</tbody></table></section>
<section id="flow"><h2>Execution flow: Agent → Tool → API → Data → Identity</h2>${flowGraphSvg(bom.flow)}${
    bom.flow.truncated ? '<p class="muted">The graph hit its size limit; some nodes were left out.</p>' : ''
  }</section>`;
}

function tableSection(t: HtmlTable): string {
  const head = t.headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<section><h2>${esc(t.title)}</h2>${t.intro ? `<p>${esc(t.intro)}</p>` : ''}<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></section>`;
}

/**
 * Renders a self-contained HTML report (no external assets, a strict Content
 * Security Policy, every value escaped): headline cards, findings with a
 * severity filter, the AI-BOM and the execution-flow graph as inline SVG.
 *
 * @example
 * ```ts
 * import { buildFindingsReport, renderHtml } from '@vigil/reporters';
 *
 * writeFileSync('report.html', renderHtml({ findings: buildFindingsReport(findings), aibom }));
 * ```
 */
export function renderHtml(input: HtmlReportInput): string {
  const title = input.title ?? 'Vigil report';
  const generated = (input.generatedAt ?? new Date()).toISOString();
  const cards: { label: string; value: string | number }[] = [];
  if (input.findings) {
    cards.push({ label: 'findings', value: input.findings.summary.total });
    for (const s of ['critical', 'high'] as const)
      cards.push({ label: s, value: input.findings.summary.bySeverity[s] ?? 0 });
    cards.push({ label: 'workloads', value: input.findings.summary.workloads });
  }
  if (input.aibom) {
    cards.push({ label: 'AI components', value: input.aibom.components.length });
    cards.push({
      label: 'shadow AI (used, never declared)',
      value: input.aibom.components.filter((c) => c.status === 'undeclared-used').length,
    });
  }
  cards.push(...(input.highlights ?? []));
  const scriptHash = createHash('sha256').update(SCRIPT).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${scriptHash}'`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><header><h1>${esc(title)}</h1><p>Generated ${esc(generated)} by Vigil${
    input.findings ? ` ${esc(input.findings.tool.version)}` : ''
  }${input.findings && input.findings.inputs.length > 0 ? ` from ${esc(input.findings.inputs.join(', '))}` : ''}</p></header>
<main>${integritySection(input.findings?.integrity ?? input.aibom?.inputs.integrity)}<section id="summary"><div class="cards">${cards
    .map((c) => `<div class="card"><b>${esc(c.value)}</b><span>${esc(c.label)}</span></div>`)
    .join('')}</div></section>
${input.findings ? findingsSection(input.findings) : ''}
${input.aibom ? aibomSection(input.aibom) : ''}
${(input.tables ?? []).map(tableSection).join('\n')}
</main><script>${SCRIPT}</script></body></html>
`;
}
