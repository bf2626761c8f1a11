import { createHash } from 'node:crypto';
import {
  Baseline,
  type BaselineDocument,
  type Finding,
  type Incident,
  lazySchema,
  type Severity,
  type WorkloadRef,
} from '@vigil/core';
import {
  AiBomSchema,
  BaselineDocumentSchema,
  FindingSchema,
  IncidentSchema,
  ObservedUseDocumentSchema,
  SeveritySchema,
  WorkloadRefSchema,
} from '@vigil/core/schemas';
import { z } from 'zod';
import { type NodeContext, NodeContextSchema } from './message.js';
import { workloadToken } from './subjects.js';

/** A short, key-safe hash of a string (for key-value keys). */
export function keyToken(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 24);
}

/**
 * One node's sighting of a fleet finding or incident: where (node, cluster,
 * the workload instance), how often, first and last.
 *
 * @example
 * ```ts
 * const s: FleetSighting = { node: 'node-a', workload: { id: 'k8s:…', kind: 'kubernetes-pod' }, count: 2, firstTs: 1, lastTs: 2 };
 * ```
 */
export const FleetSightingSchema = lazySchema(() =>
  z.object({
    node: z.string(),
    cluster: z.string().optional(),
    workload: WorkloadRefSchema,
    count: z.number().int().nonnegative(),
    firstTs: z.number().nonnegative(),
    lastTs: z.number().nonnegative(),
  }),
);
/** @see {@link FleetSightingSchema} */
export interface FleetSighting {
  node: string;
  cluster?: string | undefined;
  workload: WorkloadRef;
  count: number;
  firstTs: number;
  lastTs: number;
}

/**
 * A finding across the fleet: reported once, with every node that saw it.
 * Counts are kept per node as the maximum that node reported, so a message
 * delivered twice or re-sent after a restart is not counted twice.
 *
 * @example
 * ```ts
 * for (const f of await view.findings()) console.log(f.finding.title, f.sightings.map((s) => s.node));
 * ```
 */
export const FleetFindingSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(1),
    kind: z.literal('vigil.fleet-finding'),
    workloadKey: z.string(),
    finding: FindingSchema,
    sightings: z.array(FleetSightingSchema),
  }),
);
/** @see {@link FleetFindingSchema} */
export interface FleetFinding {
  schemaVersion: 1;
  kind: 'vigil.fleet-finding';
  workloadKey: string;
  finding: Finding;
  sightings: FleetSighting[];
}

/**
 * An incident across the fleet, once, with every node that saw it (see {@link FleetFindingSchema}).
 *
 * @example
 * ```ts
 * const incident = FleetIncidentSchema.parse(entry.json());
 * ```
 */
export const FleetIncidentSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(1),
    kind: z.literal('vigil.fleet-incident'),
    workloadKey: z.string(),
    incident: IncidentSchema,
    sightings: z.array(FleetSightingSchema),
  }),
);
/** @see {@link FleetIncidentSchema} */
export interface FleetIncident {
  schemaVersion: 1;
  kind: 'vigil.fleet-incident';
  workloadKey: string;
  incident: Incident;
  sightings: FleetSighting[];
}

/**
 * The fleet's baseline of one workload and version: the merge of every
 * replica's, with the nodes that contributed.
 *
 * @example
 * ```ts
 * const b = Baseline.fromDocument(record.baseline);
 * ```
 */
export const FleetBaselineSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(1),
    kind: z.literal('vigil.fleet-baseline'),
    subject: z.string(),
    versionKey: z.string(),
    nodes: z.array(z.string()),
    status: z.enum(['learning', 'stable']),
    /** The merged baseline's content hash (`Baseline.version`). */
    version: z.string(),
    baseline: BaselineDocumentSchema,
  }),
);
/** @see {@link FleetBaselineSchema} */
export interface FleetBaseline {
  schemaVersion: 1;
  kind: 'vigil.fleet-baseline';
  subject: string;
  versionKey: string;
  nodes: string[];
  status: 'learning' | 'stable';
  /** The merged baseline's content hash (`Baseline.version`). */
  version: string;
  baseline: BaselineDocument;
}

