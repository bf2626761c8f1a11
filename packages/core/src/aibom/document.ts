import { z } from 'zod';
import { CaptureIntegritySchema } from '../capture/integrity.js';
import type { AiComponentType } from '../catalogue/catalogue.js';
import { AiComponentTypeSchema } from '../catalogue/catalogue.js';
import { lazySchema } from '../schemas/lazy.js';
import type { WorkloadRef } from '../workload/workload-ref.js';
import { WorkloadRefSchema } from '../workload/workload-ref.js';
import type { ExecutionFlowGraph } from './flow-graph.js';
import { ExecutionFlowGraphSchema } from './flow-graph.js';

/** Schema version of the {@link AiBom} document. */
export const AIBOM_SCHEMA_VERSION = 1;

/**
 * Where a component stands between the manifests and what ran:
 * `declared-used` (declared and observed), `declared-unused` (declared, never
 * observed) or `undeclared-used` (observed, never declared: shadow AI).
 * `observed`: seen, but no input given could have listed it (a tool, a model name, a hosted
 * API; an npm package when only an MCP configuration was given), or no declared inputs at all.
 */
export const ComponentStatusSchema = lazySchema(() =>
  z.enum(['declared-used', 'declared-unused', 'undeclared-used', 'observed']),
);
/** @see {@link ComponentStatusSchema} */
export type ComponentStatus = 'declared-used' | 'declared-unused' | 'undeclared-used' | 'observed';

/**
 * How a component was found at run time. `exec` (a process was started),
 * `file-open` (a package or model file was opened), `net-connect`,
 * `net-listen`, `dns`, and the ones read from ingested spans or tool-call
 * events: `otel-span`, `tool-call`, `model-call`, `retrieval`; and `workload-image`, the
 * container image a running workload was started from (when the workload reference names it).
 */
export const DiscoveryMethodSchema = lazySchema(() =>
  z.enum([
    'exec',
    'file-open',
    'net-connect',
    'net-listen',
    'dns',
    'otel-span',
    'tool-call',
    'tool-list',
    'model-call',
    'retrieval',
    'k8s-api',
    'cloud-api',
    'workload-image',
  ]),
);
/** @see {@link DiscoveryMethodSchema} */
export type DiscoveryMethod =
  | 'exec'
  | 'retrieval'
  | 'file-open'
  | 'net-connect'
  | 'net-listen'
  | 'dns'
  | 'otel-span'
  | 'tool-call'
  | 'tool-list'
  | 'model-call'
  | 'k8s-api'
  | 'cloud-api'
  | 'workload-image';

/** One observed event behind a component, reduced to what a reader needs. */
export const ComponentEvidenceSchema = lazySchema(() =>
  z.object({
    method: DiscoveryMethodSchema,
    /** The event kind it came from. */
    kind: z.string(),
    /** Nanoseconds since the epoch. */
    ts: z.number().nonnegative(),
    workloadId: z.string(),
    pid: z.number().int().nonnegative(),
    comm: z.string(),
    /** What was seen: a path, `host:port`, a command line, a model name. */
    detail: z.string(),
    /** The event source (`ebpf`, `replay`, `otel`…). */
    source: z.string(),
  }),
);
/** @see {@link ComponentEvidenceSchema} */
export interface ComponentEvidence {
  method: DiscoveryMethod;
  /** The event kind it came from. */
  kind: string;
  /** Nanoseconds since the epoch. */
  ts: number;
  workloadId: string;
  pid: number;
  comm: string;
  /** What was seen: a path, `host:port`, a command line, a model name. */
  detail: string;
  /** The event source (`ebpf`, `replay`, `otel`…). */
  source: string;
}

/** What was observed of a component: counts, times, methods and sample events. */
export const ObservationSchema = lazySchema(() =>
  z.object({
    /** Workload ids it was seen in. */
    workloads: z.array(z.string()),
    /** Nanoseconds since the epoch. */
    firstSeen: z.number().nonnegative(),
    lastSeen: z.number().nonnegative(),
    /** Events that matched. */
    count: z.number().int().nonnegative(),
    methods: z.array(DiscoveryMethodSchema),
    /** A bounded sample of the events, first ones first, at least one per method. */
    evidence: z.array(ComponentEvidenceSchema),
  }),
);
/** @see {@link ObservationSchema} */
export interface Observation {
  /** Workload ids it was seen in. */
  workloads: string[];
  /** Nanoseconds since the epoch. */
  firstSeen: number;
  lastSeen: number;
  /** Events that matched. */
  count: number;
  methods: DiscoveryMethod[];
  /** A bounded sample of the events, first ones first, at least one per method. */
  evidence: ComponentEvidence[];
}

