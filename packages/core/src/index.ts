/**
 * Vigil core: the event model, workload identity, capture files, event
 * sources and the pipeline facade, baselines and drift, the AI-BOM, declared
 * permissions and gap analysis, risk and maturity. Runs on any Node.js, with
 * no native code and no privileges.
 *
 * @packageDocumentation
 */

export { VigilError, formatPath, isVigilError } from './errors/vigil-error.js';
export type { VigilErrorCode, ValidationIssue, ErrorLocation, VigilErrorOptions } from './errors/vigil-error.js';
export { fromZodError } from './errors/from-zod.js';

export {
  EVENT_SCHEMA_VERSION,
  EVENT_KINDS,
  EventSchema,
  EventSchemas,
  EnvelopeSchema,
  EventOriginSchema,
  FileAccessSchema,
  AddressFamilySchema,
  TransportSchema,
  ToolDefinitionSchema,
  isEventKind,
} from './events/schema.js';
export type {
  VigilEvent,
  VigilEventInput,
  EventKind,
  EventOf,
  Envelope,
  EventOrigin,
  FileAccess,
  ToolDefinition,
} from './events/schema.js';

export {
  WorkloadRefSchema,
  WorkloadKindSchema,
  ContainerRuntimeSchema,
  QosClassSchema,
  HOST_WORKLOAD,
} from './workload/workload-ref.js';
export type { WorkloadRef, WorkloadRefInput, WorkloadKind, ContainerRuntime, QosClass } from './workload/workload-ref.js';
export { parseCgroupPath, workloadFromCgroupPath } from './workload/cgroup-path.js';
export type { CgroupIdentity } from './workload/cgroup-path.js';

export {
  SeveritySchema,
  SEVERITIES,
  severityRank,
  FindingCategorySchema,
  EvidenceSchema,
  FindingTagsSchema,
  ComplianceFrameworkSchema,
  ComplianceRefSchema,
  RiskSchema,
  FindingSchema,
} from './findings/finding.js';
export type {
  Severity,
  FindingCategory,
  Evidence,
  FindingTags,
  ComplianceFramework,
  ComplianceRef,
  Risk,
  Finding,
  FindingInput,
} from './findings/finding.js';

export {
  CAPTURE_FORMAT_VERSION,
  SUPPORTED_CAPTURE_VERSIONS,
  CaptureHeaderSchema,
  CaptureTrailerSchema,
} from './capture/format.js';
export type { CaptureHeader, CaptureHeaderInput, CaptureTrailer } from './capture/format.js';
export { CaptureWriter } from './capture/writer.js';
export type { CaptureWriterOptions } from './capture/writer.js';
export { CaptureReader, readCapture } from './capture/reader.js';
export type { CaptureReaderOptions } from './capture/reader.js';

export type { EventSource, EventSourceOptions, SourceStats } from './source/event-source.js';
export { ReplaySource } from './source/replay-source.js';
export type { ReplaySourceOptions } from './source/replay-source.js';
export { MemorySource } from './source/memory-source.js';
export type { MemorySourceOptions } from './source/memory-source.js';

export { DnsEnricher, ProcessTreeEnricher } from './pipeline/enricher.js';
export type { Enricher, DnsEnricherOptions, ProcessInfo, ProcessTreeOptions } from './pipeline/enricher.js';
export { Vigil } from './pipeline/vigil.js';
export type { Consumer, ConsumerContext, VigilEvents, RunSummary, VigilOptions } from './pipeline/vigil.js';

// Each capability keeps its public surface in its own folder's `public.ts`.
export * from './baseline/public.js';
export * from './aibom/public.js';
export * from './permissions/public.js';
