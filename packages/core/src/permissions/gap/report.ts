import { z } from 'zod';
import { lazySchema } from '../../schemas/lazy.js';
import type { WorkloadRef } from '../../workload/workload-ref.js';
import { WorkloadRefSchema } from '../../workload/workload-ref.js';
import type { Grant, PermissionDomain } from '../grant.js';
import { GrantSchema, PermissionDomainSchema } from '../grant.js';
import type { ObservedUse } from '../observed/use.js';
import { ObservedUseSchema } from '../observed/use.js';

/** Version of the gap report document. */
export const GAP_REPORT_SCHEMA_VERSION = 1;

/** How much an observation window can be trusted to show every use. */
export const CoverageSchema = lazySchema(() =>
  z.object({
    /** Nanoseconds since the epoch; both 0 when nothing was observed. */
    start: z.number().nonnegative(),
    end: z.number().nonnegative(),
    durationSeconds: z.number().nonnegative(),
    /** `low` under a day, `medium` under 14 days, `high` from 14 days on. */
    confidence: z.enum(['none', 'low', 'medium', 'high']),
    /** 0–1: grows with the logarithm of the window, 1 at 30 days. */
    score: z.number().min(0).max(1),
    note: z.string(),
  }),
);
/** @see {@link CoverageSchema} */
export interface Coverage {
  /** Nanoseconds since the epoch; both 0 when nothing was observed. */
  start: number;
  end: number;
  durationSeconds: number;
  /** `low` under a day, `medium` under 14 days, `high` from 14 days on. */
  confidence: 'low' | 'medium' | 'high' | 'none';
  /** 0–1: grows with the logarithm of the window, 1 at 30 days. */
  score: number;
  note: string;
}

/** A grant never exercised in the window, with its rank. */
export const UnusedGrantSchema = lazySchema(() =>
  z.object({
    grant: GrantSchema,
    /** 0–100: inherent risk × reach, the order unused grants are listed in. */
    rank: z.number().min(0).max(100),
    /** False when the sensors could not have seen a use (e.g. `CAP_CHOWN`, `hostPID`): keep, but verify by hand. */
    observable: z.boolean(),
  }),
);
/** @see {@link UnusedGrantSchema} */
export interface UnusedGrant {
  grant: Grant;
  /** 0–100: inherent risk × reach, the order unused grants are listed in. */
  rank: number;
  /** False when the sensors could not have seen a use (e.g. `CAP_CHOWN`, `hostPID`): keep, but verify by hand. */
  observable: boolean;
}

/** Granted vs used in one permission domain of one workload. */
export const DomainGapSchema = lazySchema(() =>
  z.object({
    domain: PermissionDomainSchema,
    /** Whether any input could show use in this domain (a capture, an audit log, CloudTrail). */
    observed: z.boolean(),
    /** The window of the inputs that show this domain (audit logs, CloudTrail, or captures). */
    coverage: CoverageSchema,
    /** Allow grants. */
    granted: z.number().int().nonnegative(),
    /** Grants exercised at least once. */
    used: z.number().int().nonnegative(),
    /** `used / granted`, 0 when nothing is granted. */
    ratio: z.number().min(0).max(1),
    /** Distinct uses in the domain (successful). */
    distinctUses: z.number().int().nonnegative(),
    /** Ids of the grants exercised. */
    usedGrants: z.array(z.string()),
    /** Successful uses a grant covers (what a least-privilege policy must keep). */
    uses: z.array(ObservedUseSchema),
    /** Unused grants, highest rank first. */
    unused: z.array(UnusedGrantSchema),
    /** Uses that succeeded but no declared grant covers (inputs incomplete, or a policy not enforced). */
    ungranted: z.array(ObservedUseSchema),
    /** Successful uses only the platform's defaults allow (Kubernetes API discovery, self access reviews). */
    implicit: z.number().int().nonnegative().default(0),
    /** Attempts that were refused (403, AccessDenied, EACCES/EPERM). */
    denied: z.array(ObservedUseSchema),
  }),
);
/** @see {@link DomainGapSchema} */
export interface DomainGap {
  domain: PermissionDomain;
  /** Whether any input could show use in this domain (a capture, an audit log, CloudTrail). */
  observed: boolean;
  /** The window of the inputs that show this domain (audit logs, CloudTrail, or captures). */
  coverage: Coverage;
  /** Allow grants. */
  granted: number;
  /** Grants exercised at least once. */
  used: number;
  /** `used / granted`, 0 when nothing is granted. */
  ratio: number;
  /** Distinct uses in the domain (successful). */
  distinctUses: number;
  /** Ids of the grants exercised. */
  usedGrants: string[];
  /** Successful uses a grant covers (what a least-privilege policy must keep). */
  uses: ObservedUse[];
  /** Unused grants, highest rank first. */
  unused: UnusedGrant[];
  /** Uses that succeeded but no declared grant covers (inputs incomplete, or a policy not enforced). */
  ungranted: ObservedUse[];
  /** Successful uses only the platform's defaults allow (Kubernetes API discovery, self access reviews). */
  implicit: number;
  /** Attempts that were refused (403, AccessDenied, EACCES/EPERM). */
  denied: ObservedUse[];
}

