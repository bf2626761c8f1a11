import { z } from 'zod';
import type { ReadonlyBaseline } from '../baseline/baseline.js';
import { BASELINE_DOMAINS, type BaselineDomain } from '../baseline/generalise.js';
import type { EnforcementLedger } from '../enforcement/promotion.js';
import {
  AREA_CONTROLS,
  COMPLIANCE_MAPPINGS_VERSION,
  CONTROL_AREAS,
  type ControlArea,
  EVIDENCE_FACETS,
  type EvidenceFacet,
  MITRE_ATLAS,
  OWASP_AGENTIC_2026,
  OWASP_LLM_2025,
} from '../findings/compliance.js';
import type { Severity } from '../findings/finding.js';
import {
  type ComplianceFramework,
  ComplianceFrameworkSchema,
  type Finding,
  SeveritySchema,
  severityRank,
} from '../findings/finding.js';
import { compareFindings } from '../findings/order.js';
import { countOf } from '../output/count-text.js';
import type { PermissionDomain } from '../permissions/grant.js';
import type { ObservedUseDocument } from '../permissions/observed/use.js';
import { lazySchema } from '../schemas/lazy.js';

/** Version of the compliance evidence report. */
export const COMPLIANCE_EVIDENCE_SCHEMA_VERSION = 2;

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

const EvidenceKindSchema = lazySchema(() =>
  z.enum(['baselines', 'captures', 'enforcement', 'scans', 'detection']),
);
const EvidenceFacetSchema = lazySchema(() => z.enum(EVIDENCE_FACETS as [EvidenceFacet, ...EvidenceFacet[]]));

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
export const ComplianceEvidenceReportSchema = lazySchema(() =>
  z.object({
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
        /** What the item shows, in the mapping table's vocabulary (`EVIDENCE_FACETS`). */
        facets: z.array(EvidenceFacetSchema),
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
        /**
         * `findings`: a finding at medium or above; `supported`: evidence of every kind the control
         * wants and no such finding; `partial`: evidence of some of them; `no-evidence`: none.
         */
        status: z.enum(['findings', 'supported', 'partial', 'no-evidence']),
        /** The kinds of evidence the mapping table says support the control. */
        wants: z.array(EvidenceFacetSchema),
        /** Those of `wants` the period has no evidence of. */
        missing: z.array(EvidenceFacetSchema),
        /** How the evidence supports the control (from the mapping table; absent for taxonomy entries). */
        supports: z.array(z.string()),
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
        /** Ids of the evidence items that support the control (items with a facet it wants). */
        evidence: z.array(z.string()),
      }),
    ),
    summary: z.object({
      controls: z.number().int().nonnegative(),
      findings: z.number().int().nonnegative(),
      supported: z.number().int().nonnegative(),
      partial: z.number().int().nonnegative(),
      noEvidence: z.number().int().nonnegative(),
    }),
  }),
);
/** @see {@link ComplianceEvidenceReportSchema} */
export interface ComplianceEvidenceReport {
  schemaVersion: 2;
  kind: 'ComplianceEvidenceReport';
  framework: ComplianceFramework;
  frameworkTitle: string;
  mappingsVersion: string;
  /** Milliseconds since the epoch. */
  generatedAt: number;
  /** The span the evidence covers (ns since the epoch), or null when no evidence has times. */
  period: {
    start: number;
    end: number;
  } | null;
  /** What was observed or done, once; controls refer to these by id. */
  evidence: {
    id: string;
    kind: 'detection' | 'captures' | 'baselines' | 'enforcement' | 'scans';
    /** What the item shows, in the mapping table's vocabulary (`EVIDENCE_FACETS`). */
    facets: (
      | 'network-egress'
      | 'enforcement'
      | 'monitoring'
      | 'process-behaviour'
      | 'file-access'
      | 'ai-activity'
      | 'permission-use'
      | 'supply-chain-scans'
      | 'drift-detection'
    )[];
    summary: string;
    start?: number | undefined;
    end?: number | undefined;
    counts: Record<string, number>;
  }[];
  controls: {
    control: string;
    title?: string | undefined;
    /** The areas of control the mapping ties it to (empty for taxonomy entries). */
    areas: string[];
    /**
     * `findings`: a finding at medium or above; `supported`: evidence of every kind the control
     * wants and no such finding; `partial`: evidence of some of them; `no-evidence`: none.
     */
    status: 'partial' | 'findings' | 'supported' | 'no-evidence';
    /** The kinds of evidence the mapping table says support the control. */
    wants: (
      | 'network-egress'
      | 'enforcement'
      | 'monitoring'
      | 'process-behaviour'
      | 'file-access'
      | 'ai-activity'
      | 'permission-use'
      | 'supply-chain-scans'
      | 'drift-detection'
    )[];
    /** Those of `wants` the period has no evidence of. */
    missing: (
      | 'network-egress'
      | 'enforcement'
      | 'monitoring'
      | 'process-behaviour'
      | 'file-access'
      | 'ai-activity'
      | 'permission-use'
      | 'supply-chain-scans'
      | 'drift-detection'
    )[];
    /** How the evidence supports the control (from the mapping table; absent for taxonomy entries). */
    supports: string[];
    findings: {
      id: string;
      ruleId: string;
      severity: Severity;
      title: string;
      summary: string;
      workload: string;
    }[];
    /** Ids of the evidence items that support the control (items with a facet it wants). */
    evidence: string[];
  }[];
  summary: {
    controls: number;
    findings: number;
    supported: number;
    partial: number;
    noEvidence: number;
  };
}

