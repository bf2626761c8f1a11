// The package's zod schemas as its index exports them: typed by the structural VigilSchema, so
// that the main entry's declarations do not load zod's (a strict consumer that uses no schema
// type-checks without them). The zod-typed schemas are in ./zod.ts (`@vigil/core/schemas`).

import type {
  AiBom,
  AiBomComponent,
  AiBomInputs,
  AiBomWorkload,
  ComponentEvidence,
  ComponentStatus,
  Declaration,
  DiscoveryMethod,
  Observation,
} from '../aibom/document.js';
import type {
  ExecutionFlowGraph,
  FlowEdge,
  FlowNode,
  FlowNodeType,
  FlowRelation,
} from '../aibom/flow-graph.js';
import type { AgentTimeline } from '../attribution/timeline.js';
import type { Introducer } from '../baseline/baseline.js';
import type { BaselineDomain, CollapseRule, GeneralisationConfig } from '../baseline/generalise.js';
import type {
  BaselineDocument,
  BaselineEntries,
  BaselineEntryDocument,
  BaselineSetDocument,
  LearningState,
  QuarantineItemDocument,
  ReviewRecord,
  StabilityPolicy,
} from '../baseline/schema.js';
import type { CaptureHeader, CaptureTrailer } from '../capture/format.js';
import type { CaptureIntegrity } from '../capture/integrity.js';
import type { AiComponentType, Signature, SignatureCatalogueDocument } from '../catalogue/catalogue.js';
import type { DataAccessGap } from '../data-access/gap.js';
import type { PgTableGrant } from '../data-access/pg-grants.js';
import type { DataStoreConfig, StorePlace } from '../data-access/store-config.js';
import type { DeclaredDataStores } from '../data-access/store-exposure.js';
import type { EgressRule, EnforcementPolicy, ExecRule } from '../enforcement/policy.js';
import type {
  EnforcementLedger,
  ModeDecision,
  PromotionPolicy,
  WorkloadEnforcement,
} from '../enforcement/promotion.js';
import type {
  AddressFamily,
  Envelope,
  EventCause,
  EventKind,
  EventOf,
  EventOrigin,
  FileAccess,
  ToolDefinition,
  Transport,
  VigilEvent,
} from '../events/schema.js';
import type {
  ComplianceFramework,
  ComplianceRef,
  Evidence,
  Finding,
  FindingCategory,
  FindingTags,
  Risk,
  Severity,
} from '../findings/finding.js';
import type { Incident, IncidentStep } from '../incidents/incident.js';
import type { McpServerEntry } from '../mcp/client-config.js';
import type { OtlpSpan, OtlpTraceExport } from '../otel/otlp-json.js';
import type { PayloadChunk, PayloadDirection, PayloadMode, PayloadTransport } from '../payload/chunk.js';
import type { UndecodedKind, UndecodedPayloads, UndecodedStream } from '../payload/undecoded.js';
import type { IamPolicyDocument, IamPrincipal, IamStatement } from '../permissions/aws/iam-policy.js';
import type {
  DeclaredContainer,
  DeclaredPermissions,
  DeclaredSubject,
  DeclaredWarning,
  DeclaredWorkload,
} from '../permissions/declared.js';
import type {
  Coverage,
  DomainGap,
  GapReport,
  SkippedRecords,
  UnusedGrant,
  WorkloadGap,
} from '../permissions/gap/report.js';
import type {
  Grant,
  GrantSource,
  GrantTarget,
  InherentRisk,
  PermissionDomain,
  SubjectKind,
} from '../permissions/grant.js';
import type {
  ArtifactKind,
  LeastPrivilege,
  LeastPrivilegeArtifact,
} from '../permissions/least-privilege/artifact.js';
import type { McpToolAllowlist } from '../permissions/least-privilege/generate.js';
import type { McpToolList } from '../permissions/mcp/mcp-config.js';
import type { CloudTrailRecord } from '../permissions/observed/cloudtrail.js';
import type { KubernetesAuditEvent } from '../permissions/observed/k8s-audit.js';
import type { ObservedTarget, ObservedUse, ObservedUseDocument } from '../permissions/observed/use.js';
import type { ComplianceEvidenceReport } from '../posture/compliance-evidence.js';
import type { MaturityReport, WorkloadMaturity, WorkloadPostureFacts } from '../posture/maturity.js';
import type { RagAgent, RagCollection, RagConfig, RagIngest, RagLabel, RagSubject } from '../rag/config.js';
import type { ResponseAction, ResponsePlan, ResponseTrigger } from '../response/responder.js';
import type { RiskAdjustment, RiskRanking } from '../risk/rank.js';
import type { PodList } from '../workload/kubelet-pods.js';
import type { ContainerRuntime, QosClass, WorkloadKind, WorkloadRef } from '../workload/workload-ref.js';
import type { VigilEnumSchema, VigilSchema } from './vigil-schema.js';
import * as zs from './zod.js';

/**
 * Address family of a socket event.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `AddressFamilySchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = AddressFamilySchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'AddressFamily');
 * ```
 */
export const AddressFamilySchema: VigilEnumSchema<AddressFamily> = zs.AddressFamilySchema;

/**
 * The agent timeline of one or more captures: per workload, each model call,
 * the tool calls its response asked for, and the processes, files and peers
 * each tool call caused (from `cause`, set by attribution); MCP calls no
 * model response asked for (as far as the capture shows) are listed apart.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `AgentTimelineSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { AgentTimelineSchema } from '@vigil/core';
 *
 * const doc = AgentTimelineSchema.parse(JSON.parse(text));
 * for (const w of doc.timeline) for (const m of w.modelCalls) console.log(m.model, m.toolCalls.map((t) => t.name));
 * ```
 */
export const AgentTimelineSchema: VigilSchema<AgentTimeline> = zs.AgentTimelineSchema;

/**
 * One component of the AI-BOM.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `AiBomComponentSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { AiBomComponentSchema } from '@vigil/core';
 *
 * const c = AiBomComponentSchema.parse(bom.components[0]);
 * if (c.status === 'undeclared-used') console.log('shadow AI:', c.name, c.observed?.evidence[0]?.detail);
 * ```
 */
export const AiBomComponentSchema: VigilSchema<AiBomComponent> = zs.AiBomComponentSchema;

/**
 * The inputs an AI-BOM was built from.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `AiBomInputsSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = AiBomInputsSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'AiBomInputs');
 * ```
 */
export const AiBomInputsSchema: VigilSchema<AiBomInputs> = zs.AiBomInputsSchema;

/**
 * The AI bill of materials: what AI components ran (and what was only
 * declared), per workload, with evidence and confidence, and the execution
 * flow Agent → Tool → API → Data → Identity.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `AiBomSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { AiBomSchema } from '@vigil/core';
 *
 * const bom = AiBomSchema.parse(JSON.parse(text));
 * const shadow = bom.components.filter((c) => c.status === 'undeclared-used');
 * ```
 */
export const AiBomSchema: VigilSchema<AiBom> = zs.AiBomSchema;

/**
 * The components one workload used.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `AiBomWorkloadSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = AiBomWorkloadSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'AiBomWorkload');
 * ```
 */
