/**
 * Vigil fleet: publishes what each node learns and finds to NATS JetStream,
 * and a hub that merges it into the fleet's baselines, findings and posture.
 *
 * @packageDocumentation
 */

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
