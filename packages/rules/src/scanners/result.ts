import type { Finding } from '@vigil/core';
import { lazySchema } from '@vigil/core';
import { FindingSchema } from '@vigil/core/schemas';
import { z } from 'zod';

const count = () => z.number().int().nonnegative();
const SeverityCountsSchema = lazySchema(() =>
  z.object({
    critical: count(),
    high: count(),
    medium: count(),
    low: count(),
    info: count(),
  }),
);

/** Version of the scan result document. */
export const SCAN_RESULT_SCHEMA_VERSION = 1;

/**
 * The result of `scanPaths` / `vigil scan`: the findings, what was scanned,
 * per-scanner counts, the files that could not be scanned (which did not stop
 * the scan), and how runtime observation moved the findings' risk.
 *
 * @example
 * ```ts
 * import { ScanResultSchema } from '@vigil/rules';
 *
 * const result = ScanResultSchema.parse(JSON.parse(readFileSync('scan.json', 'utf8')));
 * console.log(result.findings.length, result.errors.length);
 * ```
 */
export const ScanResultSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(SCAN_RESULT_SCHEMA_VERSION),
    kind: z.literal('ScanResult'),
    /** The paths given to the scan. */
    inputs: z.array(z.string()),
    /** Findings in the one order of findings (`compareFindings`: severity, risk, rule, place, message). */
    findings: z.array(FindingSchema),
    artifacts: z.object({
      /** Files read and handed to at least one scanner. */
      scanned: z.number().int().nonnegative(),
      /** Files seen that no scanner accepts. */
      skipped: z.number().int().nonnegative(),
      /** Bytes of the scanned files. */
      bytes: z.number().int().nonnegative(),
      /** Directory entries not followed: symlink loops, node_modules/.git, beyond the file or depth limits. */
      notFollowed: z.number().int().nonnegative(),
    }),
    scanners: z.array(
      z.object({
        id: z.string(),
        version: z.string(),
        artifacts: z.number().int().nonnegative(),
        findings: z.number().int().nonnegative(),
        errors: z.number().int().nonnegative(),
      }),
    ),
    /** Files (or scanner passes) that failed; the scan went on without them. */
    errors: z.array(
      z.object({
        file: z.string(),
        scanner: z.string().optional(),
        code: z.string(),
        message: z.string(),
      }),
    ),
    runtime: z.object({
      /** Whether observed use was given. */
      observed: z.boolean(),
      events: z.number().int().nonnegative(),
      /** Findings whose subject was seen in use at run time (risk raised). */
      confirmed: z.number().int().nonnegative(),
      /** Findings whose subject was never used while observed (risk lowered). */
      demoted: z.number().int().nonnegative(),
      /** Findings by severity before runtime weighing (a scanner may demote what never ran). */
      severityBefore: SeverityCountsSchema.optional(),
      /** Findings by severity as reported. */
      severityAfter: SeverityCountsSchema.optional(),
    }),
  }),
);
/** @see {@link ScanResultSchema} */
export interface ScanResult {
  schemaVersion: 1;
  kind: 'ScanResult';
  /** The paths given to the scan. */
  inputs: string[];
  /** Findings, highest risk first. */
  findings: Finding[];
  artifacts: {
    /** Files read and handed to at least one scanner. */
    scanned: number;
    /** Files seen that no scanner accepts. */
    skipped: number;
    /** Bytes of the scanned files. */
    bytes: number;
    /** Directory entries not followed: symlink loops, node_modules/.git, beyond the file or depth limits. */
    notFollowed: number;
  };
  scanners: {
    id: string;
    version: string;
    artifacts: number;
    findings: number;
    errors: number;
  }[];
  /** Files (or scanner passes) that failed; the scan went on without them. */
  errors: {
    file: string;
    scanner?: string | undefined;
    code: string;
    message: string;
  }[];
  runtime: {
    /** Whether observed use was given. */
    observed: boolean;
    events: number;
    /** Findings whose subject was seen in use at run time (risk raised). */
    confirmed: number;
    /** Findings whose subject was never used while observed (risk lowered). */
    demoted: number;
    /** Findings by severity before runtime weighing (a scanner may demote what never ran). */
    severityBefore?:
      | {
          critical: number;
          high: number;
          medium: number;
          low: number;
          info: number;
        }
      | undefined;
    /** Findings by severity as reported. */
    severityAfter?:
      | {
          critical: number;
          high: number;
          medium: number;
          low: number;
          info: number;
        }
      | undefined;
  };
}