export const AiBomWorkloadSchema: VigilSchema<AiBomWorkload> = zs.AiBomWorkloadSchema;

/**
 * What kind of AI component a signature identifies.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `AiComponentTypeSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = AiComponentTypeSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'AiComponentType');
 * ```
 */
export const AiComponentTypeSchema: VigilEnumSchema<AiComponentType> = zs.AiComponentTypeSchema;

/**
 * What a generated artifact is for.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ArtifactKindSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = ArtifactKindSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'ArtifactKind');
 * ```
 */
export const ArtifactKindSchema: VigilEnumSchema<ArtifactKind> = zs.ArtifactKindSchema;

/**
 * One workload's behavioural baseline for one image/model version: what it
 * was seen doing, generalised; how far learning got; what was quarantined.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `BaselineDocumentSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { BaselineDocumentSchema } from '@vigil/core';
 *
 * const doc = BaselineDocumentSchema.parse(JSON.parse(text));
 * console.log(doc.subject, doc.versionKey, doc.entries.processes?.length);
 * ```
 */
export const BaselineDocumentSchema: VigilSchema<BaselineDocument> = zs.BaselineDocumentSchema;

/**
 * The behaviour domains a baseline records. Each domain keeps its own
 * generalised patterns.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `BaselineDomainSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = BaselineDomainSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'BaselineDomain');
 * ```
 */
export const BaselineDomainSchema: VigilEnumSchema<BaselineDomain> = zs.BaselineDomainSchema;

/**
 * The entries of a baseline, by domain. Empty domains may be omitted.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `BaselineEntriesSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = BaselineEntriesSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'BaselineEntries');
 * ```
 */
export const BaselineEntriesSchema: VigilSchema<BaselineEntries> = zs.BaselineEntriesSchema;

/**
 * One generalised pattern a workload was seen using, with its statistics.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `BaselineEntryDocumentSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = BaselineEntryDocumentSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'BaselineEntryDocument');
 * ```
 */
export const BaselineEntryDocumentSchema: VigilSchema<BaselineEntryDocument> = zs.BaselineEntryDocumentSchema;

/**
 * The file `vigil learn` writes: baselines for any number of workloads.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `BaselineSetDocumentSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { BaselineSetDocumentSchema } from '@vigil/core';
 *
 * const set = BaselineSetDocumentSchema.parse(JSON.parse(text));
 * for (const b of set.baselines) console.log(b.subject);
 * ```
 */
export const BaselineSetDocumentSchema: VigilSchema<BaselineSetDocument> = zs.BaselineSetDocumentSchema;

/**
 * The capture file header: what recorded it, where and when.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `CaptureHeaderSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const header = CaptureHeaderSchema.parse({ formatVersion: 1, host: 'node-1', kernelRelease: '6.1.0', startTime: 0, source: 'ebpf' });
 * ```
 */
export const CaptureHeaderSchema: VigilSchema<CaptureHeader> = zs.CaptureHeaderSchema;

/**
 * The schema of {@link CaptureIntegrity}, for documents that carry it (the
 * findings report, the AI-BOM's inputs).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `CaptureIntegritySchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { CaptureIntegritySchema } from '@vigil/core';
 *
 * const integrity = CaptureIntegritySchema.parse({ complete: true, incomplete: [], interrupted: [] });
 * ```
 */
export const CaptureIntegritySchema: VigilSchema<CaptureIntegrity> = zs.CaptureIntegritySchema;

/**
 * Written when a capture closed cleanly: totals and the drops the source reported.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `CaptureTrailerSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = CaptureTrailerSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'CaptureTrailer');
 * ```
 */
export const CaptureTrailerSchema: VigilSchema<CaptureTrailer> = zs.CaptureTrailerSchema;

/**
 * The fields of a CloudTrail record that Vigil reads.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `CloudTrailRecordSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = CloudTrailRecordSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'CloudTrailRecord');
 * ```
 */
export const CloudTrailRecordSchema: VigilSchema<CloudTrailRecord> = zs.CloudTrailRecordSchema;

/**
 * A fan-out threshold for the children of pattern nodes whose path starts
 * with `prefix` (longest prefix wins). `maxChildren: null` never collapses.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `CollapseRuleSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = CollapseRuleSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'CollapseRule');
 * ```
 */
export const CollapseRuleSchema: VigilSchema<CollapseRule> = zs.CollapseRuleSchema;

/**
 * A compliance evidence report: for one framework, every control the
 * mapping table knows, the findings against it, and the behaviour observed
 * during the period that supports it (baselines learned, captures
 * monitored, enforcement run, scans done), with a status per control.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ComplianceEvidenceReportSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { ComplianceEvidenceReportSchema } from '@vigil/core';
 *
 * const report = ComplianceEvidenceReportSchema.parse(JSON.parse(readFileSync('soc2.json', 'utf8')));
 * ```
 */
export const ComplianceEvidenceReportSchema: VigilSchema<ComplianceEvidenceReport> =
  zs.ComplianceEvidenceReportSchema;

/**
 * Compliance frameworks findings are mapped to.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ComplianceFrameworkSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = ComplianceFrameworkSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'ComplianceFramework');
 * ```
 */
export const ComplianceFrameworkSchema: VigilEnumSchema<ComplianceFramework> = zs.ComplianceFrameworkSchema;

/**
 * One control a finding bears on.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ComplianceRefSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = ComplianceRefSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'ComplianceRef');
 * ```
 */
export const ComplianceRefSchema: VigilSchema<ComplianceRef> = zs.ComplianceRefSchema;

/**
 * One observed event behind a component, reduced to what a reader needs.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ComponentEvidenceSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = ComponentEvidenceSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'ComponentEvidence');
 * ```
 */
export const ComponentEvidenceSchema: VigilSchema<ComponentEvidence> = zs.ComponentEvidenceSchema;

/**
 * Where a component stands between the manifests and what ran:
 * `declared-used` (declared and observed), `declared-unused` (declared, never
 * observed) or `undeclared-used` (observed, never declared: shadow AI).
 * `observed`: seen, but no input given could have listed it (a tool, a model name, a hosted
 * API; an npm package when only an MCP configuration was given), or no declared inputs at all.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ComponentStatusSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = ComponentStatusSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'ComponentStatus');
 * ```
 */
export const ComponentStatusSchema: VigilEnumSchema<ComponentStatus> = zs.ComponentStatusSchema;

/**
 * The container runtime that created a container's cgroup.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ContainerRuntimeSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = ContainerRuntimeSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'ContainerRuntime');
 * ```
 */
export const ContainerRuntimeSchema: VigilEnumSchema<ContainerRuntime> = zs.ContainerRuntimeSchema;

/**
 * How much an observation window can be trusted to show every use.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `CoverageSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = CoverageSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'Coverage');
 * ```
 */
export const CoverageSchema: VigilSchema<Coverage> = zs.CoverageSchema;