/** One workload (a pod spec with its service account and cloud role, or a lone subject). */
export const WorkloadGapSchema = lazySchema(() =>
  z.object({
    /** The group's main subject id (the workload, else the subject). */
    id: z.string(),
    name: z.string(),
    namespace: z.string().optional(),
    /** Declared subjects in this workload (workload, service account, AWS role, MCP client). */
    subjects: z.array(z.string()),
    /** Captured workloads matched to it. */
    observedAs: z.array(WorkloadRefSchema),
    domains: z.array(DomainGapSchema),
    granted: z.number().int().nonnegative(),
    used: z.number().int().nonnegative(),
    ratio: z.number().min(0).max(1),
  }),
);
/** @see {@link WorkloadGapSchema} */
export interface WorkloadGap {
  /** The group's main subject id (the workload, else the subject). */
  id: string;
  name: string;
  namespace?: string | undefined;
  /** Declared subjects in this workload (workload, service account, AWS role, MCP client). */
  subjects: string[];
  /** Captured workloads matched to it. */
  observedAs: WorkloadRef[];
  domains: DomainGap[];
  granted: number;
  used: number;
  ratio: number;
}

/**
 * Records of one line-based log (a Kubernetes audit log, CloudTrail) skipped
 * as invalid, by reason: `invalid-json`, `invalid-shape`, `over-limit`.
 *
 * @example
 * ```ts
 * import { SkippedRecordsSchema } from '@vigil/core';
 *
 * SkippedRecordsSchema.parse({ file: 'audit.log', reasons: { 'invalid-json': 2 } });
 * ```
 */
export const SkippedRecordsSchema = lazySchema(() =>
  z.object({
    file: z.string(),
    reasons: z.partialRecord(
      z.enum(['invalid-json', 'invalid-shape', 'over-limit']),
      z.number().int().nonnegative(),
    ),
  }),
);
/** @see {@link SkippedRecordsSchema} */
export interface SkippedRecords {
  file: string;
  reasons: {
    'invalid-json'?: number;
    'invalid-shape'?: number;
    'over-limit'?: number;
  };
}

/**
 * Declared vs observed, per workload and per permission domain: how much is
 * granted, how much was used, the unused grants ranked by risk, the uses no
 * grant explains, the refused attempts, and how far the observation window
 * can be trusted.
 *
 * @example
 * ```ts
 * import { analyzeGaps, GapReportSchema } from '@vigil/core';
 *
 * const report = GapReportSchema.parse(analyzeGaps(declared, observed));
 * for (const w of report.workloads) console.log(w.name, `${w.used}/${w.granted}`);
 * ```
 */
export const GapReportSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(GAP_REPORT_SCHEMA_VERSION),
    kind: z.literal('GapReport'),
    coverage: CoverageSchema,
    inputs: z.object({
      declared: z.array(z.string()),
      events: z.number().int().nonnegative(),
      distinctUses: z.number().int().nonnegative(),
      /** Invalid records of line-based logs skipped under `onInvalid: 'skip'`: per file, how many for each reason. */
      skipped: z.array(SkippedRecordsSchema).optional(),
    }),
    workloads: z.array(WorkloadGapSchema),
    /** Observed subjects no declared input mentions, with how many distinct uses each made. */
    unmatched: z.array(z.object({ subject: z.string(), uses: z.number().int().nonnegative() })),
    totals: z.object({
      granted: z.number().int().nonnegative(),
      used: z.number().int().nonnegative(),
      ratio: z.number().min(0).max(1),
      unusedObservable: z.number().int().nonnegative(),
      ungranted: z.number().int().nonnegative(),
      denied: z.number().int().nonnegative(),
    }),
  }),
);
/** @see {@link GapReportSchema} */
export interface GapReport {
  schemaVersion: 1;
  kind: 'GapReport';
  coverage: Coverage;
  inputs: {
    declared: string[];
    events: number;
    distinctUses: number;
    /** Invalid records of line-based logs skipped under `onInvalid: 'skip'`: per file, how many for each reason. */
    skipped?: SkippedRecords[] | undefined;
  };
  workloads: WorkloadGap[];
  /** Observed subjects no declared input mentions, with how many distinct uses each made. */
  unmatched: {
    subject: string;
    uses: number;
  }[];
  totals: {
    granted: number;
    used: number;
    ratio: number;
    unusedObservable: number;
    ungranted: number;
    denied: number;
  };
}