/**
 * One node's latest snapshot of something about a workload (an AI-BOM or
 * observed use): a newer snapshot replaces an older one, so re-delivery of an
 * old message changes nothing.
 *
 * @example
 * ```ts
 * const snapshot = FleetSnapshotSchema.parse(entry.json());
 * ```
 */
export const FleetSnapshotSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(1),
    workloadKey: z.string(),
    node: NodeContextSchema,
    /** When the node enqueued it (ms). */
    ts: z.number(),
    /** The message id, to order snapshots with the same time. */
    id: z.string(),
    body: z.unknown(),
  }),
);
/** @see {@link FleetSnapshotSchema} */
export interface FleetSnapshot {
  schemaVersion: 1;
  workloadKey: string;
  node: NodeContext;
  /** When the node enqueued it (ms). */
  ts: number;
  /** The message id, to order snapshots with the same time. */
  id: string;
  body: unknown;
}

/**
 * Events counted per workload and node: the highest sequence each publisher instance reached.
 *
 * @example
 * ```ts
 * const counts = FleetEventCountSchema.parse(entry.json());
 * ```
 */
export const FleetEventCountSchema = lazySchema(() =>
  z.object({
    schemaVersion: z.literal(1),
    workloadKey: z.string(),
    node: z.string(),
    instances: z.record(z.string(), z.number().int().nonnegative()),
    kinds: z.record(z.string(), z.number().int().nonnegative()),
  }),
);
/** @see {@link FleetEventCountSchema} */
export interface FleetEventCount {
  schemaVersion: 1;
  workloadKey: string;
  node: string;
  instances: Record<string, number>;
  kinds: Record<string, number>;
}

/** The body schema of each message kind, as the hub validates it. */
export const FLEET_BODY_SCHEMAS = {
  finding: FindingSchema,
  incident: IncidentSchema,
  baseline: BaselineDocumentSchema,
  aibom: AiBomSchema,
  gap: ObservedUseDocumentSchema,
  events: lazySchema(() =>
    z.object({
      seq: z.number().int().positive(),
      events: z.array(z.object({ kind: z.string() }).loose()),
    }),
  ),
} as const;

// ---- merges: each commutative, associative and idempotent ----------------------------------

function mergeSighting(list: FleetSighting[], s: FleetSighting): FleetSighting[] {
  const cur = list.find((x) => x.node === s.node && x.workload.id === s.workload.id);
  if (!cur) return [...list, s].sort((a, b) => (a.node + a.workload.id < b.node + b.workload.id ? -1 : 1));
  return list.map((x) =>
    x === cur
      ? {
          ...x,
          count: Math.max(x.count, s.count),
          firstTs: Math.min(x.firstTs, s.firstTs),
          lastTs: Math.max(x.lastTs, s.lastTs),
        }
      : x,
  );
}

const rank = (s: Severity) => SeveritySchema.options.indexOf(s);

/**
 * Folds one node's report of a finding into the fleet finding.
 *
 * @example
 * ```ts
 * let fleet = mergeFleetFinding(undefined, findingFromA, { node: 'node-a' }, 'k8s:ai/agent/agent');
 * fleet = mergeFleetFinding(fleet, findingFromB, { node: 'node-b' }, 'k8s:ai/agent/agent');
 * ```
 */
export function mergeFleetFinding(
  cur: FleetFinding | undefined,
  finding: Finding,
  node: { node: string; cluster?: string | undefined },
  workloadKey: string,
): FleetFinding {
  const sighting: FleetSighting = {
    node: node.node,
    ...(node.cluster !== undefined ? { cluster: node.cluster } : {}),
    workload: finding.workload,
    count: finding.count ?? 1,
    firstTs: finding.ts,
    lastTs: finding.lastSeen ?? finding.ts,
  };
  if (!cur)
    return { schemaVersion: 1, kind: 'vigil.fleet-finding', workloadKey, finding, sightings: [sighting] };
  // The representative is the highest-severity, earliest report: the same whatever the order.
  const better =
    rank(finding.severity) > rank(cur.finding.severity) ||
    (finding.severity === cur.finding.severity && finding.ts < cur.finding.ts);
  return {
    ...cur,
    finding: better ? finding : cur.finding,
    sightings: mergeSighting(cur.sightings, sighting),
  };
}

