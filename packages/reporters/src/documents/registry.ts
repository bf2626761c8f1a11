import {
  type AiBom,
  aiBomFindings,
  type BaselineSet,
  type CaptureInspection,
  type CheckResult,
  type ComplianceEvidenceReport,
  ComplianceEvidenceReportSchema,
  describePayloadHint,
  type EnforcementPolicy,
  encodeBaselineSet,
  type GapResult,
  type MaturityReport,
  MaturityReportSchema,
  type ReviewItem,
  type ReviewRecord,
  renderComplianceMarkdown,
  renderMaturityText,
  type Severity,
  summaryPayloadHintFacts,
  VigilError,
} from '@vigil/core';
import type { ScanResult } from '@vigil/rules';
import { renderCycloneDx } from '../cyclonedx/aibom-to-cyclonedx.js';
import { buildFindingsReport } from '../formats/findings-report.js';
import { renderMarkdown } from '../formats/markdown.js';
import { toOcsf } from '../formats/ocsf.js';
import { toSarif } from '../formats/sarif.js';
import { renderComplianceHtml } from '../html/compliance.js';
import { renderHtml } from '../html/html.js';
import { renderMaturityHtml } from '../html/maturity.js';
import { renderAiBomText } from './aibom-text.js';
import { renderCheckText } from './check-text.js';
import { renderGapText } from './gap-text.js';
import { renderSummaryText, renderTimelineText } from './inspect-text.js';
import { type ProbeDocument, renderProbeText } from './probe-text.js';
import { renderAdmissionText, renderReviewText } from './review-text.js';
import { renderScanText } from './scan-text.js';

/** The review queue of a baseline file, as `vigil baseline review` reports it. */
export interface BaselineReview {
  /** The baseline file reviewed. */
  readonly baseline: string;
  /** Its quarantined items (`reviewQueue`). */
  readonly quarantined: readonly ReviewItem[];
}

/** What `vigil baseline admit` admitted into a baseline file. */
export interface BaselineAdmission {
  /** The baseline file rewritten. */
  readonly baseline: string;
  /** One record per item admitted (`admitReviewed`). */
  readonly admitted: readonly ReviewRecord[];
}

/** The documents Vigil reports, by kind: what each application facade returns. */
export interface ReportDocuments {
  /** `checkCaptures` (`vigil check`). */
  readonly check: CheckResult;
  /** `buildAiBom` (`vigil aibom`). */
  readonly aibom: AiBom;
  /** `analyseGap` (`vigil gap`). */
  readonly gap: GapResult;
  /** `learnBaselines(…).set` (`vigil learn`). */
  readonly baselines: BaselineSet;
  /** `scanPaths` of `@vigil/rules` (`vigil scan`). */
  readonly scan: ScanResult;
  /** `inspectCaptures` (`vigil inspect`). */
  readonly inspect: CaptureInspection;
  /** `probe()` of `@vigil/ebpf-native` (`vigil probe`). */
  readonly probe: ProbeDocument;
  /** `assessMaturity` (`vigil posture`). */
  readonly maturity: MaturityReport;
  /** `buildComplianceEvidence` (`vigil posture --framework`). */
  readonly compliance: ComplianceEvidenceReport;
  /** `reviewQueue` of a baseline file (`vigil baseline review`). */
  readonly review: BaselineReview;
  /** `admitReviewed` on a baseline file (`vigil baseline admit`). */
  readonly admission: BaselineAdmission;
  /** `synthesizePolicy` and `policyFromLeastPrivilege` (`vigil policy`). */
  readonly policy: EnforcementPolicy;
}

/** A kind of document Vigil reports. */
export type ReportKind = keyof ReportDocuments;

/** The rule packs a check ran, as its JSON report lists them. */
export interface ReportedPack {
  readonly name: string;
  readonly version: string;
  readonly rules: number;
}

/** What a report says besides its document. */
export interface ReportOptions {
  /** The version of the tool that made the document (SARIF, OCSF, the findings report). */
  readonly toolVersion?: string;
  /** Every input read (the findings report's `inputs`); default the document's own captures. */
  readonly inputs?: readonly string[];
  /** check, text: findings below this are counted, not shown. Default `info`. */
  readonly minSeverity?: Severity;
  /** check, json: the baseline file given (`null` when none). */
  readonly baseline?: string;
  /** check, json: the rule packs that ran. */
  readonly packs?: readonly ReportedPack[];
}

