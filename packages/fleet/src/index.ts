/**
 * Vigil fleet: publishes what each node learns and finds to NATS JetStream,
 * and a hub that merges it into the fleet's baselines, findings and posture.
 *
 * @packageDocumentation
 */

export { mergeAiBoms } from './aibom-merge.js';
// The node daemon: discovery, identity, continuous learning and checking on one node.
export type { RotatingCaptureOptions } from './daemon/capture-rotation.js';
export { RotatingCapture } from './daemon/capture-rotation.js';
export type { CheckedBaselineSource } from './daemon/checked-baselines.js';
export type { NodeDaemonEvents, NodeDaemonOptions, NodeDaemonStats } from './daemon/node-daemon.js';
export { NodeDaemon } from './daemon/node-daemon.js';
export type { DaemonRecord, DaemonSink } from './daemon/sink.js';
export { JsonLinesSink } from './daemon/sink.js';
export type { WorkloadResolverOptions } from './daemon/workload-resolver.js';
export { ResolvedSource, WorkloadResolver } from './daemon/workload-resolver.js';
export type { FleetHubEvents, FleetHubOptions, FleetHubStats } from './hub.js';
export { FleetHub } from './hub.js';
export type { FleetMessage, NodeContext } from './message.js';
export { FLEET_MESSAGE_VERSION, fleetMessageId } from './message.js';
export type { FleetOtlpExporter, OtlpRelayStats } from './otlp.js';
export type {
  FleetEventSelection,
  FleetPublishContext,
  FleetPublisherEvents,
  FleetPublisherOptions,
  FleetPublisherStats,
} from './publisher.js';
export { FleetPublisher } from './publisher.js';
export type {
  FleetBaseline,
  FleetEventCount,
  FleetFinding,
  FleetIncident,
  FleetSighting,
  FleetSnapshot,
} from './records.js';
export { mergeFleetBaseline, mergeFleetFinding } from './records.js';
// The schemas, typed by the structural VigilSchema (zod-typed: the `/schemas` subpath).
export * from './schemas/public.js';
export type { DecodedSegment, SpoolRecord } from './spool/segment.js';
export { decodeSpoolSegment, SPOOL_FORMAT_VERSION } from './spool/segment.js';
export type { SpooledRecord, SpoolOptions, SpoolPosition, SpoolStats } from './spool/spool.js';
export { DEFAULT_SPOOL_MAX_BYTES, DEFAULT_SPOOL_SEGMENT_BYTES, Spool } from './spool/spool.js';
export type { FleetBucket, FleetStreamOptions } from './streams.js';
export { ensureFleetStreams, FLEET_BUCKETS, FLEET_EVENTS_STREAM, FLEET_STREAM } from './streams.js';
export type { FleetMessageKind } from './subjects.js';
export {
  DEFAULT_FLEET_PARTITIONS,
  FLEET_MESSAGE_KINDS,
  FLEET_SUBJECT_PREFIX,
  fleetSubject,
  partitionFilter,
  workloadPartition,
  workloadToken,
} from './subjects.js';
export type { FleetPosture } from './view.js';
export { FleetView, fleetFindingAsFinding } from './view.js';
export type { FleetBaselineWatcherEvents } from './watcher.js';
export { FleetBaselineWatcher } from './watcher.js';
