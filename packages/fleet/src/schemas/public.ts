// The package's zod schemas as its index exports them: typed by the structural VigilSchema, so
// that the main entry's declarations do not load zod's (a strict consumer that uses no schema
// type-checks without them). The zod-typed schemas are in ./zod.ts (`@vigil/fleet/schemas`).
import type { VigilSchema } from '@vigil/core';
import type { FleetMessage, NodeContext } from '../message.js';
import type {
  FleetBaseline,
  FleetEventCount,
  FleetFinding,
  FleetIncident,
  FleetSighting,
  FleetSnapshot,
} from '../records.js';
import * as zs from './zod.js';

/**
 * The fleet's baseline of one workload and version: the merge of every
 * replica's, with the nodes that contributed.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FleetBaselineSchema` of `@vigil/fleet/schemas`.
 *
 * @example
 * ```ts
 * const b = Baseline.fromDocument(record.baseline);
 * ```
 */
export const FleetBaselineSchema: VigilSchema<FleetBaseline> = zs.FleetBaselineSchema;

/**
 * Events counted per workload and node: the highest sequence each publisher instance reached.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FleetEventCountSchema` of `@vigil/fleet/schemas`.
 *
 * @example
 * ```ts
 * const counts = FleetEventCountSchema.parse(entry.json());
 * ```
 */
export const FleetEventCountSchema: VigilSchema<FleetEventCount> = zs.FleetEventCountSchema;

/**
 * A finding across the fleet: reported once, with every node that saw it.
 * Counts are kept per node as the maximum that node reported, so a message
 * delivered twice or re-sent after a restart is not counted twice.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FleetFindingSchema` of `@vigil/fleet/schemas`.
 *
 * @example
 * ```ts
 * for (const f of await view.findings()) console.log(f.finding.title, f.sightings.map((s) => s.node));
 * ```
 */
export const FleetFindingSchema: VigilSchema<FleetFinding> = zs.FleetFindingSchema;

/**
 * An incident across the fleet, once, with every node that saw it (see {@link FleetFindingSchema}).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FleetIncidentSchema` of `@vigil/fleet/schemas`.
 *
 * @example
 * ```ts
 * const incident = FleetIncidentSchema.parse(entry.json());
 * ```
 */
export const FleetIncidentSchema: VigilSchema<FleetIncident> = zs.FleetIncidentSchema;

/**
 * Every fleet message: the kind, the node, the workload key (the baseline
 * subject replicas share), when it was enqueued (ms) and the body, whose
 * shape the kind decides (a finding, an incident, a baseline document, an
 * AI-BOM, an observed-use document or a batch of events).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FleetMessageSchema` of `@vigil/fleet/schemas`.
 *
 * @example
 * ```ts
 * import { FleetMessageSchema } from '@vigil/fleet';
 *
 * const m = FleetMessageSchema.parse(JSON.parse(text));
 * console.log(m.kind, m.node.node, m.workloadKey);
 * ```
 */
export const FleetMessageSchema: VigilSchema<FleetMessage> = zs.FleetMessageSchema;

/**
 * One node's sighting of a fleet finding or incident: where (node, cluster,
 * the workload instance), how often, first and last.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FleetSightingSchema` of `@vigil/fleet/schemas`.
 *
 * @example
 * ```ts
 * const s: FleetSighting = { node: 'node-a', workload: { id: 'k8s:…', kind: 'kubernetes-pod' }, count: 2, firstTs: 1, lastTs: 2 };
 * ```
 */
export const FleetSightingSchema: VigilSchema<FleetSighting> = zs.FleetSightingSchema;

/**
 * One node's latest snapshot of something about a workload (an AI-BOM or
 * observed use): a newer snapshot replaces an older one, so re-delivery of an
 * old message changes nothing.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FleetSnapshotSchema` of `@vigil/fleet/schemas`.
 *
 * @example
 * ```ts
 * const snapshot = FleetSnapshotSchema.parse(entry.json());
 * ```
 */
export const FleetSnapshotSchema: VigilSchema<FleetSnapshot> = zs.FleetSnapshotSchema;

/**
 * Where a message comes from: the node, the publisher instance on it (new
 * each start) and optional cluster and labels.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `NodeContextSchema` of `@vigil/fleet/schemas`.
 *
 * @example
 * ```ts
 * const ctx: NodeContext = { node: 'node-a', instance: '6f1c…', cluster: 'prod-eu' };
 * ```
 */
export const NodeContextSchema: VigilSchema<NodeContext> = zs.NodeContextSchema;