/**
 * Data access granted vs used, per PostgreSQL role: the table privileges a
 * schema declares, the ones the captured statements exercised, the unused
 * grants, the uses no grant explains, and the least-privilege `GRANT`
 * statements that keep exactly what was used.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `DataAccessGapSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { analyzeDataAccess, DataAccessGapSchema } from '@vigil/core';
 *
 * const gap = DataAccessGapSchema.parse(analyzeDataAccess(schema, events));
 * for (const r of gap.roles) console.log(r.role, `${r.used.length}/${r.granted}`, r.leastPrivilege.join('\n'));
 * ```
 */
export const DataAccessGapSchema: VigilSchema<DataAccessGap> = zs.DataAccessGapSchema;

/**
 * The declared configuration of one data store: whether clients must
 * authenticate, whether it speaks TLS, the address it binds, its ports, which
 * API-key settings are present (their names, never their values) and, for
 * PostgreSQL, the `pg_hba.conf` lines that let clients in without a password
 * (`trust`). Every conclusion names the place it came from.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `DataStoreConfigSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { DataStoreConfigSchema, parseStoreConfig } from '@vigil/core';
 *
 * const [store] = parseStoreConfig('service:\n  host: 0.0.0.0\n', 'config.yaml', 'qdrant');
 * console.log(DataStoreConfigSchema.parse(store).auth.state); // 'off'
 * ```
 */
export const DataStoreConfigSchema: VigilSchema<DataStoreConfig> = zs.DataStoreConfigSchema;

/**
 * Which declared input listed a component.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `DeclarationSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = DeclarationSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'Declaration');
 * ```
 */
export const DeclarationSchema: VigilSchema<Declaration> = zs.DeclarationSchema;

/**
 * A container of a declared workload, as its pod spec configures it.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `DeclaredContainerSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = DeclaredContainerSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'DeclaredContainer');
 * ```
 */
export const DeclaredContainerSchema: VigilSchema<DeclaredContainer> = zs.DeclaredContainerSchema;

/**
 * The data stores declared in configuration files and manifests, with how
 * Kubernetes exposes them: the Services selecting their pods, the
 * NetworkPolicies restricting ingress to them, and the other declared pods
 * (the clients), so that {@link storeReachability} can say whether an agent's
 * pods can reach a store from the declarations alone.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `DeclaredDataStoresSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { DeclaredDataStoresSchema, loadDataStores } from '@vigil/core';
 *
 * const doc = DeclaredDataStoresSchema.parse(await loadDataStores(['deploy/', 'qdrant/config.yaml']));
 * for (const s of doc.stores) console.log(s.store, s.name, s.auth.state, s.source.file);
 * ```
 */
export const DeclaredDataStoresSchema: VigilSchema<DeclaredDataStores> = zs.DeclaredDataStoresSchema;

/**
 * Every declared grant from a set of inputs (Kubernetes manifests, IAM
 * policies, MCP configurations), normalised into one model.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `DeclaredPermissionsSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { DeclaredPermissionsSchema, loadDeclaredPermissions } from '@vigil/core';
 *
 * const declared = await loadDeclaredPermissions(['k8s/', 'iam/agent-role.json', 'mcp.json']);
 * DeclaredPermissionsSchema.parse(JSON.parse(JSON.stringify(declared)));
 * ```
 */
export const DeclaredPermissionsSchema: VigilSchema<DeclaredPermissions> = zs.DeclaredPermissionsSchema;

/**
 * A subject grants were declared for.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `DeclaredSubjectSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = DeclaredSubjectSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'DeclaredSubject');
 * ```
 */
export const DeclaredSubjectSchema: VigilSchema<DeclaredSubject> = zs.DeclaredSubjectSchema;

/**
 * Something in the input Vigil could read but not fully resolve (a binding to a missing role, …).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `DeclaredWarningSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = DeclaredWarningSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'DeclaredWarning');
 * ```
 */
export const DeclaredWarningSchema: VigilSchema<DeclaredWarning> = zs.DeclaredWarningSchema;

/**
 * A workload (Pod, Deployment, StatefulSet, …) read from a manifest.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `DeclaredWorkloadSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = DeclaredWorkloadSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'DeclaredWorkload');
 * ```
 */
export const DeclaredWorkloadSchema: VigilSchema<DeclaredWorkload> = zs.DeclaredWorkloadSchema;

/**
 * How a component was found at run time. `exec` (a process was started),
 * `file-open` (a package or model file was opened), `net-connect`,
 * `net-listen`, `dns`, and the ones read from ingested spans or tool-call
 * events: `otel-span`, `tool-call`, `model-call`, `retrieval`; and `workload-image`, the
 * container image a running workload was started from (when the workload reference names it).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `DiscoveryMethodSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = DiscoveryMethodSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'DiscoveryMethod');
 * ```
 */
export const DiscoveryMethodSchema: VigilEnumSchema<DiscoveryMethod> = zs.DiscoveryMethodSchema;

/**
 * Granted vs used in one permission domain of one workload.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `DomainGapSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = DomainGapSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'DomainGap');
 * ```
 */
export const DomainGapSchema: VigilSchema<DomainGap> = zs.DomainGapSchema;

/**
 * One allowed egress destination: an address block (`cidr`) or a DNS name
 * (`host`, resolved when the policy is applied and kept current from the DNS
 * answers the workload receives), a port (`null`: any) and a protocol.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `EgressRuleSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const rule: EgressRule = { id: 'egress-1', protocol: 'tcp', host: 'api.openai.com', port: 443, reason: 'egress tcp api.openai.com:443 (baseline)' };
 * ```
 */
export const EgressRuleSchema: VigilSchema<EgressRule> = zs.EgressRuleSchema;

/**
 * Where each workload stands on the way from monitor to enforce, and every
 * decision that moved it, with its evidence: a reviewable record, kept in a
 * file between runs.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `EnforcementLedgerSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { EnforcementLedgerSchema } from '@vigil/core';
 *
 * const ledger = EnforcementLedgerSchema.parse(JSON.parse(readFileSync('enforcement.json', 'utf8')));
 * for (const [w, s] of Object.entries(ledger.workloads)) console.log(w, s.mode, s.decisions.length);
 * ```
 */
export const EnforcementLedgerSchema: VigilSchema<EnforcementLedger> = zs.EnforcementLedgerSchema;

/**
 * An enforcement policy for one workload: what it may connect to and what it
 * may run, as a versioned, reviewable document. Domains whose `enforce` is
 * false are not restricted.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `EnforcementPolicySchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { EnforcementPolicySchema } from '@vigil/core';
 *
 * const policy = EnforcementPolicySchema.parse(JSON.parse(text));
 * console.log(policy.id, policy.version, policy.egress.rules.length);
 * ```
 */
export const EnforcementPolicySchema: VigilSchema<EnforcementPolicy> = zs.EnforcementPolicySchema;

/**
 * Fields every event carries.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `EnvelopeSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = EnvelopeSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'Envelope');
 * ```
 */
export const EnvelopeSchema: VigilSchema<Envelope> = zs.EnvelopeSchema;

