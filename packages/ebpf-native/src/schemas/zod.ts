/**
 * The zod schemas of `@vigil/ebpf-native`, typed as zod types, for code that composes them
 * (`.extend()`, `.pick()`, nesting). Import from `@vigil/ebpf-native/schemas`; the package index
 * exports the same objects typed by {@link VigilSchema}, whose declarations do not load zod.
 *
 * @packageDocumentation
 */
export {
  EnforcementFeaturesSchema,
  FeatureStatusSchema,
  ProbeReportSchema,
  RecordPathSchema,
} from '../probe.js';