type Renderer<K extends ReportKind> = (
  doc: ReportDocuments[K],
  options: ReportOptions,
) => string | Uint8Array;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function checkJson(r: CheckResult, o: ReportOptions): string {
  return json({
    captures: r.captures,
    baseline: o.baseline ?? null,
    packs: o.packs ?? [],
    baselines: r.baselines.baselines().map((b) => ({
      subject: b.subject,
      versionKey: b.versionKey,
      version: b.version,
      status: b.status,
      entries: b.size(),
      coverage: b.coverage() ?? null,
    })),
    events: r.events,
    integrity: r.integrity,
    drops: r.drops,
    findings: r.findings,
    incidents: r.incidents,
  });
}

const checkReport = (r: CheckResult, o: ReportOptions) =>
  buildFindingsReport(r.reported, {
    inputs: o.inputs ?? r.captures,
    integrity: r.integrity,
    ...(o.toolVersion !== undefined ? { toolVersion: o.toolVersion } : {}),
  });

const version = (o: ReportOptions) => (o.toolVersion !== undefined ? { toolVersion: o.toolVersion } : {});

const scanReport = (r: ScanResult, o: ReportOptions) =>
  buildFindingsReport(r.findings, { inputs: o.inputs ?? r.inputs, ...version(o) });

const renderCompliance = (r: ComplianceEvidenceReport) => renderComplianceMarkdown(r);