/** Which declared input listed a component. */
export const DeclarationSchema = lazySchema(() =>
  z.object({
    /** The file. */
    file: z.string(),
    /** What kind of input it is. */
    input: z.enum([
      'package.json',
      'package-lock.json',
      'pnpm-lock.yaml',
      'yarn.lock',
      'requirements.txt',
      'poetry.lock',
      'uv.lock',
      'pyproject.toml',
      'mcp-config',
      'kubernetes',
    ]),
    /** 1-based line, where the format has lines. */
    line: z.number().int().positive().optional(),
    /** Path inside the document, e.g. `mcpServers.fs` or `spec.containers[0].image`. */
    path: z.string().optional(),
    /** The version or range as written. */
    specifier: z.string().optional(),
    /** False for a transitive dependency found only in a lockfile. */
    direct: z.boolean().optional(),
    /**
     * For a transitive dependency from the lockfile's graph: the packages that bring it in, the
     * declared one first (`['@openai/agents', '@openai/agents-core']` for `openai`).
     */
    via: z.array(z.string()).optional(),
  }),
);
/** @see {@link DeclarationSchema} */
export interface Declaration {
  /** The file. */
  file: string;
  /** What kind of input it is. */
  input:
    | 'package.json'
    | 'package-lock.json'
    | 'pnpm-lock.yaml'
    | 'yarn.lock'
    | 'requirements.txt'
    | 'poetry.lock'
    | 'uv.lock'
    | 'pyproject.toml'
    | 'mcp-config'
    | 'kubernetes';
  /** 1-based line, where the format has lines. */
  line?: number | undefined;
  /** Path inside the document, e.g. `mcpServers.fs` or `spec.containers[0].image`. */
  path?: string | undefined;
  /** The version or range as written. */
  specifier?: string | undefined;
  /** False for a transitive dependency found only in a lockfile. */
  direct?: boolean | undefined;
  /**
   * For a transitive dependency from the lockfile's graph: the packages that bring it in, the
   * declared one first (`['@openai/agents', '@openai/agents-core']` for `openai`).
   */
  via?: string[] | undefined;
}

/**
 * One component of the AI-BOM.
 *
 * @example
 * ```ts
 * import { AiBomComponentSchema } from '@vigil/core';
 *
 * const c = AiBomComponentSchema.parse(bom.components[0]);
 * if (c.status === 'undeclared-used') console.log('shadow AI:', c.name, c.observed?.evidence[0]?.detail);
 * ```
 */
export const AiBomComponentSchema = lazySchema(() =>
  z.object({
    /** Stable id, e.g. `pkg:npm/@openai/agents`, `model:openai/gpt-4o`, `mcp-server:npm/@modelcontextprotocol/server-filesystem`. */
    id: z.string().min(1),
    type: AiComponentTypeSchema,
    name: z.string(),
    version: z.string().optional(),
    /** Package URL when the component is a package. */
    purl: z.string().optional(),
    /** The catalogue signature that recognised it. */
    signatureId: z.string().optional(),
    /** The signature's display name (the family: `LangChain`, `OpenAI API`). */
    family: z.string().optional(),
    vendor: z.string().optional(),
    status: ComponentStatusSchema,
    /** How sure Vigil is that this is what it says, 0–1, combining every independent method. */
    confidence: z.number().min(0).max(1),
    observed: ObservationSchema.optional(),
    declared: z.array(DeclarationSchema).optional(),
    /** Extra facts: `endpoint`, `host`, `port`, `transport`, `command`, `path`, `format`, `provider`, `server`… */
    properties: z.record(z.string(), z.string()),
  }),
);
/** @see {@link AiBomComponentSchema} */
export interface AiBomComponent {
  /** Stable id, e.g. `pkg:npm/@openai/agents`, `model:openai/gpt-4o`, `mcp-server:npm/@modelcontextprotocol/server-filesystem`. */
  id: string;
  type: AiComponentType;
  name: string;
  version?: string | undefined;
  /** Package URL when the component is a package. */
  purl?: string | undefined;
  /** The catalogue signature that recognised it. */
  signatureId?: string | undefined;
  /** The signature's display name (the family: `LangChain`, `OpenAI API`). */
  family?: string | undefined;
  vendor?: string | undefined;
  status: ComponentStatus;
  /** How sure Vigil is that this is what it says, 0–1, combining every independent method. */
  confidence: number;
  observed?: Observation | undefined;
  declared?: Declaration[] | undefined;
  /** Extra facts: `endpoint`, `host`, `port`, `transport`, `command`, `path`, `format`, `provider`, `server`… */
  properties: Record<string, string>;
}

