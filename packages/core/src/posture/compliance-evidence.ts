import { z } from 'zod';
import type { BaselineView } from '../baseline/baseline.js';
import { BASELINE_DOMAINS } from '../baseline/generalise.js';
import type { EnforcementLedger } from '../enforcement/promotion.js';
import {
  AREA_CONTROLS,
  COMPLIANCE_MAPPINGS_VERSION,
  CONTROL_AREAS,
  type ControlArea,
  MITRE_ATLAS,
  OWASP_AGENTIC_2026,
  OWASP_LLM_2025,
} from '../findings/compliance.js';
import {
  type ComplianceFramework,
  ComplianceFrameworkSchema,
  type Finding,
  SeveritySchema,
  severityRank,
} from '../findings/finding.js';
import type { ObservedUseDocument } from '../permissions/observed/use.js';

/** Version of the compliance evidence report. */
export const COMPLIANCE_EVIDENCE_SCHEMA_VERSION = 1;

/** The frameworks' names, for titles. */
export const COMPLIANCE_FRAMEWORK_TITLES: Readonly<Record<ComplianceFramework, string>> = {
  'nist-ai-rmf': 'NIST AI Risk Management Framework 1.0',
  'eu-ai-act': 'EU AI Act (Regulation (EU) 2024/1689)',
  'owasp-llm-2025': 'OWASP Top 10 for LLM Applications 2025',
  'owasp-agentic-2026': 'OWASP Top 10 for Agentic Applications 2026',
  'mitre-atlas': 'MITRE ATLAS',
  hipaa: 'HIPAA Security Rule',
  soc2: 'SOC 2 (Trust Services Criteria)',
  'pci-dss-4': 'PCI DSS 4.0',
  gdpr: 'GDPR',
  'mas-trm': 'MAS Technology Risk Management Guidelines',
};

const EvidenceKindSchema = z.enum(['baselines', 'captures', 'enforcement', 'scans', 'detection']);

/**
 * A compliance evidence report: for one framework, every control the
 * mapping table knows, the findings against it, and the behaviour observed
 * during the period that supports it (baselines learned, captures
 * monitored, enforcement run, scans done), with a status per control.
 *
 * @example
 * ```ts
 * import { ComplianceEvidenceReportSchema } from '@vigil/core';
 *
 * const report = ComplianceEvidenceReportSchema.parse(JSON.parse(readFileSync('soc2.json', 'utf8')));
 * ```
 */
export const ComplianceEvidenceReportSchema = z.object({
  schemaVersion: z.literal(COMPLIANCE_EVIDENCE_SCHEMA_VERSION),
  kind: z.literal('ComplianceEvidenceReport'),
  framework: ComplianceFrameworkSchema,
  frameworkTitle: z.string(),
  mappingsVersion: z.string(),
  /** Milliseconds since the epoch. */
  generatedAt: z.number(),
  /** The span the evidence covers (ns since the epoch), or null when no evidence has times. */
  period: z.object({ start: z.number().nonnegative(), end: z.number().nonnegative() }).nullable(),
  /** What was observed or done, once; controls refer to these by id. */
  evidence: z.array(
    z.object({
      id: z.string(),
      kind: EvidenceKindSchema,
      summary: z.string(),
      start: z.number().nonnegative().optional(),
      end: z.number().nonnegative().optional(),
      counts: z.record(z.string(), z.number()),
    }),
  ),
  controls: z.array(
    z.object({
      control: z.string(),
      title: z.string().optional(),
      /** The areas of control the mapping ties it to (empty for taxonomy entries). */
      areas: z.array(z.string()),
      /** `findings`: a finding at medium or above; `supported`: evidence and no such finding; `no-evidence`. */
      status: z.enum(['findings', 'supported', 'no-evidence']),
      findings: z.array(
        z.object({
          id: z.string(),
          ruleId: z.string(),
          severity: SeveritySchema,
          title: z.string(),
          summary: z.string(),
          workload: z.string(),
        }),
      ),
      /** Ids of the evidence items that support the control. */
      evidence: z.array(z.string()),
    }),
  ),
  summary: z.object({
    controls: z.number().int().nonnegative(),
    findings: z.number().int().nonnegative(),
    supported: z.number().int().nonnegative(),
    noEvidence: z.number().int().nonnegative(),
  }),
});
/** @see {@link ComplianceEvidenceReportSchema} */
export type ComplianceEvidenceReport = z.infer<typeof ComplianceEvidenceReportSchema>;

