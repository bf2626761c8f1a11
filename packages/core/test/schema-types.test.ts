// Generated rows (scripts/schema-types/write-types.ts adds them): every public type written out
// from a zod schema must stay equal to what the schema infers. A drift fails `pnpm typecheck`.

import * as index from '@vigil/core';
import * as zodSchemas from '@vigil/core/schemas';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type * as m1 from '../src/aibom/document.js';
import type * as m2 from '../src/aibom/flow-graph.js';
import type * as m3 from '../src/attribution/timeline.js';
import type * as m6 from '../src/baseline/generalise.js';
import type * as m5 from '../src/baseline/schema.js';
import type * as m7 from '../src/capture/format.js';
import type * as m0 from '../src/catalogue/catalogue.js';
import type * as m9 from '../src/data-access/gap.js';
import type * as m10 from '../src/data-access/pg-grants.js';
import type * as m11 from '../src/data-access/store-config.js';
import type * as m12 from '../src/data-access/store-exposure.js';
import type * as m13 from '../src/enforcement/policy.js';
import type * as m14 from '../src/enforcement/promotion.js';
import type * as m15 from '../src/events/schema.js';
import type * as m16 from '../src/findings/finding.js';
import type * as m17 from '../src/incidents/incident.js';
import type * as m18 from '../src/mcp/client-config.js';
import type * as m19 from '../src/otel/otlp-json.js';
import type * as m20 from '../src/payload/chunk.js';
import type * as m38 from '../src/payload/undecoded.js';
import type * as m21 from '../src/permissions/aws/iam-policy.js';
import type * as m22 from '../src/permissions/declared.js';
import type * as m23 from '../src/permissions/gap/report.js';
import type * as m24 from '../src/permissions/grant.js';
import type * as m25 from '../src/permissions/least-privilege/artifact.js';
import type * as m26 from '../src/permissions/least-privilege/generate.js';
import type * as m27 from '../src/permissions/mcp/mcp-config.js';
import type * as m28 from '../src/permissions/observed/cloudtrail.js';
import type * as m29 from '../src/permissions/observed/k8s-audit.js';
import type * as m30 from '../src/permissions/observed/use.js';
import type * as m31 from '../src/posture/compliance-evidence.js';
import type * as m32 from '../src/posture/maturity.js';
import type * as m33 from '../src/rag/config.js';
import type * as m34 from '../src/response/responder.js';
import type * as m35 from '../src/risk/rank.js';
import type * as m36 from '../src/workload/kubelet-pods.js';
import type * as m37 from '../src/workload/workload-ref.js';

