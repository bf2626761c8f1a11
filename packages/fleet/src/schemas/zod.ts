/**
 * The zod schemas of `@vigil/fleet`, typed as zod types, for code that composes them
 * (`.extend()`, `.pick()`, nesting). Import from `@vigil/fleet/schemas`; the package index
 * exports the same objects typed by {@link VigilSchema}, whose declarations do not load zod.
 *
 * @packageDocumentation
 */

export { FleetMessageSchema, NodeContextSchema } from '../message.js';
export {
  FleetBaselineSchema,
  FleetEventCountSchema,
  FleetFindingSchema,
  FleetIncidentSchema,
  FleetSightingSchema,
  FleetSnapshotSchema,
} from '../records.js';
