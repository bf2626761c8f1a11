import { type CaptureIntegrity, compareFindings, type Finding, lazySchema, type Severity } from '@vigil/core';
import { z } from 'zod';

/** The OCSF schema version the events are written for. */
export const OCSF_VERSION = '1.3.0';

const SEVERITY_ID: Record<Severity, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
const SEVERITY_NAME: Record<Severity, string> = {
  info: 'Informational',
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};

/**
 * The parts of an OCSF 1.3 Detection Finding (class 2004) that Vigil fills:
 * every attribute the class requires, plus the optional ones it maps to.
 */
export const OcsfDetectionFindingSchema = lazySchema(() =>
  z.object({
    activity_id: z.literal(1),
    activity_name: z.literal('Create'),
    category_uid: z.literal(2),
    category_name: z.literal('Findings'),
    class_uid: z.literal(2004),
    class_name: z.literal('Detection Finding'),
    type_uid: z.literal(200401),
    type_name: z.literal('Detection Finding: Create'),
    /** Milliseconds since the epoch. */
    time: z.number().int().nonnegative(),
    severity_id: z.number().int().min(0).max(6),
    severity: z.string(),
    status_id: z.literal(1),
    status: z.literal('New'),
    message: z.string(),
    metadata: z.object({
      version: z.literal(OCSF_VERSION),
      product: z.object({ name: z.string(), vendor_name: z.string(), version: z.string() }),
      uid: z.string(),
      labels: z.array(z.string()).optional(),
    }),
    finding_info: z.object({
      uid: z.string(),
      title: z.string(),
      desc: z.string().optional(),
      types: z.array(z.string()).optional(),
      analytic: z.object({ uid: z.string(), name: z.string(), type_id: z.number().int(), type: z.string() }),
      first_seen_time: z.number().int().optional(),
      last_seen_time: z.number().int().optional(),
      attacks: z
        .array(
          z.object({
            technique: z.object({ uid: z.string(), name: z.string().optional() }),
            version: z.string().optional(),
          }),
        )
        .optional(),
    }),
    risk_score: z.number().int().min(0).max(100),
    risk_details: z.string().optional(),
    resources: z.array(
      z.object({
        uid: z.string(),
        name: z.string().optional(),
        type: z.string(),
        labels: z.array(z.string()).optional(),
      }),
    ),
    evidences: z.array(z.object({ data: z.record(z.string(), z.unknown()) })).optional(),
    unmapped: z.record(z.string(), z.unknown()).optional(),
  }),
);
/** @see {@link OcsfDetectionFindingSchema} */
export interface OcsfDetectionFinding {
  activity_id: 1;
  activity_name: 'Create';
  category_uid: 2;
  category_name: 'Findings';
  class_uid: 2004;
  class_name: 'Detection Finding';
  type_uid: 200401;
  type_name: 'Detection Finding: Create';
  /** Milliseconds since the epoch. */
  time: number;
  severity_id: number;
  severity: string;
  status_id: 1;
  status: 'New';
  message: string;
  metadata: {
    version: '1.3.0';
    product: {
      name: string;
      vendor_name: string;
      version: string;
    };
    uid: string;
    labels?: string[] | undefined;
  };
  finding_info: {
    uid: string;
    title: string;
    desc?: string | undefined;
    types?: string[] | undefined;
    analytic: {
      uid: string;
      name: string;
      type_id: number;
      type: string;
    };
    first_seen_time?: number | undefined;
    last_seen_time?: number | undefined;
    attacks?:
      | {
          technique: {
            uid: string;
            name?: string | undefined;
          };
          version?: string | undefined;
        }[]
      | undefined;
  };
  risk_score: number;
  risk_details?: string | undefined;
  resources: {
    uid: string;
    name?: string | undefined;
    type: string;
    labels?: string[] | undefined;
  }[];
  evidences?:
    | {
        data: Record<string, unknown>;
      }[]
    | undefined;
  unmapped?: Record<string, unknown> | undefined;
}

