// Generated rows (scripts/schema-types/write-types.ts adds them): every public type written out
// from a zod schema must stay equal to what the schema infers. A drift fails `pnpm typecheck`.

import * as index from '@vigil/rules';
import * as zodSchemas from '@vigil/rules/schemas';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type * as m0 from '../src/api/exceptions.js';
import type * as m2 from '../src/api/rule-overrides.js';
import type * as m3 from '../src/scanners/advisories/schema.js';
import type * as m4 from '../src/scanners/mcp/definitions.js';
import type * as m5 from '../src/scanners/mcp/pins.js';
import type * as m6 from '../src/scanners/result.js';

describe('rules types written out from zod schemas', () => {
  it(`equal what their schemas infer`, () => {
    // row: api/exceptions ExceptionsDocument ExceptionsDocumentSchema output
    expectTypeOf<m0.ExceptionsDocument>().toEqualTypeOf<z.output<typeof m0.ExceptionsDocumentSchema>>();
    // row: api/exceptions RuleException RuleExceptionSchema input
    expectTypeOf<m0.RuleException>().toEqualTypeOf<z.input<typeof m0.RuleExceptionSchema>>();
    // row: api/rule-overrides RuleOverrideEntry RuleOverrideEntrySchema output
    expectTypeOf<m2.RuleOverrideEntry>().toEqualTypeOf<z.output<typeof m2.RuleOverrideEntrySchema>>();
    // row: api/rule-overrides RuleOverridesDocument RuleOverridesDocumentSchema output
    expectTypeOf<m2.RuleOverridesDocument>().toEqualTypeOf<z.output<typeof m2.RuleOverridesDocumentSchema>>();
    // row: scanners/advisories/schema AdvisorySet AdvisorySetSchema output
    expectTypeOf<m3.AdvisorySet>().toEqualTypeOf<z.output<typeof m3.AdvisorySetSchema>>();
    // row: scanners/advisories/schema AdvisorySourceFile AdvisorySourceFileSchema output
    expectTypeOf<m3.AdvisorySourceFile>().toEqualTypeOf<z.output<typeof m3.AdvisorySourceFileSchema>>();
    // row: scanners/advisories/schema OsvAdvisory OsvAdvisorySchema output
    expectTypeOf<m3.OsvAdvisory>().toEqualTypeOf<z.output<typeof m3.OsvAdvisorySchema>>();
    // row: scanners/mcp/definitions McpPrompt McpPromptSchema output
    expectTypeOf<m4.McpPrompt>().toEqualTypeOf<z.output<typeof m4.McpPromptSchema>>();
    // row: scanners/mcp/definitions McpResource McpResourceSchema output
    expectTypeOf<m4.McpResource>().toEqualTypeOf<z.output<typeof m4.McpResourceSchema>>();
    // row: scanners/mcp/definitions McpTool McpToolSchema output
    expectTypeOf<m4.McpTool>().toEqualTypeOf<z.output<typeof m4.McpToolSchema>>();
    // row: scanners/mcp/pins McpPinDocument McpPinDocumentSchema output
    expectTypeOf<m5.McpPinDocument>().toEqualTypeOf<z.output<typeof m5.McpPinDocumentSchema>>();
    // row: scanners/mcp/pins McpServerPin McpServerPinSchema output
    expectTypeOf<m5.McpServerPin>().toEqualTypeOf<z.output<typeof m5.McpServerPinSchema>>();
    // row: scanners/result ScanConnection ScanConnectionSchema output
    expectTypeOf<m6.ScanConnection>().toEqualTypeOf<z.output<typeof m6.ScanConnectionSchema>>();
    // row: scanners/result ScanResult ScanResultSchema output
    expectTypeOf<m6.ScanResult>().toEqualTypeOf<z.output<typeof m6.ScanResultSchema>>();
  });

  it('the index exports the same schema objects as the /schemas entry', () => {
    const published = Object.entries(zodSchemas);
    expect(published.length).toBeGreaterThan(0);
    for (const [name, schema] of published)
      expect([name, (index as Record<string, unknown>)[name]]).toEqual([name, schema]);
  });
});