/** Folds one node's report of an incident into the fleet incident. */
export function mergeFleetIncident(
  cur: FleetIncident | undefined,
  incident: Incident,
  node: { node: string; cluster?: string | undefined },
  workloadKey: string,
): FleetIncident {
  const sighting: FleetSighting = {
    node: node.node,
    ...(node.cluster !== undefined ? { cluster: node.cluster } : {}),
    workload: incident.workload,
    count: 1,
    firstTs: incident.firstTs,
    lastTs: incident.lastTs,
  };
  if (!cur)
    return { schemaVersion: 1, kind: 'vigil.fleet-incident', workloadKey, incident, sightings: [sighting] };
  const better =
    rank(incident.severity) > rank(cur.incident.severity) ||
    (incident.severity === cur.incident.severity && incident.chain.length > cur.incident.chain.length);
  return {
    ...cur,
    incident: better ? incident : cur.incident,
    sightings: mergeSighting(cur.sightings, sighting),
  };
}

/**
 * Folds replicas' baseline documents into the fleet baseline (core's `Baseline.merge`).
 *
 * @example
 * ```ts
 * const fleet = mergeFleetBaseline(undefined, [{ doc: a.toDocument(), node: 'node-a' }, { doc: b.toDocument(), node: 'node-b' }]);
 * ```
 */
export function mergeFleetBaseline(
  cur: FleetBaseline | undefined,
  incoming: readonly { doc: BaselineDocument; node: string }[],
): FleetBaseline {
  const first = incoming[0];
  if (!cur && !first) throw new Error('nothing to merge');
  const merged = Baseline.fromDocument(cur ? cur.baseline : first!.doc);
  for (const { doc } of cur ? incoming : incoming.slice(1)) merged.joinFrom(Baseline.fromDocument(doc));
  const nodes = new Set(cur?.nodes ?? []);
  for (const i of incoming) nodes.add(i.node);
  return {
    schemaVersion: 1,
    kind: 'vigil.fleet-baseline',
    subject: merged.subject,
    versionKey: merged.versionKey,
    nodes: [...nodes].sort(),
    status: merged.status,
    version: merged.version,
    baseline: merged.toDocument(),
  };
}

/** The key of a baseline in the baselines bucket: workload token and version token. */
export function baselineKey(subject: string, versionKey: string): string {
  return `${workloadToken(subject)}.${keyToken(versionKey).slice(0, 16)}`;
}

/** The newer of two snapshots (time, then message id). */
export function newerSnapshot(cur: FleetSnapshot | undefined, next: FleetSnapshot): FleetSnapshot {
  if (!cur) return next;
  return next.ts > cur.ts || (next.ts === cur.ts && next.id > cur.id) ? next : cur;
}

/** Folds an events message into a workload's count on one node. */
export function mergeEventCount(
  cur: FleetEventCount | undefined,
  workloadKey: string,
  node: string,
  instance: string,
  seq: number,
  kinds: readonly string[],
): FleetEventCount {
  const out: FleetEventCount = cur
    ? { ...cur, instances: { ...cur.instances }, kinds: { ...cur.kinds } }
    : { schemaVersion: 1, workloadKey, node, instances: {}, kinds: {} };
  const before = out.instances[instance] ?? 0;
  if (seq > before) {
    out.instances[instance] = seq;
    // Kinds are counted only for batches past the highest one seen, so a re-delivery adds nothing.
    if (seq - kinds.length >= before) for (const k of kinds) out.kinds[k] = (out.kinds[k] ?? 0) + 1;
  }
  return out;
}