/**
 * What caused an event: the tool call whose execution it belongs to and the
 * model response that asked for that call. Attribution sets it from the
 * events' order and the process tree: an MCP server's events between a
 * `tools/call` request and its response; an agent's events between a model
 * response that returned tool calls and the agent's next model request.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `EventCauseSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { EventCauseSchema } from '@vigil/core';
 *
 * EventCauseSchema.parse({ toolCallId: 'call_1', toolName: 'shell', modelCallId: 'model:42:1700000000000000000' });
 * ```
 */
export const EventCauseSchema: VigilSchema<EventCause> = zs.EventCauseSchema;

/**
 * Where an event came from.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `EventOriginSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = EventOriginSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'EventOrigin');
 * ```
 */
export const EventOriginSchema: VigilEnumSchema<EventOrigin> = zs.EventOriginSchema;

/**
 * Every event Vigil understands: one discriminated union on `kind` over a
 * common envelope. This schema is the source of truth; types are inferred from it.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `EventSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { EventSchema } from '@vigil/core';
 *
 * const ev = EventSchema.parse({
 *   kind: 'file.open', ts: 1.7e18, pid: 42, ppid: 1, comm: 'cat', exe: '/usr/bin/cat',
 *   source: 'synthetic', workload: { id: 'host', kind: 'host' },
 *   path: '/etc/hostname', flags: 0, access: 'read', result: 3,
 * });
 * ```
 */
export const EventSchema: VigilSchema<VigilEvent> = zs.EventSchema;

/**
 * One piece of evidence behind a finding.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `EvidenceSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = EvidenceSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'Evidence');
 * ```
 */
export const EvidenceSchema: VigilSchema<Evidence> = zs.EvidenceSchema;

/**
 * One allowed executable, by absolute path (resolved to its file when the
 * policy is applied: a symlink allows its target, a script its interpreter).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ExecRuleSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const rule: ExecRule = { id: 'exec-1', path: '/usr/bin/git', reason: '/usr/bin/git <args> (baseline)' };
 * ```
 */
export const ExecRuleSchema: VigilSchema<ExecRule> = zs.ExecRuleSchema;

/**
 * The execution-flow graph, Agent → Tool → API → Data → Identity, per
 * workload (every node carries its `workloadId`). A JSON document with its
 * own schema version; the HTML reporter draws it.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ExecutionFlowGraphSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { ExecutionFlowGraphSchema } from '@vigil/core';
 *
 * const graph = ExecutionFlowGraphSchema.parse(bom.flow);
 * for (const e of graph.edges) console.log(e.from, e.relation, e.to, e.count);
 * ```
 */
export const ExecutionFlowGraphSchema: VigilSchema<ExecutionFlowGraph> = zs.ExecutionFlowGraphSchema;

/**
 * How a file was opened.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FileAccessSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = FileAccessSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'FileAccess');
 * ```
 */
export const FileAccessSchema: VigilEnumSchema<FileAccess> = zs.FileAccessSchema;

/**
 * What produced a finding.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FindingCategorySchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = FindingCategorySchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'FindingCategory');
 * ```
 */
export const FindingCategorySchema: VigilEnumSchema<FindingCategory> = zs.FindingCategorySchema;

/**
 * A finding: the one shape every producer (drift, rules, gap analysis,
 * scanners, posture checks) reports and every reporter consumes.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FindingSchema` of `@vigil/core/schemas`.
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
export const FindingSchema: VigilSchema<Finding> = zs.FindingSchema;

/**
 * Taxonomy tags every finding can carry.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FindingTagsSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = FindingTagsSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'FindingTags');
 * ```
 */
export const FindingTagsSchema: VigilSchema<FindingTags> = zs.FindingTagsSchema;

/**
 * An edge of the execution-flow graph, with how often and when it was seen.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FlowEdgeSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = FlowEdgeSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'FlowEdge');
 * ```
 */
export const FlowEdgeSchema: VigilSchema<FlowEdge> = zs.FlowEdgeSchema;

/**
 * A node of the execution-flow graph.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FlowNodeSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = FlowNodeSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'FlowNode');
 * ```
 */
export const FlowNodeSchema: VigilSchema<FlowNode> = zs.FlowNodeSchema;

/**
 * The layers of the execution flow, left to right: the agent (a named agent
 * or the process running an agent framework), the tools and MCP servers it
 * invoked, the APIs (model endpoints, inference servers, remote services) it
 * reached, the data it touched (files, vector stores, retrieval sources) and
 * the identity it acted under (uid, service account, credential files).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FlowNodeTypeSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = FlowNodeTypeSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'FlowNodeType');
 * ```
 */
export const FlowNodeTypeSchema: VigilEnumSchema<FlowNodeType> = zs.FlowNodeTypeSchema;

/**
 * How two nodes are related: an agent `invokes` a tool, a tool is
 * `served-by` an MCP server, an agent `spawns` a server process, a node
 * `calls` an API or `uses-model`, `reads`/`writes` data, `retrieves` from a
 * RAG source, and `runs-as` / `uses-credential` an identity.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FlowRelationSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = FlowRelationSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'FlowRelation');
 * ```
 */
export const FlowRelationSchema: VigilEnumSchema<FlowRelation> = zs.FlowRelationSchema;

/**
 * Declared vs observed, per workload and per permission domain: how much is
 * granted, how much was used, the unused grants ranked by risk, the uses no
 * grant explains, the refused attempts, and how far the observation window
 * can be trusted.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `GapReportSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { analyzeGaps, GapReportSchema } from '@vigil/core';
 *
 * const report = GapReportSchema.parse(analyzeGaps(declared, observed));
 * for (const w of report.workloads) console.log(w.name, `${w.used}/${w.granted}`);
 * ```
 */
export const GapReportSchema: VigilSchema<GapReport> = zs.GapReportSchema;

/**
 * How observations are generalised into patterns. Stored in every baseline so
 * a baseline explains itself; baselines merge only when their configurations
 * are equal.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `GeneralisationConfigSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = GeneralisationConfigSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'GeneralisationConfig');
 * ```
 */
export const GeneralisationConfigSchema: VigilSchema<GeneralisationConfig> = zs.GeneralisationConfigSchema;

/**
 * One declared permission, normalised across domains: a subject may perform
 * an action on a target, under conditions, as declared at a source location.
 *
 * Actions by domain: a Kubernetes verb (`get`, `*`); an AWS action pattern
 * (`s3:GetObject`, `s3:*`); `call` for MCP tools; `read` or `write` for files;
 * `connect` for egress; a capability name (`CAP_NET_RAW`); a host privilege
 * (`privileged`, `hostNetwork`, `hostPID`, `hostIPC`, `runAsRoot`,
 * `allowPrivilegeEscalation`); a table privilege for data access (`SELECT`, `INSERT`).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `GrantSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { GrantSchema } from '@vigil/core';
 *
 * const g = GrantSchema.parse({
 *   id: 'g1', subject: 'k8s:serviceaccount:ai/agent', domain: 'kubernetes-api', effect: 'allow',
 *   action: 'get', target: { domain: 'kubernetes-api', apiGroup: '', resource: 'secrets' },
 *   conditions: {}, source: { file: 'rbac.yaml', path: ['rules', 0] },
 *   inherentRisk: { score: 9, reach: 4, reasons: ['cluster-wide secrets read'] },
 * });
 * ```
 */