const REPORTERS: { readonly [K in ReportKind]: Readonly<Record<string, Renderer<K>>> } = {
  // The first format of each kind is its default.
  check: {
    text: (r, o) =>
      renderCheckText(
        r.captures,
        r.baselines,
        r.findings,
        r.events,
        o.minSeverity ?? 'info',
        r.integrity,
        r.incidents,
      ),
    json: checkJson,
    sarif: (r, o) => json(toSarif(r.reported, { ...version(o), integrity: r.integrity })),
    markdown: (r, o) => renderMarkdown(checkReport(r, o)),
    html: (r, o) => renderHtml({ title: 'Vigil check', findings: checkReport(r, o) }),
    ocsf: (r, o) =>
      toOcsf(r.reported, { ...version(o), integrity: r.integrity })
        .map((e) => `${JSON.stringify(e)}\n`)
        .join(''),
  },
  aibom: {
    text: (bom) => renderAiBomText(bom),
    json: (bom) => json(bom),
    cyclonedx: (bom) => renderCycloneDx(bom),
    flow: (bom) => json(bom.flow),
    html: (bom, o) => {
      const integrity = bom.inputs.integrity;
      const s = bom.summary.byStatus;
      return renderHtml({
        title: 'Vigil AI-BOM',
        aibom: bom,
        findings: buildFindingsReport(aiBomFindings(bom), {
          inputs: o.inputs ?? [],
          ...version(o),
          ...(integrity ? { integrity } : {}),
        }),
        // The page already counts components and shadow AI; add what it does not.
        highlights: [
          { label: 'declared, never used', value: s['declared-unused'] ?? 0 },
          { label: 'events read', value: bom.inputs.events },
        ],
      });
    },
    sarif: (bom, o) => {
      const integrity = bom.inputs.integrity;
      return json(toSarif(aiBomFindings(bom), { ...version(o), ...(integrity ? { integrity } : {}) }));
    },
  },
  gap: {
    text: (g) => renderGapText(g.report, g.ranking, g.leastPrivilege, g.integrity),
    json: (g) =>
      json({
        schemaVersion: 1,
        kind: 'vigil.gap',
        ...(g.integrity ? { integrity: g.integrity } : {}),
        report: g.report,
        risk: g.ranking.summary,
        findings: g.ranking.findings,
        ...(g.leastPrivilege ? { leastPrivilege: g.leastPrivilege } : {}),
        ...(g.dataAccess ? { dataAccess: g.dataAccess } : {}),
        ...(g.dataStores ? { dataStores: g.dataStores } : {}),
      }),
  },
  baselines: {
    json: (set) => encodeBaselineSet(set, 'json'),
    msgpack: (set) => encodeBaselineSet(set, 'msgpack'),
  },
  scan: {
    text: (r) => renderScanText(r),
    json: (r) => json(r),
    sarif: (r, o) => json(toSarif(r.findings, version(o))),
    markdown: (r, o) => renderMarkdown(scanReport(r, o)),
    html: (r, o) =>
      renderHtml({
        title: 'Vigil scan',
        findings: scanReport(r, o),
        highlights: [
          { label: 'artifacts scanned', value: r.artifacts.scanned },
          ...(r.connections
            ? [{ label: 'MCP servers listed', value: r.connections.filter((c) => c.connected).length }]
            : []),
          ...(r.runtime.observed ? [{ label: 'demoted by runtime', value: r.runtime.demoted }] : []),
        ],
      }),
  },
  inspect: {
    text: (i) =>
      renderSummaryText(i.captures, i.summary, i.drops, i.integrity, {
        undecodedPayloads: i.undecodedPayloads,
        hint: describePayloadHint(summaryPayloadHintFacts(i.summary, i.headers)),
      }) + (i.timeline ? renderTimelineText(i.timeline) : ''),
    json: (i) =>
      json({
        captures: i.captures,
        headers: i.headers,
        integrity: i.integrity,
        drops: i.drops,
        ...(i.undecodedPayloads ? { undecodedPayloads: i.undecodedPayloads } : {}),
        ...i.summary,
        ...(i.timeline ? { timeline: i.timeline.timeline } : {}),
      }),
  },
  probe: {
    text: (r) => renderProbeText(r),
    json: (r) => json(r),
  },
  maturity: {
    text: (r) => renderMaturityText(r),
    json: (r) => json(MaturityReportSchema.parse(r)),
    html: (r) => renderMaturityHtml(r),
  },
  compliance: {
    markdown: renderCompliance,
    // People asking a terminal for text get the Markdown, which reads as text.
    text: renderCompliance,
    html: (r) => renderComplianceHtml(r),
    json: (r) => json(ComplianceEvidenceReportSchema.parse(r)),
  },
  review: {
    text: (r) => renderReviewText(r.baseline, r.quarantined),
    json: (r) => json(r),
  },
  admission: {
    text: (r) => renderAdmissionText(r.admitted),
    json: (r) => json(r),
  },
  policy: {
    json: (p) => json(p),
  },
};

/**
 * The formats a kind of document can be reported in, its default first.
 *
 * @example
 * ```ts
 * import { reportFormats } from '@vigil/reporters';
 *
 * reportFormats('check'); // ['text', 'json', 'sarif', 'markdown', 'html', 'ocsf']
 * ```
 */
export function reportFormats(kind: ReportKind): readonly string[] {
  return Object.keys(REPORTERS[kind]);
}

/**
 * Renders a document in a format: the one registry of reporters every `vigil` command uses, keyed
 * by document kind and format name. A format the kind does not support is a `USAGE` error listing
 * the ones it does. Text formats (`text`, `markdown`) are for terminals and files people read;
 * escape them before printing input-derived text to a terminal (`escapeTerminalText`).
 *
 * @example
 * ```ts
 * import { checkCaptures } from '@vigil/core';
 * import { renderReport } from '@vigil/reporters';
 *
 * const result = await checkCaptures({ captures: ['run.vcap'], detectors });
 * await writeFile('check.sarif', renderReport('check', 'sarif', result, { toolVersion: '1.0.0' }));
 * ```
 */
export function renderReport<K extends ReportKind>(
  kind: K,
  format: string,
  doc: ReportDocuments[K],
  options: ReportOptions = {},
): string | Uint8Array {
  const render = (REPORTERS[kind] as Readonly<Record<string, Renderer<K>>>)[format];
  if (render === undefined)
    throw new VigilError(
      'USAGE',
      `a ${kind} report has no format '${format}' (choose ${reportFormats(kind).join(', ')})`,
    );
  return render(doc, options);
}
