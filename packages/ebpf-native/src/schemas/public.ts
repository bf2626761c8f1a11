// The package's zod schemas as its index exports them: typed by the structural VigilSchema, so
// that the main entry's declarations do not load zod's (a strict consumer that uses no schema
// type-checks without them). The zod-typed schemas are in ./zod.ts (`@vigil/ebpf-native/schemas`).
import type { VigilSchema } from '@vigil/core';
import type { EnforcementFeatures, FeatureStatus, ProbeReport, RecordPath } from '../probe.js';
import * as zs from './zod.js';

/**
 * What `vigil enforce` can do here, from the features {@link probe} tried:
 * egress refusal, exec stopping (refused outright, or killed at exec), and
 * file rules (never: they need BPF-LSM's `file_open`, which the enforcer does not use).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `EnforcementFeaturesSchema` of `@vigil/ebpf-native/schemas`.
 *
 * @example
 * ```ts
 * const e = EnforcementFeaturesSchema.parse(report.enforcement);
 * if (!e.execRefuse.supported) console.log('execs are killed, not refused:', e.execRefuse.reason);
 * ```
 */
export const EnforcementFeaturesSchema: VigilSchema<EnforcementFeatures> = zs.EnforcementFeaturesSchema;

/**
 * One feature: supported, or not with the reason (the kernel's errno text and libbpf's message).
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `FeatureStatusSchema` of `@vigil/ebpf-native/schemas`.
 *
 * @example
 * ```ts
 * FeatureStatusSchema.parse({ supported: false, reason: 'load refused: Operation not permitted (errno 1)' });
 * ```
 */
export const FeatureStatusSchema: VigilSchema<FeatureStatus> = zs.FeatureStatusSchema;

/**
 * What this machine can do for live capture: platform, privileges, the addon,
 * and each BPF feature, probed by loading and attaching a minimal program.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `ProbeReportSchema` of `@vigil/ebpf-native/schemas`.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 *
 * const report = ProbeReportSchema.parse(JSON.parse(readFileSync('probe.json', 'utf8')));
 * ```
 */
export const ProbeReportSchema: VigilSchema<ProbeReport> = zs.ProbeReportSchema;

/**
 * The steps of `vigil record`, each tried for real by {@link probe}.
 *
 * Typed here by {@link VigilSchema}; the zod-typed schema is `RecordPathSchema` of `@vigil/ebpf-native/schemas`.
 *
 * @example
 * ```ts
 * const steps = RecordPathSchema.parse(report.record);
 * if (!steps.cgroupCreate.supported) console.log(steps.cgroupCreate.reason);
 * ```
 */
export const RecordPathSchema: VigilSchema<RecordPath> = zs.RecordPathSchema;