/**
 * Converts findings to OCSF 1.3 Detection Finding events (in the one order of findings,
 * `compareFindings`; class 2004,
 * activity Create), for SIEMs and data lakes that speak OCSF (Amazon
 * Security Lake, Splunk, Tenzir…). MITRE ATT&CK techniques go to
 * `finding_info.attacks`; OWASP, ATLAS and compliance references to
 * `metadata.labels` and `unmapped`. With `integrity` given and a capture cut
 * short, every event carries the label `vigil:input:incomplete` and the
 * integrity record in `unmapped.capture_integrity`.
 *
 * @example
 * ```ts
 * import { toOcsf } from '@vigil/reporters';
 *
 * for (const e of toOcsf(findings)) process.stdout.write(`${JSON.stringify(e)}\n`);
 * ```
 */
export function toOcsf(
  findings: readonly Finding[],
  options: { readonly toolVersion?: string; readonly integrity?: CaptureIntegrity } = {},
): OcsfDetectionFinding[] {
  const incomplete = options.integrity !== undefined && !options.integrity.complete;
  return [...findings].sort(compareFindings).map((f) => {
    const labels = [
      `vigil:category:${f.category}`,
      ...(incomplete ? ['vigil:input:incomplete'] : []),
      ...f.tags.owaspLlm.map((t) => `owasp-llm:${t}`),
      ...f.tags.owaspAgentic.map((t) => `owasp-agentic:${t}`),
      ...f.tags.atlas.map((t) => `mitre-atlas:${t}`),
    ];
    const evidences = f.evidence.slice(0, 20).map((e) => ({
      data: {
        type: e.type,
        description: e.description,
        ...(e.uri ? { uri: e.uri } : {}),
        ...(e.event ? { event_kind: e.event.kind, pid: e.event.pid, exe: e.event.exe } : {}),
      },
    }));
    return {
      activity_id: 1,
      activity_name: 'Create',
      category_uid: 2,
      category_name: 'Findings',
      class_uid: 2004,
      class_name: 'Detection Finding',
      type_uid: 200401,
      type_name: 'Detection Finding: Create',
      time: Math.floor(f.ts / 1e6),
      severity_id: SEVERITY_ID[f.severity],
      severity: SEVERITY_NAME[f.severity],
      status_id: 1,
      status: 'New',
      message: f.summary,
      metadata: {
        version: OCSF_VERSION,
        product: { name: 'Vigil', vendor_name: 'Vigil', version: options.toolVersion ?? '0.1.0' },
        uid: f.id,
        labels,
      },
      finding_info: {
        uid: f.id,
        title: f.title,
        desc: f.summary,
        types: [f.category],
        analytic: { uid: f.ruleId, name: f.ruleId, type_id: 1, type: 'Rule' },
        first_seen_time: Math.floor(f.ts / 1e6),
        ...(f.lastSeen !== undefined ? { last_seen_time: Math.floor(f.lastSeen / 1e6) } : {}),
        ...(f.tags.attack.length > 0
          ? { attacks: f.tags.attack.map((t) => ({ technique: { uid: t }, version: '15' })) }
          : {}),
      },
      risk_score: Math.round(f.risk.score),
      ...(f.risk.reasons.length > 0 ? { risk_details: f.risk.reasons.join('; ') } : {}),
      resources: [
        {
          uid: f.workload.id,
          ...(f.workload.name ? { name: f.workload.name } : {}),
          type: f.workload.kind,
          ...(Object.keys(f.workload.labels).length > 0
            ? { labels: Object.entries(f.workload.labels).map(([k, v]) => `${k}=${v}`) }
            : {}),
        },
      ],
      ...(evidences.length > 0 ? { evidences } : {}),
      unmapped: {
        compliance: f.compliance.map((c) => `${c.framework}:${c.control}`),
        ...(f.count !== undefined ? { occurrences: f.count } : {}),
        ...(incomplete ? { capture_integrity: options.integrity } : {}),
      },
    };
  });
}
