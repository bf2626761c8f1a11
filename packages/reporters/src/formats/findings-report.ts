import {
  type CaptureIntegrity,
  compareFindings,
  type Finding,
  lazySchema,
  SEVERITIES,
  type Severity,
} from '@vigil/core';
import { CaptureIntegritySchema, FindingSchema } from '@vigil/core/schemas';
import { z } from 'zod';

/** Schema version of {@link FindingsReport}. */
export const FINDINGS_REPORT_SCHEMA_VERSION = 1;

/**
 * The JSON findings report: what every text format is rendered from.
 *
 * @example
 * ```ts
 * const report = FindingsReportSchema.parse(JSON.parse(text));
 * ```
 */
export const FindingsReportSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(FINDINGS_REPORT_SCHEMA_VERSION),
    /** ISO 8601. */
    generatedAt: z.string(),
    tool: z.object({ name: z.string(), version: z.string() }),
    /** What was analysed: capture files, baselines, manifests. */
    inputs: z.array(z.string()),
    /**
     * Whether every capture read was written completely; `complete: false` means
     * findings may be missing for the time a capture does not cover.
     */
    integrity: CaptureIntegritySchema.optional(),
    summary: z.object({
      total: z.number().int().nonnegative(),
      bySeverity: z.record(z.string(), z.number().int().nonnegative()),
      byCategory: z.record(z.string(), z.number().int().nonnegative()),
      workloads: z.number().int().nonnegative(),
    }),
    findings: z.array(FindingSchema),
  }),
);
/** @see {@link FindingsReportSchema} */
export interface FindingsReport {
  schemaVersion: 1;
  /** ISO 8601. */
  generatedAt: string;
  tool: {
    name: string;
    version: string;
  };
  /** What was analysed: capture files, baselines, manifests. */
  inputs: string[];
  /**
   * Whether every capture read was written completely; `complete: false` means
   * findings may be missing for the time a capture does not cover.
   */
  integrity?:
    | {
        complete: boolean;
        incomplete: {
          path: string;
          truncatedAt?: number | undefined;
        }[];
        interrupted: string[];
      }
    | undefined;
  summary: {
    total: number;
    bySeverity: Record<string, number>;
    byCategory: Record<string, number>;
    workloads: number;
  };
  findings: Finding[];
}

/** Options for {@link buildFindingsReport}. */
export interface FindingsReportOptions {
  readonly toolVersion?: string;
  readonly inputs?: readonly string[];
  /** Whether the captures read were complete (`ReplaySource.integrity()`); carried into the report. */
  readonly integrity?: CaptureIntegrity;
  /** Defaults to now. */
  readonly generatedAt?: Date;
}

/**
 * Builds the findings report: findings in the one order of findings
 * (`compareFindings`: severity, risk score, time, id), with counts by severity and category.
 *
 * @example
 * ```ts
 * import { buildFindingsReport } from '@vigil/reporters';
 *
 * const report = buildFindingsReport(findings, { inputs: ['run.vcap'] });
 * console.log(JSON.stringify(report, null, 2));
 * ```
 */
export function buildFindingsReport(
  findings: readonly Finding[],
  options: FindingsReportOptions = {},
): FindingsReport {
  const sorted = [...findings].sort(compareFindings);
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const byCategory: Record<string, number> = {};
  for (const f of sorted) {
    bySeverity[f.severity]++;
    byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
  }
  return {
    schemaVersion: FINDINGS_REPORT_SCHEMA_VERSION,
    generatedAt: (options.generatedAt ?? new Date()).toISOString(),
    tool: { name: 'vigil', version: options.toolVersion ?? '0.1.0' },
    inputs: [...(options.inputs ?? [])],
    ...(options.integrity ? { integrity: copyIntegrity(options.integrity) } : {}),
    summary: {
      total: sorted.length,
      bySeverity,
      byCategory,
      workloads: new Set(sorted.map((f) => f.workload.id)).size,
    },
    findings: sorted,
  };
}

/** A plain copy of an integrity record, as the report schema holds it. */
function copyIntegrity(i: CaptureIntegrity): FindingsReport['integrity'] & object {
  return {
    complete: i.complete,
    incomplete: i.incomplete.map((c) => ({
      path: c.path,
      ...(c.truncatedAt !== undefined ? { truncatedAt: c.truncatedAt } : {}),
    })),
    interrupted: [...i.interrupted],
  };
}
