// The package's zod schemas as its index exports them: typed by the structural VigilSchema, so
// that the main entry's declarations do not load zod's (a strict consumer that uses no schema
// type-checks without them). The zod-typed schemas are in ./zod.ts (`@vigil/reporters/schemas`).
import type { VigilSchema } from '@vigil/core';
import type { FindingsReport } from '../formats/findings-report.js';
import type { OcsfDetectionFinding } from '../formats/ocsf.js';
import * as zs from './zod.js';

/**
 * The JSON findings report: what every text format is rendered from.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FindingsReportSchema` of `@vigil/reporters/schemas`.
 *
 * @example
 * ```ts
 * const report = FindingsReportSchema.parse(JSON.parse(text));
 * ```
 */
export const FindingsReportSchema: VigilSchema<FindingsReport> = zs.FindingsReportSchema;

/**
 * The parts of an OCSF 1.3 Detection Finding (class 2004) that Vigil fills:
 * every attribute the class requires, plus the optional ones it maps to.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `OcsfDetectionFindingSchema` of `@vigil/reporters/schemas`.
 *
 * @example
 * ```ts
 * const result = OcsfDetectionFindingSchema.safeParse(JSON.parse(text));
 * if (!result.success) throw fromZodError(result.error, 'OcsfDetectionFinding');
 * ```
 */
export const OcsfDetectionFindingSchema: VigilSchema<OcsfDetectionFinding> = zs.OcsfDetectionFindingSchema;