export const GrantSchema: VigilSchema<Grant> = zs.GrantSchema;

/**
 * Where a grant was declared.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `GrantSourceSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = GrantSourceSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'GrantSource');
 * ```
 */
export const GrantSourceSchema: VigilSchema<GrantSource> = zs.GrantSourceSchema;

/**
 * What a grant applies to, by domain.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `GrantTargetSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = GrantTargetSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'GrantTarget');
 * ```
 */
export const GrantTargetSchema: VigilSchema<GrantTarget> = zs.GrantTargetSchema;

/**
 * An AWS IAM policy document (identity or resource policy).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `IamPolicyDocumentSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { IamPolicyDocumentSchema } from '@vigil/core';
 *
 * IamPolicyDocumentSchema.parse({
 *   Version: '2012-10-17',
 *   Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/*' }],
 * });
 * ```
 */
export const IamPolicyDocumentSchema: VigilSchema<IamPolicyDocument> = zs.IamPolicyDocumentSchema;

/**
 * An IAM principal element: `*` or a map of principal types to ARNs / service names.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `IamPrincipalSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = IamPrincipalSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'IamPrincipal');
 * ```
 */
export const IamPrincipalSchema: VigilSchema<IamPrincipal> = zs.IamPrincipalSchema;

/**
 * One IAM policy statement, validated as strictly as IAM does (unknown keys are errors).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `IamStatementSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = IamStatementSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'IamStatement');
 * ```
 */
export const IamStatementSchema: VigilSchema<IamStatement> = zs.IamStatementSchema;

/**
 * Findings about one process tree of one workload within a window, joined:
 * the chain of events in order, the highest severity the chain earns (which
 * can be more than its parts), an explanation, and the tags and compliance
 * references of every part.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `IncidentSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { IncidentSchema } from '@vigil/core';
 *
 * const incident = IncidentSchema.parse(JSON.parse(text));
 * console.log(incident.severity, incident.summary);
 * ```
 */
export const IncidentSchema: VigilSchema<Incident> = zs.IncidentSchema;

/**
 * One step of an incident's chain: an event, with the findings it is evidence for.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `IncidentStepSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = IncidentStepSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'IncidentStep');
 * ```
 */
export const IncidentStepSchema: VigilSchema<IncidentStep> = zs.IncidentStepSchema;

/**
 * How dangerous a grant is in itself, before looking at use: 0 (harmless) – 10 (cluster or account takeover).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `InherentRiskSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = InherentRiskSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'InherentRisk');
 * ```
 */
export const InherentRiskSchema: VigilSchema<InherentRisk> = zs.InherentRiskSchema;

/**
 * A compact reference to the event that introduced a baseline entry.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `IntroducerSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = IntroducerSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'Introducer');
 * ```
 */
export const IntroducerSchema: VigilSchema<Introducer> = zs.IntroducerSchema;

/**
 * The fields of an `audit.k8s.io/v1` Event that Vigil reads.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `KubernetesAuditEventSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = KubernetesAuditEventSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'KubernetesAuditEvent');
 * ```
 */
export const KubernetesAuditEventSchema: VigilSchema<KubernetesAuditEvent> = zs.KubernetesAuditEventSchema;

/**
 * Learning progress of one origin.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `LearningStateSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = LearningStateSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'LearningState');
 * ```
 */
export const LearningStateSchema: VigilSchema<LearningState> = zs.LearningStateSchema;

/**
 * One generated least-privilege artifact, validated for its consumer.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `LeastPrivilegeArtifactSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = LeastPrivilegeArtifactSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'LeastPrivilegeArtifact');
 * ```
 */
export const LeastPrivilegeArtifactSchema: VigilSchema<LeastPrivilegeArtifact> =
  zs.LeastPrivilegeArtifactSchema;

/**
 * Least-privilege artifacts generated from observation: tightened RBAC,
 * IAM policies, NetworkPolicy egress, MCP tool allowlists, workload
 * security contexts and PostgreSQL `GRANT` statements.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `LeastPrivilegeSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { generateLeastPrivilege, LeastPrivilegeSchema } from '@vigil/core';
 *
 * const lp = LeastPrivilegeSchema.parse(generateLeastPrivilege(declared, report));
 * for (const a of lp.artifacts) console.log(a.kind, a.fileName, a.issues.length === 0);
 * ```
 */
export const LeastPrivilegeSchema: VigilSchema<LeastPrivilege> = zs.LeastPrivilegeSchema;

/**
 * The maturity of an environment: each workload's level with the missing
 * steps, how many workloads stand at each level, and the overall level (the
 * level every workload has reached).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `MaturityReportSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { MaturityReportSchema } from '@vigil/core';
 *
 * const report = MaturityReportSchema.parse(JSON.parse(text));
 * console.log(report.overall.stage, report.byLevel);
 * ```
 */
export const MaturityReportSchema: VigilSchema<MaturityReport> = zs.MaturityReportSchema;

/**
 * One MCP server entry as MCP clients write it. Local servers have `command`
 * (and `args`, `env`, `cwd`); remote ones a URL under `url` (Claude Code,
 * Cursor, VS Code, Gemini CLI SSE), `serverUrl` (Windsurf) or `httpUrl`
 * (Gemini CLI streamable HTTP). Tool filters: `alwaysAllow` (Cline, Roo),
 * `autoApprove` (Cursor, Windsurf), `allowedTools`, `disabledTools`, and an
 * inline `tools` list.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `McpServerEntrySchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { McpServerEntrySchema } from '@vigil/core';
 *
 * McpServerEntrySchema.parse({ command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', '/data'] });
 * ```
 */
export const McpServerEntrySchema: VigilSchema<McpServerEntry> = zs.McpServerEntrySchema;

/**
 * An MCP tool allowlist: per server, the tools an agent may call. Servers
 * the agent never used are listed under `unusedServers` to remove.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `McpToolAllowlistSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { McpToolAllowlistSchema } from '@vigil/core';
 *
 * McpToolAllowlistSchema.parse({ schemaVersion: 1, kind: 'McpToolAllowlist', client: 'claude',
 *   servers: { fs: { allowedTools: ['read_file'] } }, unusedServers: ['github'] });
 * ```
 */
export const McpToolAllowlistSchema: VigilSchema<McpToolAllowlist> = zs.McpToolAllowlistSchema;

/**
 * An MCP tools/list result (or a file holding one), naming the server it came from.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `McpToolListSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = McpToolListSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'McpToolList');
 * ```
 */
export const McpToolListSchema: VigilSchema<McpToolList> = zs.McpToolListSchema;

/**
 * A recorded change (or confirmation) of a workload's mode, with its evidence.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ModeDecisionSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = ModeDecisionSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'ModeDecision');
 * ```
 */
export const ModeDecisionSchema: VigilSchema<ModeDecision> = zs.ModeDecisionSchema;

/**
 * What was observed of a component: counts, times, methods and sample events.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ObservationSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = ObservationSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'Observation');
 * ```
 */
