// Generated rows (scripts/schema-types/write-types.ts adds them): every public type written out
// from a zod schema must stay equal to what the schema infers. A drift fails `pnpm typecheck`.
import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type * as m0 from '../src/probe.js';

describe('ebpf-native types written out from zod schemas', () => {
  it(`equal what their schemas infer`, () => {
    // row: probe EnforcementFeatures EnforcementFeaturesSchema output
    expectTypeOf<m0.EnforcementFeatures>().toEqualTypeOf<z.output<typeof m0.EnforcementFeaturesSchema>>();
    // row: probe FeatureStatus FeatureStatusSchema output
    expectTypeOf<m0.FeatureStatus>().toEqualTypeOf<z.output<typeof m0.FeatureStatusSchema>>();
    // row: probe ProbeReport ProbeReportSchema output
    expectTypeOf<m0.ProbeReport>().toEqualTypeOf<z.output<typeof m0.ProbeReportSchema>>();
    // row: probe RecordPath RecordPathSchema output
    expectTypeOf<m0.RecordPath>().toEqualTypeOf<z.output<typeof m0.RecordPathSchema>>();
  });
});
