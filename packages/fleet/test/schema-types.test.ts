// Every public type written out from a zod schema must stay equal to what the schema infers.
// A drift fails `pnpm typecheck`.

import * as index from '@vigil/fleet';
import * as zodSchemas from '@vigil/fleet/schemas';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type * as m0 from '../src/message.js';
import type * as m1 from '../src/records.js';

describe('fleet types written out from zod schemas', () => {
  it(`equal what their schemas infer`, () => {
    expectTypeOf<m0.FleetMessage>().toEqualTypeOf<z.output<typeof m0.FleetMessageSchema>>();
    expectTypeOf<m0.NodeContext>().toEqualTypeOf<z.output<typeof m0.NodeContextSchema>>();
    expectTypeOf<m1.FleetBaseline>().toEqualTypeOf<z.output<typeof m1.FleetBaselineSchema>>();
    expectTypeOf<m1.FleetEventCount>().toEqualTypeOf<z.output<typeof m1.FleetEventCountSchema>>();
    expectTypeOf<m1.FleetFinding>().toEqualTypeOf<z.output<typeof m1.FleetFindingSchema>>();
    expectTypeOf<m1.FleetIncident>().toEqualTypeOf<z.output<typeof m1.FleetIncidentSchema>>();
    expectTypeOf<m1.FleetSighting>().toEqualTypeOf<z.output<typeof m1.FleetSightingSchema>>();
    expectTypeOf<m1.FleetSnapshot>().toEqualTypeOf<z.output<typeof m1.FleetSnapshotSchema>>();
  });

  it('the index exports the same schema objects as the /schemas entry', () => {
    const published = Object.entries(zodSchemas);
    expect(published.length).toBe(8);
    for (const [name, schema] of published)
      expect([name, (index as Record<string, unknown>)[name]]).toEqual([name, schema]);
  });

  it('the schemas parse what the fleet writes', () => {
    const node = { node: 'node-a', instance: '6f1c' };
    expect(index.NodeContextSchema.parse(node)).toEqual(node);
    const m = index.FleetMessageSchema.safeParse({
      v: 1,
      kind: 'events',
      node,
      workloadKey: 'k',
      ts: 1,
      body: {},
    });
    expect(m.success).toBe(true);
    expect(
      index.FleetMessageSchema.safeParse({ v: 2, kind: 'events', node, workloadKey: 'k', ts: 1 }).success,
    ).toBe(false);
  });
});