export const ObservationSchema: VigilSchema<Observation> = zs.ObservationSchema;

/**
 * What an observed use touched, by domain.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ObservedTargetSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = ObservedTargetSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'ObservedTarget');
 * ```
 */
export const ObservedTargetSchema: VigilSchema<ObservedTarget> = zs.ObservedTargetSchema;

/**
 * Observed use over a window: the distinct uses, the workloads they came
 * from, and the observation window that bounds how much a gap means.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ObservedUseDocumentSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { ObservedUseAccumulator, ReplaySource, Vigil } from '@vigil/core';
 *
 * const acc = new ObservedUseAccumulator();
 * await new Vigil({ source: new ReplaySource(['run.vcap']), consumers: [acc] }).run();
 * const observed = acc.result();
 * console.log(observed.uses.length, observed.window);
 * ```
 */
export const ObservedUseDocumentSchema: VigilSchema<ObservedUseDocument> = zs.ObservedUseDocumentSchema;

/**
 * One distinct use of a permission by a subject, aggregated over the
 * observation: how often it succeeded and how often it was denied.
 *
 * Subjects: Kubernetes users and service accounts for `k8s.api` events
 * (`k8s:serviceaccount:NS/NAME`), the IAM identity for `cloud.api` events
 * (assumed-role sessions map to their role), and `workload:ID` for what a
 * captured workload did itself (files, egress, capabilities, tools).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ObservedUseSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = ObservedUseSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'ObservedUse');
 * ```
 */
export const ObservedUseSchema: VigilSchema<ObservedUse> = zs.ObservedUseSchema;

/**
 * One span in the OTLP/JSON encoding (`ExportTraceServiceRequest`).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `OtlpSpanSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = OtlpSpanSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'OtlpSpan');
 * ```
 */
export const OtlpSpanSchema: VigilSchema<OtlpSpan> = zs.OtlpSpanSchema;

/**
 * An OTLP/JSON trace export (`ExportTraceServiceRequest`), as the OTLP HTTP
 * exporter sends it and the collector's file exporter writes it (one per line).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `OtlpTraceExportSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { eventsFromOtlp, OtlpTraceExportSchema } from '@vigil/core';
 *
 * const events = eventsFromOtlp(OtlpTraceExportSchema.parse(JSON.parse(body)));
 * ```
 */
export const OtlpTraceExportSchema: VigilSchema<OtlpTraceExport> = zs.OtlpTraceExportSchema;

/**
 * One captured read or write on a connection or pipe: the record the sensor
 * produces and {@link PayloadDecoder} consumes. The envelope (`ts`, `pid`,
 * `workload`, …) is the process that owned the descriptor. See
 * `docs/payloads.md` for the contract the kernel side implements.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `PayloadChunkSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { PayloadChunkSchema } from '@vigil/core';
 *
 * const chunk = PayloadChunkSchema.parse({
 *   ts: 1.7e18, pid: 42, ppid: 1, comm: 'node', exe: '/usr/bin/node', source: 'ebpf',
 *   workload: { id: 'host', kind: 'host' },
 *   connection: 'tcp:42:21:9173', direction: 'egress', transport: 'tcp', seq: 0,
 *   bytes: new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'), originalLength: 18,
 *   peer: { addr: '127.0.0.1', port: 8080 },
 * });
 * ```
 */
export const PayloadChunkSchema: VigilSchema<PayloadChunk> = zs.PayloadChunkSchema;

/**
 * Which way the bytes went, seen from the process that owns the descriptor:
 * `egress` it wrote (or `SSL_write`), `ingress` it read (or `SSL_read`).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `PayloadDirectionSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { PayloadDirectionSchema } from '@vigil/core';
 *
 * PayloadDirectionSchema.parse('egress');
 * ```
 */
export const PayloadDirectionSchema: VigilEnumSchema<PayloadDirection> = zs.PayloadDirectionSchema;

/**
 * How much of the traffic a capture keeps: `off` (no payload capture),
 * `meta` (derived events with names, keys, hashes and sizes only — the
 * default when payloads are on) or `content` (the same plus prompt,
 * completion and argument text with secrets redacted).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `PayloadModeSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { PayloadModeSchema } from '@vigil/core';
 *
 * PayloadModeSchema.parse('meta');
 * ```
 */
export const PayloadModeSchema: VigilEnumSchema<PayloadMode> = zs.PayloadModeSchema;

/**
 * What carried the bytes: a plaintext TCP socket, TLS plaintext taken at the
 * `SSL_*` boundary, a pipe, or a Unix-domain socket.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `PayloadTransportSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { PayloadTransportSchema } from '@vigil/core';
 *
 * PayloadTransportSchema.parse('tls');
 * ```
 */
export const PayloadTransportSchema: VigilEnumSchema<PayloadTransport> = zs.PayloadTransportSchema;

/**
 * The permission domains Vigil compares declared with observed:
 * - `kubernetes-api`: verbs on API resources (RBAC);
 * - `cloud-api`: cloud provider actions on resources (AWS IAM);
 * - `mcp-tool`: MCP servers and tools an agent is given;
 * - `file`: volumes, mounts, secrets and the root filesystem;
 * - `network-egress`: peers a workload may connect to (NetworkPolicy);
 * - `capability`: Linux capabilities of a container;
 * - `host`: host-level privileges (privileged, hostNetwork, hostPID, hostIPC, running as root);
 * - `data-access`: privileges on database tables and vector-store collections (PostgreSQL grants).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `PermissionDomainSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = PermissionDomainSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'PermissionDomain');
 * ```
 */
export const PermissionDomainSchema: VigilEnumSchema<PermissionDomain> = zs.PermissionDomainSchema;

/**
 * One table privilege a PostgreSQL role holds, as a schema dump declares it:
 * `GRANT SELECT ON TABLE public.docs TO reader` is one; `GRANT ALL ON ALL
 * TABLES IN SCHEMA public` is one per table and privilege.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `PgTableGrantSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { PgTableGrantSchema } from '@vigil/core';
 *
 * PgTableGrantSchema.parse({ role: 'reader', privilege: 'SELECT', table: 'public.docs', source: { file: 'schema.sql', line: 12 } });
 * ```
 */
export const PgTableGrantSchema: VigilSchema<PgTableGrant> = zs.PgTableGrantSchema;

/**
 * The part of a Kubernetes `PodList` (what the kubelet's `/pods` serves) Vigil reads.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `PodListSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = PodListSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'PodList');
 * ```
 */
export const PodListSchema: VigilSchema<PodList> = zs.PodListSchema;

/**
 * When a workload may leave monitor mode: its baseline is stable, it has been
 * monitored at least `minMonitorMs` over at least `minMonitorRuns` runs, and
 * that period produced at most `maxWouldBlock` would-block decisions.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `PromotionPolicySchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const p: PromotionPolicy = { minMonitorMs: 3_600_000, minMonitorRuns: 3, maxWouldBlock: 0 };
 * ```
 */
export const PromotionPolicySchema: VigilSchema<PromotionPolicy> = zs.PromotionPolicySchema;

