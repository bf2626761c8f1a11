import { type JetStreamManager, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { VigilError } from '@vigil/core';
import { FLEET_SUBJECT_PREFIX } from './subjects.js';

/**
 * The stream of findings, incidents, baselines, AI-BOM and gap observations.
 *
 * @example
 * ```ts
 * const info = await jsm.streams.info(FLEET_STREAM);
 * ```
 */
export const FLEET_STREAM = 'VIGIL_FLEET';
/**
 * The stream of sampled events (kept for less time than the fleet stream).
 *
 * @example
 * ```ts
 * const info = await jsm.streams.info(FLEET_EVENTS_STREAM);
 * ```
 */
export const FLEET_EVENTS_STREAM = 'VIGIL_EVENTS';

/**
 * The key-value buckets the hub keeps the fleet's state in: merged
 * baselines, the stable ones daemons watch, fleet findings and incidents,
 * AI-BOM and gap snapshots per workload and node, event counts.
 *
 * @example
 * ```ts
 * const kv = await new Kvm(nc).open(FLEET_BUCKETS.stableBaselines);
 * ```
 */
export const FLEET_BUCKETS = {
  baselines: 'vigil-fleet-baselines',
  stableBaselines: 'vigil-fleet-stable-baselines',
  findings: 'vigil-fleet-findings',
  incidents: 'vigil-fleet-incidents',
  aibom: 'vigil-fleet-aibom',
  gaps: 'vigil-fleet-gaps',
  events: 'vigil-fleet-events',
} as const;

/**
 * The name of one of the {@link FLEET_BUCKETS}.
 *
 * @example
 * ```ts
 * const bucket: FleetBucket = 'findings';
 * ```
 */
export type FleetBucket = keyof typeof FLEET_BUCKETS;

/**
 * How the fleet's streams and buckets are made when they do not exist yet
 * (existing ones are used as they are).
 *
 * @example
 * ```ts
 * const options: FleetStreamOptions = { replicas: 3, maxAgeMs: 7 * 86_400_000 };
 * ```
 */
export interface FleetStreamOptions {
  /** Copies of every stream and bucket: 3 on a 3-node cluster. Default 1. */
  readonly replicas?: number;
  /** How long the fleet stream keeps messages. Default 7 days. */
  readonly maxAgeMs?: number;
  /** How long the events stream keeps messages. Default 1 day. */
  readonly eventsMaxAgeMs?: number;
  /** Byte limit of each stream (oldest dropped first). Default none. */
  readonly maxBytes?: number;
  /** The window in which JetStream drops a message id it has seen. Default 10 minutes. */
  readonly duplicateWindowMs?: number;
}

const DAY_MS = 86_400_000;
const ms = (n: number) => n * 1_000_000;

/**
 * Makes the fleet's two streams when they are missing. Publishers and hubs
 * both call it, so either can start first.
 *
 * @example
 * ```ts
 * import { connect } from '@nats-io/transport-node';
 * import { ensureFleetStreams } from '@vigil/fleet';
 *
 * const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
 * await ensureFleetStreams(nc, { replicas: 3 });
 * ```
 */
export async function ensureFleetStreams(
  nc: NatsConnection,
  options: FleetStreamOptions = {},
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const common = {
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: options.replicas ?? 1,
    duplicate_window: ms(options.duplicateWindowMs ?? 10 * 60_000),
    max_bytes: options.maxBytes ?? -1,
  };
  await addStream(jsm, {
    ...common,
    name: FLEET_STREAM,
    subjects: [`${FLEET_SUBJECT_PREFIX}.fleet.>`],
    max_age: ms(options.maxAgeMs ?? 7 * DAY_MS),
  });
  await addStream(jsm, {
    ...common,
    name: FLEET_EVENTS_STREAM,
    subjects: [`${FLEET_SUBJECT_PREFIX}.events.>`],
    max_age: ms(options.eventsMaxAgeMs ?? DAY_MS),
  });
}

async function addStream(jsm: JetStreamManager, config: Parameters<JetStreamManager['streams']['add']>[0]) {
  try {
    await jsm.streams.info(config.name!);
    return;
  } catch (err) {
    if (!isNotFound(err)) throw natsError(`cannot look up the stream ${config.name}`, err);
  }
  try {
    await jsm.streams.add(config);
  } catch (err) {
    // Another publisher or hub made it first.
    if (!/already in use|exists/i.test(String((err as Error).message))) {
      throw natsError(`cannot create the stream ${config.name}`, err);
    }
  }
}

/**
 * Opens the fleet's key-value buckets, making missing ones.
 *
 * @example
 * ```ts
 * const buckets = await openFleetBuckets(nc, { replicas: 3 });
 * const entry = await buckets.findings.get(key);
 * ```
 */
export async function openFleetBuckets(
  nc: NatsConnection,
  options: FleetStreamOptions = {},
): Promise<Record<FleetBucket, KV>> {
  const kvm = new Kvm(nc);
  const out: Partial<Record<FleetBucket, KV>> = {};
  for (const [k, name] of Object.entries(FLEET_BUCKETS) as [FleetBucket, string][]) {
    try {
      out[k] = await kvm.create(name, { replicas: options.replicas ?? 1, history: 1 });
    } catch (err) {
      throw natsError(`cannot open the key-value bucket ${name}`, err);
    }
  }
  return out as Record<FleetBucket, KV>;
}

/**
 * Opens the fleet's buckets for reading only; fails when the hub has not
 * made them.
 */
export async function bindFleetBuckets(nc: NatsConnection): Promise<Record<FleetBucket, KV>> {
  const kvm = new Kvm(nc);
  const out: Partial<Record<FleetBucket, KV>> = {};
  for (const [k, name] of Object.entries(FLEET_BUCKETS) as [FleetBucket, string][]) {
    try {
      const kv = await kvm.open(name);
      await kv.status(); // opening alone does not look the bucket up
      out[k] = kv;
    } catch (err) {
      throw natsError(
        `cannot open the key-value bucket ${name} (has a vigil hub run against this NATS?)`,
        err,
      );
    }
  }
  return out as Record<FleetBucket, KV>;
}

function isNotFound(err: unknown): boolean {
  return /not found/i.test(String((err as Error)?.message));
}

/** A NATS failure as a VigilError. */
export function natsError(what: string, cause: unknown): VigilError {
  return new VigilError('IO', `${what}: ${cause instanceof Error ? cause.message : String(cause)}`, {
    cause,
  });
}