/** What {@link buildComplianceEvidence} reads: everything Vigil produced for the period. */
export interface ComplianceEvidenceInputs {
  readonly framework: ComplianceFramework;
  /** Findings of `check`, `scan`, `gap`, … (their `compliance` references tie them to controls). */
  readonly findings?: readonly Finding[];
  readonly baselines?: readonly BaselineView[];
  readonly ledger?: EnforcementLedger;
  /** Observed use of the captures of the period (`ObservedUseAccumulator`). */
  readonly observed?: readonly ObservedUseDocument[];
  /** Milliseconds since the epoch; default now. */
  readonly now?: number;
}

// Which kinds of evidence speak for a control of each area.
const EVIDENCE_FOR_AREA: Readonly<Record<ControlArea, readonly z.infer<typeof EvidenceKindSchema>[]>> =
  (() => {
    const runtime = ['captures', 'baselines', 'detection'] as const;
    const out = {} as Record<ControlArea, readonly z.infer<typeof EvidenceKindSchema>[]>;
    for (const a of CONTROL_AREAS) out[a] = runtime;
    out['supply-chain'] = ['scans', 'captures'];
    out['least-privilege'] = ['baselines', 'enforcement', 'captures'];
    out['behaviour-drift'] = ['baselines', 'captures', 'enforcement'];
    return out;
  })();

const TAXONOMY: Partial<Record<ComplianceFramework, Readonly<Record<string, string>>>> = {
  'owasp-llm-2025': OWASP_LLM_2025,
  'owasp-agentic-2026': OWASP_AGENTIC_2026,
  'mitre-atlas': MITRE_ATLAS,
};

function iso(ns: number): string {
  return new Date(Math.floor(ns / 1e6)).toISOString();
}

/**
 * Builds the compliance evidence an auditor asks for, for one framework:
 * every control of the mapping table (`AREA_CONTROLS`, and the OWASP and
 * ATLAS tables for those taxonomies), the findings whose compliance
 * references name it, and the evidence of the period that supports it —
 * baselines (behaviours learned per workload, with their time span),
 * captures (the window, events and workloads monitored), enforcement (modes,
 * monitored runs, blocks) and supply-chain scans. A control with a finding
 * at medium or above is `findings`; one with supporting evidence and none
 * is `supported`; the rest `no-evidence`.
 *
 * @example
 * ```ts
 * import { buildComplianceEvidence, renderComplianceMarkdown } from '@vigil/core';
 *
 * const report = buildComplianceEvidence({ framework: 'soc2', findings, baselines, observed: [observed] });
 * console.log(renderComplianceMarkdown(report));
 * ```
 */