/**
 * Kubernetes QoS class, read from the kubepods cgroup path.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `QosClassSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = QosClassSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'QosClass');
 * ```
 */
export const QosClassSchema: VigilEnumSchema<QosClass> = zs.QosClassSchema;

/**
 * Behaviour seen during learning that a critical check flagged: held for review, not admitted.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `QuarantineItemDocumentSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = QuarantineItemDocumentSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'QuarantineItemDocument');
 * ```
 */
export const QuarantineItemDocumentSchema: VigilSchema<QuarantineItemDocument> =
  zs.QuarantineItemDocumentSchema;

/**
 * An agent's declared purpose: the labels of data it needs. Retrieval of a
 * collection with a label outside them is a finding.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RagAgentSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { RagAgentSchema } from '@vigil/core';
 *
 * RagAgentSchema.parse({ name: 'support-bot', workload: ['support-*'], purpose: 'answer product questions', labels: ['product-docs'] });
 * ```
 */
export const RagAgentSchema: VigilSchema<RagAgent> = zs.RagAgentSchema;

/**
 * Labels of the tables or collections whose name matches a glob, in one store or any.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RagCollectionSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { RagCollectionSchema } from '@vigil/core';
 *
 * RagCollectionSchema.parse({ name: 'employees*', store: 'postgresql', labels: ['pii', 'hr'] });
 * ```
 */
export const RagCollectionSchema: VigilSchema<RagCollection> = zs.RagCollectionSchema;

/**
 * The RAG configuration (`vigil check --rag FILE`, `builtinPacks({ rag })`):
 * the declared ingest path of the retrieval corpus, the labels of sensitive
 * tables and collections, and the labels each agent's purpose needs. YAML or
 * JSON; `docs/rag.md` describes it.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RagConfigSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { RagConfigSchema } from '@vigil/core';
 *
 * const config = RagConfigSchema.parse({
 *   schemaVersion: 1,
 *   ingest: [{ name: 'nightly', workload: ['rag-ingest'], collections: ['docs'] }],
 *   collections: [{ name: 'employees', labels: ['pii', 'hr'] }],
 *   agents: [{ name: 'support', workload: ['support-agent'], labels: [] }],
 * });
 * ```
 */
export const RagConfigSchema: VigilSchema<RagConfig> = zs.RagConfigSchema;

/**
 * One declared ingest path: the workloads allowed to write the retrieval
 * corpus, optionally only some collections of some store.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RagIngestSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { RagIngestSchema } from '@vigil/core';
 *
 * RagIngestSchema.parse({ name: 'nightly', workload: ['rag-ingest'], collections: ['docs', 'chunks'] });
 * ```
 */
export const RagIngestSchema: VigilSchema<RagIngest> = zs.RagIngestSchema;

/**
 * A label of a sensitive collection (`pii`, `secrets`, `hr`, `finance`, …):
 * lower case letters, digits, `.`, `_` and `-`, at most 64 characters.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RagLabelSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { RagLabelSchema } from '@vigil/core';
 *
 * RagLabelSchema.parse('pii');
 * ```
 */
export const RagLabelSchema: VigilSchema<RagLabel> = zs.RagLabelSchema;

/**
 * Who a RAG configuration entry is about: globs (`*`, `?`) on the workload's id
 * or name (`workload`), the executable (`exe`), and the database role or the
 * first hex digits of the API-key hash the request carried (`principal`).
 * Every field given must match; at least one is required.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RagSubjectSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { RagSubjectSchema } from '@vigil/core';
 *
 * RagSubjectSchema.parse({ workload: ['ingest-*'], principal: ['ingest'] });
 * ```
 */
export const RagSubjectSchema: VigilSchema<RagSubject> = zs.RagSubjectSchema;

/**
 * One action of a plan. `kill-tree` kills the process tree of the finding's
 * process; `tighten-egress` enforces the workload's egress allowlist;
 * `isolate-network` refuses all of its egress; `kill-workload` kills every
 * process of its cgroup; `webhook` POSTs the finding as JSON; `custom` runs
 * a handler registered in code under `name`.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ResponseActionSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = ResponseActionSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'ResponseAction');
 * ```
 */
export const ResponseActionSchema: VigilSchema<ResponseAction> = zs.ResponseActionSchema;

/**
 * What to do, automatically, about which findings: rules of a trigger and the
 * actions it starts, with a dry-run switch that logs what would be done.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ResponsePlanSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { ResponsePlanSchema } from '@vigil/core';
 *
 * const plan = ResponsePlanSchema.parse({
 *   schemaVersion: 1, dryRun: false,
 *   rules: [{ id: 'contain', when: { minSeverity: 'critical' }, actions: [{ type: 'kill-tree' }, { type: 'isolate-network' }] }],
 * });
 * ```
 */
export const ResponsePlanSchema: VigilSchema<ResponsePlan> = zs.ResponsePlanSchema;

/**
 * When a rule of a plan applies to a finding.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ResponseTriggerSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = ResponseTriggerSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'ResponseTrigger');
 * ```
 */
export const ResponseTriggerSchema: VigilSchema<ResponseTrigger> = zs.ResponseTriggerSchema;

/**
 * A reviewer's decision on a quarantined item: who admitted it, why and when.
 * The baseline keeps it so an admitted behaviour's history stays auditable.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ReviewRecordSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const r: ReviewRecord = { item: 'q-3f2a…', behaviour: 'vigil.critical.shell-from-interpreter', observations: [], decision: 'admit', by: 'alice', reason: 'the shell tool is part of the job', at: 0 };
 * ```
 */
export const ReviewRecordSchema: VigilSchema<ReviewRecord> = zs.ReviewRecordSchema;

/**
 * What moved a finding's score, and in which direction.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RiskAdjustmentSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = RiskAdjustmentSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'RiskAdjustment');
 * ```
 */
export const RiskAdjustmentSchema: VigilEnumSchema<RiskAdjustment> = zs.RiskAdjustmentSchema;

/**
 * The ranked findings and how runtime evidence changed their order: how many
 * were promoted, demoted or unchanged and why, and how long the short list is.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RiskRankingSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { rankRisk, RiskRankingSchema } from '@vigil/core';
 *
 * const ranking = RiskRankingSchema.parse(rankRisk(findings, { observed, gapReport }));
 * console.log(`${ranking.summary.total} findings → ${ranking.summary.shortList} to act on`);
 * ```
 */
export const RiskRankingSchema: VigilSchema<RiskRanking> = zs.RiskRankingSchema;

/**
 * The risk score of a finding and why it is what it is.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RiskSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = RiskSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'Risk');
 * ```
 */
export const RiskSchema: VigilSchema<Risk> = zs.RiskSchema;

/**
 * Severity of a finding, in increasing order.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `SeveritySchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = SeveritySchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'Severity');
 * ```
 */
export const SeveritySchema: VigilEnumSchema<Severity> = zs.SeveritySchema;

/**
 * A versioned set of signatures, as stored in a JSON file.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `SignatureCatalogueSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { SignatureCatalogue, SignatureCatalogueSchema } from '@vigil/core';
 *
 * const doc = SignatureCatalogueSchema.parse(JSON.parse(text));
 * const catalogue = SignatureCatalogue.builtin().extend(SignatureCatalogue.fromDocument(doc));
 * ```
 */
