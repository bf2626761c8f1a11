/**
 * The zod schemas of `@vigil/rules`, typed as zod types, for code that composes them
 * (`.extend()`, `.pick()`, nesting). Import from `@vigil/rules/schemas`; the package index
 * exports the same objects typed by {@link VigilSchema}, whose declarations do not load zod.
 *
 * @packageDocumentation
 */

export { ExceptionsDocumentSchema, RuleExceptionSchema } from '../api/exceptions.js';
export { RulePackSchema } from '../api/pack.js';
export { RuleOverrideEntrySchema, RuleOverridesDocumentSchema } from '../api/rule-overrides.js';
export {
  AdvisorySetSchema,
  AdvisorySourceFileSchema,
  OsvAdvisorySchema,
} from '../scanners/advisories/schema.js';
export { McpPromptSchema, McpResourceSchema, McpToolSchema } from '../scanners/mcp/definitions.js';
export { McpPinDocumentSchema, McpServerPinSchema } from '../scanners/mcp/pins.js';
export { ScanConnectionSchema, ScanResultSchema } from '../scanners/result.js';