export function buildComplianceEvidence(inputs: ComplianceEvidenceInputs): ComplianceEvidenceReport {
  const fw = inputs.framework;
  const findings = inputs.findings ?? [];
  const evidence: ComplianceEvidenceReport['evidence'] = [];
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  const span = (s: number, e: number) => {
    if (s > 0) start = Math.min(start, s);
    if (e > 0) end = Math.max(end, e);
  };

  for (const [i, o] of (inputs.observed ?? []).entries()) {
    if (o.events === 0) continue;
    span(o.window.start, o.window.end);
    evidence.push({
      id: `captures-${i + 1}`,
      kind: 'captures',
      summary: `${o.events} events of ${o.workloads.length} workload(s) monitored from ${iso(o.window.start)} to ${iso(o.window.end)}: ${o.uses.length} distinct uses recorded`,
      start: o.window.start,
      end: o.window.end,
      counts: { events: o.events, workloads: o.workloads.length, uses: o.uses.length },
    });
  }
  const baselines = inputs.baselines ?? [];
  if (baselines.length > 0) {
    let entries = 0;
    let bs = Number.POSITIVE_INFINITY;
    let be = 0;
    for (const b of baselines)
      for (const d of BASELINE_DOMAINS)
        for (const e of b.entries(d)) {
          entries++;
          bs = Math.min(bs, e.firstSeen);
          be = Math.max(be, e.lastSeen);
        }
    const stable = baselines.filter((b) => b.status === 'stable').length;
    if (entries > 0) span(bs, be);
    evidence.push({
      id: 'baselines',
      kind: 'baselines',
      summary: `${baselines.length} behavioural baseline(s) (${stable} stable) of ${baselines
        .map((b) => b.subject)
        .slice(0, 5)
        .join(
          ', ',
        )}${baselines.length > 5 ? ', …' : ''}: ${entries} learned behaviours${entries > 0 ? ` from ${iso(bs)} to ${iso(be)}` : ''}; deviations are reported as drift`,
      ...(entries > 0 ? { start: bs, end: be } : {}),
      counts: { baselines: baselines.length, stable, behaviours: entries },
    });
  }
  if (inputs.ledger) {
    const ws = Object.values(inputs.ledger.workloads);
    const enforce = ws.filter((w) => w.mode === 'enforce').length;
    const runs = ws.reduce((n, w) => n + w.monitoredRuns, 0);
    const blocked = ws.reduce((n, w) => n + w.blocked, 0);
    const wouldBlock = ws.reduce((n, w) => n + w.wouldBlock, 0);
    evidence.push({
      id: 'enforcement',
      kind: 'enforcement',
      summary: `${ws.length} workload(s) under in-kernel policy (${enforce} enforcing, ${ws.length - enforce} monitoring): ${runs} monitored run(s), ${wouldBlock} would-block and ${blocked} blocked action(s) on record`,
      counts: { workloads: ws.length, enforcing: enforce, monitoredRuns: runs, wouldBlock, blocked },
    });
  }
  const scanned = findings.filter((f) => f.category === 'supply-chain');
  if (scanned.length > 0) {
    const artifacts = new Set(scanned.flatMap((f) => (f.evidence[0]?.uri ? [f.evidence[0].uri] : [])));
    evidence.push({
      id: 'scans',
      kind: 'scans',
      summary: `supply-chain scans reported ${scanned.length} finding(s) over ${artifacts.size} artifact(s) (MCP definitions, model files, inference servers, dependencies)`,
      counts: { findings: scanned.length, artifacts: artifacts.size },
    });
  }
  const detected = findings.filter((f) => f.category === 'drift' || f.category === 'detection');
  if (detected.length > 0) {
    for (const f of detected) span(f.ts, f.ts);
    evidence.push({
      id: 'detection',
      kind: 'detection',
      summary: `runtime detection reported ${detected.length} finding(s) (drift and detection rules) during the period`,
      counts: { findings: detected.length },
    });
  }

  // Every control the table holds for the framework, with the areas that bring it in.
  const controls = new Map<string, { title?: string; areas: Set<ControlArea> }>();
  for (const area of CONTROL_AREAS)
    for (const ref of AREA_CONTROLS[area]) {
      if (ref.framework !== fw) continue;
      const c = controls.get(ref.control) ?? { ...(ref.title ? { title: ref.title } : {}), areas: new Set() };
      c.areas.add(area);
      controls.set(ref.control, c);
    }
  for (const [id, title] of Object.entries(TAXONOMY[fw] ?? {}))
    if (!controls.has(id)) controls.set(id, { title, areas: new Set() });
  for (const f of findings)
    for (const ref of f.compliance)
      if (ref.framework === fw && !controls.has(ref.control))
        controls.set(ref.control, { ...(ref.title ? { title: ref.title } : {}), areas: new Set() });

  const kinds = new Set(evidence.map((e) => e.kind));
  const out: ComplianceEvidenceReport['controls'] = [];
  for (const [control, c] of controls) {
    const against = findings
      .filter((f) => f.compliance.some((r) => r.framework === fw && r.control === control))
      .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.id.localeCompare(b.id));
    const wanted =
      c.areas.size > 0 ? new Set([...c.areas].flatMap((a) => EVIDENCE_FOR_AREA[a])) : new Set(kinds);
    const supporting = evidence.filter((e) => wanted.has(e.kind)).map((e) => e.id);
    const serious = against.some((f) => severityRank(f.severity) >= severityRank('medium'));
    out.push({
      control,
      ...(c.title ? { title: c.title } : {}),
      areas: [...c.areas].sort(),
      status: serious ? 'findings' : supporting.length > 0 ? 'supported' : 'no-evidence',
      findings: against.map((f) => ({
        id: f.id,
        ruleId: f.ruleId,
        severity: f.severity,
        title: f.title,
        summary: f.summary,
        workload: f.workload.name ?? f.workload.id,
      })),
      evidence: supporting,
    });
  }
  out.sort((a, b) => a.control.localeCompare(b.control, 'en', { numeric: true }));
  return ComplianceEvidenceReportSchema.parse({
    schemaVersion: COMPLIANCE_EVIDENCE_SCHEMA_VERSION,
    kind: 'ComplianceEvidenceReport',
    framework: fw,
    frameworkTitle: COMPLIANCE_FRAMEWORK_TITLES[fw],
    mappingsVersion: COMPLIANCE_MAPPINGS_VERSION,
    generatedAt: inputs.now ?? Date.now(),
    period: end > 0 ? { start: Number.isFinite(start) ? start : end, end } : null,
    evidence,
    controls: out,
    summary: {
      controls: out.length,
      findings: out.filter((c) => c.status === 'findings').length,
      supported: out.filter((c) => c.status === 'supported').length,
      noEvidence: out.filter((c) => c.status === 'no-evidence').length,
    },
  });
}

