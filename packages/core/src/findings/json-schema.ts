import { z } from 'zod';
import { EventSchema } from '../events/schema.js';
import { FindingSchema } from './finding.js';

/**
 * The event schema as JSON Schema (draft 2020-12), for consumers outside
 * TypeScript: validate Vigil events in Python, Go or a SIEM pipeline.
 *
 * @example
 * ```ts
 * import { eventJsonSchema } from '@vigil/core';
 *
 * writeFileSync('vigil-event.schema.json', JSON.stringify(eventJsonSchema(), null, 2));
 * ```
 */
export function eventJsonSchema(): Record<string, unknown> {
  return {
    $id: 'urn:vigil:schema:event:1',
    title: 'Vigil event',
    ...z.toJSONSchema(EventSchema, { io: 'input' }),
  };
}

/**
 * The finding schema as JSON Schema (draft 2020-12).
 *
 * @example
 * ```ts
 * import { findingJsonSchema } from '@vigil/core';
 *
 * const schema = findingJsonSchema();
 * ```
 */
export function findingJsonSchema(): Record<string, unknown> {
  return {
    $id: 'urn:vigil:schema:finding:1',
    title: 'Vigil finding',
    ...z.toJSONSchema(FindingSchema, { io: 'input' }),
  };
}
