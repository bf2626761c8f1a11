// Generated rows (scripts/schema-types/write-types.ts adds them): every public type written out
// from a zod schema must stay equal to what the schema infers. A drift fails `pnpm typecheck`.
import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type * as m0 from '../src/formats/findings-report.js';
import type * as m1 from '../src/formats/ocsf.js';

describe('reporters types written out from zod schemas', () => {
  it(`equal what their schemas infer`, () => {
    // row: formats/findings-report FindingsReport FindingsReportSchema output
    expectTypeOf<m0.FindingsReport>().toEqualTypeOf<z.output<typeof m0.FindingsReportSchema>>();
    // row: formats/ocsf OcsfDetectionFinding OcsfDetectionFindingSchema output
    expectTypeOf<m1.OcsfDetectionFinding>().toEqualTypeOf<z.output<typeof m1.OcsfDetectionFindingSchema>>();
  });
});