function mdCell(v: unknown): string {
  return String(v).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/**
 * Renders a compliance evidence report as Markdown: the period and the
 * evidence once, then a table of controls and, per control with findings,
 * the findings.
 *
 * @example
 * ```ts
 * writeFileSync('soc2.md', renderComplianceMarkdown(buildComplianceEvidence({ framework: 'soc2', findings })));
 * ```
 */
export function renderComplianceMarkdown(r: ComplianceEvidenceReport): string {
  const out: string[] = [];
  out.push(`# Compliance evidence: ${r.frameworkTitle}`, '');
  out.push(
    `Generated ${new Date(r.generatedAt).toISOString()} with mappings ${r.mappingsVersion}. ${r.period ? `Period: ${iso(r.period.start)} to ${iso(r.period.end)}.` : 'No evidence with times.'}`,
    '',
  );
  out.push(
    `${r.summary.controls} controls: ${r.summary.findings} with findings, ${r.summary.supported} supported by observed behaviour, ${r.summary.noEvidence} without evidence.`,
    '',
  );
  out.push('## Evidence', '');
  if (r.evidence.length === 0) out.push('No baselines, captures, enforcement or scans were given.', '');
  for (const e of r.evidence) out.push(`- **${e.id}** (${e.kind}): ${mdCell(e.summary)}`);
  out.push(
    '',
    '## Controls',
    '',
    '| control | title | status | findings | evidence |',
    '| --- | --- | --- | --- | --- |',
  );
  for (const c of r.controls)
    out.push(
      `| ${mdCell(c.control)} | ${mdCell(c.title ?? '')} | ${c.status} | ${c.findings.length} | ${mdCell(c.evidence.join(', '))} |`,
    );
  const withFindings = r.controls.filter((c) => c.findings.length > 0);
  if (withFindings.length > 0) out.push('', '## Findings by control');
  for (const c of withFindings) {
    out.push('', `### ${mdCell(c.control)}${c.title ? ` ${mdCell(c.title)}` : ''}`, '');
    for (const f of c.findings)
      out.push(
        `- ${f.severity.toUpperCase()} ${mdCell(f.title)} (${mdCell(f.workload)}): ${mdCell(f.summary)}`,
      );
  }
  out.push('');
  return out.join('\n');
}
