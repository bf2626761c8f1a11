/**
 * Vigil core: the event model, workload identity, capture files, event
 * sources and the pipeline facade, baselines and drift, the AI-BOM, declared
 * permissions and gap analysis, risk and maturity. Runs on any Node.js, with
 * no native code and no privileges.
 *
 * @packageDocumentation
 */

export * from './aibom/public.js';
// The application layer: check, learn and gap as facades over the pipeline.
export * from './app/public.js';
export * from './attribution/public.js';
// Each capability keeps its public surface in its own folder's `public.ts`.
export * from './baseline/public.js';
export type { CaptureDropSummary } from './capture/drops.js';
export {
  describeCaptureDrops,
  LOCAL_OUTPUT,
  summariseCaptureDrops,
  UNDECODED_PAYLOAD_PREFIX,
} from './capture/drops.js';
export type { CaptureHeader, CaptureHeaderInput, CaptureTrailer } from './capture/format.js';
export { CAPTURE_FORMAT_VERSION, SUPPORTED_CAPTURE_VERSIONS } from './capture/format.js';
export type { CaptureIntegrity, IncompleteCapture } from './capture/integrity.js';
export { describeCaptureIntegrity } from './capture/integrity.js';
export type { CaptureReaderOptions } from './capture/reader.js';
export { CaptureReader, readCapture } from './capture/reader.js';
export type { CaptureSummary, SeenCount, WorkloadSummary } from './capture/summary.js';
export { CaptureSummaryBuilder } from './capture/summary.js';
export type { CaptureWriterOptions } from './capture/writer.js';
export { CaptureWriter, DEFAULT_CAPTURE_FLUSH_INTERVAL_MS } from './capture/writer.js';
export * from './catalogue/public.js';
export * from './data-access/public.js';
export * from './enforcement/public.js';
export { fromZodError } from './errors/from-zod.js';
export type {
  ErrorLocation,
  ValidationIssue,
  VigilErrorCode,
  VigilErrorOptions,
} from './errors/vigil-error.js';
export { formatPath, isVigilError, VigilError } from './errors/vigil-error.js';
export { isLocalToolCall } from './events/local-tool.js';
export type {
  AddressFamily,
  BpfLoadEvent,
  CloudApiEvent,
  DnsQueryEvent,
  Envelope,
  EnvelopeInput,
  EventCause,
  EventInputOf,
  EventKind,
  EventOf,
  EventOrigin,
  FileAccess,
  FileOpenEvent,
  K8sApiEvent,
  MemfdCreateEvent,
  ModelCallEvent,
  ModuleLoadEvent,
  NetAcceptEvent,
  NetBindEvent,
  NetConnectEvent,
  NetListenEvent,
  NetTransferEvent,
  NsChangeEvent,
  PolicyViolationEvent,
  PrivChangeEvent,
  ProcessExecEvent,
  ProcessExitEvent,
  ProcessForkEvent,
  PtraceEvent,
  RetrievalEvent,
  ToolCallEvent,
  ToolDefinition,
  ToolListEvent,
  Transport,
  VigilEvent,
  VigilEventInput,
} from './events/schema.js';
export { EVENT_KINDS, EVENT_SCHEMA_VERSION, isEventKind } from './events/schema.js';
export type { ComplianceInput, ControlArea, ControlMapping, EvidenceFacet } from './findings/compliance.js';
export {
  AREA_CONTROLS,
  COMPLIANCE_MAPPINGS_VERSION,
  CONTROL_AREAS,
  complianceRefs,
  EVIDENCE_FACETS,
  MITRE_ATLAS,
  OWASP_AGENTIC_2026,
  OWASP_LLM_2025,
} from './findings/compliance.js';
export type {
  ComplianceFramework,
  ComplianceRef,
  Evidence,
  Finding,
  FindingCategory,
  FindingInput,
  FindingTags,
  Risk,
  Severity,
} from './findings/finding.js';
export { SEVERITIES, severityRank } from './findings/finding.js';
export { eventJsonSchema, findingJsonSchema } from './findings/json-schema.js';
export type { OrderedFinding } from './findings/order.js';
export { compareFindings } from './findings/order.js';
export { riskScore, SEVERITY_RISK } from './findings/risk-scale.js';
// Findings about one process tree joined into incidents.
export * from './incidents/public.js';
export * from './limits/public.js';
export type { McpClient, McpConfiguredServer, McpServerEntry } from './mcp/client-config.js';
export {
  isMcpClientConfig,
  MCP_CLIENT_CONFIG_LOCATIONS,
  mcpClientOf,
  mcpConfiguredServers,
} from './mcp/client-config.js';
export type { McpLaunch, McpServerSighting } from './mcp/launch-match.js';
export { declaredMcpServerFor, mcpLaunchMatches } from './mcp/launch-match.js';
export * from './otel/public.js';
export * from './output/public.js';
export * from './payload/public.js';
export * from './permissions/public.js';
export type { RunSummary, VigilEvents, VigilOptions } from './pipeline/vigil.js';
export { Vigil } from './pipeline/vigil.js';
export * from './posture/public.js';
// The RAG configuration: the corpus's ingest path, sensitive collections, agents' purposes.
export * from './rag/public.js';
export { documentRecord, safeParseDocument, scalarNumber, scalarText } from './readers/document-value.js';
export { parseJsonText } from './readers/json-input.js';
export type { ReadJsonFileOptions } from './readers/read-json.js';
export { parseJsonWithin, readJsonFile } from './readers/read-json.js';
export { readYamlFile } from './readers/read-yaml.js';
export type { InvalidRecordReason } from './readers/stream-text.js';
export * from './response/public.js';
export * from './risk/public.js';
// Schemas built on first use (how every schema of the packages is defined).
export { lazySchema } from './schemas/lazy.js';
// The schemas, typed by the structural VigilSchema (zod-typed: the `/schemas` subpath).
export * from './schemas/public.js';
export type {
  VigilEnumSchema,
  VigilSafeParseResult,
  VigilSchema,
  VigilSchemaError,
  VigilSchemaIssue,
} from './schemas/vigil-schema.js';
export { EventSourceBase } from './source/base-source.js';
// Event sources over spans, payloads and audit logs, beside the others (their parsers stay in otel/,
// payload/ and permissions/observed/).
export type { CloudTrailSourceOptions } from './source/cloudtrail-source.js';
export { CloudTrailSource } from './source/cloudtrail-source.js';
export type { EventSource, EventSourceOptions, SourceStats } from './source/event-source.js';
export type { KubernetesAuditSourceOptions } from './source/k8s-audit-source.js';
export { KubernetesAuditSource } from './source/k8s-audit-source.js';
export type { MemorySourceOptions } from './source/memory-source.js';
export { MemorySource } from './source/memory-source.js';
export { MergedSource } from './source/merged-source.js';
export type { OtelSpanSourceOptions } from './source/otel-span-source.js';
export { OtelSpanSource } from './source/otel-span-source.js';
export type { OtlpHttpSpanSourceOptions } from './source/otlp-http-source.js';
export { OtlpHttpSpanSource } from './source/otlp-http-source.js';
export type { PayloadSourceOptions } from './source/payload-source.js';
export { PayloadSource } from './source/payload-source.js';
export type { ReplaySourceOptions } from './source/replay-source.js';
export { ReplaySource } from './source/replay-source.js';
export type { Consumer, ConsumerContext } from './stream/consumer.js';
export type {
  DnsEnricherOptions,
  Enricher,
  ProcessInfo,
  ProcessTree,
  ProcessTreeOptions,
} from './stream/enricher.js';
export { DnsEnricher, ProcessTreeEnricher } from './stream/enricher.js';
// One vocabulary (credential paths, shells, interpreters, temp locations, kernel names) for every detector.
export * from './vocabulary/public.js';
export type {
  CgroupChanges,
  CgroupDiscoveryEvents,
  CgroupDiscoveryOptions,
  CgroupScanOptions,
  DiscoveredCgroup,
} from './workload/cgroup-discovery.js';
export {
  CgroupDiscovery,
  cgroupV2Mount,
  DEFAULT_DISCOVERED_KINDS,
  DEFAULT_DISCOVERY_INTERVAL_MS,
  diffCgroups,
  isWorkloadCgroup,
  scanCgroupTree,
} from './workload/cgroup-discovery.js';
export type { CgroupIdentity } from './workload/cgroup-path.js';
export { parseCgroupPath, workloadFromCgroupPath } from './workload/cgroup-path.js';
export type { CommandWorkloadName } from './workload/command-name.js';
export { commandWorkloadName } from './workload/command-name.js';
export type {
  PodContainer,
  PodList,
  PodListFetchOptions,
  PodMetadata,
  PodOwner,
} from './workload/kubelet-pods.js';
export {
  fetchPodList,
  KUBELET_PODS_URL,
  MAX_POD_LIST_BYTES,
  PodIndex,
  parsePodList,
} from './workload/kubelet-pods.js';
export {
  IMAGE_DIGEST_LABEL,
  kubernetesWorkload,
  NODE_LABEL,
  OWNER_KIND_LABEL,
  OWNER_NAME_LABEL,
  workloadIdentity,
} from './workload/kubernetes-workload.js';
export type {
  ContainerRuntime,
  QosClass,
  WorkloadKind,
  WorkloadRef,
  WorkloadRefInput,
} from './workload/workload-ref.js';
export { HOST_WORKLOAD } from './workload/workload-ref.js';