/** What {@link buildComplianceEvidence} reads: everything Vigil produced for the period. */
export interface ComplianceEvidenceInputs {
  readonly framework: ComplianceFramework;
  /** Findings of `check`, `scan`, `gap`, … (their `compliance` references tie them to controls). */
  readonly findings?: readonly Finding[];
  readonly baselines?: readonly ReadonlyBaseline[];
  readonly ledger?: EnforcementLedger;
  /** Observed use of the captures of the period (`ObservedUseAccumulator`). */
  readonly observed?: readonly ObservedUseDocument[];
  /** Milliseconds since the epoch; default now. */
  readonly now?: number;
}

// What each baseline domain and each permission domain shows, in the mapping table's vocabulary.
const BASELINE_FACETS: readonly [EvidenceFacet, string, readonly BaselineDomain[]][] = [
  [
    'process-behaviour',
    'programs, shells, syscalls and capabilities',
    ['processes', 'shells', 'syscalls', 'capabilities'],
  ],
  ['file-access', 'files', ['files']],
  ['network-egress', 'peers and DNS names', ['peers', 'dns']],
  [
    'ai-activity',
    'models, tools, tool effects and retrievals',
    ['models', 'tools', 'toolEffects', 'retrievals'],
  ],
  ['permission-use', 'Kubernetes and cloud API calls', ['k8s', 'cloud']],
];
const USE_FACETS: readonly [EvidenceFacet, string, readonly PermissionDomain[]][] = [
  ['file-access', 'file accesses', ['file']],
  ['network-egress', 'egress peers', ['network-egress']],
  ['ai-activity', 'MCP tool calls', ['mcp-tool']],
  [
    'permission-use',
    'uses of Kubernetes API, cloud API, capability, host and data-access grants',
    ['kubernetes-api', 'cloud-api', 'capability', 'host', 'data-access'],
  ],
];

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
    const id = `captures-${i + 1}`;
    evidence.push({
      id,
      kind: 'captures',
      facets: ['monitoring'],
      summary: `${countOf(o.events, 'event')} of ${countOf(o.workloads.length, 'workload')} monitored from ${iso(o.window.start)} to ${iso(o.window.end)}: ${o.uses.length} distinct uses recorded`,
      start: o.window.start,
      end: o.window.end,
      counts: { events: o.events, workloads: o.workloads.length, uses: o.uses.length },
    });
    for (const [facet, what, domains] of USE_FACETS) {
      const uses = o.uses.filter((u) => domains.includes(u.domain));
      if (uses.length === 0) continue;
      const subjects = new Set(uses.map((u) => u.subject)).size;
      const denied = uses.reduce((n, u) => n + u.denied, 0);
      evidence.push({
        id: `${id}-${facet}`,
        kind: 'captures',
        facets: [facet],
        summary: `${uses.length} distinct ${what} by ${countOf(subjects, 'subject')} recorded in ${id}${denied > 0 ? `, ${countOf(denied, 'refused attempt')}` : ''}`,
        start: o.window.start,
        end: o.window.end,
        counts: { uses: uses.length, subjects, denied },
      });
    }
  }
  const baselines = inputs.baselines ?? [];
  if (baselines.length > 0) {
    let entries = 0;
    let bs = Number.POSITIVE_INFINITY;
    let be = 0;
    const perDomain = new Map<BaselineDomain, number>();
    for (const b of baselines)
      for (const d of BASELINE_DOMAINS)
        for (const e of b.entries(d)) {
          entries++;
          perDomain.set(d, (perDomain.get(d) ?? 0) + 1);
          bs = Math.min(bs, e.firstSeen);
          be = Math.max(be, e.lastSeen);
        }
    const stable = baselines.filter((b) => b.status === 'stable').length;
    if (entries > 0) span(bs, be);
    const times = entries > 0 ? { start: bs, end: be } : {};
    evidence.push({
      id: 'baselines',
      kind: 'baselines',
      // A baseline is what drift is judged against: learned behaviour supports drift detection.
      facets: ['drift-detection'],
      summary: `${countOf(baselines.length, 'behavioural baseline')} (${stable} stable) of ${baselines
        .map((b) => b.subject)
        .slice(0, 5)
        .join(
          ', ',
        )}${baselines.length > 5 ? ', …' : ''}: ${entries} learned behaviours${entries > 0 ? ` from ${iso(bs)} to ${iso(be)}` : ''}; deviations are reported as drift`,
      ...times,
      counts: { baselines: baselines.length, stable, behaviours: entries },
    });
    for (const [facet, what, domains] of BASELINE_FACETS) {
      const counts: Record<string, number> = {};
      let n = 0;
      for (const d of domains) {
        const c = perDomain.get(d) ?? 0;
        if (c > 0) counts[d] = c;
        n += c;
      }
      if (n === 0) continue;
      evidence.push({
        id: `baselines-${facet}`,
        kind: 'baselines',
        facets: [facet],
        summary: `${countOf(n, 'learned behaviour')} of ${what} (${Object.entries(counts)
          .map(([d, c]) => `${d} ${c}`)
          .join(', ')}) in the baselines`,
        ...times,
        counts,
      });
    }
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
      facets: ['enforcement'],
      summary: `${countOf(ws.length, 'workload')} under in-kernel policy (${enforce} enforcing, ${ws.length - enforce} monitoring): ${countOf(runs, 'monitored run')}, ${wouldBlock} would-block and ${countOf(blocked, 'blocked action')} on record`,
      counts: { workloads: ws.length, enforcing: enforce, monitoredRuns: runs, wouldBlock, blocked },
    });
  }
  const scanned = findings.filter((f) => f.category === 'supply-chain');
  if (scanned.length > 0) {
    const artifacts = new Set(scanned.flatMap((f) => (f.evidence[0]?.uri ? [f.evidence[0].uri] : [])));
    evidence.push({
      id: 'scans',
      kind: 'scans',
      facets: ['supply-chain-scans'],
      summary: `supply-chain scans reported ${countOf(scanned.length, 'finding')} over ${countOf(artifacts.size, 'artifact')} (MCP definitions, model files, inference servers, dependencies)`,
      counts: { findings: scanned.length, artifacts: artifacts.size },
    });
  }
  const detected = findings.filter((f) => f.category === 'drift' || f.category === 'detection');
  if (detected.length > 0) {
    for (const f of detected) span(f.ts, f.ts);
    evidence.push({
      id: 'detection',
      kind: 'detection',
      facets: ['drift-detection'],
      summary: `runtime detection reported ${countOf(detected.length, 'finding')} (drift and detection rules) during the period`,
      counts: { findings: detected.length },
    });
  }

  // Every control the table holds for the framework, with the areas that bring it in and the
  // evidence its rows say supports it.
  interface ControlEntry {
    title?: string;
    areas: Set<ControlArea>;
    wants: Set<EvidenceFacet>;
    supports: Set<string>;
  }
  const entry = (title: string | undefined): ControlEntry => ({
    ...(title ? { title } : {}),
    areas: new Set(),
    wants: new Set(),
    supports: new Set(),
  });
  const controls = new Map<string, ControlEntry>();
  for (const area of CONTROL_AREAS)
    for (const row of AREA_CONTROLS[area]) {
      if (row.framework !== fw) continue;
      const c = controls.get(row.control) ?? entry(row.title);
      c.areas.add(area);
      for (const f of row.evidence) c.wants.add(f);
      c.supports.add(row.supports);
      controls.set(row.control, c);
    }
  for (const [id, title] of Object.entries(TAXONOMY[fw] ?? {}))
    if (!controls.has(id)) controls.set(id, entry(title));
  for (const f of findings)
    for (const ref of f.compliance)
      if (ref.framework === fw && !controls.has(ref.control)) controls.set(ref.control, entry(ref.title));

  const present = new Set(evidence.flatMap((e) => e.facets));
  const out: ComplianceEvidenceReport['controls'] = [];
  for (const [control, c] of controls) {
    const against = findings
      .filter((f) => f.compliance.some((r) => r.framework === fw && r.control === control))
      .sort(compareFindings);
    // A taxonomy entry (OWASP, ATLAS) names a risk, not a requirement: any evidence speaks for it.
    const wants = c.wants.size > 0 ? EVIDENCE_FACETS.filter((f) => c.wants.has(f)) : [...EVIDENCE_FACETS];
    const supporting = evidence.filter((e) => e.facets.some((f) => wants.includes(f))).map((e) => e.id);
    const missing = c.wants.size > 0 ? wants.filter((f) => !present.has(f)) : [];
    const serious = against.some((f) => severityRank(f.severity) >= severityRank('medium'));
    out.push({
      control,
      ...(c.title ? { title: c.title } : {}),
      areas: [...c.areas].sort(),
      status: serious
        ? 'findings'
        : supporting.length === 0
          ? 'no-evidence'
          : missing.length > 0
            ? 'partial'
            : 'supported',
      wants: c.wants.size > 0 ? wants : [],
      missing,
      supports: [...c.supports],
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
      partial: out.filter((c) => c.status === 'partial').length,
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
    `${r.summary.controls} controls: ${r.summary.findings} with findings, ${r.summary.supported} supported by observed behaviour, ${r.summary.partial} partly supported, ${r.summary.noEvidence} without evidence.`,
    '',
  );
  out.push('## Evidence', '');
  if (r.evidence.length === 0) out.push('No baselines, captures, enforcement or scans were given.', '');
  for (const e of r.evidence)
    out.push(`- **${e.id}** (${e.kind}: ${e.facets.join(', ')}): ${mdCell(e.summary)}`);
  out.push(
    '',
    '## Controls',
    '',
    '| control | title | status | findings | evidence | missing |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const c of r.controls)
    out.push(
      `| ${mdCell(c.control)} | ${mdCell(c.title ?? '')} | ${c.status} | ${c.findings.length} | ${mdCell(c.evidence.join(', '))} | ${mdCell(c.missing.join(', '))} |`,
    );
  out.push('', '## Each control');
  for (const c of r.controls) {
    if (c.findings.length === 0 && c.supports.length === 0) continue;
    out.push('', `### ${mdCell(c.control)}${c.title ? ` ${mdCell(c.title)}` : ''}`, '');
    out.push(`Status: ${c.status}.`);
    for (const s of c.supports) out.push(`Supported by: ${mdCell(s)}`);
    if (c.wants.length > 0) out.push(`Evidence it wants: ${c.wants.join(', ')}.`);
    out.push(
      c.evidence.length > 0
        ? `Evidence of the period: ${c.evidence.join(', ')}.`
        : 'No evidence of the period.',
    );
    if (c.missing.length > 0) out.push(`Missing: ${c.missing.join(', ')}.`);
    if (c.findings.length > 0) out.push('', 'Findings:', '');
    for (const f of c.findings)
      out.push(
        `- ${f.severity.toUpperCase()} ${mdCell(f.title)} (${mdCell(f.workload)}): ${mdCell(f.summary)}`,
      );
  }
  out.push('');
  return out.join('\n');
}
