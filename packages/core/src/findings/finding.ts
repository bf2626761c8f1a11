import { z } from 'zod';
import type { VigilEvent, VigilEventInput } from '../events/schema.js';
import { EventSchema } from '../events/schema.js';
import { lazySchema } from '../schemas/lazy.js';
import type { WorkloadRef, WorkloadRefInput } from '../workload/workload-ref.js';
import { WorkloadRefSchema } from '../workload/workload-ref.js';

/** Severity of a finding, in increasing order. */
export const SeveritySchema = lazySchema(() => z.enum(['info', 'low', 'medium', 'high', 'critical']));
/** @see {@link SeveritySchema} */
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

/** Severities from lowest to highest. */
export const SEVERITIES: readonly Severity[] = SeveritySchema.options;

/**
 * Ranks a severity: `info` is 0, `critical` is 4.
 *
 * @example
 * ```ts
 * severityRank('high') >= severityRank('medium'); // true
 * ```
 */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** What produced a finding. */
export const FindingCategorySchema = lazySchema(() =>
  z.enum(['drift', 'detection', 'gap', 'supply-chain', 'posture']),
);
/** @see {@link FindingCategorySchema} */
export type FindingCategory = 'drift' | 'detection' | 'gap' | 'supply-chain' | 'posture';

/** One piece of evidence behind a finding. */
export const EvidenceSchema = lazySchema(() =>
  z.object({
    /** `event`: an observed event; `artifact`: a file or document; `baseline`: a baseline entry; `note`: prose. */
    type: z.enum(['event', 'artifact', 'baseline', 'note']),
    description: z.string(),
    event: EventSchema.optional(),
    /** File or URI of an artifact. */
    uri: z.string().optional(),
    /** Path inside the artifact (e.g. `mcpServers.fs.args[1]`). */
    path: z.string().optional(),
    /** 1-based line in the artifact. */
    line: z.number().int().positive().optional(),
    /** Byte offset in the artifact (or in `entry` when set). */
    offset: z.number().int().nonnegative().optional(),
    /** RFC 6901 JSON pointer inside a JSON artifact, e.g. `/tools/0/description`. */
    jsonPointer: z.string().optional(),
    /** A member inside a container artifact (a zip or tar entry). */
    entry: z.string().optional(),
  }),
);
/** @see {@link EvidenceSchema} */
export interface Evidence {
  /** `event`: an observed event; `artifact`: a file or document; `baseline`: a baseline entry; `note`: prose. */
  type: 'event' | 'artifact' | 'baseline' | 'note';
  description: string;
  event?: VigilEvent | undefined;
  /** File or URI of an artifact. */
  uri?: string | undefined;
  /** Path inside the artifact (e.g. `mcpServers.fs.args[1]`). */
  path?: string | undefined;
  /** 1-based line in the artifact. */
  line?: number | undefined;
  /** Byte offset in the artifact (or in `entry` when set). */
  offset?: number | undefined;
  /** RFC 6901 JSON pointer inside a JSON artifact, e.g. `/tools/0/description`. */
  jsonPointer?: string | undefined;
  /** A member inside a container artifact (a zip or tar entry). */
  entry?: string | undefined;
}

/** Taxonomy tags every finding can carry. */
export const FindingTagsSchema = lazySchema(() =>
  z.object({
    /** OWASP Top 10 for LLM Applications 2025, e.g. `LLM06`. */
    owaspLlm: z.array(z.string().regex(/^LLM(0[1-9]|10)$/)).default([]),
    /** OWASP Top 10 for Agentic Applications 2026, e.g. `ASI02`. */
    owaspAgentic: z.array(z.string().regex(/^ASI(0[1-9]|10)$/)).default([]),
    /** MITRE ATLAS technique ids, e.g. `AML.T0051`. */
    atlas: z.array(z.string().regex(/^AML\.[TM]\d{4}(\.\d{3})?$/)).default([]),
    /** MITRE ATT&CK technique ids, e.g. `T1059.004`. */
    attack: z.array(z.string().regex(/^T\d{4}(\.\d{3})?$/)).default([]),
  }),
);
/** @see {@link FindingTagsSchema} */
export interface FindingTags {
  /** OWASP Top 10 for LLM Applications 2025, e.g. `LLM06`. */
  owaspLlm: string[];
  /** OWASP Top 10 for Agentic Applications 2026, e.g. `ASI02`. */
  owaspAgentic: string[];
  /** MITRE ATLAS technique ids, e.g. `AML.T0051`. */
  atlas: string[];
  /** MITRE ATT&CK technique ids, e.g. `T1059.004`. */
  attack: string[];
}

/** Compliance frameworks findings are mapped to. */
export const ComplianceFrameworkSchema = lazySchema(() =>
  z.enum([
    'nist-ai-rmf',
    'eu-ai-act',
    'owasp-llm-2025',
    'owasp-agentic-2026',
    'mitre-atlas',
    'hipaa',
    'soc2',
    'pci-dss-4',
    'gdpr',
    'mas-trm',
  ]),
);
/** @see {@link ComplianceFrameworkSchema} */
export type ComplianceFramework =
  | 'nist-ai-rmf'
  | 'eu-ai-act'
  | 'owasp-llm-2025'
  | 'owasp-agentic-2026'
  | 'mitre-atlas'
  | 'hipaa'
  | 'soc2'
  | 'pci-dss-4'
  | 'gdpr'
  | 'mas-trm';

