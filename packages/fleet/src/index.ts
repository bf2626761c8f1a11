/**
 * Vigil fleet: publishes what each node learns and finds to NATS JetStream,
 * and a hub that merges it into the fleet's baselines, findings and posture.
 *
 * @packageDocumentation
 */

// The node daemon: discovery, identity, continuous learning and checking on one node.
export type { RotatingCaptureOptions } from './daemon/capture-rotation.js';
export { RotatingCapture } from './daemon/capture-rotation.js';
export type { NodeDaemonEvents, NodeDaemonOptions, NodeDaemonStats } from './daemon/node-daemon.js';
export { NodeDaemon } from './daemon/node-daemon.js';
export type { DaemonRecord, DaemonSink } from './daemon/sink.js';
export { JsonLinesSink } from './daemon/sink.js';
export type { WorkloadResolverOptions } from './daemon/workload-resolver.js';
export { ResolvedSource, WorkloadResolver } from './daemon/workload-resolver.js';
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