/** The components one workload used. */
export const AiBomWorkloadSchema = lazySchema(() =>
  z.object({
    workload: WorkloadRefSchema,
    componentIds: z.array(z.string()),
  }),
);
/** @see {@link AiBomWorkloadSchema} */
export interface AiBomWorkload {
  workload: WorkloadRef;
  componentIds: string[];
}

/** The inputs an AI-BOM was built from. */
export const AiBomInputsSchema = lazySchema(() =>
  z.object({
    captures: z.array(z.string()),
    otel: z.array(z.string()),
    manifests: z.array(
      z.object({ file: z.string(), input: DeclarationSchema.shape.input, components: z.number() }),
    ),
    /** Events read from captures and spans. */
    events: z.number().int().nonnegative(),
    /** Events the capture lost, by cause (from capture trailers), so a reader knows what may be missing. */
    drops: z.record(z.string(), z.number()),
    /** Whether every capture was written completely (absent in documents from before this was recorded). */
    integrity: CaptureIntegritySchema.optional(),
  }),
);
/** @see {@link AiBomInputsSchema} */
export interface AiBomInputs {
  captures: string[];
  otel: string[];
  manifests: {
    file: string;
    input:
      | 'package.json'
      | 'package-lock.json'
      | 'pnpm-lock.yaml'
      | 'yarn.lock'
      | 'requirements.txt'
      | 'poetry.lock'
      | 'uv.lock'
      | 'pyproject.toml'
      | 'mcp-config'
      | 'kubernetes';
    components: number;
  }[];
  /** Events read from captures and spans. */
  events: number;
  /** Events the capture lost, by cause (from capture trailers), so a reader knows what may be missing. */
  drops: Record<string, number>;
  /** Whether every capture was written completely (absent in documents from before this was recorded). */
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
}

/**
 * The AI bill of materials: what AI components ran (and what was only
 * declared), per workload, with evidence and confidence, and the execution
 * flow Agent → Tool → API → Data → Identity.
 *
 * @example
 * ```ts
 * import { AiBomSchema } from '@vigil/core';
 *
 * const bom = AiBomSchema.parse(JSON.parse(text));
 * const shadow = bom.components.filter((c) => c.status === 'undeclared-used');
 * ```
 */
export const AiBomSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(AIBOM_SCHEMA_VERSION),
    /** ISO 8601 time the document was built. */
    generatedAt: z.string(),
    generator: z.object({ name: z.string(), version: z.string() }),
    catalogueVersion: z.string(),
    inputs: AiBomInputsSchema,
    components: z.array(AiBomComponentSchema),
    workloads: z.array(AiBomWorkloadSchema),
    flow: ExecutionFlowGraphSchema,
    summary: z.object({
      components: z.number().int().nonnegative(),
      byStatus: z.record(z.string(), z.number().int().nonnegative()),
      byType: z.record(z.string(), z.number().int().nonnegative()),
    }),
  }),
);
/** @see {@link AiBomSchema} */
export interface AiBom {
  schemaVersion: 1;
  /** ISO 8601 time the document was built. */
  generatedAt: string;
  generator: {
    name: string;
    version: string;
  };
  catalogueVersion: string;
  inputs: AiBomInputs;
  components: AiBomComponent[];
  workloads: AiBomWorkload[];
  flow: ExecutionFlowGraph;
  summary: {
    components: number;
    byStatus: Record<string, number>;
    byType: Record<string, number>;
  };
}