/** One control a finding bears on. */
export const ComplianceRefSchema = lazySchema(() =>
  z.object({
    framework: ComplianceFrameworkSchema,
    /** Control id within the framework, e.g. `MEASURE 2.7`, `Art. 15`, `CC6.1`. */
    control: z.string(),
    title: z.string().optional(),
  }),
);
/** @see {@link ComplianceRefSchema} */
export interface ComplianceRef {
  framework: ComplianceFramework;
  /** Control id within the framework, e.g. `MEASURE 2.7`, `Art. 15`, `CC6.1`. */
  control: string;
  title?: string | undefined;
}

/** The risk score of a finding and why it is what it is. */
export const RiskSchema = lazySchema(() =>
  z.object({
    /** 0–100. */
    score: z.number().min(0).max(100),
    reasons: z.array(z.string()),
  }),
);
/** @see {@link RiskSchema} */
export interface Risk {
  /** 0–100. */
  score: number;
  reasons: string[];
}

/**
 * A finding: the one shape every producer (drift, rules, gap analysis,
 * scanners, posture checks) reports and every reporter consumes.
 *
 * @example
 * ```ts
 * import { FindingSchema } from '@vigil/core';
 *
 * const f = FindingSchema.parse({
 *   id: 'f-1', ruleId: 'vigil.runtime.exec-from-tmp', title: 'Exec from /tmp', severity: 'high',
 *   category: 'detection', workload: { id: 'host', kind: 'host' }, ts: Date.now() * 1e6,
 *   summary: 'bash executed /tmp/x', evidence: [], tags: {}, compliance: [],
 *   risk: { score: 70, reasons: ['high severity'] },
 * });
 * ```
 */
export const FindingSchema = lazySchema(() =>
  z.object({
    /** Unique and stable for the same finding across runs (a hash of rule, workload and subject). */
    id: z.string().min(1),
    ruleId: z.string().min(1),
    title: z.string(),
    severity: SeveritySchema,
    category: FindingCategorySchema,
    workload: WorkloadRefSchema,
    /** Nanoseconds since the epoch: when the finding's first evidence happened. */
    ts: z.number().nonnegative(),
    summary: z.string(),
    evidence: z.array(EvidenceSchema),
    tags: FindingTagsSchema,
    compliance: z.array(ComplianceRefSchema),
    risk: RiskSchema,
    /** How many times the same finding was seen (repeats are aggregated). */
    count: z.number().int().positive().optional(),
    /** Nanoseconds since the epoch of the last repeat. */
    lastSeen: z.number().nonnegative().optional(),
  }),
);
/** @see {@link FindingSchema} */
export interface Finding {
  /** Unique and stable for the same finding across runs (a hash of rule, workload and subject). */
  id: string;
  ruleId: string;
  title: string;
  severity: Severity;
  category: FindingCategory;
  workload: WorkloadRef;
  /** Nanoseconds since the epoch: when the finding's first evidence happened. */
  ts: number;
  summary: string;
  evidence: Evidence[];
  tags: FindingTags;
  compliance: ComplianceRef[];
  risk: Risk;
  /** How many times the same finding was seen (repeats are aggregated). */
  count?: number | undefined;
  /** Nanoseconds since the epoch of the last repeat. */
  lastSeen?: number | undefined;
}
/** The input form of a {@link Finding}. */
export interface FindingInput {
  /** Unique and stable for the same finding across runs (a hash of rule, workload and subject). */
  id: string;
  ruleId: string;
  title: string;
  severity: Severity;
  category: FindingCategory;
  workload: WorkloadRefInput;
  /** Nanoseconds since the epoch: when the finding's first evidence happened. */
  ts: number;
  summary: string;
  evidence: {
    /** `event`: an observed event; `artifact`: a file or document; `baseline`: a baseline entry; `note`: prose. */
    type: 'event' | 'artifact' | 'baseline' | 'note';
    description: string;
    event?: VigilEventInput | undefined;
    /** File or URI of an artifact. */
    uri?: string | undefined;
    /** Path inside the artifact (e.g. `mcpServers.fs.args[1]`). */
    path?: string | undefined;
    /** 1-based line in the artifact. */
    line?: number | undefined;
    /** Byte offset in the artifact (or in `entry` when set). */
    offset?: number | undefined;
    /** RFC 6901 JSON pointer inside a JSON artifact, e.g. `/tools/0/description`. */
    jsonPointer?: string | undefined;
    /** A member inside a container artifact (a zip or tar entry). */
    entry?: string | undefined;
  }[];
  tags: {
    /** OWASP Top 10 for LLM Applications 2025, e.g. `LLM06`. */
    owaspLlm?: string[] | undefined;
    /** OWASP Top 10 for Agentic Applications 2026, e.g. `ASI02`. */
    owaspAgentic?: string[] | undefined;
    /** MITRE ATLAS technique ids, e.g. `AML.T0051`. */
    atlas?: string[] | undefined;
    /** MITRE ATT&CK technique ids, e.g. `T1059.004`. */
    attack?: string[] | undefined;
  };
  compliance: {
    framework: ComplianceFramework;
    /** Control id within the framework, e.g. `MEASURE 2.7`, `Art. 15`, `CC6.1`. */
    control: string;
    title?: string | undefined;
  }[];
  risk: {
    /** 0–100. */
    score: number;
    reasons: string[];
  };
  /** How many times the same finding was seen (repeats are aggregated). */
  count?: number | undefined;
  /** Nanoseconds since the epoch of the last repeat. */
  lastSeen?: number | undefined;
}