describe('core types written out from zod schemas', () => {
  it(`equal what their schemas infer`, () => {
    // row: catalogue/catalogue AiComponentType AiComponentTypeSchema output
    expectTypeOf<m0.AiComponentType>().toEqualTypeOf<z.output<typeof m0.AiComponentTypeSchema>>();
    // row: catalogue/catalogue Signature SignatureSchema output
    expectTypeOf<m0.Signature>().toEqualTypeOf<z.output<typeof m0.SignatureSchema>>();
    // row: catalogue/catalogue SignatureCatalogueDocument SignatureCatalogueSchema output
    expectTypeOf<m0.SignatureCatalogueDocument>().toEqualTypeOf<
      z.output<typeof m0.SignatureCatalogueSchema>
    >();
    // row: catalogue/catalogue SignatureInput SignatureSchema input
    expectTypeOf<m0.SignatureInput>().toEqualTypeOf<z.input<typeof m0.SignatureSchema>>();
    // row: aibom/document AiBom AiBomSchema output
    expectTypeOf<m1.AiBom>().toEqualTypeOf<z.output<typeof m1.AiBomSchema>>();
    // row: aibom/document AiBomComponent AiBomComponentSchema output
    expectTypeOf<m1.AiBomComponent>().toEqualTypeOf<z.output<typeof m1.AiBomComponentSchema>>();
    // row: aibom/document AiBomInputs AiBomInputsSchema output
    expectTypeOf<m1.AiBomInputs>().toEqualTypeOf<z.output<typeof m1.AiBomInputsSchema>>();
    // row: aibom/document AiBomWorkload AiBomWorkloadSchema output
    expectTypeOf<m1.AiBomWorkload>().toEqualTypeOf<z.output<typeof m1.AiBomWorkloadSchema>>();
    // row: aibom/document ComponentEvidence ComponentEvidenceSchema output
    expectTypeOf<m1.ComponentEvidence>().toEqualTypeOf<z.output<typeof m1.ComponentEvidenceSchema>>();
    // row: aibom/document ComponentStatus ComponentStatusSchema output
    expectTypeOf<m1.ComponentStatus>().toEqualTypeOf<z.output<typeof m1.ComponentStatusSchema>>();
    // row: aibom/document Declaration DeclarationSchema output
    expectTypeOf<m1.Declaration>().toEqualTypeOf<z.output<typeof m1.DeclarationSchema>>();
    // row: aibom/document DiscoveryMethod DiscoveryMethodSchema output
    expectTypeOf<m1.DiscoveryMethod>().toEqualTypeOf<z.output<typeof m1.DiscoveryMethodSchema>>();
    // row: aibom/document Observation ObservationSchema output
    expectTypeOf<m1.Observation>().toEqualTypeOf<z.output<typeof m1.ObservationSchema>>();
    // row: aibom/flow-graph ExecutionFlowGraph ExecutionFlowGraphSchema output
    expectTypeOf<m2.ExecutionFlowGraph>().toEqualTypeOf<z.output<typeof m2.ExecutionFlowGraphSchema>>();
    // row: aibom/flow-graph FlowEdge FlowEdgeSchema output
    expectTypeOf<m2.FlowEdge>().toEqualTypeOf<z.output<typeof m2.FlowEdgeSchema>>();
    // row: aibom/flow-graph FlowNode FlowNodeSchema output
    expectTypeOf<m2.FlowNode>().toEqualTypeOf<z.output<typeof m2.FlowNodeSchema>>();
    // row: aibom/flow-graph FlowNodeType FlowNodeTypeSchema output
    expectTypeOf<m2.FlowNodeType>().toEqualTypeOf<z.output<typeof m2.FlowNodeTypeSchema>>();
    // row: aibom/flow-graph FlowRelation FlowRelationSchema output
    expectTypeOf<m2.FlowRelation>().toEqualTypeOf<z.output<typeof m2.FlowRelationSchema>>();
    // row: attribution/timeline AgentTimeline AgentTimelineSchema output
    expectTypeOf<m3.AgentTimeline>().toEqualTypeOf<z.output<typeof m3.AgentTimelineSchema>>();
    // row: baseline/generalise BaselineDomain BaselineDomainSchema output
    expectTypeOf<m6.BaselineDomain>().toEqualTypeOf<z.output<typeof m6.BaselineDomainSchema>>();
    // row: baseline/generalise CollapseRule CollapseRuleSchema output
    expectTypeOf<m6.CollapseRule>().toEqualTypeOf<z.output<typeof m6.CollapseRuleSchema>>();
    // row: baseline/generalise GeneralisationConfig GeneralisationConfigSchema output
    expectTypeOf<m6.GeneralisationConfig>().toEqualTypeOf<z.output<typeof m6.GeneralisationConfigSchema>>();
    // row: baseline/schema BaselineDocument BaselineDocumentSchema output
    expectTypeOf<m5.BaselineDocument>().toEqualTypeOf<z.output<typeof m5.BaselineDocumentSchema>>();
    // row: baseline/schema BaselineEntries BaselineEntriesSchema output
    expectTypeOf<m5.BaselineEntries>().toEqualTypeOf<z.output<typeof m5.BaselineEntriesSchema>>();
    // row: baseline/schema BaselineEntryDocument BaselineEntryDocumentSchema output
    expectTypeOf<m5.BaselineEntryDocument>().toEqualTypeOf<z.output<typeof m5.BaselineEntryDocumentSchema>>();
    // row: baseline/schema BaselineSetDocument BaselineSetDocumentSchema output
    expectTypeOf<m5.BaselineSetDocument>().toEqualTypeOf<z.output<typeof m5.BaselineSetDocumentSchema>>();
    // row: baseline/schema LearningState LearningStateSchema output
    expectTypeOf<m5.LearningState>().toEqualTypeOf<z.output<typeof m5.LearningStateSchema>>();
    // row: baseline/schema QuarantineItemDocument QuarantineItemDocumentSchema output
    expectTypeOf<m5.QuarantineItemDocument>().toEqualTypeOf<
      z.output<typeof m5.QuarantineItemDocumentSchema>
    >();
    // row: baseline/schema ReviewRecord ReviewRecordSchema output
    expectTypeOf<m5.ReviewRecord>().toEqualTypeOf<z.output<typeof m5.ReviewRecordSchema>>();
    // row: baseline/schema StabilityPolicy StabilityPolicySchema output
    expectTypeOf<m5.StabilityPolicy>().toEqualTypeOf<z.output<typeof m5.StabilityPolicySchema>>();
    // row: capture/format CaptureHeader CaptureHeaderSchema output
    expectTypeOf<m7.CaptureHeader>().toEqualTypeOf<z.output<typeof m7.CaptureHeaderSchema>>();
    // row: capture/format CaptureHeaderInput CaptureHeaderSchema input
    expectTypeOf<m7.CaptureHeaderInput>().toEqualTypeOf<z.input<typeof m7.CaptureHeaderSchema>>();
    // row: capture/format CaptureTrailer CaptureTrailerSchema output
    expectTypeOf<m7.CaptureTrailer>().toEqualTypeOf<z.output<typeof m7.CaptureTrailerSchema>>();
    // row: data-access/gap DataAccessGap DataAccessGapSchema output
    expectTypeOf<m9.DataAccessGap>().toEqualTypeOf<z.output<typeof m9.DataAccessGapSchema>>();
    // row: data-access/pg-grants PgTableGrant PgTableGrantSchema output
    expectTypeOf<m10.PgTableGrant>().toEqualTypeOf<z.output<typeof m10.PgTableGrantSchema>>();
    // row: data-access/store-config DataStoreConfig DataStoreConfigSchema output
    expectTypeOf<m11.DataStoreConfig>().toEqualTypeOf<z.output<typeof m11.DataStoreConfigSchema>>();
    // row: data-access/store-config StorePlace StorePlaceSchema output
    expectTypeOf<m11.StorePlace>().toEqualTypeOf<z.output<typeof m11.StorePlaceSchema>>();
    // row: data-access/store-exposure DeclaredDataStores DeclaredDataStoresSchema output
    expectTypeOf<m12.DeclaredDataStores>().toEqualTypeOf<z.output<typeof m12.DeclaredDataStoresSchema>>();
    // row: enforcement/policy EgressRule EgressRuleSchema output
    expectTypeOf<m13.EgressRule>().toEqualTypeOf<z.output<typeof m13.EgressRuleSchema>>();
    // row: enforcement/policy EnforcementPolicy EnforcementPolicySchema output
    expectTypeOf<m13.EnforcementPolicy>().toEqualTypeOf<z.output<typeof m13.EnforcementPolicySchema>>();
    // row: enforcement/policy ExecRule ExecRuleSchema output
    expectTypeOf<m13.ExecRule>().toEqualTypeOf<z.output<typeof m13.ExecRuleSchema>>();
    // row: enforcement/promotion EnforcementLedger EnforcementLedgerSchema output
    expectTypeOf<m14.EnforcementLedger>().toEqualTypeOf<z.output<typeof m14.EnforcementLedgerSchema>>();
    // row: enforcement/promotion ModeDecision ModeDecisionSchema output
    expectTypeOf<m14.ModeDecision>().toEqualTypeOf<z.output<typeof m14.ModeDecisionSchema>>();
    // row: enforcement/promotion PromotionPolicy PromotionPolicySchema output
    expectTypeOf<m14.PromotionPolicy>().toEqualTypeOf<z.output<typeof m14.PromotionPolicySchema>>();
    // row: enforcement/promotion WorkloadEnforcement WorkloadEnforcementSchema output
    expectTypeOf<m14.WorkloadEnforcement>().toEqualTypeOf<z.output<typeof m14.WorkloadEnforcementSchema>>();
    // row: events/schema AddressFamily AddressFamilySchema output
    expectTypeOf<m15.AddressFamily>().toEqualTypeOf<z.output<typeof m15.AddressFamilySchema>>();
    // row: events/schema Envelope EnvelopeSchema output
    expectTypeOf<m15.Envelope>().toEqualTypeOf<z.output<typeof m15.EnvelopeSchema>>();
    // row: events/schema EnvelopeInput EnvelopeSchema input
    expectTypeOf<m15.EnvelopeInput>().toEqualTypeOf<z.input<typeof m15.EnvelopeSchema>>();
    // row: events/schema EventCause EventCauseSchema output
    expectTypeOf<m15.EventCause>().toEqualTypeOf<z.output<typeof m15.EventCauseSchema>>();
    // row: events/schema EventOrigin EventOriginSchema output
    expectTypeOf<m15.EventOrigin>().toEqualTypeOf<z.output<typeof m15.EventOriginSchema>>();
    // row: events/schema FileAccess FileAccessSchema output
    expectTypeOf<m15.FileAccess>().toEqualTypeOf<z.output<typeof m15.FileAccessSchema>>();
    // row: events/schema ToolDefinition ToolDefinitionSchema output
    expectTypeOf<m15.ToolDefinition>().toEqualTypeOf<z.output<typeof m15.ToolDefinitionSchema>>();
    // row: events/schema Transport TransportSchema output
    expectTypeOf<m15.Transport>().toEqualTypeOf<z.output<typeof m15.TransportSchema>>();
    // row: events/schema VigilEvent EventSchema output
    expectTypeOf<m15.VigilEvent>().toEqualTypeOf<z.output<typeof m15.EventSchema>>();
    // row: events/schema VigilEventInput EventSchema input
    expectTypeOf<m15.VigilEventInput>().toEqualTypeOf<z.input<typeof m15.EventSchema>>();
    // row: findings/finding ComplianceFramework ComplianceFrameworkSchema output
    expectTypeOf<m16.ComplianceFramework>().toEqualTypeOf<z.output<typeof m16.ComplianceFrameworkSchema>>();
    // row: findings/finding ComplianceRef ComplianceRefSchema output
    expectTypeOf<m16.ComplianceRef>().toEqualTypeOf<z.output<typeof m16.ComplianceRefSchema>>();
    // row: findings/finding Evidence EvidenceSchema output
    expectTypeOf<m16.Evidence>().toEqualTypeOf<z.output<typeof m16.EvidenceSchema>>();
    // row: findings/finding Finding FindingSchema output
    expectTypeOf<m16.Finding>().toEqualTypeOf<z.output<typeof m16.FindingSchema>>();
    // row: findings/finding FindingCategory FindingCategorySchema output
    expectTypeOf<m16.FindingCategory>().toEqualTypeOf<z.output<typeof m16.FindingCategorySchema>>();
    // row: findings/finding FindingInput FindingSchema input
    expectTypeOf<m16.FindingInput>().toEqualTypeOf<z.input<typeof m16.FindingSchema>>();
    // row: findings/finding FindingTags FindingTagsSchema output
    expectTypeOf<m16.FindingTags>().toEqualTypeOf<z.output<typeof m16.FindingTagsSchema>>();
    // row: findings/finding Risk RiskSchema output
    expectTypeOf<m16.Risk>().toEqualTypeOf<z.output<typeof m16.RiskSchema>>();
    // row: findings/finding Severity SeveritySchema output
    expectTypeOf<m16.Severity>().toEqualTypeOf<z.output<typeof m16.SeveritySchema>>();
    // row: incidents/incident Incident IncidentSchema output
    expectTypeOf<m17.Incident>().toEqualTypeOf<z.output<typeof m17.IncidentSchema>>();
    // row: incidents/incident IncidentStep IncidentStepSchema output
    expectTypeOf<m17.IncidentStep>().toEqualTypeOf<z.output<typeof m17.IncidentStepSchema>>();
    // row: mcp/client-config McpServerEntry McpServerEntrySchema output
    expectTypeOf<m18.McpServerEntry>().toEqualTypeOf<z.output<typeof m18.McpServerEntrySchema>>();
    // row: otel/otlp-json OtlpSpan OtlpSpanSchema output
    expectTypeOf<m19.OtlpSpan>().toEqualTypeOf<z.output<typeof m19.OtlpSpanSchema>>();
    // row: otel/otlp-json OtlpTraceExport OtlpTraceExportSchema output
    expectTypeOf<m19.OtlpTraceExport>().toEqualTypeOf<z.output<typeof m19.OtlpTraceExportSchema>>();
    // row: payload/chunk PayloadChunk PayloadChunkSchema output
    expectTypeOf<m20.PayloadChunk>().toEqualTypeOf<z.output<typeof m20.PayloadChunkSchema>>();
    // row: payload/chunk PayloadDirection PayloadDirectionSchema output
    expectTypeOf<m20.PayloadDirection>().toEqualTypeOf<z.output<typeof m20.PayloadDirectionSchema>>();
    // row: payload/chunk PayloadMode PayloadModeSchema output
    expectTypeOf<m20.PayloadMode>().toEqualTypeOf<z.output<typeof m20.PayloadModeSchema>>();
    // row: payload/chunk PayloadTransport PayloadTransportSchema output
    expectTypeOf<m20.PayloadTransport>().toEqualTypeOf<z.output<typeof m20.PayloadTransportSchema>>();
    // row: payload/undecoded UndecodedKind UndecodedKindSchema output
    expectTypeOf<m38.UndecodedKind>().toEqualTypeOf<z.output<typeof m38.UndecodedKindSchema>>();
    // row: payload/undecoded UndecodedPayloads UndecodedPayloadsSchema output
    expectTypeOf<m38.UndecodedPayloads>().toEqualTypeOf<z.output<typeof m38.UndecodedPayloadsSchema>>();
    // row: payload/undecoded UndecodedStream UndecodedStreamSchema output
    expectTypeOf<m38.UndecodedStream>().toEqualTypeOf<z.output<typeof m38.UndecodedStreamSchema>>();
    // row: permissions/aws/iam-policy IamPolicyDocument IamPolicyDocumentSchema output
    expectTypeOf<m21.IamPolicyDocument>().toEqualTypeOf<z.output<typeof m21.IamPolicyDocumentSchema>>();
    // row: permissions/aws/iam-policy IamPrincipal IamPrincipalSchema output
    expectTypeOf<m21.IamPrincipal>().toEqualTypeOf<z.output<typeof m21.IamPrincipalSchema>>();
    // row: permissions/aws/iam-policy IamStatement IamStatementSchema output
    expectTypeOf<m21.IamStatement>().toEqualTypeOf<z.output<typeof m21.IamStatementSchema>>();
    // row: permissions/declared DeclaredContainer DeclaredContainerSchema output
    expectTypeOf<m22.DeclaredContainer>().toEqualTypeOf<z.output<typeof m22.DeclaredContainerSchema>>();
    // row: permissions/declared DeclaredPermissions DeclaredPermissionsSchema output
    expectTypeOf<m22.DeclaredPermissions>().toEqualTypeOf<z.output<typeof m22.DeclaredPermissionsSchema>>();
    // row: permissions/declared DeclaredSubject DeclaredSubjectSchema output
    expectTypeOf<m22.DeclaredSubject>().toEqualTypeOf<z.output<typeof m22.DeclaredSubjectSchema>>();
    // row: permissions/declared DeclaredWarning DeclaredWarningSchema output
    expectTypeOf<m22.DeclaredWarning>().toEqualTypeOf<z.output<typeof m22.DeclaredWarningSchema>>();
    // row: permissions/declared DeclaredWorkload DeclaredWorkloadSchema output
    expectTypeOf<m22.DeclaredWorkload>().toEqualTypeOf<z.output<typeof m22.DeclaredWorkloadSchema>>();
    // row: permissions/gap/report Coverage CoverageSchema output
    expectTypeOf<m23.Coverage>().toEqualTypeOf<z.output<typeof m23.CoverageSchema>>();
    // row: permissions/gap/report DomainGap DomainGapSchema output
    expectTypeOf<m23.DomainGap>().toEqualTypeOf<z.output<typeof m23.DomainGapSchema>>();
    // row: permissions/gap/report GapReport GapReportSchema output
    expectTypeOf<m23.GapReport>().toEqualTypeOf<z.output<typeof m23.GapReportSchema>>();
    // row: permissions/gap/report SkippedRecords SkippedRecordsSchema output
    expectTypeOf<m23.SkippedRecords>().toEqualTypeOf<z.output<typeof m23.SkippedRecordsSchema>>();
    // row: permissions/gap/report UnusedGrant UnusedGrantSchema output
    expectTypeOf<m23.UnusedGrant>().toEqualTypeOf<z.output<typeof m23.UnusedGrantSchema>>();
    // row: permissions/gap/report WorkloadGap WorkloadGapSchema output
    expectTypeOf<m23.WorkloadGap>().toEqualTypeOf<z.output<typeof m23.WorkloadGapSchema>>();
    // row: permissions/grant Grant GrantSchema output
    expectTypeOf<m24.Grant>().toEqualTypeOf<z.output<typeof m24.GrantSchema>>();
    // row: permissions/grant GrantInput GrantSchema input
    expectTypeOf<m24.GrantInput>().toEqualTypeOf<z.input<typeof m24.GrantSchema>>();
    // row: permissions/grant GrantSource GrantSourceSchema output
    expectTypeOf<m24.GrantSource>().toEqualTypeOf<z.output<typeof m24.GrantSourceSchema>>();
    // row: permissions/grant GrantTarget GrantTargetSchema output
    expectTypeOf<m24.GrantTarget>().toEqualTypeOf<z.output<typeof m24.GrantTargetSchema>>();
    // row: permissions/grant InherentRisk InherentRiskSchema output
    expectTypeOf<m24.InherentRisk>().toEqualTypeOf<z.output<typeof m24.InherentRiskSchema>>();
    // row: permissions/grant PermissionDomain PermissionDomainSchema output
    expectTypeOf<m24.PermissionDomain>().toEqualTypeOf<z.output<typeof m24.PermissionDomainSchema>>();
    // row: permissions/grant SubjectKind SubjectKindSchema output
    expectTypeOf<m24.SubjectKind>().toEqualTypeOf<z.output<typeof m24.SubjectKindSchema>>();
    // row: permissions/least-privilege/artifact ArtifactKind ArtifactKindSchema output
    expectTypeOf<m25.ArtifactKind>().toEqualTypeOf<z.output<typeof m25.ArtifactKindSchema>>();
    // row: permissions/least-privilege/artifact LeastPrivilege LeastPrivilegeSchema output
    expectTypeOf<m25.LeastPrivilege>().toEqualTypeOf<z.output<typeof m25.LeastPrivilegeSchema>>();
    // row: permissions/least-privilege/artifact LeastPrivilegeArtifact LeastPrivilegeArtifactSchema output
    expectTypeOf<m25.LeastPrivilegeArtifact>().toEqualTypeOf<
      z.output<typeof m25.LeastPrivilegeArtifactSchema>
    >();
    // row: permissions/least-privilege/generate McpToolAllowlist McpToolAllowlistSchema output
    expectTypeOf<m26.McpToolAllowlist>().toEqualTypeOf<z.output<typeof m26.McpToolAllowlistSchema>>();
    // row: permissions/mcp/mcp-config McpToolList McpToolListSchema output
    expectTypeOf<m27.McpToolList>().toEqualTypeOf<z.output<typeof m27.McpToolListSchema>>();
    // row: permissions/observed/cloudtrail CloudTrailRecord CloudTrailRecordSchema output
    expectTypeOf<m28.CloudTrailRecord>().toEqualTypeOf<z.output<typeof m28.CloudTrailRecordSchema>>();
    // row: permissions/observed/k8s-audit KubernetesAuditEvent KubernetesAuditEventSchema output
    expectTypeOf<m29.KubernetesAuditEvent>().toEqualTypeOf<z.output<typeof m29.KubernetesAuditEventSchema>>();
    // row: permissions/observed/use ObservedTarget ObservedTargetSchema output
    expectTypeOf<m30.ObservedTarget>().toEqualTypeOf<z.output<typeof m30.ObservedTargetSchema>>();
    // row: permissions/observed/use ObservedUse ObservedUseSchema output
    expectTypeOf<m30.ObservedUse>().toEqualTypeOf<z.output<typeof m30.ObservedUseSchema>>();
    // row: permissions/observed/use ObservedUseDocument ObservedUseDocumentSchema output
    expectTypeOf<m30.ObservedUseDocument>().toEqualTypeOf<z.output<typeof m30.ObservedUseDocumentSchema>>();
    // row: posture/compliance-evidence ComplianceEvidenceReport ComplianceEvidenceReportSchema output
    expectTypeOf<m31.ComplianceEvidenceReport>().toEqualTypeOf<
      z.output<typeof m31.ComplianceEvidenceReportSchema>
    >();
    // row: posture/maturity MaturityReport MaturityReportSchema output
    expectTypeOf<m32.MaturityReport>().toEqualTypeOf<z.output<typeof m32.MaturityReportSchema>>();
    // row: posture/maturity WorkloadMaturity WorkloadMaturitySchema output
    expectTypeOf<m32.WorkloadMaturity>().toEqualTypeOf<z.output<typeof m32.WorkloadMaturitySchema>>();
    // row: posture/maturity WorkloadPostureFacts WorkloadPostureFactsSchema output
    expectTypeOf<m32.WorkloadPostureFacts>().toEqualTypeOf<z.output<typeof m32.WorkloadPostureFactsSchema>>();
    // row: rag/config RagAgent RagAgentSchema output
    expectTypeOf<m33.RagAgent>().toEqualTypeOf<z.output<typeof m33.RagAgentSchema>>();
    // row: rag/config RagCollection RagCollectionSchema output
    expectTypeOf<m33.RagCollection>().toEqualTypeOf<z.output<typeof m33.RagCollectionSchema>>();
    // row: rag/config RagConfig RagConfigSchema output
    expectTypeOf<m33.RagConfig>().toEqualTypeOf<z.output<typeof m33.RagConfigSchema>>();
    // row: rag/config RagIngest RagIngestSchema output
    expectTypeOf<m33.RagIngest>().toEqualTypeOf<z.output<typeof m33.RagIngestSchema>>();
    // row: rag/config RagLabel RagLabelSchema output
    expectTypeOf<m33.RagLabel>().toEqualTypeOf<z.output<typeof m33.RagLabelSchema>>();
    // row: rag/config RagSubject RagSubjectSchema output
    expectTypeOf<m33.RagSubject>().toEqualTypeOf<z.output<typeof m33.RagSubjectSchema>>();
    // row: response/responder ResponseAction ResponseActionSchema output
    expectTypeOf<m34.ResponseAction>().toEqualTypeOf<z.output<typeof m34.ResponseActionSchema>>();
    // row: response/responder ResponsePlan ResponsePlanSchema output
    expectTypeOf<m34.ResponsePlan>().toEqualTypeOf<z.output<typeof m34.ResponsePlanSchema>>();
    // row: response/responder ResponseTrigger ResponseTriggerSchema output
    expectTypeOf<m34.ResponseTrigger>().toEqualTypeOf<z.output<typeof m34.ResponseTriggerSchema>>();
    // row: risk/rank RiskAdjustment RiskAdjustmentSchema output
    expectTypeOf<m35.RiskAdjustment>().toEqualTypeOf<z.output<typeof m35.RiskAdjustmentSchema>>();
    // row: risk/rank RiskRanking RiskRankingSchema output
    expectTypeOf<m35.RiskRanking>().toEqualTypeOf<z.output<typeof m35.RiskRankingSchema>>();
    // row: workload/kubelet-pods PodList PodListSchema output
    expectTypeOf<m36.PodList>().toEqualTypeOf<z.output<typeof m36.PodListSchema>>();
    // row: workload/workload-ref ContainerRuntime ContainerRuntimeSchema output
    expectTypeOf<m37.ContainerRuntime>().toEqualTypeOf<z.output<typeof m37.ContainerRuntimeSchema>>();
    // row: workload/workload-ref QosClass QosClassSchema output
    expectTypeOf<m37.QosClass>().toEqualTypeOf<z.output<typeof m37.QosClassSchema>>();
    // row: workload/workload-ref WorkloadKind WorkloadKindSchema output
    expectTypeOf<m37.WorkloadKind>().toEqualTypeOf<z.output<typeof m37.WorkloadKindSchema>>();
    // row: workload/workload-ref WorkloadRef WorkloadRefSchema output
    expectTypeOf<m37.WorkloadRef>().toEqualTypeOf<z.output<typeof m37.WorkloadRefSchema>>();
    // row: workload/workload-ref WorkloadRefInput WorkloadRefSchema input
    expectTypeOf<m37.WorkloadRefInput>().toEqualTypeOf<z.input<typeof m37.WorkloadRefSchema>>();
  });

  it('the index exports the same schema objects as the /schemas entry', () => {
    const published = Object.entries(zodSchemas);
    expect(published.length).toBeGreaterThan(0);
    for (const [name, schema] of published)
      expect([name, (index as Record<string, unknown>)[name]]).toEqual([name, schema]);
  });
});