export const SignatureCatalogueSchema: VigilSchema<SignatureCatalogueDocument> = zs.SignatureCatalogueSchema;

/**
 * One signature: how to recognise a component at run time and in manifests.
 * Name patterns use `*` as a wildcard; hosts match exactly or with a leading
 * `*.`; `argv` entries are regular expressions tested against the command
 * line joined with spaces.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `SignatureSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { SignatureSchema } from '@vigil/core';
 *
 * const sig = SignatureSchema.parse({
 *   id: 'acme-gateway', name: 'ACME LLM gateway', type: 'llm-api',
 *   match: { hosts: ['llm.acme.internal'], ports: [8443] }, confidence: { port: 0.3 },
 * });
 * ```
 */
export const SignatureSchema: VigilSchema<Signature> = zs.SignatureSchema;

/**
 * Records of one line-based log (a Kubernetes audit log, CloudTrail) skipped
 * as invalid, by reason: `invalid-json`, `invalid-shape`, `over-limit`.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `SkippedRecordsSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { SkippedRecordsSchema } from '@vigil/core';
 *
 * SkippedRecordsSchema.parse({ file: 'audit.log', reasons: { 'invalid-json': 2 } });
 * ```
 */
export const SkippedRecordsSchema: VigilSchema<SkippedRecords> = zs.SkippedRecordsSchema;

/**
 * When learning counts as done.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `StabilityPolicySchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = StabilityPolicySchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'StabilityPolicy');
 * ```
 */
export const StabilityPolicySchema: VigilSchema<StabilityPolicy> = zs.StabilityPolicySchema;

/**
 * Where a setting was declared: the file, and the line and key (a YAML path,
 * an environment variable, a command-line flag or a `pg_hba.conf` line) when known.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `StorePlaceSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { StorePlaceSchema } from '@vigil/core';
 *
 * StorePlaceSchema.parse({ file: 'qdrant/config.yaml', line: 4, key: 'service.api_key' });
 * ```
 */
export const StorePlaceSchema: VigilSchema<StorePlace> = zs.StorePlaceSchema;

/**
 * Kinds of subject a grant is given to.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `SubjectKindSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = SubjectKindSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'SubjectKind');
 * ```
 */
export const SubjectKindSchema: VigilEnumSchema<SubjectKind> = zs.SubjectKindSchema;

/**
 * An MCP tool definition as a server announced it.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ToolDefinitionSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = ToolDefinitionSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'ToolDefinition');
 * ```
 */
export const ToolDefinitionSchema: VigilSchema<ToolDefinition> = zs.ToolDefinitionSchema;

/**
 * Transport protocol of a socket event.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `TransportSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = TransportSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'Transport');
 * ```
 */
export const TransportSchema: VigilEnumSchema<Transport> = zs.TransportSchema;

/**
 * What the first bytes of a stream the payload decoder could not read were: a TLS record (the
 * bytes were captured encrypted), the HTTP/2 connection preface, text that is not a protocol it
 * knows, or binary.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `UndecodedKindSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { UndecodedKindSchema } from '@vigil/core';
 *
 * UndecodedKindSchema.parse('tls');
 * ```
 */
export const UndecodedKindSchema: VigilEnumSchema<UndecodedKind> = zs.UndecodedKindSchema;

/**
 * The streams a payload decoder could not read: how many, and the groups of them (at most
 * {@link MAX_UNDECODED_GROUPS}; streams beyond are counted in `total` only).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `UndecodedPayloadsSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { PayloadDecoder, describeUndecodedPayloads } from '@vigil/core';
 *
 * const decoder = new PayloadDecoder();
 * // … push chunks …
 * for (const line of describeUndecodedPayloads(decoder.stats().undecoded)) console.warn(line);
 * ```
 */
export const UndecodedPayloadsSchema: VigilSchema<UndecodedPayloads> = zs.UndecodedPayloadsSchema;

/**
 * Streams the payload decoder could not read, grouped by process name, peer and what their first
 * bytes were, with one example each.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `UndecodedStreamSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * import { UndecodedStreamSchema } from '@vigil/core';
 *
 * UndecodedStreamSchema.parse({
 *   kind: 'tls', transport: 'tcp', peer: '10.0.0.5:443', pid: 42, comm: 'python3',
 *   direction: 'egress', sample: '16 03 01 02 00', count: 3,
 * });
 * ```
 */
export const UndecodedStreamSchema: VigilSchema<UndecodedStream> = zs.UndecodedStreamSchema;

/**
 * A grant never exercised in the window, with its rank.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `UnusedGrantSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = UnusedGrantSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'UnusedGrant');
 * ```
 */
export const UnusedGrantSchema: VigilSchema<UnusedGrant> = zs.UnusedGrantSchema;

/**
 * One workload's enforcement state across runs.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `WorkloadEnforcementSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = WorkloadEnforcementSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'WorkloadEnforcement');
 * ```
 */
export const WorkloadEnforcementSchema: VigilSchema<WorkloadEnforcement> = zs.WorkloadEnforcementSchema;

/**
 * One workload (a pod spec with its service account and cloud role, or a lone subject).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `WorkloadGapSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = WorkloadGapSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'WorkloadGap');
 * ```
 */
export const WorkloadGapSchema: VigilSchema<WorkloadGap> = zs.WorkloadGapSchema;

/**
 * What kind of thing a workload is, as far as Vigil could tell.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `WorkloadKindSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = WorkloadKindSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'WorkloadKind');
 * ```
 */
export const WorkloadKindSchema: VigilEnumSchema<WorkloadKind> = zs.WorkloadKindSchema;

/**
 * One workload's level and what stands between it and the next.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `WorkloadMaturitySchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = WorkloadMaturitySchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'WorkloadMaturity');
 * ```
 */
export const WorkloadMaturitySchema: VigilSchema<WorkloadMaturity> = zs.WorkloadMaturitySchema;

/**
 * What Vigil holds about one workload, the facts its maturity level is read from.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `WorkloadPostureFactsSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = WorkloadPostureFactsSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'WorkloadPostureFacts');
 * ```
 */
export const WorkloadPostureFactsSchema: VigilSchema<WorkloadPostureFacts> = zs.WorkloadPostureFactsSchema;

/**
 * A reference to the workload an event belongs to. `id` is stable for the life
 * of the workload and is what baselines, findings and reports key on.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `WorkloadRefSchema` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const result = WorkloadRefSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'WorkloadRef');
 * ```
 */
export const WorkloadRefSchema: VigilSchema<WorkloadRef> = zs.WorkloadRefSchema;

/**
 * The schema of each event kind, keyed by kind.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schemas are `EventSchemas` of `@vigil/core/schemas`.
 *
 * @example
 * ```ts
 * const ok = EventSchemas['process.exec'].safeParse(raw).success;
 * ```
 */
export const EventSchemas: { readonly [K in EventKind]: VigilSchema<EventOf<K>> } = zs.EventSchemas;
