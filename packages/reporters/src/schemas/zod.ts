/**
 * The zod schemas of `@vigil/reporters`, typed as zod types, for code that composes them
 * (`.extend()`, `.pick()`, nesting). Import from `@vigil/reporters/schemas`; the package index
 * exports the same objects typed by {@link VigilSchema}, whose declarations do not load zod.
 *
 * @packageDocumentation
 */
export { FindingsReportSchema } from '../formats/findings-report.js';
export { OcsfDetectionFindingSchema } from '../formats/ocsf.js';
