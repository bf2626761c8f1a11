import { createHash } from 'node:crypto';
import { VigilError } from '@vigil/core';

/**
 * What a fleet message carries. Each kind has its own subject token, so a
 * consumer can select kinds with a subject filter.
 *
 * @example
 * ```ts
 * const kind: FleetMessageKind = 'baseline';
 * ```
 */
export type FleetMessageKind = 'finding' | 'incident' | 'baseline' | 'aibom' | 'gap' | 'events';

/**
 * Every {@link FleetMessageKind}, in a fixed order.
 *
 * @example
 * ```ts
 * for (const kind of FLEET_MESSAGE_KINDS) console.log(publisher.stats().enqueued[kind]);
 * ```
 */
export const FLEET_MESSAGE_KINDS: readonly FleetMessageKind[] = [
  'finding',
  'incident',
  'baseline',
  'aibom',
  'gap',
  'events',
];

/**
 * The number of partitions the fleet's subjects are split into unless configured otherwise.
 *
 * @example
 * ```ts
 * workloadPartition('k8s:ai/agent/agent', DEFAULT_FLEET_PARTITIONS);
 * ```
 */
export const DEFAULT_FLEET_PARTITIONS = 16;

/**
 * The subject prefix every fleet message is published under.
 *
 * @example
 * ```ts
 * const all = `${FLEET_SUBJECT_PREFIX}.>`;
 * ```
 */
export const FLEET_SUBJECT_PREFIX = 'vigil';

/**
 * A subject-safe token for a workload key (a baseline subject such as
 * `k8s:ai/agent/agent`): the first 16 hex digits of its SHA-256. NATS
 * subjects cannot carry `.`, `*`, `>` or spaces, and workload keys can.
 *
 * @example
 * ```ts
 * import { workloadToken } from '@vigil/fleet';
 *
 * workloadToken('k8s:ai/agent/agent'); // 16 hex digits, the same on every node
 * ```
 */
export function workloadToken(workloadKey: string): string {
  return createHash('sha256').update(workloadKey).digest('hex').slice(0, 16);
}

/**
 * The partition a workload's messages go to: every message about one
 * workload lands in one partition, so the hub that owns the partition sees
 * all of them (every replica, every node).
 *
 * @example
 * ```ts
 * import { workloadPartition } from '@vigil/fleet';
 *
 * workloadPartition('k8s:ai/agent/agent', 16); // 0..15
 * ```
 */
export function workloadPartition(
  workloadKey: string,
  partitions: number = DEFAULT_FLEET_PARTITIONS,
): number {
  checkPartitions(partitions);
  return Number.parseInt(workloadToken(workloadKey).slice(0, 8), 16) % partitions;
}

/**
 * The subject a message about a workload is published on:
 * `vigil.fleet.<partition>.<kind>.<workload token>` (the fleet stream), or
 * `vigil.events.<partition>.<workload token>` for events (the events
 * stream), the partition written with three digits. The partition comes
 * before the kind so that one consumer filter, `vigil.fleet.<partition>.>`,
 * selects a partition's every kind.
 *
 * @example
 * ```ts
 * import { fleetSubject } from '@vigil/fleet';
 *
 * fleetSubject('finding', 'k8s:ai/agent/agent'); // 'vigil.fleet.007.finding.3f…'
 * fleetSubject('events', 'k8s:ai/agent/agent'); // 'vigil.events.007.3f…'
 * ```
 */
export function fleetSubject(
  kind: FleetMessageKind,
  workloadKey: string,
  partitions: number = DEFAULT_FLEET_PARTITIONS,
): string {
  const p = partitionToken(workloadPartition(workloadKey, partitions));
  const w = workloadToken(workloadKey);
  return kind === 'events'
    ? `${FLEET_SUBJECT_PREFIX}.events.${p}.${w}`
    : `${FLEET_SUBJECT_PREFIX}.fleet.${p}.${kind}.${w}`;
}

/**
 * The subject filter that selects one partition of the fleet stream (every
 * kind but events) or of the events stream: what one hub consumer reads.
 *
 * @example
 * ```ts
 * import { partitionFilter } from '@vigil/fleet';
 *
 * partitionFilter(7); // 'vigil.fleet.007.>'
 * partitionFilter(7, 'events'); // 'vigil.events.007.>'
 * ```
 */
export function partitionFilter(partition: number, stream: 'fleet' | 'events' = 'fleet'): string {
  return `${FLEET_SUBJECT_PREFIX}.${stream}.${partitionToken(partition)}.>`;
}

/** The partition written as a subject token: three digits. */
function partitionToken(partition: number): string {
  if (!Number.isInteger(partition) || partition < 0 || partition > 999) {
    throw new VigilError('USAGE', `a fleet partition is an integer from 0 to 999, not ${partition}`);
  }
  return String(partition).padStart(3, '0');
}

function checkPartitions(partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1000) {
    throw new VigilError(
      'USAGE',
      `the fleet's partition count is an integer from 1 to 1000, not ${partitions}`,
    );
  }
}
