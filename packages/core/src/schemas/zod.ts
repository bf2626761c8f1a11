/**
 * The zod schemas of `@vigil/core`, typed as zod types, for code that composes them
 * (`.extend()`, `.pick()`, nesting). Import from `@vigil/core/schemas`; the package index
 * exports the same objects typed by {@link VigilSchema}, whose declarations do not load zod.
 *
 * @packageDocumentation
 */

export {
  AiBomComponentSchema,
  AiBomInputsSchema,
  AiBomSchema,
  AiBomWorkloadSchema,
  ComponentEvidenceSchema,
  ComponentStatusSchema,
  DeclarationSchema,
  DiscoveryMethodSchema,
  ObservationSchema,
} from '../aibom/document.js';
export {
  ExecutionFlowGraphSchema,
  FlowEdgeSchema,
  FlowNodeSchema,
  FlowNodeTypeSchema,
  FlowRelationSchema,
} from '../aibom/flow-graph.js';
export { AgentTimelineSchema } from '../attribution/timeline.js';
export {
  BaselineDomainSchema,
  CollapseRuleSchema,
  GeneralisationConfigSchema,
} from '../baseline/generalise.js';
export {
  BaselineDocumentSchema,
  BaselineEntriesSchema,
  BaselineEntryDocumentSchema,
  BaselineSetDocumentSchema,
  IntroducerSchema,
  LearningStateSchema,
  QuarantineItemDocumentSchema,
  ReviewRecordSchema,
  StabilityPolicySchema,
} from '../baseline/schema.js';
export { CaptureHeaderSchema, CaptureTrailerSchema } from '../capture/format.js';
export { CaptureIntegritySchema } from '../capture/integrity.js';
export { AiComponentTypeSchema, SignatureCatalogueSchema, SignatureSchema } from '../catalogue/catalogue.js';
export { DataAccessGapSchema } from '../data-access/gap.js';
export { PgTableGrantSchema } from '../data-access/pg-grants.js';
export { DataStoreConfigSchema, StorePlaceSchema } from '../data-access/store-config.js';
export { DeclaredDataStoresSchema } from '../data-access/store-exposure.js';
export { EgressRuleSchema, EnforcementPolicySchema, ExecRuleSchema } from '../enforcement/policy.js';
export {
  EnforcementLedgerSchema,
  ModeDecisionSchema,
  PromotionPolicySchema,
  WorkloadEnforcementSchema,
} from '../enforcement/promotion.js';
export {
  AddressFamilySchema,
  EnvelopeSchema,
  EventCauseSchema,
  EventOriginSchema,
  EventSchema,
  EventSchemas,
  type EventSchemaType,
  FileAccessSchema,
  ToolDefinitionSchema,
  TransportSchema,
} from '../events/schema.js';
export {
  ComplianceFrameworkSchema,
  ComplianceRefSchema,
  EvidenceSchema,
  FindingCategorySchema,
  FindingSchema,
  FindingTagsSchema,
  RiskSchema,
  SeveritySchema,
} from '../findings/finding.js';
export { IncidentSchema, IncidentStepSchema } from '../incidents/incident.js';
export { McpServerEntrySchema } from '../mcp/client-config.js';
export { OtlpSpanSchema, OtlpTraceExportSchema } from '../otel/otlp-json.js';
export {
  PayloadChunkSchema,
  PayloadDirectionSchema,
  PayloadModeSchema,
  PayloadTransportSchema,
} from '../payload/chunk.js';
export { UndecodedKindSchema, UndecodedPayloadsSchema, UndecodedStreamSchema } from '../payload/undecoded.js';
export {
  IamPolicyDocumentSchema,
  IamPrincipalSchema,
  IamStatementSchema,
} from '../permissions/aws/iam-policy.js';
export {
  DeclaredContainerSchema,
  DeclaredPermissionsSchema,
  DeclaredSubjectSchema,
  DeclaredWarningSchema,
  DeclaredWorkloadSchema,
} from '../permissions/declared.js';
export {
  CoverageSchema,
  DomainGapSchema,
  GapReportSchema,
  SkippedRecordsSchema,
  UnusedGrantSchema,
  WorkloadGapSchema,
} from '../permissions/gap/report.js';
export {
  GrantSchema,
  GrantSourceSchema,
  GrantTargetSchema,
  InherentRiskSchema,
  PermissionDomainSchema,
  SubjectKindSchema,
} from '../permissions/grant.js';
export {
  ArtifactKindSchema,
  LeastPrivilegeArtifactSchema,
  LeastPrivilegeSchema,
} from '../permissions/least-privilege/artifact.js';
export { McpToolAllowlistSchema } from '../permissions/least-privilege/generate.js';
export { McpToolListSchema } from '../permissions/mcp/mcp-config.js';
export { CloudTrailRecordSchema } from '../permissions/observed/cloudtrail.js';
export { KubernetesAuditEventSchema } from '../permissions/observed/k8s-audit.js';
export {
  ObservedTargetSchema,
  ObservedUseDocumentSchema,
  ObservedUseSchema,
} from '../permissions/observed/use.js';
export { ComplianceEvidenceReportSchema } from '../posture/compliance-evidence.js';
export {
  MaturityReportSchema,
  WorkloadMaturitySchema,
  WorkloadPostureFactsSchema,
} from '../posture/maturity.js';
export {
  RagAgentSchema,
  RagCollectionSchema,
  RagConfigSchema,
  RagIngestSchema,
  RagLabelSchema,
  RagSubjectSchema,
} from '../rag/config.js';
export { ResponseActionSchema, ResponsePlanSchema, ResponseTriggerSchema } from '../response/responder.js';
export { RiskAdjustmentSchema, RiskRankingSchema } from '../risk/rank.js';
export { PodListSchema } from '../workload/kubelet-pods.js';
export {
  ContainerRuntimeSchema,
  QosClassSchema,
  WorkloadKindSchema,
  WorkloadRefSchema,
} from '../workload/workload-ref.js';
export type {
  VigilEnumSchema,
  VigilSafeParseResult,
  VigilSchema,
  VigilSchemaError,
  VigilSchemaIssue,
} from './vigil-schema.js';
